"""Take-home stages: the candidate gets the brief, the due date and the kit's
compensation and check-in notes; a reminder before it is due; the recruiter hears if nothing
arrived; once marked received, the reviewers score it like a round."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import col, select

from blocks.candidate import ADVANCE, SCHEDULE, TAKE_HOME_RECEIVED, TAKE_HOME_SEND
from blocks.scorecard import SUBMIT
from bot.devtools.slack_requests import date_value, users_value
from bot.rules.scorecards import pending_for
from models.tables import Interview, OutboxMessage, StageEvent
from tests.conftest import CANDIDATE, INTERVIEWER_1, MEMBER, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    all_text,
    card,
    card_button,
    click_card,
    click_for_view,
    dispatch,
    dispatch_held,
    dm_button,
    dms,
    make_role,
    reload,
    replies,
    schedule_values,
    submit_scorecard_via_dm,
    wait_replies,
)

KIT = "senior-backend-application"


def at_take_home(app: RunningApp) -> object:
    make_role(app, title="Senior Backend Engineer", kit=KIT)
    casey = add_candidate(app, slack_user=CANDIDATE)
    for step in range(4):  # talent screen, founder call, two technical interviews
        click_card(app, RECRUITER, casey, ADVANCE)
        wait_replies(app, casey, 2 + step)
    assert reload(app, casey).stage_key == "take-home"
    app.slack.wait_for(lambda: "Send take-home" in all_text(card(app, casey)))
    return reload(app, casey)


def send(app: RunningApp, casey: object, due: str, reviewers: list[str]) -> object:
    view = click_for_view(app, RECRUITER, casey, TAKE_HOME_SEND)
    return app.client.view_submission(
        RECRUITER, view, {"date": date_value(due), "interviewers": users_value(reviewers)}
    )


def test_take_home_from_brief_to_scores(app: RunningApp) -> None:
    casey = at_take_home(app)
    view = click_for_view(app, RECRUITER, casey, TAKE_HOME_SEND)
    assert view["callback_id"] == "take_home_send"
    # The kit allows a week: the form suggests it (the recruiter is in New York).
    due_block = next(b for b in view["blocks"] if b.get("block_id") == "date")
    assert due_block["element"]["initial_date"] == "2026-11-30"
    for values, field, problem in [
        ({"date": date_value("2026-11-30"), "interviewers": users_value([])}, "interviewers", "pick who reviews"),
        ({"date": date_value("2026-11-01"), "interviewers": users_value([INTERVIEWER_1])}, "date", "has passed"),
        (
            {"date": date_value("2027-06-01"), "interviewers": users_value([INTERVIEWER_1])},
            "date",
            "within the next 60",
        ),
    ]:
        errors = app.client.view_submission(RECRUITER, view, values).json()["errors"]
        assert problem in errors[field], errors
    forged = app.client.view_submission(
        MEMBER, view, {"date": date_value("2026-11-30"), "interviewers": users_value([INTERVIEWER_1])}
    )
    assert "Only recruiters can send take-homes" in forged.json()["errors"]["date"]

    response = send(app, casey, "2026-11-30", [INTERVIEWER_1])
    assert response.status_code == 200 and not response.text, response.text
    reply = all_text(wait_replies(app, casey, 6)[-1])
    assert f"<@{RECRUITER}> sent *Casey Candidate* the *Take-home project (paid)*" in reply
    assert f"Reviewers: <@{INTERVIEWER_1}>" in reply
    app.slack.wait_for(lambda: "Mark take-home received" in all_text(card(app, casey)))

    # The candidate: the brief, the due date, the paid-engagement terms and how to check in; never
    # the interviewer guide.
    dispatch(app)
    (brief,) = [m for m in dms(app, CANDIDATE) if "here is your *Take-home project (paid)*" in m]
    kit = app.services.kits.kits[KIT]
    take_home = kit.stage("take-home").take_home
    assert take_home is not None
    for fact in ("It is due", "5 to 10 hours", "A flat $200", "check in about your progress", "architecture design"):
        assert fact in brief, fact
    assert "Before the kickoff" not in brief and "Rate engagement" not in brief

    with app.services.db.read() as session:
        interview = session.exec(select(Interview)).all()[-1]
    due = interview.ends_at
    app.clock.set(due - timedelta(hours=23))
    dispatch(app)
    assert "a reminder: your *Take-home project (paid)*" in dms(app, CANDIDATE)[-1]
    # An hour after it was due is the recruiter's night: the notice waits for their working hours.
    app.clock.set(due + timedelta(hours=2))
    dispatch(app)
    assert not [m for m in dms(app, RECRUITER) if "Nothing has arrived" in m]
    app.clock.set(due + timedelta(hours=9, minutes=1))
    dispatch(app)
    assert "Nothing has arrived from *Casey Candidate* for the *Take-home project (paid)*" in dms(app, RECRUITER)[-1]

    # Someone who is not a recruiter cannot mark it received.
    app.client.block_action(
        MEMBER, TAKE_HOME_RECEIVED, card_button(app, casey, TAKE_HOME_RECEIVED)["value"],
        block_id="candidate_card", channel_id=casey.channel_id, message_ts=casey.thread_ts,
    )  # fmt: skip
    app.slack.wait_for(lambda: app.slack.ephemerals(MEMBER))
    assert "Only recruiters can mark take-homes for candidates" in all_text(app.slack.ephemerals(MEMBER)[-1])

    before = len(replies(app, casey))
    click_card(app, RECRUITER, casey, TAKE_HOME_RECEIVED)
    reply = all_text(wait_replies(app, casey, before + 1)[-1])
    assert "marked *Casey Candidate*'s take-home received" in reply
    with app.services.db.read() as session:
        assert session.exec(select(StageEvent).where(col(StageEvent.action) == "received")).one()
    dispatch_held(app, INTERVIEWER_1)  # the request waits for the reviewer's working hours (Los Angeles)
    assert dm_button(app, INTERVIEWER_1, SUBMIT)
    submit_scorecard_via_dm(app, INTERVIEWER_1, rating="exceeds", notes="Asked great questions all week.")
    app.slack.wait_for(lambda: "1 of 1 in" in all_text(replies(app, casey)[-1]))
    assert dispatch(app).startswith("sent")
    assert "Debrief: Casey Candidate · Take-home project (paid)" in all_text(replies(app, casey)[-1])
    app.slack.wait_for(lambda: "Mark take-home received" not in all_text(card(app, casey)))


def test_work_in_before_the_due_date_stops_the_nudges(app: RunningApp) -> None:
    casey = at_take_home(app)
    assert send(app, casey, "2026-11-30", [INTERVIEWER_1]).status_code == 200
    app.slack.wait_for(lambda: "Mark take-home received" in all_text(card(app, reload(app, casey))))
    dispatch(app)
    app.clock.advance(timedelta(days=2))
    click_card(app, RECRUITER, casey, TAKE_HOME_RECEIVED)
    app.slack.wait_for(lambda: "Mark take-home received" not in all_text(card(app, casey)))
    app.clock.set(app.clock.now() + timedelta(days=10))
    dispatch(app)
    with app.services.db.read() as session:
        rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.kind).like("take_home_%"))).all()
    assert {(r.kind, r.state) for r in rows} == {
        ("take_home_brief", "sent"),
        ("take_home_reminder", "cancelled"),
        ("take_home_missing", "cancelled"),
    }
    assert not [m for m in dms(app, RECRUITER) if "Nothing has arrived" in m]


def test_kickoff_meeting_is_briefed_not_scored_and_the_assignment_follows(app: RunningApp) -> None:
    """The seed guide's take-home has two meetings: a kickoff that hands the work over, then the
    presentation. The kickoff is scheduled like a round at the take-home stage; nobody scores it."""
    casey = at_take_home(app)
    view = click_for_view(app, RECRUITER, casey, SCHEDULE)
    stage_block = next(b for b in view["blocks"] if b.get("block_id") == "stage")
    assert stage_block["element"]["initial_option"]["text"]["text"] == "Take-home project (paid): kickoff meeting"
    # The kit's kickoff length is the default duration.
    duration = next(b for b in view["blocks"] if b.get("block_id") == "duration")
    assert duration["element"]["initial_value"] == "30"
    values = schedule_values(stage="take-home", interviewers=[INTERVIEWER_1], date="2026-11-24", duration="30")
    response = app.client.view_submission(RECRUITER, view, values)
    assert response.status_code == 200 and not response.text, response.text
    reply = all_text(wait_replies(app, casey, 6)[-1])
    assert "scheduled *Take-home project (paid) kickoff* on" in reply and "not scored" in reply

    with app.services.db.read() as session:
        starts_at = session.exec(select(Interview)).one().starts_at
    dispatch(app, starts_at)
    (prep,) = [m for m in dms(app, CANDIDATE) if "kickoff*" in m and "is scheduled" in m]
    assert "you get the assignment and go through it with your interviewer" in prep
    assert "5 to 10 hours" in prep and "check in about your progress" in prep
    assert "Before the kickoff" not in prep  # the interviewer guide stays with interviewers
    (briefing,) = [m for m in dms(app, INTERVIEWER_1) if "Briefing: Take-home project (paid) kickoff" in m]
    assert "The assignment the candidate gets" in briefing and "This meeting is not scored" in briefing
    assert SUBMIT not in json.dumps(app.slack.dm_messages(INTERVIEWER_1))

    # After the meeting: no scorecard asked for, nothing pending on the interviewer's App Home,
    # and a forged Submit scorecard for it is refused.
    app.clock.set(app.clock.now() + timedelta(days=2))
    dispatch(app)
    assert not [m for m in dms(app, INTERVIEWER_1) if "How did it go?" in m]
    with app.services.db.read() as session:
        kickoff = session.exec(select(Interview)).one()
        assert kickoff.kind == "kickoff"
        assert pending_for(session, app.services.kits, INTERVIEWER_1, app.clock.now()) == []
        kinds = {r.kind for r in session.exec(select(OutboxMessage).where(OutboxMessage.interview_id == kickoff.id))}
    assert kinds == {"prep", "prep_reminder", "panel_invite", "briefing"}
    app.client.block_action(
        INTERVIEWER_1, SUBMIT, str(kickoff.id), block_id="scorecard", channel_id=f"D{INTERVIEWER_1}"
    )
    app.slack.wait_for(lambda: "kickoff is not scored" in dms(app, INTERVIEWER_1)[-1])

    # The kickoff is not the assignment: sending the take-home and receiving it work as before.
    assert send(app, casey, "2026-12-03", [INTERVIEWER_1]).status_code == 200
    app.slack.wait_for(lambda: "Mark take-home received" in all_text(card(app, reload(app, casey))))
    click_card(app, RECRUITER, casey, TAKE_HOME_RECEIVED)
    app.slack.wait_for(lambda: "Mark take-home received" not in all_text(card(app, casey)))
    dispatch_held(app, INTERVIEWER_1)  # the request waits for the reviewer's working hours
    assert dm_button(app, INTERVIEWER_1, SUBMIT)["value"] != str(kickoff.id)
