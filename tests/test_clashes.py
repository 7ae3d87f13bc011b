"""No double booking: a round is not booked over the panel's other interviews unless the recruiter
ticks *Schedule anyway* (noted in the thread); two recruiters racing for one interviewer end with one
booking and one refusal, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from blocks.candidate import ADVANCE, SCHEDULE
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.clashes import Clash
from bot.rules.roles import add_role
from bot.rules.scheduling import schedule_round
from bot.wiring.db import Database
from models.tables import Interview
from tests.conftest import (
    HIRING_CHANNEL,
    HIRING_MANAGER,
    INTERVIEWER_1,
    INTERVIEWER_2,
    RECRUITER,
    RunningApp,
    shipped_kits,
)
from tests.flows import (
    add_candidate,
    all_text,
    click_card,
    click_for_view,
    make_role,
    replies,
    schedule_values,
    wait_replies,
)

ANYWAY = {"anyway": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}}


def at_interview_stage(app: RunningApp, email: str) -> Any:
    candidate = add_candidate(app, email=email, name=f"Cand {email[:4]}")
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    return candidate


def submit(app: RunningApp, candidate: Any, time: str, extra: dict[str, Any] | None = None) -> Any:
    view = click_for_view(app, RECRUITER, candidate, SCHEDULE)
    values = {**schedule_values(interviewers=[INTERVIEWER_1, INTERVIEWER_2], time=time), **(extra or {})}
    return app.client.view_submission(RECRUITER, view, values)


def test_a_clash_is_refused_naming_who_and_when_and_can_be_booked_anyway(app: RunningApp) -> None:
    make_role(app)
    first = at_interview_stage(app, "anna@example.org")
    assert not submit(app, first, "14:00").text
    second = at_interview_stage(app, "bert@example.org")
    refused = submit(app, second, "13:30").json()
    assert refused["response_action"] == "errors"
    # The recruiter is in New York: the clash is told in their time, people by name.
    error = refused["errors"]["time"]
    assert "Ines Interviewer has another interview Wed 25 Nov 14:00-15:00" in error and "Ivan Interviewer" in error
    assert "Schedule anyway" in error
    with app.services.db.read() as session:
        assert len(session.exec(select(Interview)).all()) == 1  # nothing half-written
    # A buffer's width apart is no clash; ticking the box books over one.
    assert not submit(app, second, "12:45").text
    third = at_interview_stage(app, "cleo@example.org")
    assert not submit(app, third, "13:30", ANYWAY).text
    wait_replies(app, third, 3)
    assert "Scheduled anyway over another interview of <@U0INTONE>, <@U0INTTWO>" in all_text(replies(app, third)[-1])


def test_two_recruiters_racing_for_one_interviewer_get_one_booking(db: Database) -> None:
    kits = shipped_kits()
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with db.transaction() as session:
        role = add_role(
            session, kits, title="Race", kit_key="backend-mid", channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER],
        )  # fmt: skip
        ids = []
        for n in range(10):
            form = CandidateForm.parse({"name": f"Racer {n}", "email": f"racer{n}@example.org", "role_id": role.id})
            ids.append(create_candidate(session, kits, form, RECRUITER, now).id or 0)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(candidate_id: int, starts_at: datetime, ready: threading.Barrier) -> None:
        ready.wait()
        try:
            with db.transaction() as session:
                schedule_round(
                    session, kits, candidate_id=candidate_id, stage_key="hiring-manager-technical",
                    interviewer_ids=[INTERVIEWER_1], starts_at=starts_at, duration_minutes=60, location=None,
                    actor=RECRUITER, now=now,
                )  # fmt: skip
            outcome = "booked"
        except Clash:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    for pair in range(5):
        starts_at = now + timedelta(days=2 + pair)
        ready = threading.Barrier(2)
        threads = [
            threading.Thread(target=book, args=(ids[2 * pair + k], starts_at + timedelta(minutes=15 * k), ready))
            for k in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["booked"] * 5 + ["refused"] * 5
    with db.read() as session:
        assert len(session.exec(select(Interview)).all()) == 5
