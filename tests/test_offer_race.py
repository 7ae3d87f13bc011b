"""Two candidates picking the same interviewer's time at the same moment, over signed HTTP into the
real app, 20 times on each database: exactly one is booked each time, and the other's offer turns at
once into "That time was just taken" with the time still free."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.devtools.form_actions import pick_time, time_buttons
from bot.rules.message_kinds import Kind
from bot.rules.offers import make_offer
from bot.rules.people import set_schedule
from models.tables import Candidate, Interview
from tests.conftest import INTERVIEWER_1, RECRUITER, RunningApp
from tests.flows import all_text, unpaced_dispatcher
from tests.test_availability import STAGE, candidates

ROUNDS = 20


def test_two_candidates_clicking_one_time_at_once_get_one_booking_twenty_times(app: RunningApp) -> None:
    ids = candidates(app.services.db, 2 * ROUNDS)
    now = app.clock.now()
    people = [f"U0RACE{n:03d}" for n in range(2 * ROUNDS)]
    for user_id in people:
        app.slack.add_user(user_id, user_id.lower(), tz="Europe/London")
    first = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    with app.services.db.transaction() as session:
        # This is about the race, not the interviewer's hours or load.
        set_schedule(session, INTERVIEWER_1, spec="mon-sun 00:00-24:00", max_per_day=20, max_per_week=60,
                     actor=RECRUITER, now=now)  # fmt: skip
        for n, (candidate_id, user_id) in enumerate(zip(ids, people, strict=True)):
            candidate = session.get(Candidate, candidate_id)
            assert candidate is not None
            candidate.slack_user_id = user_id
            session.add(candidate)
            at = first + timedelta(hours=2 * (n // 2))  # each pair's time, a buffer apart from the next
            make_offer(
                session, app.services.kits, candidate_id=candidate_id, stage_key=STAGE, panel=[INTERVIEWER_1],
                times=[at, at + timedelta(days=14)], minutes=60, location=None, actor=RECRUITER, now=now,
            )  # fmt: skip
    # The 40 offers' DMs only: the cards and notes are not what this test is about (the others do).
    unpaced_dispatcher(app.services, kinds=[Kind.offer]).run_once(app.clock.now())
    dms = {u: next(m for m in app.slack.dm_messages(u) if time_buttons(m)) for u in people}
    for n in range(ROUNDS):
        pair = people[2 * n : 2 * n + 2]
        ready = threading.Barrier(2)

        def click(user_id: str, ready: threading.Barrier = ready) -> None:
            message = dms[user_id]
            ready.wait()
            pick_time(app.client, app.slack, user_id, message, time_buttons(message)[0])

        threads = [threading.Thread(target=click, args=(u,)) for u in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    app.listeners.wait_idle()  # the picks (lazy listeners, which update the DMs themselves)
    with app.services.db.read() as session:
        booked = session.exec(select(Interview)).all()
    starts = sorted(b.starts_at for b in booked)
    assert starts == [first + timedelta(hours=2 * n) for n in range(ROUNDS)]  # one booking a pair
    outcomes = []
    for user_id in people:
        [shown] = [m for m in app.slack.dm_messages(user_id) if m["ts"] == dms[user_id]["ts"]]
        text = all_text(shown)
        outcomes.append("booked" if "Booked" in text else "taken" if "just taken" in text else text)
        if "just taken" in text:
            [left] = time_buttons(shown)  # the time still free: the spare, two weeks on
            assert left["value"] == time_buttons(dms[user_id])[1]["value"]
    assert sorted(outcomes) == ["booked"] * ROUNDS + ["taken"] * ROUNDS
