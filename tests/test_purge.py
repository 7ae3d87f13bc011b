"""GDPR erasure: the rule alone (every personal field gone from every table, aggregates kept, audit
row, refusals), then end to end over HTTP (confirmation, click, Slack clean-up) and the command line."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from blocks.candidate import ADVANCE, PURGE
from bot.cli import main
from bot.delivery import dispatcher as dispatcher_module
from bot.reporting.export import export_all
from bot.rules.candidates import CandidateForm, create_candidate, find_candidates
from bot.rules.errors import NotFound, UserError
from bot.rules.pipeline import change_stage
from bot.rules.purge import find_for_purge, purge_candidate, purge_preview
from bot.rules.purge_job import CleanupJob, SlackMessage
from bot.rules.roles import add_role
from bot.rules.scheduling import schedule_round
from bot.rules.scorecards import Answer, round_questions, submit_scorecard
from bot.wiring.db import Database
from models.tables import (
    AuditLog,
    Candidate,
    Interview,
    OutboxMessage,
    OutboxState,
    QuestionRating,
    Scorecard,
    StageEvent,
)
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
    shipped_kits,
)
from tests.flows import (
    add_candidate,
    all_text,
    card,
    click_card,
    dispatch,
    dms,
    reload,
    replies,
    said,
    schedule_round_via_card,
    submit_scorecard_via_dm,
    wait_replies,
)

KITS = shipped_kits()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STARTS = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)

# Everything personal the unit test stores about Casey; none of it may survive the purge.
PERSONAL = {
    "name": "Casey Quintero-Pérez",
    "email": "casey.qp@example.org",
    "slack": CANDIDATE,
    "source": "Referral from Dana at Initech",
    "link": "https://cv.example.org/casey-qp",
    "notes": "Asked not to be called before noon",
    "reason": "Casey is travelling until March",
    "location": "https://meet.example.com/casey-qp-onsite",
    "scorecard_1": "Casey explained idempotency keys clearly",
    "scorecard_2": "Casey was vague about back-pressure",
}


def stored(rows: Iterable[OutboxMessage]) -> str:
    """What outbox rows hold that could name someone."""
    return json.dumps([[r.target, r.idempotency_key, r.payload, r.last_error] for r in rows], ensure_ascii=False)


def answers_for(session: Any, interview_id: int) -> dict[str, Answer]:
    from bot.rules.rounds import load_round

    ctx = load_round(session, KITS, interview_id)
    return {q.key: Answer("meets", q.positive[:1], q.negative[:1]) for q in round_questions(ctx)}


def populate(db: Database) -> tuple[int, int]:
    """Casey (with everything) and Olive (who must be left alone), through the real rules."""
    with db.transaction() as session:
        role = add_role(
            session,
            KITS,
            title="Backend Developer",
            kit_key="backend-mid",
            channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER],
            recruiter_ids=[RECRUITER],
        )
        form = CandidateForm.parse(
            {
                "name": PERSONAL["name"],
                "email": PERSONAL["email"],
                "role_id": role.id,
                "slack_user_id": PERSONAL["slack"],
                "source": PERSONAL["source"],
                "link": PERSONAL["link"],
                "notes": PERSONAL["notes"],
            }
        )
        casey = create_candidate(session, KITS, form, RECRUITER, NOW)
        casey.channel_id, casey.thread_ts = HIRING_CHANNEL, "1700000000.000100"
        olive_form = CandidateForm.parse(
            {"name": "Olive Other", "email": "olive@example.org", "role_id": role.id, "notes": "Keep me"}
        )
        olive = create_candidate(session, KITS, olive_form, RECRUITER, NOW)
        casey_id, olive_id = casey.id or 0, olive.id or 0
    with db.transaction() as session:
        change_stage(session, KITS, casey_id, "advance", RECRUITER, NOW)
        change_stage(session, KITS, casey_id, "hold", RECRUITER, NOW, reason=PERSONAL["reason"])
        change_stage(session, KITS, casey_id, "reopen", RECRUITER, NOW)
    with db.transaction() as session:
        ctx = schedule_round(
            session,
            KITS,
            candidate_id=casey_id,
            stage_key="hiring-manager-technical",
            interviewer_ids=[INTERVIEWER_1, INTERVIEWER_2],
            starts_at=STARTS,
            duration_minutes=60,
            location=PERSONAL["location"],
            actor=RECRUITER,
            now=NOW,
        )
        interview_id = ctx.interview.id or 0
    # Some messages already went out (one to Casey, one briefing); the rest are pending.
    with db.transaction() as session:
        rows = list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))
        prep = next(r for r in rows if r.kind == "prep")
        briefing = next(r for r in rows if r.kind == "briefing")
        for row, channel, ts in ((prep, "D0CASEY", "1700000000.000200"), (briefing, "D0INES", "1700000000.000300")):
            row.state, row.sent_channel, row.sent_ts, row.sent_at = OutboxState.sent, channel, ts, NOW
            session.add(row)
    later = ENDS + timedelta(minutes=5)
    for interviewer, notes, recommendation in (
        (INTERVIEWER_1, PERSONAL["scorecard_1"], "yes"),
        (INTERVIEWER_2, PERSONAL["scorecard_2"], "no"),
    ):
        with db.transaction() as session:
            answers = answers_for(session, interview_id)
            submit_scorecard(session, KITS, interview_id, interviewer, answers, recommendation, notes, later)
    return casey_id, olive_id


def aggregates(db: Database) -> dict[str, Any]:
    with db.read() as session:
        return {
            "by_status": sorted(
                session.exec(
                    select(Candidate.stage_key, Candidate.status, func.count()).group_by(
                        Candidate.stage_key, Candidate.status
                    )
                ).all()
            ),
            "events": sorted(session.exec(select(StageEvent.candidate_id, StageEvent.action)).all()),
            "recommendations": sorted(session.exec(select(Scorecard.interviewer_id, Scorecard.recommendation)).all()),
            "ratings": sorted(
                (r.question_key, r.rating, tuple(r.positive_observed), tuple(r.negative_observed))
                for r in session.exec(select(QuestionRating))
            ),
            "rounds": sorted(session.exec(select(Interview.id, Interview.status, Interview.stage_key)).all()),
        }


def test_purge_erases_every_personal_field_and_keeps_aggregates(db: Database) -> None:
    casey_id, olive_id = populate(db)
    before = aggregates(db)
    with db.read() as session:
        dump = json.dumps(export_all(session), ensure_ascii=False)
        pending = session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.pending, OutboxMessage.candidate_id == casey_id)
        ).one()
        preview = purge_preview(session, casey_id)
    for value in PERSONAL.values():
        assert value in dump, value  # the test data really is there to begin with
    assert (preview.name, preview.email, preview.stage_reasons, preview.scorecard_notes) == (
        PERSONAL["name"],
        PERSONAL["email"],
        2,  # the source (on the created event) and the hold reason
        2,
    )
    assert "their Slack user id is kept only until that Slack clean-up is done, then erased" in preview.lines()

    purged_at = NOW + timedelta(days=3)
    with db.transaction() as session:
        result = purge_candidate(session, KITS, casey_id, RECRUITER, purged_at, tell=RECRUITER)
    assert (result.stage_reasons, result.scorecard_notes, result.round_locations) == (2, 2, 1)
    assert result.cancelled == pending > 0
    assert result.rounds_cancelled == 0  # the round is over
    # The Slack side is a job queued with the purge: what it needs, addressed to the candidate's DM.
    with db.read() as session:
        job_row = session.get(OutboxMessage, result.cleanup_id)
    assert job_row is not None
    assert (job_row.kind, job_row.state, job_row.target, job_row.candidate_id) == (
        "purge_cleanup",
        OutboxState.pending,
        CANDIDATE,
        casey_id,
    )
    job = CleanupJob.from_payload(job_row.payload)
    assert job is not None
    assert job.card == SlackMessage(HIRING_CHANNEL, "1700000000.000100", "card")
    assert {(m.channel, m.ts, m.what) for m in job.sent} >= {
        ("D0CASEY", "1700000000.000200", "prep guide"),
        ("D0INES", "1700000000.000300", "briefing"),
    }
    assert (job.user_id, job.user_still_candidate, job.tell, job.keep) == (CANDIDATE, False, RECRUITER, frozenset())
    assert job.summary.erased == tuple(result.lines()) and job.summary.audit_id == result.audit_id

    with db.read() as session:
        data = export_all(session)
        outbox = list(session.exec(select(OutboxMessage)))
        casey = session.get(Candidate, casey_id)
        olive = session.get(Candidate, olive_id)
        audit = list(session.exec(select(AuditLog)))
    dump = json.dumps(data, ensure_ascii=False)
    for key, value in PERSONAL.items():
        assert value not in dump, key
    assert "Casey" not in dump and "casey" not in dump.lower()
    # The outbox is not exported: it holds nothing of theirs either, but the clean-up job's address
    # and payload (erased once it is done: see test_purge_over_slack_end_to_end).
    assert CANDIDATE not in stored(r for r in outbox if r.id != result.cleanup_id)
    assert {r.state for r in outbox if r.candidate_id == casey_id and r.id != result.cleanup_id} <= {
        OutboxState.sent,
        OutboxState.cancelled,
    }

    assert casey is not None and olive is not None
    assert casey.name == f"Purged candidate #{casey_id}" and casey.email == f"purged-{casey_id}@invalid"
    assert (casey.slack_user_id, casey.source, casey.link, casey.notes) == (None, None, None, None)
    assert casey.purged_at == purged_at
    assert (olive.name, olive.email, olive.notes) == ("Olive Other", "olive@example.org", "Keep me")
    # Counts by stage and status, events, ratings and recommendations are unchanged.
    assert aggregates(db) == before
    assert [(a.actor_id, a.action, a.subject, a.at) for a in audit] == [
        (RECRUITER, "candidate.purge", f"candidate:{casey_id}", purged_at)
    ]
    assert data["audit_log"][0]["subject"] == f"candidate:{casey_id}"

    with db.read() as session:
        assert find_candidates(session, "casey") == [] and find_candidates(session, "purged") == []
    with db.transaction() as session, pytest.raises(UserError, match=r"already purged on .*nothing left to erase"):
        purge_candidate(session, KITS, casey_id, RECRUITER, purged_at)
    with db.transaction() as session, pytest.raises(NotFound, match="There is no candidate #999"):
        purge_candidate(session, KITS, 999, RECRUITER, purged_at)
    with db.read() as session:
        assert len(list(session.exec(select(AuditLog)))) == 1


def test_find_for_purge(db: Database) -> None:
    casey_id, olive_id = populate(db)
    with db.read() as session:
        assert find_for_purge(session, "OLIVE@example.org").id == olive_id
        assert find_for_purge(session, f"#{casey_id}").id == casey_id
        with pytest.raises(NotFound, match=r"No candidate has the email nobody@example\.org"):
            find_for_purge(session, "nobody@example.org")
        with pytest.raises(UserError, match="'Casey' is neither a candidate id nor an email"):
            find_for_purge(session, "Casey")


def test_same_slack_user_in_another_role_keeps_their_other_messages(db: Database) -> None:
    casey_id, _ = populate(db)
    with db.transaction() as session:
        role = add_role(
            session,
            KITS,
            title="Platform Engineer",
            kit_key="senior-backend-scalability",
            channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER],
        )
        form = CandidateForm.parse(
            {"name": "Casey Q", "email": "casey.qp@example.org", "role_id": role.id, "slack_user_id": CANDIDATE}
        )
        create_candidate(session, KITS, form, RECRUITER, NOW)
    with db.transaction() as session:
        result = purge_candidate(session, KITS, casey_id, RECRUITER, NOW)
        job = CleanupJob.from_payload(session.get(OutboxMessage, result.cleanup_id).payload)  # type: ignore[union-attr]
    assert job is not None and job.user_still_candidate and job.tell is None


# --------------------------------------------------------------------------- over HTTP


def interviewed(app: RunningApp) -> Candidate:
    """Casey added with a Slack user, advanced, interviewed by two people, scorecards in, debriefs sent."""
    from tests.flows import make_role

    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE, notes="Prefers mornings")
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    response = schedule_round_via_card(app, candidate, interviewers=[INTERVIEWER_1, INTERVIEWER_2])
    assert response.status_code == 200 and not response.text, response.text
    wait_replies(app, candidate, 3)
    app.clock.set(ENDS + timedelta(minutes=10))
    dispatch(app)
    submit_scorecard_via_dm(app, INTERVIEWER_1, notes="Casey knew idempotency cold.")
    submit_scorecard_via_dm(app, INTERVIEWER_2, notes="Casey hand-waved back-pressure.", recommendation="no")
    app.slack.wait_for(lambda: len(replies(app, candidate)) >= 5)
    dispatch(app)  # the debriefs
    return reload(app, candidate)


def everything_in_slack(app: RunningApp, candidate: Candidate) -> str:
    """Every message left in the hiring channel (threads included) and every DM."""
    parts = [all_text(app.slack.messages(HIRING_CHANNEL))]
    assert candidate.channel_id and candidate.thread_ts
    parts.append(all_text(app.slack.thread(candidate.channel_id, candidate.thread_ts)))
    for user in (RECRUITER, HIRING_MANAGER, INTERVIEWER_1, INTERVIEWER_2, MEMBER, CANDIDATE):
        parts.append(all_text(app.slack.dm_messages(user)))
    return "\n".join(parts)


def post_as_person(app: RunningApp, channel: str, thread_ts: str, user: str, text: str) -> None:
    """A reply a person typed in the thread (the stand-in only posts as the bot through its API)."""
    with app.slack._lock:
        conv = app.slack._channels[channel]
        message = {"type": "message", "ts": app.slack._next_ts(), "user": user, "text": text, "thread_ts": thread_ts}
        app.slack._append(conv, message)


def click_purge(app: RunningApp, candidate: Candidate) -> None:
    """`/candidate purge` then its Purge button, as the recruiter; the purge is done when this returns."""
    response = app.client.command(RECRUITER, "/candidate", f"purge #{candidate.id}")
    (button,) = response.json()["blocks"][-1]["elements"]
    app.client.block_action(
        RECRUITER, PURGE, button["value"], block_id="purge_confirmation", channel_id="C0GENERAL", message_ts="1.0"
    )


def cleaned_up(app: RunningApp) -> list[str]:
    """The recruiter's DMs saying a purge's Slack clean-up is done."""
    return [text for text in dms(app, RECRUITER) if "the clean-up is done" in text]


def redactions(app: RunningApp) -> list[Any]:
    return [c for c in app.slack.calls_to("chat.update") if "Candidate purged" in str(c.args.get("text"))]


def cleanup_rows(app: RunningApp) -> list[OutboxMessage]:
    with app.services.db.read() as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "purge_cleanup")))


def test_purge_over_slack_end_to_end(app: RunningApp) -> None:
    candidate = interviewed(app)
    assert candidate.channel_id and candidate.thread_ts
    post_as_person(app, candidate.channel_id, candidate.thread_ts, HIRING_MANAGER, "Casey looks promising")
    before = everything_in_slack(app, candidate)
    for expected in ("Casey Candidate", "casey@example.org", "Casey knew idempotency cold."):
        assert expected in before
    assert app.slack.dm_messages(CANDIDATE) and app.slack.dm_messages(INTERVIEWER_1)
    assert app.slack.dm_messages(HIRING_MANAGER)  # the debrief

    response = app.client.command(RECRUITER, "/candidate", "purge casey")
    text = said(response)
    assert f"Purge *Casey Candidate* (#{candidate.id}, Backend Developer, casey@example.org)?" in text
    assert "the notes of 2 scorecards" in text and "cannot be undone" in text
    assert "their Slack user id is kept only until that Slack clean-up is done, then erased" in text
    (button,) = response.json()["blocks"][-1]["elements"]
    assert button["action_id"] == PURGE and button["style"] == "danger"
    assert button["confirm"]["style"] == "danger" and button["confirm"]["confirm"]["text"] == "Purge"
    with app.services.db.read() as session:
        assert session.get(Candidate, candidate.id).name == "Casey Candidate"  # nothing happens before the click

    app.client.block_action(
        RECRUITER, PURGE, button["value"], block_id="purge_confirmation", channel_id="C0GENERAL", message_ts="1.0"
    )
    # At once: the data is erased, and the Slack clean-up under way.
    app.listeners.wait_idle()
    started = all_text(app.slack.ephemerals(RECRUITER)[-1])
    assert f"Purged candidate #{candidate.id}" in started and "the clean-up is under way" in started
    # Then the job runs (each wait delivers the outbox) and the recruiter hears what it did.
    app.slack.wait_for(lambda: bool(cleaned_up(app)))
    (done,) = cleaned_up(app)
    assert f"Purged candidate #{candidate.id}" in done and "card redacted" in done
    assert "1 reply written by people left in the thread" in done and "2 scorecard notes erased" in done

    # The card is redacted in place, with no buttons and nothing personal.
    parent = card(app, candidate)
    assert "Candidate purged" in all_text(parent) and "Casey" not in all_text(parent)
    assert all(b["type"] != "actions" for b in parent["blocks"])
    # The bot's replies, DMs, briefings and debriefs about them are gone; the person's reply stays.
    assert [m["text"] for m in replies(app, candidate)] == ["Casey looks promising"]
    for user in (CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, HIRING_MANAGER):
        assert app.slack.dm_messages(user) == [], user
    assert dms(app, RECRUITER) == [done]  # their debrief went too
    after = everything_in_slack(app, candidate).replace("Casey looks promising", "")
    assert "Casey" not in after and "casey@example.org" not in after and "idempotency cold" not in after

    with app.services.db.read() as session:
        dump = json.dumps(export_all(session), ensure_ascii=False)
        audit = list(session.exec(select(AuditLog)))
        outbox = list(session.exec(select(OutboxMessage)))
    for value in ("Casey", "casey@example.org", CANDIDATE, "example.org/casey", "Prefers mornings", "Referral"):
        assert value not in dump, value
    assert "idempotency cold" not in dump and "meet.example.com" not in dump
    assert [(a.actor_id, a.subject) for a in audit] == [(RECRUITER, f"candidate:{candidate.id}")]
    assert all(r.state != OutboxState.pending for r in outbox)
    # The job is done: its payload, and the candidate's Slack user id with it, is erased.
    (job,) = cleanup_rows(app)
    assert (job.state, job.payload, job.target) == (OutboxState.sent, {}, "purged")
    assert CANDIDATE not in stored(outbox)

    # A second click (or a replayed one) is refused and changes nothing.
    app.client.block_action(
        RECRUITER, PURGE, button["value"], block_id="purge_confirmation", channel_id="C0GENERAL", message_ts="1.0"
    )
    app.slack.wait_for(lambda: "already purged" in all_text(app.slack.ephemerals(RECRUITER)[-1]))
    assert "No candidate matches 'casey'" in said(app.client.command(RECRUITER, "/candidate", "purge casey"))
    with app.services.db.read() as session:
        assert len(list(session.exec(select(AuditLog)))) == 1
    assert len(cleanup_rows(app)) == 1 and len(cleaned_up(app)) == 1


def test_the_cleanup_is_retried_until_slack_lets_it(app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    candidate = interviewed(app)
    app.slack.fail_next("chat.delete", error="internal_error", status=500, times=2, after=1)
    click_purge(app, candidate)
    app.listeners.wait_idle()
    results = [dispatch(app) for _ in range(3)]
    # One deletion goes through, then Slack fails twice: each time the row is retried, and goes on.
    assert results == ["sent 0, retried 1, gave up 0, skipped 0"] * 2 + ["sent 1, retried 0, gave up 0, skipped 0"]
    deleted = [(c.args["channel"], c.args["ts"]) for c in app.slack.calls_to("chat.delete") if c.error is None]
    assert deleted and len(deleted) == len(set(deleted))  # each message deleted once
    assert len([c for c in app.slack.calls_to("chat.delete") if c.error]) == 2
    assert len(redactions(app)) == 1  # not again on a retry
    assert [m["text"] for m in replies(app, candidate)] == []
    for user in (CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, HIRING_MANAGER):
        assert app.slack.dm_messages(user) == [], user
    (done,) = cleaned_up(app)
    assert f"{len(deleted)} messages by the bot deleted" in done and "already gone" not in done
    (job,) = cleanup_rows(app)
    assert (job.state, job.payload, job.attempts) == (OutboxState.sent, {}, 3)
    dispatch(app)
    assert len(cleaned_up(app)) == 1


def test_a_cleanup_that_gives_up_tells_the_recruiters(app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    candidate = interviewed(app)
    attempts = dispatcher_module.MAX_ATTEMPTS
    app.slack.fail_next("chat.delete", error="internal_error", status=500, times=attempts)
    click_purge(app, candidate)
    app.listeners.wait_idle()
    results = [dispatch(app) for _ in range(attempts)]
    assert results[:-1] == ["sent 0, retried 1, gave up 0, skipped 0"] * (attempts - 1)
    assert "gave up 1" in results[-1]
    (job,) = cleanup_rows(app)
    assert job.state == OutboxState.dead and job.last_error == "internal_error"
    app.wait_idle()  # the notice
    notice = dms(app, RECRUITER)[-1]
    assert f"I could not finish the Slack clean-up after *Purged candidate #{candidate.id}*" in notice
    assert f"after {attempts} attempts (last error: `internal_error`)" in notice
    assert "*Still in Slack*, to delete by hand" in notice
    assert f"• thread reply: <https://slack.com/archives/{HIRING_CHANNEL}/p" in notice and "• prep guide: <" in notice
    assert CANDIDATE not in notice and cleaned_up(app) == []
    # The card was redacted before it gave up; nothing was deleted.
    assert "Candidate purged" in all_text(card(app, candidate)) and replies(app, candidate)


def test_purge_cancels_the_rounds_to_come_and_their_notices_stay(app: RunningApp) -> None:
    from tests.flows import make_role

    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    response = schedule_round_via_card(app, candidate, interviewers=[INTERVIEWER_1, INTERVIEWER_2])
    assert response.status_code == 200 and not response.text, response.text
    wait_replies(app, candidate, 3)
    dispatch(app)  # the prep guide
    assert len(dms(app, CANDIDATE)) == 2  # it, and the next step

    click_purge(app, candidate)
    app.listeners.wait_idle()
    # One pass, as the bot's dispatcher makes them: the notice to the candidate goes out before the
    # clean-up looks through their DM (the same target, queued first).
    dispatch(app)
    # The panel and the candidate are each told once that the round is off; the candidate's notice
    # is not deleted with the rest of their DMs (the prep guide and the next step are).
    (to_candidate,) = dms(app, CANDIDATE)
    assert "will not take place" in to_candidate and "2026" in to_candidate
    for user in (INTERVIEWER_1, INTERVIEWER_2):
        (to_panel,) = dms(app, user)
        assert "is cancelled" in to_panel and "The candidate's data was erased." in to_panel
        assert "Casey" not in to_panel
    assert "1 upcoming round cancelled (the panel and the candidate told)" in cleaned_up(app)[0]
    assert replies(app, candidate) == []  # the thread is cleaned up, with no note about the cancellation

    # Nothing else about the round goes out: no briefing, reminder, scorecard request or escalation.
    posts = len(app.slack.calls_to("chat.postMessage"))
    app.clock.set(ENDS + timedelta(days=3))
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert len(app.slack.calls_to("chat.postMessage")) == posts
    with app.services.db.read() as session:
        outbox = list(session.exec(select(OutboxMessage)))
    assert all(r.state != OutboxState.pending for r in outbox)
    assert CANDIDATE not in stored(outbox)  # the notice to them went out before the job scrubbed its address


def test_only_recruiters_purge(app: RunningApp) -> None:
    from tests.flows import make_role

    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    for user in (HIRING_MANAGER, INTERVIEWER_1):
        text = said(app.client.command(user, "/candidate", "purge casey"))
        assert "Only recruiters can purge candidates." in text and f"<@{RECRUITER}>" in text
    assert "Say which candidate: `/candidate purge" in said(app.client.command(RECRUITER, "/candidate", "purge"))
    assert "No candidate matches 'nobody'" in said(app.client.command(RECRUITER, "/candidate", "purge nobody"))
    # A forged click is refused too.
    app.client.block_action(MEMBER, PURGE, str(candidate.id), channel_id="C0GENERAL", message_ts="1.0")
    app.client.block_action(RECRUITER, PURGE, "not-an-id", channel_id="C0GENERAL", message_ts="1.0")
    app.slack.wait_for(lambda: bool(app.slack.ephemerals(MEMBER)) and bool(app.slack.ephemerals(RECRUITER)))
    assert "Only recruiters can purge candidates." in all_text(app.slack.ephemerals(MEMBER)[-1])
    assert "This purge button is not valid" in all_text(app.slack.ephemerals(RECRUITER)[-1])
    candidate = reload(app, candidate)
    assert candidate.purged_at is None and candidate.name == "Casey Candidate"
    assert "Casey Candidate" in all_text(card(app, candidate))
    with app.services.db.read() as session:
        assert list(session.exec(select(AuditLog))) == []


def use_cli(app: RunningApp, monkeypatch: pytest.MonkeyPatch, *, token: bool = True) -> None:
    monkeypatch.setenv("DATABASE_URL", app.services.db.url)
    monkeypatch.setenv("SLACK_API_URL", app.slack.url)
    if token:
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    else:
        monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)


def test_cli_purge_asks_then_cleans_up(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.flows import make_role

    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, candidate, ADVANCE)  # the candidate gets a "next step" DM
    wait_replies(app, candidate, 2)
    app.slack.wait_for(lambda: bool(app.slack.dm_messages(CANDIDATE)))
    use_cli(app, monkeypatch)
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert main(["candidate", "purge", "casey@example.org"]) == 1
    out = capsys.readouterr().out
    assert f"Candidate #{candidate.id}: Casey Candidate <casey@example.org>, Backend Developer" in out
    assert "Type yes to purge:" in out and "Nothing was changed." in out
    assert reload(app, candidate).purged_at is None

    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert main(["candidate", "purge", "casey@example.org"]) == 0
    out = capsys.readouterr().out
    assert f"Purged candidate #{candidate.id} (Backend Developer), logged as audit entry #1 by cli:ops" in out
    assert "card redacted" in out and "3 messages by the bot deleted" in out
    assert reload(app, candidate).purged_at is not None
    assert "Candidate purged" in all_text(card(app, candidate)) and replies(app, candidate) == []
    assert app.slack.dm_messages(CANDIDATE) == []
    with app.services.db.read() as session:
        assert [a.actor_id for a in session.exec(select(AuditLog))] == ["cli:ops"]

    assert main(["candidate", "purge", str(candidate.id), "--yes"]) == 1
    assert "already purged" in capsys.readouterr().err
    assert main(["candidate", "purge", "99", "--yes"]) == 1
    assert "error: There is no candidate #99." in capsys.readouterr().err
    assert main(["candidate", "purge", "casey@example.org", "--yes"]) == 1
    assert "No candidate has the email casey@example.org" in capsys.readouterr().err


def test_cli_purge_without_a_token_purges_the_database_only(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.flows import make_role

    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    use_cli(app, monkeypatch, token=False)
    calls = len(app.slack.calls)
    capsys.readouterr()
    assert main(["candidate", "purge", f"#{candidate.id}", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Slack messages were not touched yet: SLACK_BOT_TOKEN is not set" in out
    (job,) = cleanup_rows(app)
    assert f"The clean-up is queued (outbox #{job.id}): the bot does it once it runs with a token." in out
    assert reload(app, candidate).purged_at is not None
    assert len(app.slack.calls) == calls  # nothing was sent to Slack
    assert "Casey Candidate" in all_text(card(app, candidate))
    # The job waits in the outbox: the bot's dispatcher does it once it runs (due by the command
    # line's clock, the real one).
    assert dispatch(app, datetime.now(UTC)) == "sent 1, retried 0, gave up 0, skipped 0"
    assert "Candidate purged" in all_text(card(app, candidate)) and replies(app, candidate) == []
    assert cleanup_rows(app)[0].payload == {}


def test_cli_purge_leaves_a_failed_cleanup_to_the_dispatcher(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.flows import make_role

    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    use_cli(app, monkeypatch)
    app.slack.fail_next("chat.delete", error="internal_error", status=500)
    capsys.readouterr()
    assert main(["candidate", "purge", f"#{candidate.id}", "--yes"]) == 0
    out = capsys.readouterr().out
    (job,) = cleanup_rows(app)
    assert f"The Slack clean-up failed this time (internal_error); the dispatcher retries it (outbox #{job.id})." in out
    assert "Done so far:\n  - card redacted\n  - 0 messages by the bot deleted" in out
    assert (job.state, job.attempts, job.last_error) == (OutboxState.pending, 1, "internal_error")
    assert dispatch(app, datetime.now(UTC)) == "sent 1, retried 0, gave up 0, skipped 0"
    assert replies(app, candidate) == [] and app.slack.dm_messages(CANDIDATE) == []
    (job,) = cleanup_rows(app)
    assert (job.state, job.payload) == (OutboxState.sent, {})
    assert len(redactions(app)) == 1  # the card was redacted once, not again on the retry


def test_cli_purge_with_a_round_to_come_finishes_once_the_notices_are_out(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.flows import make_role

    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    # Far enough ahead to be still to come by the command line's clock (the real one) too.
    schedule_round_via_card(app, candidate, interviewers=[INTERVIEWER_1], date="2027-06-01")
    wait_replies(app, candidate, 3)
    use_cli(app, monkeypatch)
    capsys.readouterr()
    assert main(["candidate", "purge", f"#{candidate.id}", "--yes"]) == 0
    out = capsys.readouterr().out
    # Slack is cleaned up at once; the job ends only after the cancellation notice to the candidate
    # (which it holds their Slack user id for) has gone out.
    (job,) = cleanup_rows(app)
    assert f"The Slack clean-up is not finished yet; the dispatcher goes on with it (outbox #{job.id})." in out
    assert "card redacted" in out and replies(app, candidate) == [] and app.slack.dm_messages(CANDIDATE) == []
    assert (job.state, job.claimed_until, job.attempts) == (OutboxState.pending, None, 0)
    assert dispatch(app, datetime.now(UTC)).startswith("sent 3,")  # both notices, then the job
    (notice,) = dms(app, CANDIDATE)
    assert "will not take place" in notice
    with app.services.db.read() as session:
        outbox = list(session.exec(select(OutboxMessage)))
    assert all(r.state != OutboxState.pending for r in outbox) and CANDIDATE not in stored(outbox)
