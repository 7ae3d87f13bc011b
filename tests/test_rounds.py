"""Rounds, scorecards and the scheduled messages around them, end to end over HTTP with a
controllable clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from blocks.candidate import ADVANCE
from blocks.rounds import CANCEL
from blocks.scorecard import SUBMIT
from bot.cli import main
from models.tables import Interview, OutboxMessage, ProcessedEvent, QuestionRating, Scorecard
from tests.conftest import (
    BOT_TOKEN,
    CANDIDATE,
    HIRING_CHANNEL,
    HIRING_MANAGER,
    INTERVIEWER_1,
    INTERVIEWER_2,
    MEMBER,
    RECRUITER,
    RunningApp,
)
from tests.flows import (
    add_candidate,
    all_text,
    card,
    click_card,
    command_for_view,
    dispatch,
    dispatch_held,
    dm_button,
    dm_files,
    dms,
    make_role,
    reload,
    replies,
    said,
    schedule_round_via_card,
    schedule_values,
    submit_scorecard_via_dm,
    wait_replies,
)

# 14:00 in New York (the recruiter's zone in the stand-in) on 25 November is 19:00 UTC.
STARTS = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)


def scheduled(app: RunningApp, **values: object) -> tuple:
    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, candidate, ADVANCE)  # past resume screening, to the first interview
    wait_replies(app, candidate, 2)
    response = schedule_round_via_card(app, candidate, interviewers=[INTERVIEWER_1, INTERVIEWER_2], **values)
    assert response.status_code == 200 and not response.text, response.text
    wait_replies(app, candidate, 3)
    with app.services.db.read() as session:
        interview = session.exec(select(Interview)).one()
    return reload(app, candidate), interview


def outbox(app: RunningApp) -> list[OutboxMessage]:
    """The rows about rounds (not the thread's card and notes, nor the candidate's next-step DMs)."""
    with app.services.db.read() as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id))
        return [r for r in rows if r.interview_id is not None]


def test_schedule_writes_the_round_and_every_message(app: RunningApp) -> None:
    candidate, interview = scheduled(app)
    assert (interview.starts_at, interview.ends_at) == (STARTS, ENDS)
    assert interview.location == "https://meet.example.com/abc"
    reply = replies(app, candidate)[-1]
    assert f"<@{RECRUITER}> scheduled *Hiring manager technical interview*" in reply["text"] or "scheduled" in all_text(
        reply
    )
    assert f"<!date^{int(STARTS.timestamp())}^" in all_text(card(app, candidate)["blocks"])  # next interview
    kit = app.services.kits.kits["backend-mid"]
    due = {(row.kind, row.target): row.due_at for row in outbox(app)}
    now = app.clock.now()
    assert due == {
        ("prep", CANDIDATE): now,
        ("prep_reminder", CANDIDATE): STARTS - timedelta(hours=24),
        ("panel_invite", INTERVIEWER_1): now,
        ("panel_invite", INTERVIEWER_2): now,
        ("briefing", INTERVIEWER_1): STARTS - timedelta(hours=1),
        ("briefing", INTERVIEWER_2): STARTS - timedelta(hours=1),
        ("scorecard_request", INTERVIEWER_1): ENDS,
        ("scorecard_request", INTERVIEWER_2): ENDS,
        ("scorecard_reminder", INTERVIEWER_1): ENDS + timedelta(hours=24),
        ("scorecard_reminder", INTERVIEWER_2): ENDS + timedelta(hours=24),
        ("escalation", RECRUITER): ENDS + timedelta(hours=kit.feedback_due_hours),
        ("escalation_thread", HIRING_CHANNEL): ENDS + timedelta(hours=kit.feedback_due_hours),
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"date": "2026-11-20"}, "time", "That time has already passed; pick a time in the future."),
        ({"interviewers": []}, "interviewers", "Pick at least one interviewer."),
        ({"interviewers": [CANDIDATE]}, "interviewers", "Casey Candidate cannot interview themselves"),
        ({"stage": "resume-screen"}, "stage", "Resume screening is a review stage, not a meeting"),
        ({"duration": "2"}, "duration", "The duration must be between 5 and 600 minutes."),
        ({"time": None}, "time", "Pick the start time."),
    ],
)
def test_bad_schedule_is_refused_in_the_modal(app: RunningApp, values: dict, field: str, message: str) -> None:
    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    values.setdefault("interviewers", [INTERVIEWER_1])
    response = schedule_round_via_card(app, candidate, **values)
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"][field].startswith(message)
    assert outbox(app) == []


def test_the_round_s_exercise_variant_reaches_the_briefing_and_its_note_the_candidate(app: RunningApp) -> None:
    """A coding test with and without AI: the recruiter picks the variant for this round; the
    interviewer is briefed on that one only, the candidate is told what it means for them."""
    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    view = click_card_for_schedule(app, candidate)
    variant_block = next(b for b in view["blocks"] if b.get("block_id") == "variant")
    groups = {g["label"]["text"]: [o["value"] for o in g["options"]] for g in variant_block["element"]["option_groups"]}
    assert groups["Peer technical interview"] == ["peer-technical:without-ai", "peer-technical:with-ai"]
    # A variant of another stage, or a forged one, is refused on the variant field.
    for wrong in ("hiring-manager-technical:with-ai", "peer-technical:telepathy"):
        values = schedule_values(stage="peer-technical", interviewers=[INTERVIEWER_1], variant=wrong)
        errors = app.client.view_submission(RECRUITER, view, values).json()["errors"]
        assert "not one of Peer technical interview's: pick one of Without AI assistance, With AI" in errors["variant"]
    values = schedule_values(stage="peer-technical", interviewers=[INTERVIEWER_1], variant="peer-technical:with-ai")
    response = app.client.view_submission(RECRUITER, view, values)
    assert response.status_code == 200 and not response.text, response.text
    dispatch(app, STARTS)
    kit = app.services.kits.kits["backend-mid"]
    variants = {v.key: v for v in kit.question("coding-backward-compatible-migration").exercise.variants}  # type: ignore[union-attr]
    (briefing,) = [m for m in dms(app, INTERVIEWER_1) if "Briefing: Peer technical interview" in m]
    assert "Variant for this round, *With AI assistance*" in briefing
    assert variants["without-ai"].instructions[:60] not in briefing
    prep = next(m for m in dms(app, CANDIDATE) if "*Peer technical interview*" in m)
    assert (variants["with-ai"].candidate_note or "")[:60] in prep
    assert "With AI assistance" not in prep and variants["with-ai"].instructions[:60] not in prep


def click_card_for_schedule(app: RunningApp, candidate: object) -> dict:
    from blocks.candidate import SCHEDULE
    from tests.flows import click_for_view

    return click_for_view(app, RECRUITER, candidate, SCHEDULE)  # type: ignore[arg-type]


def test_only_recruiters_schedule(app: RunningApp) -> None:
    make_role(app)
    add_candidate(app)
    text = said(app.client.command(INTERVIEWER_1, "/interview", "schedule casey"))
    assert "Only recruiters can schedule interviews." in text
    assert app.slack.calls_to("views.open")[-1].args["view"]["callback_id"] == "candidate_new"


def test_dispatch_until_sends_each_message_exactly_once(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, interview = scheduled(app)
    monkeypatch.setenv("DATABASE_URL", app.services.db.url)
    monkeypatch.setenv("SLACK_API_URL", app.slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    until = (ENDS + timedelta(minutes=5)).isoformat()
    capsys.readouterr()
    assert main(["dispatch", "--until", until]) == 0
    assert capsys.readouterr().out.strip() == "sent 8, retried 0, gave up 0, skipped 0"
    assert main(["dispatch", "--until", until]) == 0
    assert capsys.readouterr().out.strip() == "sent 0, retried 0, gave up 0, skipped 0"

    prep, reminder = dms(app, CANDIDATE)[-2:]
    assert "your *Hiring manager technical interview* is scheduled" in prep and "a reminder" in reminder
    assert "https://meet.example.com/abc" in prep and f"<!date^{int(STARTS.timestamp())}^" in prep
    kit = app.services.kits.kits["backend-mid"]
    stage = kit.stage("hiring-manager-technical")
    for user in (INTERVIEWER_1, INTERVIEWER_2):
        invite, briefing, request = dms(app, user)
        assert "You are on the panel" in invite and "The invite is attached" in invite
        (ics_file,) = dm_files(app, user)  # no connected calendar: the invite comes as a file
        assert b"METHOD:REQUEST" in ics_file and b"Casey Candidate" in ics_file
        assert "Briefing: Hiring manager technical interview with Casey Candidate" in briefing
        for key in stage.questions:
            assert kit.question(key).title in briefing
            assert all(indicator in briefing for indicator in kit.question(key).positive)
        assert "has ended. How did it go?" in request
        assert dm_button(app, user, SUBMIT)["value"] == str(interview.id)
    # Every message carries its outbox id (so a resend can check whether it already went out): the
    # card, the thread notes and the round's messages alike, each posted once.
    sent = [c.args for c in app.slack.calls_to("chat.postMessage")]
    assert all(m["metadata"]["event_type"] == "interview_bot_outbox" for m in sent)
    ids = [m["metadata"]["event_payload"]["outbox_id"] for m in sent]
    assert len(ids) == len(set(ids))
    with app.services.db.read() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.state == "sent")).all()
    # The first card row posted the card; later ones edit it in place (chat.update).
    first_card = min(r.id for r in rows if r.kind == "card")
    assert sorted(ids) == sorted(r.id for r in rows if r.kind != "card" or r.id == first_card)


def test_a_scorecard_form_opened_before_the_last_page_mark_still_stores_once(app: RunningApp) -> None:
    """The last page is marked in private_metadata (so it loads its round once, in the transaction
    that stores it); a form opened before that mark existed takes the old path and stores the same."""
    from tests.flows import new_view, scorecard_values, views_opened

    scheduled(app)
    app.clock.set(ENDS + timedelta(minutes=10))
    dispatch(app, app.clock.now())
    button = dm_button(app, INTERVIEWER_1, SUBMIT)
    before = views_opened(app, INTERVIEWER_1)
    app.client.block_action(
        INTERVIEWER_1, SUBMIT, button["value"], block_id="scorecard", channel_id=f"D{INTERVIEWER_1}"
    )
    view = new_view(app, INTERVIEWER_1, before)
    meta = json.loads(view["private_metadata"])
    assert meta.pop("l") == 1  # one page: it is the last
    old = {**view, "private_metadata": json.dumps(meta)}
    values = scorecard_values(old, rating="exceeds", notes="Clear on retries.")
    for _ in range(2):  # Slack's retry of the same submission, a minute on, changes nothing more
        assert app.client.view_submission(INTERVIEWER_1, old, values).json() == {"response_action": "clear"}
        app.clock.set(app.clock.now() + timedelta(minutes=1))
    with app.services.db.read() as session:
        cards = session.exec(select(Scorecard)).all()
        ratings = session.exec(select(QuestionRating)).all()
        claimed = session.get(ProcessedEvent, f"view:{view['id']}")
    assert [(c.interviewer_id, c.notes, c.updated_at) for c in cards] == [
        (INTERVIEWER_1, "Clear on retries.", cards[0].submitted_at)  # the retry was no edit
    ]
    assert {r.rating for r in ratings} == {"exceeds"}
    assert claimed is not None


def test_scorecards_debrief_and_lock(app: RunningApp) -> None:
    candidate, interview = scheduled(app)
    app.clock.set(ENDS + timedelta(minutes=10))
    dispatch(app, app.clock.now())
    kit = app.services.kits.kits["backend-mid"]
    questions = kit.stage("hiring-manager-technical").questions

    (done,) = submit_scorecard_via_dm(app, INTERVIEWER_1, rating="exceeds", notes="Great on idempotency.")
    assert done.json() == {"response_action": "clear"}
    app.slack.wait_for(lambda: "1 of 2 in" in all_text(replies(app, candidate)[-1]))
    thread = all_text(replies(app, candidate))
    assert "submitted their scorecard" in thread and "Great on idempotency" not in thread  # who, never what

    # Blind: the second interviewer's form shows nothing of the first one's.
    responses = submit_scorecard_via_dm(app, INTERVIEWER_2, rating="below", recommendation="no", notes="Vague.")
    opened = [
        c.args["view"] for c in app.slack.calls_to("views.open") if c.args["view"]["callback_id"] == "scorecard_submit"
    ]
    assert "Great on idempotency" not in all_text(opened[-1])
    assert responses[-1].json() == {"response_action": "clear"}
    # The "2 of 2 in" reply is posted after the answer: it must be in the thread before the debrief.
    app.wait_idle()

    with app.services.db.read() as session:
        cards = session.exec(select(Scorecard)).all()
        ratings = session.exec(select(QuestionRating)).all()
    assert sorted((c.interviewer_id, c.recommendation) for c in cards) == [
        (INTERVIEWER_1, "yes"),
        (INTERVIEWER_2, "no"),
    ]
    assert len(ratings) == 2 * len(questions)
    assert all(r.positive_observed and r.negative_observed for r in ratings)

    assert dispatch(app, app.clock.now()) == "sent 3, retried 0, gave up 0, skipped 0"
    debrief = all_text(replies(app, candidate)[-1])
    assert "Debrief: Casey Candidate · Hiring manager technical interview" in debrief
    assert "Exceeds" in debrief and "Below" in debrief and "×2" in debrief  # both ticked the first indicator
    assert "Great on idempotency" in debrief
    for person in (HIRING_MANAGER, RECRUITER):
        assert "Debrief: Casey Candidate" in dms(app, person)[-1]
        assert dm_button(app, person, "candidate_advance")
    # After the debrief the scorecards are locked, and reminders never go out.
    app.client.block_action(INTERVIEWER_1, SUBMIT, str(interview.id), channel_id=f"D{INTERVIEWER_1}")
    app.slack.wait_for(lambda: "scorecards are locked" in dms(app, INTERVIEWER_1)[-1])
    assert dispatch(app, ENDS + timedelta(days=5)) == "sent 0, retried 0, gave up 0, skipped 0"
    # The hiring manager decides from the debrief DM.
    app.client.block_action(
        HIRING_MANAGER, "candidate_advance", dm_button(app, HIRING_MANAGER, "candidate_advance")["value"],
        channel_id=f"D{HIRING_MANAGER}",
    )  # fmt: skip
    app.slack.wait_for(lambda: "Only recruiters can advance" in dms(app, HIRING_MANAGER)[-1])
    app.client.block_action(
        RECRUITER, "candidate_advance", dm_button(app, RECRUITER, "candidate_advance")["value"],
        channel_id=f"D{RECRUITER}",
    )  # fmt: skip
    app.slack.wait_for(lambda: reload(app, candidate).stage_key == "peer-technical")


def test_reminder_and_escalation_for_a_late_interviewer(app: RunningApp) -> None:
    candidate, _ = scheduled(app)
    assert candidate.thread_ts
    app.clock.set(ENDS + timedelta(minutes=10))
    dispatch(app, app.clock.now())
    submit_scorecard_via_dm(app, INTERVIEWER_1)
    app.wait_idle()  # the thread's note and card
    before_1, before_2 = len(dms(app, INTERVIEWER_1)), len(dms(app, INTERVIEWER_2))
    assert dispatch(app, ENDS + timedelta(hours=24, minutes=1)) == "sent 1, retried 0, gave up 0, skipped 0"
    assert len(dms(app, INTERVIEWER_1)) == before_1  # the one who submitted is left alone
    assert "Reminder: your scorecard for *Casey Candidate*" in dms(app, INTERVIEWER_2)[before_2]
    hours = app.services.kits.kits["backend-mid"].feedback_due_hours
    assert dispatch(app, ENDS + timedelta(hours=hours, minutes=1)) == "sent 2, retried 0, gave up 0, skipped 0"
    escalation = dms(app, RECRUITER)[-1]
    assert f"past the {hours} h deadline. Still waiting on <@{INTERVIEWER_2}>" in escalation
    assert "Still waiting on" in all_text(replies(app, candidate)[-1])


def test_reschedule_moves_and_cancel_cancels_pending_messages(app: RunningApp) -> None:
    candidate, interview = scheduled(app)
    dispatch(app, app.clock.now())  # the prep guide goes out at once
    view = command_for_view(app, RECRUITER, "/interview", "reschedule casey")
    assert view["callback_id"] == "interview_reschedule"
    assert json.loads(view["private_metadata"])["interview_id"] == interview.id
    response = app.client.view_submission(
        RECRUITER, view, schedule_values(stage=None, interviewers=[INTERVIEWER_1, INTERVIEWER_2], date="2026-11-27")
    )
    assert response.status_code == 200 and not response.text, response.text
    wait_replies(app, candidate, 4)
    assert "moved the round" in all_text(replies(app, candidate)[-1])
    moved = STARTS + timedelta(days=2)
    due = {(r.kind, r.target): r.due_at for r in outbox(app) if r.state == "pending" and r.kind != "round_rescheduled"}
    assert due[("briefing", INTERVIEWER_1)] == moved - timedelta(hours=1)
    assert due[("scorecard_request", INTERVIEWER_2)] == moved + timedelta(hours=1)
    assert due[("prep_reminder", CANDIDATE)] == moved - timedelta(hours=24)
    dispatch(app, app.clock.now())
    # Days ahead, the move is not urgent: at 06:00 in Los Angeles, Ines hears at her working start.
    assert "has moved" in dms(app, CANDIDATE)[-1] and "has moved" not in dms(app, INTERVIEWER_1)[-1]
    dispatch_held(app, INTERVIEWER_1)
    assert "has moved" in dms(app, INTERVIEWER_1)[-1]

    confirm = app.client.command(RECRUITER, "/interview", "cancel casey")
    button = confirm.json()["blocks"][-1]["elements"][0]
    assert button["action_id"] == CANCEL
    app.client.block_action(RECRUITER, CANCEL, button["value"], channel_id="C0GENERAL", message_ts="1.0")
    wait_replies(app, candidate, 5)
    assert "cancelled" in all_text(replies(app, candidate)[-1])
    pending = [r for r in outbox(app) if r.state == "pending"]
    assert {r.kind for r in pending} == {"round_cancelled"}
    assert dispatch(app, app.clock.now()) == "sent 3, retried 0, gave up 0, skipped 0"
    assert "is cancelled" in dms(app, CANDIDATE)[-1] and "is cancelled" in dms(app, INTERVIEWER_2)[-1]
    assert dispatch(app, moved + timedelta(days=5)) == "sent 0, retried 0, gave up 0, skipped 0"


def test_dispatch_waits_out_a_429_and_goes_on(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`interview-bot dispatch` pauses for Slack's Retry-After, then sends the rest of what is due by
    --until in the same run, rather than ending its pass at the 429."""
    scheduled(app)
    monkeypatch.setenv("DATABASE_URL", app.services.db.url)
    monkeypatch.setenv("SLACK_API_URL", app.slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    app.slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1, after=2)
    capsys.readouterr()
    started = time.monotonic()
    assert main(["dispatch", "--until", (ENDS + timedelta(minutes=5)).isoformat()]) == 0
    # The rate-limited message went again after the pause: all eight out, one retry, in one run.
    assert capsys.readouterr().out.strip() == "sent 8, retried 1, gave up 0, skipped 0"
    assert time.monotonic() - started >= 1.0
    limited = [c for c in app.slack.calls_to("chat.postMessage") if c.error == "ratelimited"]
    after = [c for c in app.slack.calls_to("chat.postMessage") if c.time > limited[0].time and c.error is None]
    assert len(limited) == 1 and min(c.time for c in after) - limited[0].time >= 0.99


def test_only_the_panel_submits_and_pending_list(app: RunningApp) -> None:
    _, interview = scheduled(app)
    assert "not started yet" in said(app.client.command(INTERVIEWER_1, "/scorecard", "casey"))
    app.clock.set(ENDS + timedelta(minutes=1))
    pending = said(app.client.command(INTERVIEWER_1, "/scorecard", ""))
    assert "Scorecards to submit (1)" in pending and "Casey Candidate" in pending
    assert "You have no open round with Casey Candidate" in said(app.client.command(MEMBER, "/scorecard", "casey"))
    # A forged submission from someone not on the panel changes nothing.
    forged = {
        "type": "modal",
        "callback_id": "scorecard_submit",
        "private_metadata": json.dumps({"i": interview.id, "p": 1, "a": {}}),
        "blocks": [],
    }
    kit = app.services.kits.kits["backend-mid"]
    values = {
        f"rating:{i}": {"value": {"type": "radio_buttons", "selected_option": {"value": "meets"}}}
        for i, _ in enumerate(kit.stage("hiring-manager-technical").questions)
    }
    values["recommendation"] = {"value": {"type": "radio_buttons", "selected_option": {"value": "yes"}}}
    values["notes"] = {"value": {"type": "plain_text_input", "value": "forged"}}
    response = app.client.view_submission(MEMBER, forged, values)
    assert response.json()["errors"]["notes"] == "Only the interviewers on this round can submit its scorecard."
    with app.services.db.read() as session:
        assert session.exec(select(Scorecard)).all() == []


def test_scorecard_edit_until_debrief(app: RunningApp) -> None:
    candidate, _ = scheduled(app)
    app.clock.set(ENDS + timedelta(minutes=10))
    dispatch(app, app.clock.now())
    submit_scorecard_via_dm(app, INTERVIEWER_1, recommendation="no", notes="First take.")
    submit_scorecard_via_dm(app, INTERVIEWER_1, recommendation="strong_yes", notes="Second take.")
    with app.services.db.read() as session:
        (only,) = session.exec(select(Scorecard)).all()
    assert (only.recommendation, only.notes) == ("strong_yes", "Second take.")
    app.slack.wait_for(lambda: "updated their scorecard" in all_text(replies(app, candidate)[-1]))


def test_app_home_for_interviewers(app: RunningApp) -> None:
    scheduled(app)

    def home_of(user: str) -> str:
        before = len(app.slack.calls_to("views.publish"))
        app.client.event({"type": "app_home_opened", "user": user, "tab": "home"})
        app.slack.wait_for(lambda: len(app.slack.calls_to("views.publish")) > before)
        return all_text(app.slack.home(user))

    upcoming = home_of(INTERVIEWER_1)
    assert (
        "Your upcoming interviews" in upcoming and "*Casey Candidate* · Hiring manager technical interview" in upcoming
    )
    assert f"<!date^{int(STARTS.timestamp())}^" in upcoming and "no scorecards to submit" in upcoming
    app.clock.set(ENDS + timedelta(minutes=5))
    pending = home_of(INTERVIEWER_1)
    assert "Scorecards to submit (1)" in pending and "scorecard_open" in pending
    # A candidate (a guest) sees only the explanation.
    guest = home_of(CANDIDATE)
    assert "Casey" not in guest and "Scorecards" not in guest


def test_export_holds_every_rating_and_indicator(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, interview = scheduled(app)
    app.clock.set(ENDS + timedelta(minutes=10))
    dispatch(app, app.clock.now())
    submit_scorecard_via_dm(app, INTERVIEWER_1, rating="exceeds", pick=2)
    monkeypatch.setenv("DATABASE_URL", app.services.db.url)
    capsys.readouterr()
    assert main(["export"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data["rounds"]] == [interview.id]
    assert sorted(p["interviewer_id"] for p in data["panels"]) == [INTERVIEWER_1, INTERVIEWER_2]
    (card_row,) = data["scorecards"]
    assert (card_row["interviewer_id"], card_row["recommendation"], card_row["notes"]) == (
        INTERVIEWER_1,
        "yes",
        "Solid.",
    )
    kit = app.services.kits.kits["backend-mid"]
    questions = kit.stage("hiring-manager-technical").questions
    assert [r["question_key"] for r in data["ratings"]] == questions
    for row in data["ratings"]:
        question = kit.question(row["question_key"])
        assert row["rating"] == "exceeds"
        assert row["positive_observed"] == question.positive[:2]
        assert row["negative_observed"] == question.negative[:2]
