"""A round's whole life in one place (bot/rules/lifecycle.py): a candidate who leaves the process
takes their upcoming rounds with them, and nothing more about those rounds is ever delivered.

Every step over signed HTTP against the Slack stand-in; time moves on the app's clock.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select, update

from blocks.candidate import ADVANCE
from blocks.candidate_modals import CANCEL_ROUNDS, KEEP_ROUNDS
from bot.devtools.slack_requests import select_value
from models.tables import Candidate, Interview, OutboxMessage
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp
from tests.flows import (
    all_text,
    command_for_view,
    dispatch,
    dms,
    make_role,
    reload,
    replies,
    submit_scorecard_via_dm,
    text_input,
)
from tests.test_rounds import ENDS, STARTS, scheduled

PANEL = (INTERVIEWER_1, INTERVIEWER_2)
LATER = ENDS + timedelta(days=10)


def messages_after(app: RunningApp, before: dict[str, int]) -> dict[str, list[str]]:
    """What each of the candidate and the panel received since `before` (counts per person)."""
    return {person: dms(app, person)[count:] for person, count in before.items()}


def counts(app: RunningApp) -> dict[str, int]:
    return {person: len(dms(app, person)) for person in (CANDIDATE, *PANEL)}


def leave_by_modal(app: RunningApp, action: str, rounds: str | None = None) -> None:
    """`/candidate <action> casey`, with a reason, and (for a hold) what to do with the rounds."""
    view = command_for_view(app, RECRUITER, "/candidate", f"{action} casey")
    values = {"reason": text_input("Went with another offer.")}
    if rounds is not None:
        radio = next(b for b in view["blocks"] if b.get("block_id") == "rounds")
        assert radio["element"]["initial_option"]["value"] == KEEP_ROUNDS  # keep, unless asked
        values["rounds"] = select_value(rounds, "radio_buttons")
    response = app.client.view_submission(RECRUITER, view, values)
    assert response.status_code == 200 and not response.text, response.text
    app.wait_idle()


def assert_one_cancellation_each(app: RunningApp, before: dict[str, int], because: str) -> None:
    """After time passes: one cancellation each for the candidate and the panel, and nothing else."""
    assert dispatch(app, LATER).startswith("sent 3,")
    assert dispatch(app, LATER + timedelta(days=30)) == "sent 0, retried 0, gave up 0, skipped 0"
    got = messages_after(app, before)
    assert [len(got[p]) for p in (CANDIDATE, *PANEL)] == [1, 1, 1], got
    (to_candidate,) = got[CANDIDATE]
    # The candidate hears only that the round will not take place, never why.
    assert "will not take place" in to_candidate and because.lower() not in to_candidate.lower()
    for person in PANEL:
        assert "is cancelled" in got[person][0] and because in got[person][0]
    with app.services.db.read() as session:
        (interview,) = session.exec(select(Interview)).all()
        pending = session.exec(select(OutboxMessage).where(OutboxMessage.state == "pending")).all()
    assert interview.status == "cancelled" and not pending


@pytest.fixture
def booked(app: RunningApp) -> tuple[Candidate, dict[str, int]]:
    """Casey with a round three days out, their prep guide already sent."""
    candidate, _ = scheduled(app)
    dispatch(app)
    return candidate, counts(app)


def test_rejecting_cancels_the_rounds_and_nothing_else_is_delivered(
    app: RunningApp, booked: tuple[Candidate, dict[str, int]]
) -> None:
    candidate, before = booked
    view = command_for_view(app, RECRUITER, "/candidate", "reject casey")
    assert "1 upcoming round will be cancelled" in all_text(view)
    leave_by_modal(app, "reject")
    note = all_text(replies(app, candidate)[-1])
    assert "cancelled" in note and "The candidate was rejected." in note
    assert_one_cancellation_each(app, before, "The candidate was rejected.")


def test_hiring_cancels_the_rounds_still_to_come(app: RunningApp, booked: tuple[Candidate, dict[str, int]]) -> None:
    candidate, before = booked
    with app.services.db.transaction() as session:
        # At the last stage (an offer), so that advancing hires.
        session.exec(update(Candidate).where(col(Candidate.id) == candidate.id).values(stage_key="offer"))
    confirm = app.client.command(RECRUITER, "/candidate", "advance casey")
    button = next(e for b in confirm.json()["blocks"] for e in b.get("elements", []) if e.get("action_id") == ADVANCE)
    app.client.block_action(RECRUITER, ADVANCE, button["value"], channel_id="C0GENERAL", message_ts="1.0")
    app.wait_idle()
    assert reload(app, candidate).status == "hired"
    assert_one_cancellation_each(app, before, "The candidate was hired.")


def test_hold_keeps_the_rounds_by_default(app: RunningApp, booked: tuple[Candidate, dict[str, int]]) -> None:
    candidate, before = booked
    leave_by_modal(app, "hold", KEEP_ROUNDS)
    assert reload(app, candidate).status == "on_hold"
    # The round goes ahead: the reminder, the briefings and the scorecard requests all go out.
    assert dispatch(app, ENDS + timedelta(minutes=5)) == "sent 5, retried 0, gave up 0, skipped 0"
    got = messages_after(app, before)
    assert "a reminder" in got[CANDIDATE][0]
    assert all(len(got[p]) == 2 for p in PANEL)


def test_hold_with_cancel_cancels_the_rounds(app: RunningApp, booked: tuple[Candidate, dict[str, int]]) -> None:
    candidate, before = booked
    leave_by_modal(app, "hold", CANCEL_ROUNDS)
    assert reload(app, candidate).status == "on_hold"
    assert_one_cancellation_each(app, before, "The candidate is on hold.")


def test_a_round_already_over_is_not_cancelled_but_its_chasing_stops(app: RunningApp) -> None:
    """Rejected after the round: the round stays as it was (its scorecards may still come in), and
    its reminders and escalations are never delivered."""
    scheduled(app)
    app.clock.set(ENDS + timedelta(minutes=10))
    dispatch(app)  # the scorecard requests
    before = counts(app)
    leave_by_modal(app, "reject")
    assert dispatch(app, LATER) == "sent 0, retried 0, gave up 0, skipped 4"
    assert messages_after(app, before) == {p: [] for p in before}
    with app.services.db.read() as session:
        assert session.exec(select(Interview)).one().status == "scheduled"


def test_two_recruiters_both_get_the_debrief_with_its_decisions(app: RunningApp) -> None:
    second = "U0RECRTWO"
    app.slack.add_user(second, "rita", real_name="Rita Recruiter")
    make_role(app, recruiter_ids=[RECRUITER, second])
    from tests.flows import add_candidate, click_card, schedule_round_via_card, wait_replies

    candidate = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    schedule_round_via_card(app, candidate, interviewers=[INTERVIEWER_1])
    app.wait_idle()
    app.clock.set(STARTS + timedelta(hours=2))
    dispatch(app)
    submit_scorecard_via_dm(app, INTERVIEWER_1)
    app.wait_idle()
    dispatch(app)
    for person in (RECRUITER, second):
        debrief = app.slack.dm_messages(person)[-1]
        assert "Debrief: Casey Candidate" in all_text(debrief)
        actions = [e.get("action_id") for b in debrief["blocks"] for e in b.get("elements", [])]
        assert "candidate_advance" in actions
