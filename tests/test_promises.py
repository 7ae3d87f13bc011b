"""Response-time promises: a kit can promise the candidate an answer within a
time after a round; the card shows it, and the recruiter is reminded before it is broken unless a
decision came first."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from blocks.candidate import ADVANCE
from models.tables import Interview, OutboxMessage
from tests.conftest import CANDIDATE, INTERVIEWER_1, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    all_text,
    card,
    click_card,
    dispatch,
    dispatch_held,
    dms,
    make_role,
    reload,
    schedule_round_via_card,
    wait_replies,
)

KIT = "senior-backend-application"  # "Technical interview 1" promises an answer within 48 hours


def at_technical_round(app: RunningApp) -> tuple:
    make_role(app, title="Senior Backend Engineer", kit=KIT)
    casey = add_candidate(app, slack_user=CANDIDATE)
    for step in range(2):  # talent screen, founder call, then the technical interview
        click_card(app, RECRUITER, casey, ADVANCE)
        wait_replies(app, casey, 2 + step)
    assert reload(app, casey).stage_key == "technical-spec"
    response = schedule_round_via_card(app, casey, stage="technical-spec", interviewers=[INTERVIEWER_1])
    assert response.status_code == 200 and not response.text, response.text
    wait_replies(app, casey, 4)
    with app.services.db.read() as session:
        interview = session.exec(select(Interview)).one()
        reminder = session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "promise_reminder")).one()
    return reload(app, casey), interview, reminder


def test_the_recruiter_is_reminded_before_a_promise_is_broken(app: RunningApp) -> None:
    casey, interview, reminder = at_technical_round(app)
    # 75 % of the 48 hours after the round, to the recruiter.
    assert (reminder.target, reminder.due_at) == (RECRUITER, interview.ends_at + timedelta(hours=36))
    app.slack.wait_for(lambda: "Answer promised" in all_text(card(app, casey)))
    due = int((interview.ends_at + timedelta(hours=48)).timestamp())
    assert f"*Answer promised*\nby <!date^{due}^" in all_text(card(app, casey))

    app.clock.set(interview.ends_at + timedelta(hours=35))
    dispatch(app)
    assert not [m for m in dms(app, RECRUITER) if "was promised an answer" in m]
    app.clock.set(interview.ends_at + timedelta(hours=36, minutes=1))
    dispatch(app)
    # 36 hours after a 15:00 round is the recruiter's night: the warning waits for their morning.
    assert not [m for m in dms(app, RECRUITER) if "was promised an answer" in m]
    dispatch_held(app, RECRUITER)
    (warning,) = [m for m in dms(app, RECRUITER) if "was promised an answer" in m]
    assert "*Casey Candidate* was promised an answer within 2 days of their *Technical interview 1" in warning
    assert "No decision yet." in warning and "candidate_advance" in warning
    # Nothing about it reaches the candidate.
    assert not [m for m in dms(app, CANDIDATE) if "promised" in m]

    # A decision keeps the promise: the card no longer shows it.
    click_card(app, RECRUITER, casey, ADVANCE)
    app.slack.wait_for(lambda: "Answer promised" not in all_text(card(app, casey)))


def test_a_decision_in_time_means_no_reminder(app: RunningApp) -> None:
    casey, interview, _ = at_technical_round(app)
    app.clock.set(interview.ends_at + timedelta(hours=5))
    click_card(app, RECRUITER, casey, ADVANCE)
    app.slack.wait_for(lambda: reload(app, casey).stage_key != "technical-spec")
    app.clock.set(interview.ends_at + timedelta(hours=40))
    dispatch(app)
    assert not [m for m in dms(app, RECRUITER) if "was promised an answer" in m]
    with app.services.db.read() as session:
        row = session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "promise_reminder")).one()
    assert row.state == "cancelled"
