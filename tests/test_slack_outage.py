"""Slack down for 30 s while people work: nothing is lost, nothing is sent twice, nothing out of order.

Every chat.postMessage and chat.update answers HTTP 500, then `ok: false` with `internal_error`,
for 30 s, while a recruiter adds a candidate, advances two others and ticks a checklist, and an
interviewer submits a scorecard, all over signed HTTP. The dispatcher ticks as under `serve` (a real
APScheduler, the real backoff). Once Slack answers again, every card shows its latest state, and
every thread reply and DM has arrived exactly once, in the order it was written.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import col, select, update

from blocks.candidate import ADVANCE, card_blocks
from blocks.common import to_dicts
from bot.delivery.dispatcher import Dispatcher
from bot.rules.pipeline import candidate_view
from bot.rules.thread_notes import refresh_card
from bot.slack.client import dispatcher_client
from bot.wiring.scheduler import start_ticking
from models.tables import Candidate, OutboxMessage
from tests.conftest import CANDIDATE, HIRING_CHANNEL, HIRING_MANAGER, INTERVIEWER_1, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    click_card,
    dms,
    make_role,
    new_candidate_values,
    open_new_candidate,
    reload,
    schedule_round_via_card,
    submit_scorecard_via_dm,
    wait_replies,
)
from tests.test_checklists import tick
from tests.test_rounds import ENDS

OUTAGE = 30.0
METHODS = ("chat.postMessage", "chat.update")


def pending(app: RunningApp) -> list[OutboxMessage]:
    with app.services.db.read() as session:
        return list(
            session.exec(
                select(OutboxMessage).where(OutboxMessage.state == "pending", OutboxMessage.due_at <= app.clock.now())
            )
        )


def posted(app: RunningApp) -> list[dict]:
    """Every message Slack holds that the bot posted from the outbox: channel messages, thread
    replies and DMs."""
    return [
        {**message, "channel": channel}
        for channel, message in app.slack.every_message()
        if (message.get("metadata") or {}).get("event_type") == "interview_bot_outbox"
    ]


def setup(app: RunningApp) -> dict[str, Candidate]:
    """Before the outage: three candidates on their cards, one at the offer stage (a checklist), one
    whose round with INTERVIEWER_1 is over, its scorecard request in their DM."""
    make_role(app)
    ada = add_candidate(app, name="Ada Advance", email="ada@example.org", slack_user=CANDIDATE)
    bo = add_candidate(app, name="Bo Advance", email="bo@example.org")
    cy = add_candidate(app, name="Cy Checklist", email="cy@example.org")
    dee = add_candidate(app, name="Dee Debrief", email="dee@example.org")
    with app.services.db.transaction() as session:
        session.exec(update(Candidate).where(col(Candidate.id) == cy.id).values(stage_key="offer"))
        refresh_card(session, session.get(Candidate, cy.id), app.clock.now())  # type: ignore[arg-type]
    click_card(app, RECRUITER, dee, ADVANCE)
    wait_replies(app, dee, 2)
    schedule_round_via_card(app, reload(app, dee), interviewers=[INTERVIEWER_1])
    wait_replies(app, dee, 3)
    app.clock.set(ENDS + timedelta(minutes=5))
    app.wait_idle()
    Dispatcher(app.services, app.services.slack, channel_interval=timedelta(0)).run_once(app.clock.now())
    assert not pending(app)
    return {"ada": reload(app, ada), "bo": reload(app, bo), "cy": reload(app, cy), "dee": reload(app, dee)}


def test_nothing_is_lost_twice_sent_or_reordered_while_slack_is_down(app: RunningApp) -> None:
    if not app.services.db.is_sqlite:
        # Its subject is Slack failing, not the database: it waits out a real 30 s, once. The
        # dispatcher's PostgreSQL claims have their own tests (tests/test_reliability.py).
        pytest.skip("run on SQLite only")
    people = setup(app)
    before = {m["metadata"]["event_payload"]["outbox_id"] for m in posted(app)}
    app.slack.while_waiting = None  # only the dispatcher delivers from here on, as in production
    scheduler = start_ticking(
        Dispatcher(app.services, dispatcher_client(app.services.settings), channel_interval=timedelta(0)), seconds=1
    )
    try:
        app.slack.outage(METHODS, OUTAGE)
        view = open_new_candidate(app)
        response = app.client.view_submission(
            RECRUITER, view, new_candidate_values(name="Eve Added", email="eve@example.org")
        )
        assert response.status_code == 200 and not response.text, response.text
        click_card(app, RECRUITER, people["ada"], ADVANCE)
        click_card(app, RECRUITER, people["bo"], ADVANCE)
        tick(app, RECRUITER, people["cy"], [0, 1])
        submit_scorecard_via_dm(app, INTERVIEWER_1)
        app.wait_idle()
        # Slack is still failing: what was written waits in the outbox, none of it given up.
        assert not app.slack.outage_over() and pending(app)
        deadline = time.monotonic() + OUTAGE + 60
        while (pending(app) or not app.slack.outage_over()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not pending(app), "still pending once Slack answered again"
    finally:
        scheduler.shutdown(wait=True)

    with app.services.db.read() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        assert not [r for r in rows if r.state == "dead"]
        candidates = session.exec(select(Candidate)).all()
        # Every card shows its latest state.
        for candidate in candidates:
            (parent,) = [m for m in app.slack.messages(HIRING_CHANNEL) if m["ts"] == candidate.thread_ts]
            view = candidate_view(session, app.services.kits, candidate, app.clock.now())
            assert parent["blocks"] == to_dicts(card_blocks(view)), candidate.name

    # Every thread reply and DM arrived exactly once...
    messages = posted(app)
    ids = Counter(m["metadata"]["event_payload"]["outbox_id"] for m in messages)
    assert [i for i, n in ids.items() if n > 1] == []
    first_cards = {min(r.id for r in rows if r.kind == "card" and r.candidate_id == c.id) for c in candidates}
    expected = {r.id for r in rows if r.state == "sent" and (r.kind != "card" or r.id in first_cards)}
    assert set(ids) == expected
    new = set(ids) - before
    kinds = Counter(r.kind for r in rows if r.id in new)
    # Eve's card (its later refreshes are edits) and note, Ada's and Bo's notes (and Ada's next
    # step), two ticks, the scorecard's note, and its debrief in the thread and to the hiring manager
    # and the recruiter.
    assert kinds == {"card": 1, "thread_note": 6, "next_step": 1, "debrief_thread": 1, "debrief": 2}
    # ... in the order it was written, in each thread.
    for candidate in candidates:
        thread = [
            m["metadata"]["event_payload"]["outbox_id"]
            for m in messages
            if m.get("thread_ts") == candidate.thread_ts and m["ts"] != candidate.thread_ts
        ]
        assert thread == sorted(thread), candidate.name
    assert "Next step" in dms(app, CANDIDATE)[-1]
    assert "Debrief: Dee Debrief" in dms(app, HIRING_MANAGER)[-1] and "Debrief: Dee Debrief" in dms(app, RECRUITER)[-1]
