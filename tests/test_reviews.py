"""Review stages: a recruiter asks reviewers to rate a candidate against the
stage's criteria; no meeting; blind reviews; the tally in the thread when all are in; the
recruiter decides."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from blocks.candidate import REVIEW
from blocks.scorecard import SUBMIT
from bot.devtools.slack_requests import users_value
from models.tables import Interview, OutboxMessage
from tests.conftest import CANDIDATE, HIRING_MANAGER, INTERVIEWER_1, INTERVIEWER_2, MEMBER, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    all_text,
    card,
    card_button,
    click_card,
    click_for_view,
    dispatch,
    dm_button,
    dms,
    make_role,
    reload,
    replies,
    submit_scorecard_via_dm,
    wait_replies,
)


def test_review_stage_from_request_to_tally_and_decision(app: RunningApp) -> None:
    make_role(app)  # backend-mid: the first stage is a resume screen against eight criteria
    casey = add_candidate(app, slack_user=CANDIDATE, link="https://example.org/casey-cv")
    assert card_button(app, casey, REVIEW)["text"]["text"] == "Ask for a review"
    view = click_for_view(app, RECRUITER, casey, REVIEW)
    assert view["callback_id"] == "review_assign"
    kit = app.services.kits.kits["backend-mid"]
    for key in kit.stage("resume-screen").questions:
        assert kit.question(key).title in all_text(view)

    # Refused in the form: nobody picked, or the candidate reviewing themselves.
    for picked, problem in [([], "Pick at least one reviewer."), ([CANDIDATE], "cannot review themselves")]:
        response = app.client.view_submission(RECRUITER, view, {"interviewers": users_value(picked)})
        assert problem in response.json()["errors"]["interviewers"]
    # A forged submission by someone who is not a recruiter.
    response = app.client.view_submission(MEMBER, view, {"interviewers": users_value([INTERVIEWER_1])})
    assert "Only recruiters can ask for reviews" in response.json()["errors"]["interviewers"]
    with app.services.db.read() as session:
        assert session.exec(select(Interview)).all() == []

    # Asked at 09:00 in Los Angeles, inside both reviewers' working hours: the requests go at once.
    app.clock.set(app.clock.now() + timedelta(hours=3))
    response = app.client.view_submission(
        RECRUITER, view, {"interviewers": users_value([INTERVIEWER_1, INTERVIEWER_2])}
    )
    assert response.status_code == 200 and not response.text, response.text
    reply = all_text(wait_replies(app, casey, 2)[-1])
    assert f"<@{RECRUITER}> asked <@{INTERVIEWER_1}>, <@{INTERVIEWER_2}> to review *Casey Candidate*" in reply
    # No meeting: no prep guide for the candidate, no briefing; requests now, then the usual chasing.
    with app.services.db.read() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    kinds = sorted((r.kind, r.target) for r in rows)
    assert ("scorecard_request", INTERVIEWER_1) in kinds and ("scorecard_reminder", INTERVIEWER_2) in kinds
    assert not [k for k in kinds if k[0] in ("prep", "prep_reminder", "briefing")]
    requests = [r for r in rows if r.kind == "scorecard_request"]
    assert all(r.due_at == app.clock.now() for r in requests)
    # A second request while this one is open is refused.
    again = click_for_view(app, RECRUITER, casey, REVIEW)
    response = app.client.view_submission(RECRUITER, again, {"interviewers": users_value([MEMBER])})
    assert "review is already assigned" in response.json()["errors"]["interviewers"]

    assert dispatch(app) == "sent 2, retried 0, gave up 0, skipped 0"
    for reviewer in (INTERVIEWER_1, INTERVIEWER_2):
        request = dms(app, reviewer)[-1]
        assert "asked you to review *Casey Candidate* for Backend Developer against the *Resume screening*" in request
        assert "https://example.org/casey-cv" in request
        assert dm_button(app, reviewer, SUBMIT)["text"]["text"] == "Submit review"
    assert dms(app, CANDIDATE) == []

    (done,) = submit_scorecard_via_dm(app, INTERVIEWER_1, rating="exceeds", notes="Strong ownership.")
    assert done.json() == {"response_action": "clear"}
    app.slack.wait_for(lambda: "1 of 2 in" in all_text(replies(app, casey)[-1]))
    assert "Strong ownership" not in all_text(replies(app, casey))  # blind until the tally
    submit_scorecard_via_dm(app, INTERVIEWER_2, rating="meets", recommendation="yes", notes="Fine.")
    app.slack.wait_for(lambda: "2 of 2 in" in all_text(replies(app, casey)[-1]))
    assert dispatch(app).startswith("sent 3")  # the tally in the thread, and to the recruiter and manager
    tally = all_text(replies(app, casey)[-1])
    assert "Debrief: Casey Candidate · Resume screening" in tally and "Strong ownership" in tally
    for person in (RECRUITER, HIRING_MANAGER):
        assert dm_button(app, person, "candidate_advance")
    # Reminders never go out once everything is in; the recruiter decides.
    app.clock.advance(timedelta(days=3))
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    click_card(app, RECRUITER, casey, "candidate_advance")
    app.slack.wait_for(lambda: reload(app, casey).stage_key == "hiring-manager-technical")
    # Past the review stage, the card no longer offers one.
    app.slack.wait_for(lambda: "Ask for a review" not in all_text(card(app, casey)))
