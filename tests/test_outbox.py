"""The dispatcher under a real APScheduler, Slack's rate limits and failures, and what a
candidate can ever receive."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import select

import bot.delivery.dispatcher as dispatcher_module
from bot.delivery.dispatcher import Dispatcher, PassResult
from bot.delivery.kinds import RENDERERS
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.kits import inner_model
from bot.rules.message_kinds import Kind, outbox_row
from bot.slack.client import dispatcher_client
from bot.wiring.db import Database
from bot.wiring.scheduler import start_ticking
from bot.wiring.settings import SHIPPED_KITS
from models.kit import Kit, Stage, candidate_fields
from models.tables import OutboxMessage
from tests.conftest import (
    CANDIDATE,
    INTERVIEWER_1,
    INTERVIEWER_2,
    RECRUITER,
    RunningApp,
    make_settings,
    running_app,
    services_for,
)
from tests.flows import (
    add_candidate,
    click_card,
    dm_files,
    make_role,
    replies,
    schedule_round_via_card,
    unpaced_dispatcher,
    wait_replies,
    working_day,
)
from tests.test_reliability import deliveries
from tests.test_rounds import ENDS, dms, scheduled


def test_serve_ticks_the_dispatcher_and_sends_within_two_seconds(app: RunningApp) -> None:
    # The same tick as `interview-bot serve`: APScheduler every second, in-memory job store.
    scheduler = start_ticking(Dispatcher(app.services, dispatcher_client(app.services.settings)), seconds=1.0)
    try:
        make_role(app)
        candidate = add_candidate(app, slack_user=CANDIDATE)
        click_card(app, RECRUITER, candidate, "candidate_advance")
        wait_replies(app, candidate, 2)
        before = len(dms(app, CANDIDATE))
        response = schedule_round_via_card(app, candidate, interviewers=[INTERVIEWER_1])
        committed = time.monotonic()  # the round and its prep guide are in the outbox once this answers
        assert response.status_code == 200 and not response.text
        app.slack.wait_for(lambda: len(dms(app, CANDIDATE)) > before and "is scheduled" in dms(app, CANDIDATE)[-1])
        assert time.monotonic() - committed <= 2.5
    finally:
        scheduler.shutdown(wait=True)


def test_rate_limit_is_honoured_then_sent(app: RunningApp) -> None:
    scheduled(app)
    app.slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    dispatcher = unpaced_dispatcher(app.services, dispatcher_client(app.services.settings))
    assert str(dispatcher.run_once(app.clock.now())) == "sent 0, retried 1, gave up 0, skipped 0"
    # Retry-After is one second: nothing is claimed before then.
    assert str(dispatcher.run_once(app.clock.now())) == "sent 0, retried 0, gave up 0, skipped 0"
    time.sleep(1.1)
    # The prep guide and the two interviewers' invites.
    assert str(dispatcher.run_once(app.clock.now())) == "sent 3, retried 0, gave up 0, skipped 0"
    with app.services.db.read() as session:
        (prep,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "prep")).all()
    assert prep.state == "sent" and prep.attempts == 1


PREP_AND_NOTICE = (Kind.prep, Kind.dead_letter)


def test_failing_message_ends_dead_and_the_recruiter_is_told(app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> None:
    scheduled(app)
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    app.slack.fail_next("chat.postMessage", error="internal_error", status=500, times=dispatcher_module.MAX_ATTEMPTS)
    # The prep guide alone (the interviewers' invites are not what this is about).
    dispatcher = unpaced_dispatcher(app.services, dispatcher_client(app.services.settings), PREP_AND_NOTICE)
    results = [str(dispatcher.run_once(app.clock.now())) for _ in range(dispatcher_module.MAX_ATTEMPTS)]
    assert results[:-1] == ["sent 0, retried 1, gave up 0, skipped 0"] * (dispatcher_module.MAX_ATTEMPTS - 1)
    # The notice is a row of its own, queued when the prep gave up and sent in the same pass.
    assert results[-1] == "sent 1, retried 0, gave up 1, skipped 0"
    with app.services.db.read() as session:
        (prep,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "prep")).all()
        (notice_row,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "dead_letter")).all()
    assert (prep.state, prep.attempts, prep.last_error) == ("dead", dispatcher_module.MAX_ATTEMPTS, "internal_error")
    assert (notice_row.target, notice_row.state) == (RECRUITER, "sent")
    # By DM to the role's recruiter: the thread may be what failed.
    notice = dms(app, RECRUITER)[-1]
    assert (
        "could not deliver the prep guide about *Casey Candidate*" in notice
        and f"after {dispatcher_module.MAX_ATTEMPTS} attempts" in notice
    )
    assert f"<@{CANDIDATE}>" in notice


MARKER = "ZQX-INTERNAL"


def mark(model: Any, data: Any) -> Any:
    """Put MARKER in every interviewer-only text of a kit (keys, kinds and stage names excepted)."""
    from pydantic import BaseModel

    if not isinstance(data, dict):
        return data
    public = candidate_fields(model) | {"key", "kind", "level", "name", "company"}
    if model is Stage:
        public |= {"questions"}  # question keys, not text
    for name, field in model.model_fields.items():
        value = data.get(name)
        inner = inner_model(field.annotation)
        if value is None or name in public:
            continue
        if isinstance(value, str):
            data[name] = (MARKER + " " + value)[: 75 if name in ("positive", "negative") else 2900]
        elif isinstance(value, list):
            if inner is not None and issubclass(inner, BaseModel):
                data[name] = [mark(inner, v) for v in value]
            else:
                data[name] = [(MARKER + " " + v)[:75] if isinstance(v, str) else v for v in value]
        elif isinstance(value, dict) and inner is not None:
            data[name] = mark(inner, value)
    return data


def test_no_interviewer_only_text_ever_reaches_a_candidate(db: Database, slack: SlackStandIn, tmp_path: Path) -> None:
    source = yaml.safe_load((SHIPPED_KITS / "backend-mid.yaml").read_text())
    marked = mark(Kit, source)
    # Indicators must stay unique per question once prefixed and clipped.
    for question in marked["questions"]:
        for side in ("positive", "negative"):
            question[side] = [
                f"{MARKER} {i} {text[len(MARKER) + 1 :]}"[:75] for i, text in enumerate(question.get(side, []))
            ]
    (tmp_path / "marked.yaml").write_text(yaml.safe_dump(marked, sort_keys=False))
    with running_app(db, slack, kits_dir=tmp_path) as app:
        kit = app.services.kits.kits["backend-mid"]
        assert MARKER in kit.questions[0].prompt and MARKER in (kit.stages[1].interviewer_guide or MARKER)
        make_role(app)
        candidate = add_candidate(app, slack_user=CANDIDATE)
        dispatcher = unpaced_dispatcher(app.services)
        for number, stage in enumerate(kit.stages[1:], start=2):
            click_card(app, RECRUITER, candidate, "candidate_advance")
            wait_replies(app, candidate, len(replies(app, candidate)) + 1)
            if stage.duration_minutes:
                response = schedule_round_via_card(
                    app, candidate, stage=stage.key, interviewers=[INTERVIEWER_1, INTERVIEWER_2],
                    date=working_day(app, 3),
                )  # fmt: skip
                assert not response.text, response.text
                dispatcher.run_once(app.clock.now() + timedelta(days=3))
            app.clock.advance(timedelta(days=4))
            del number
        received = dms(app, CANDIDATE)
        assert len(received) >= len(kit.stages) + 4  # next-step notes, prep guides and reminders
        assert any(MARKER in m for m in dms(app, INTERVIEWER_1))  # the briefings do carry it
        leaks = [m for m in received if MARKER in m]
        assert leaks == []
        # The invites too: the candidate's files carry none of it, an interviewer's do (unfolded
        # first: iCalendar folds lines at 75 octets, which could split the marker).
        files = [data.replace(b"\r\n ", b"").decode() for data in dm_files(app, CANDIDATE)]
        assert files and [f for f in files if MARKER in f] == []
        assert any(MARKER in data.replace(b"\r\n ", b"").decode() for data in dm_files(app, INTERVIEWER_1))


def big_kit() -> dict[str, Any]:
    questions = [
        {
            "key": f"q{i}",
            "kind": "competency",
            "title": f"Question {i}",
            "prompt": f"Prompt {i}",
            "positive": [f"Positive {i}.{j}" for j in range(12)],
            "negative": [f"Negative {i}.{j}" for j in range(11)],
            "anchors": {"exceeds": "E", "meets": "M", "below": "B"},
        }
        for i in range(20)
    ]
    return {
        "key": "huge",
        "title": "Huge kit",
        "questions": questions,
        "stages": [
            {"key": "marathon", "name": "Marathon", "kind": "interview", "duration_minutes": 240,
             "questions": [q["key"] for q in questions], "prep": "Bring water."},
        ],
    }  # fmt: skip


def test_round_too_big_for_one_modal_uses_pages_and_split_groups(
    db: Database, slack: SlackStandIn, tmp_path: Path
) -> None:
    from tests.flows import submit_scorecard_via_dm

    (tmp_path / "huge.yaml").write_text(yaml.safe_dump(big_kit()))
    with running_app(db, slack, kits_dir=tmp_path) as app:
        make_role(app, kit="huge")
        candidate = add_candidate(app, slack_user=CANDIDATE)
        schedule_round_via_card(app, candidate, stage="marathon", interviewers=[INTERVIEWER_1])
        app.clock.set(ENDS + timedelta(hours=4))
        unpaced_dispatcher(app.services).run_once(app.clock.now())
        responses = submit_scorecard_via_dm(app, INTERVIEWER_1, pick=2)
        assert [r.json().get("response_action") for r in responses] == ["push"] * (len(responses) - 1) + ["clear"]
        assert len(responses) == 2  # 20 questions of 7 blocks: 13 fit the first page
        first = app.slack.calls_to("views.open")[-1].args["view"]
        groups = [b for b in first["blocks"] if b.get("block_id", "").startswith("pos:0:")]
        assert [len(b["element"]["options"]) for b in groups] == [10, 2]
        from models.tables import QuestionRating

        with app.services.db.read() as session:
            ratings = session.exec(select(QuestionRating)).all()
        assert len(ratings) == 20
        # Two ticked in each group of ten: 2 + 2 positive, 2 + 1 negative.
        assert all(len(r.positive_observed) == 4 and len(r.negative_observed) == 3 for r in ratings)


def seed_burst(db: Database, slack: SlackStandIn, per_user: dict[str, int]) -> dict[str, list[int]]:
    """Due messages written as the app would, `per_user[u]` of them to each user, one user after another."""
    from tests.test_reliability import seed_messages

    (first,) = seed_messages(db, slack, 1, users=1)
    now = datetime.now(UTC)
    with db.transaction() as session:
        seeded = session.get(OutboxMessage, first)
        assert seeded is not None
        session.delete(seeded)
        for user, count in per_user.items():
            slack.add_user(user, user.lower())
            for n in range(count):
                session.add(
                    outbox_row(Kind.briefing, user, seeded.candidate_id, seeded.interview_id, now, now, f"b{n}")
                )
    with db.read() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.due_at <= now)).all()
    return {user: [r.id or 0 for r in rows if r.target == user] for user in per_user}


def posts_by_channel(slack: SlackStandIn) -> dict[str, list[float]]:
    """When Slack accepted each dispatched message, by channel."""
    times: dict[str, list[float]] = {}
    for call in slack.calls_to("chat.postMessage"):
        if call.error is None:
            times.setdefault(call.args["channel"], []).append(call.time)
    return times


def test_sends_to_one_channel_are_a_second_apart_and_other_channels_are_not_held_back(
    db: Database, slack: SlackStandIn
) -> None:
    slack.rate_limits(per_channel=1.0)  # Slack's rule, enforced: a second post within 1 s gets a 429
    others = [f"U0OTHER{n}" for n in range(5)]
    ids = seed_burst(db, slack, {"U0BUSY": 5, **dict.fromkeys(others, 1)})
    services = services_for(make_settings(db.url, slack))
    started = time.time()
    result = Dispatcher(services, dispatcher_client(services.settings)).run_once(datetime.now(UTC))
    assert str(result) == "sent 10, retried 0, gave up 0, skipped 0"
    assert [c.error for c in slack.calls_to("chat.postMessage")] == [None] * 10  # not one 429
    times = posts_by_channel(slack)
    busy = times["U0BUSY"]
    assert len(busy) == 5 and all(b - a >= 0.99 for a, b in itertools.pairwise(busy))
    # The five were first in line, yet everyone else's message went out before the busy DM's second.
    assert all(times[user][0] < busy[1] and times[user][0] - started < 0.9 for user in others)
    assert 3.9 < busy[-1] - started < 6
    assert sorted(deliveries(slack)) == sorted(i for group in ids.values() for i in group)


def test_two_instances_on_one_database_pace_a_channel_together(db: Database, slack: SlackStandIn) -> None:
    slack.rate_limits(per_channel=1.0)
    users = [f"U0PACE{n}" for n in range(3)]
    ids = seed_burst(db, slack, dict.fromkeys(users, 4))
    services = services_for(make_settings(db.url, slack))
    # Two dispatchers share nothing but the database, as two processes would.
    dispatchers = [Dispatcher(services, dispatcher_client(services.settings)) for _ in range(2)]
    results: list[PassResult] = []
    threads = [threading.Thread(target=lambda d=d: results.append(d.run_once(datetime.now(UTC)))) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in results) == 12 and sum(r.retried for r in results) == 0
    assert [c.error for c in slack.calls_to("chat.postMessage")] == [None] * 12
    for user in users:
        sent = posts_by_channel(slack)[user]
        assert all(b - a >= 0.99 for a, b in itertools.pairwise(sent))
    delivered = deliveries(slack)
    assert sorted(delivered) == sorted(i for group in ids.values() for i in group) and set(delivered.values()) == {1}


def test_every_message_kind_has_one_renderer_and_a_name() -> None:
    # bot/rules/message_kinds.py is the one list of kinds: one added without a renderer (a second
    # one fails at import) or without a name in reports fails here.
    assert sorted(RENDERERS) == sorted(Kind)
    assert all(kind.report_name.strip() for kind in Kind)


def test_a_dead_letter_notice_waits_out_slack_failing_and_is_never_given_up(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While Slack fails, the notice that a message gave up keeps being retried (backing off up to
    MAX_BACKOFF), never dead itself; it arrives once Slack answers."""
    scheduled(app)
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    attempts = dispatcher_module.MAX_ATTEMPTS
    # The prep's attempts, then twice as many for its notice.
    app.slack.fail_next("chat.postMessage", error="internal_error", status=500, times=attempts * 3)
    dispatcher = unpaced_dispatcher(app.services, dispatcher_client(app.services.settings), PREP_AND_NOTICE)
    results = [str(dispatcher.run_once(app.clock.now())) for _ in range(attempts * 3)]
    assert results[attempts - 1] == "sent 0, retried 1, gave up 1, skipped 0"  # the prep gives up, once
    assert sum("gave up 1" in r for r in results) == 1
    assert results[-1] == "sent 1, retried 0, gave up 0, skipped 0"
    with app.services.db.read() as session:
        (notice,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "dead_letter")).all()
    assert notice.state == "sent" and notice.attempts == 2 * attempts + 1
    assert "could not deliver the prep guide" in dms(app, RECRUITER)[-1]
