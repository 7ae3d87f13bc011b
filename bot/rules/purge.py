"""GDPR erasure: a candidate's personal data goes everywhere, anonymous aggregates stay,
and who did it is logged.

Plain Python over the database; no Slack. One transaction cancels the rounds still to come (the
panel and the candidate are told they will not take place), erases the name, email, Slack user,
source, link and notes, the free text around them (stage-change reasons, scorecard notes, round
locations), cancels their other pending messages and writes an audit row. Rows and ids stay, so
counts by stage, status, rating and recommendation still add up. The Slack side (redacting the
card, deleting the bot's messages about them) is an outbox job queued in the same transaction
(bot/rules/purge_job.py, run by bot/delivery/purge_cleanup.py), retried until it is done. Until
then that job, and the cancellation notices to the candidate, hold their Slack user id: it is the
one thing of theirs kept, and only that long.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.rules import calendar_plan, lifecycle
from bot.rules.candidates import fold
from bot.rules.errors import NotFound, UserError
from bot.rules.kits import KitCatalog
from bot.rules.lifecycle import cancel_open_rounds
from bot.rules.message_kinds import Kind, outbox_row, report_name
from bot.rules.purge_job import PURGED_TARGET, CleanupJob, PurgeSummary, SlackMessage, plural
from bot.rules.rounds import RoundContext, load_round
from models.tables import (
    AuditLog,
    Candidate,
    Interview,
    OutboxMessage,
    OutboxState,
    Role,
    Scorecard,
    StageEvent,
    TrainingSignoff,
)

ACTION = "candidate.purge"
ACTOR_MAX = 64


@dataclass(frozen=True)
class PurgePreview:
    """What a purge would erase, for the confirmation (Slack or command line)."""

    candidate_id: int
    name: str
    email: str
    role_title: str
    has_slack_user: bool
    stage_reasons: int
    scorecard_notes: int
    round_locations: int
    pending_messages: int
    sent_messages: int
    has_card: bool

    def lines(self) -> list[str]:
        fields = "name, email, " + ("Slack user, " if self.has_slack_user else "") + "source, link and notes"
        lines = [f"their {fields}"]
        if self.stage_reasons:
            lines.append(f"{plural(self.stage_reasons, 'reason')} given for stage changes")
        if self.scorecard_notes:
            lines.append(f"the notes of {plural(self.scorecard_notes, 'scorecard')} (ratings stay, anonymous)")
        if self.round_locations:
            lines.append(f"the link or location of {plural(self.round_locations, 'round')}")
        if self.pending_messages:
            lines.append(f"{plural(self.pending_messages, 'scheduled message')} (cancelled)")
        slack = []
        if self.has_card:
            slack.append("their card is redacted and the bot's replies in their thread deleted")
        if self.sent_messages:
            slack.append(f"{plural(self.sent_messages, 'message')} the bot sent about them deleted")
        if self.has_slack_user:
            slack.append("the bot's direct messages to them deleted")
        if slack:
            lines.append("in Slack: " + "; ".join(slack))
        if self.has_slack_user:
            # The one thing of theirs kept after the purge: the clean-up needs it to find their DMs.
            lines.append("their Slack user id is kept only until that Slack clean-up is done, then erased")
        return lines


@dataclass(frozen=True)
class PurgeResult:
    """What was erased, and the outbox job that cleans up Slack afterwards."""

    candidate_id: int
    role_title: str
    actor: str
    at: datetime
    audit_id: int
    stage_reasons: int
    scorecard_notes: int
    round_locations: int
    cancelled: int
    # Rounds still to come, cancelled: the panel and the candidate are told they will not take place.
    rounds_cancelled: int
    # The outbox row of the Slack clean-up (kind purge_cleanup).
    cleanup_id: int

    @property
    def label(self) -> str:
        return f"Purged candidate #{self.candidate_id}"

    def lines(self) -> list[str]:
        lines = ["name, email, Slack user, source, link and notes erased"]
        if self.stage_reasons:
            lines.append(f"{plural(self.stage_reasons, 'stage-change reason')} erased")
        if self.scorecard_notes:
            lines.append(f"{plural(self.scorecard_notes, 'scorecard note')} erased (ratings kept, anonymous)")
        if self.round_locations:
            lines.append(f"{plural(self.round_locations, 'round location')} erased")
        if self.rounds_cancelled:
            lines.append(
                f"{plural(self.rounds_cancelled, 'upcoming round')} cancelled (the panel and the candidate told)"
            )
        if self.cancelled:
            lines.append(f"{plural(self.cancelled, 'scheduled message')} cancelled")
        return lines

    @property
    def summary(self) -> PurgeSummary:
        return PurgeSummary(self.candidate_id, self.role_title, self.at, self.audit_id, tuple(self.lines()))


def placeholder_name(candidate_id: int) -> str:
    return f"Purged candidate #{candidate_id}"


def placeholder_email(candidate_id: int) -> str:
    # `.invalid` is reserved (RFC 2606): it can never be somebody's address.
    return f"purged-{candidate_id}@invalid"


def candidate_to_purge(session: Session, candidate_id: int, *, lock: bool = False) -> Candidate:
    """The candidate, unless unknown or already purged (each with its own message)."""
    candidate = session.get(Candidate, candidate_id, with_for_update=lock)
    if candidate is None:
        raise NotFound(f"There is no candidate #{candidate_id}. Check the id with `/candidate <name>`.")
    if candidate.purged_at is not None:
        raise UserError(
            f"Candidate #{candidate_id} was already purged on {candidate.purged_at:%Y-%m-%d %H:%M} UTC; "
            "there is nothing left to erase."
        )
    return candidate


def find_for_purge(session: Session, query: str) -> Candidate:
    """For the command line: a candidate by id (`12`, `#12`) or exact email, purged ones included by id."""
    query = query.strip()
    digits = query.lstrip("#")
    if digits.isdigit():
        return candidate_to_purge(session, int(digits))
    if "@" not in query:
        raise UserError(f"'{query}' is neither a candidate id nor an email; give one like 12 or casey@example.org.")
    found = list(
        session.exec(
            select(Candidate)
            .where(func.lower(Candidate.email) == query.lower(), col(Candidate.purged_at).is_(None))
            .order_by(col(Candidate.id))
        )
    )
    if not found:
        raise NotFound(f"No candidate has the email {query}. (A purged candidate's email is gone too.)")
    if len(found) > 1:
        roles = {r.id: r.title for r in session.exec(select(Role))}
        listed = ", ".join(f"#{c.id} ({roles.get(c.role_id, '?')}, {c.status})" for c in found)
        raise UserError(f"{len(found)} candidates have the email {query}: {listed}. Purge each by id.")
    return found[0]


def _rounds(session: Session, candidate_id: int) -> list[Interview]:
    return list(session.exec(select(Interview).where(Interview.candidate_id == candidate_id)))


def _outbox(session: Session, candidate_id: int, interview_ids: list[int]) -> list[OutboxMessage]:
    about = col(OutboxMessage.candidate_id) == candidate_id
    if interview_ids:
        about = or_(about, col(OutboxMessage.interview_id).in_(interview_ids))
    return list(session.exec(select(OutboxMessage).where(about).order_by(col(OutboxMessage.id))))


def _scorecards(session: Session, interview_ids: list[int]) -> list[Scorecard]:
    if not interview_ids:
        return []
    return list(session.exec(select(Scorecard).where(col(Scorecard.interview_id).in_(interview_ids))))


def _reasons(session: Session, candidate_id: int) -> list[StageEvent]:
    return list(
        session.exec(
            select(StageEvent).where(StageEvent.candidate_id == candidate_id, col(StageEvent.reason).is_not(None))
        )
    )


def _sent(row: OutboxMessage) -> SlackMessage | None:
    """The message a sent row posted, to delete; not the card, which is redacted instead."""
    if row.state != OutboxState.sent or not row.sent_channel or not row.sent_ts or row.kind == Kind.card:
        return None
    return SlackMessage(row.sent_channel, row.sent_ts, report_name(row.kind))


def purge_preview(session: Session, candidate_id: int) -> PurgePreview:
    candidate = candidate_to_purge(session, candidate_id)
    role = session.get(Role, candidate.role_id)
    rounds = _rounds(session, candidate_id)
    ids = [r.id for r in rounds if r.id is not None]
    rows = _outbox(session, candidate_id, ids)
    return PurgePreview(
        candidate_id=candidate_id,
        name=candidate.name,
        email=candidate.email,
        role_title=role.title if role else "?",
        has_slack_user=candidate.slack_user_id is not None,
        stage_reasons=len(_reasons(session, candidate_id)),
        scorecard_notes=sum(1 for s in _scorecards(session, ids) if s.notes),
        round_locations=sum(1 for r in rounds if r.location),
        pending_messages=sum(1 for r in rows if r.state == OutboxState.pending),
        sent_messages=sum(1 for r in rows if _sent(r) is not None),
        has_card=bool(candidate.channel_id and candidate.thread_ts),
    )


def purge_candidate(
    session: Session, kits: KitCatalog, candidate_id: int, actor: str, now: datetime, *, tell: str | None = None
) -> PurgeResult:
    """Erase the candidate's personal data everywhere, in the caller's transaction, and queue the
    Slack clean-up; `tell` (a Slack user) gets a DM when that is done."""
    candidate = candidate_to_purge(session, candidate_id, lock=True)
    role = session.get(Role, candidate.role_id)
    user_id = candidate.slack_user_id
    still_candidate = False
    if user_id is not None:
        other = session.exec(
            select(Candidate.id)
            .where(
                Candidate.slack_user_id == user_id,
                Candidate.id != candidate_id,
                col(Candidate.purged_at).is_(None),
            )
            .limit(1)
        ).first()
        still_candidate = other is not None

    rounds = _rounds(session, candidate_id)
    ids = [r.id for r in rounds if r.id is not None]
    before = _outbox(session, candidate_id, ids)
    pending_before = {r.id for r in before if r.state == OutboxState.pending}
    # Before anything is erased, while the candidate's Slack user is still known: the panel and the
    # candidate hear that the rounds still to come will not take place. Quietly: the thread goes.
    rounds_cancelled = cancel_open_rounds(session, kits, candidate, actor=actor, now=now, why="purged", quiet=True)
    # Every round's event leaves the connected calendars, past rounds' too: they name the candidate.
    calendar_plan.forget_rounds(session, _contexts(session, kits, ids), now)
    rows = _outbox(session, candidate_id, ids)
    known = {r.id for r in before}
    # Those notices and deletions are the only writes about them still to go out; the clean-up leaves them.
    notices = {
        r.id
        for r in rows
        if r.id is not None
        and r.id not in known
        and r.kind in (Kind.cancelled, Kind.calendar_event)
        and r.state == OutboxState.pending
    }

    card = None
    if candidate.channel_id and candidate.thread_ts:
        card = SlackMessage(candidate.channel_id, candidate.thread_ts, "card")
    candidate.name = placeholder_name(candidate_id)
    candidate.name_key = fold(candidate.name)
    candidate.email = placeholder_email(candidate_id)
    candidate.slack_user_id = None
    candidate.source = None
    candidate.link = None
    candidate.notes = None
    candidate.purged_at = now
    session.add(candidate)

    # Free text may name the person: reasons for stage changes (the first one is the source).
    reasons = _reasons(session, candidate_id)
    for event in reasons:
        event.reason = None
        session.add(event)

    # A meeting link or room typed by the recruiter, often with the candidate's name in it.
    locations = lifecycle.erase_locations(session, rounds)

    notes = 0
    for scorecard in _scorecards(session, ids):
        # Recommendation, ratings and indicators stay: anonymous once the candidate is gone.
        if scorecard.notes:
            scorecard.notes = ""
            notes += 1
            session.add(scorecard)
    for signoff in session.exec(select(TrainingSignoff).where(col(TrainingSignoff.interview_id).in_(ids))):
        signoff.comment = None  # it may name the candidate; the verdict stays, for the trainee's progress
        session.add(signoff)

    sent: list[SlackMessage] = []
    # Read before the payloads are erased below.
    files = [str(f) for r in rows if r.id not in notices for f in (r.payload or {}).get("files") or []]
    for row in rows:
        if row.id in notices:
            continue  # addressed (and worded) for the panel or, by their payload's audience, the candidate
        if row.state == OutboxState.pending:
            row.state = OutboxState.cancelled
            row.claimed_until = None
        message = _sent(row)
        if message is not None:
            sent.append(message)
        row.payload = {}
        if user_id is not None and row.target == user_id:
            # Messages to the candidate were addressed to their Slack user, and keyed by it.
            row.target = PURGED_TARGET
            row.idempotency_key = f"purged:{row.id}"
        session.add(row)
    # Pending before the purge (whether the rounds' cancellation or the loop above closed them).
    cancelled = sum(1 for r in rows if r.id in pending_before and r.state == OutboxState.cancelled)

    counts = {
        "stage_reasons": len(reasons),
        "scorecard_notes": notes,
        "round_locations": locations,
        "rounds_cancelled": rounds_cancelled,
        "cancelled": cancelled,
        "sent_messages": len(sent),
    }
    audit = AuditLog(
        at=now,
        actor_id=actor[:ACTOR_MAX],
        action=ACTION,
        subject=f"candidate:{candidate_id}",
        # Counts only: the audit log must not become a copy of what was erased.
        detail=", ".join(f"{key}={value}" for key, value in counts.items()),
    )
    session.add(audit)
    session.flush()
    result = PurgeResult(
        candidate_id=candidate_id,
        role_title=role.title if role else "?",
        actor=actor,
        at=now,
        audit_id=audit.id or 0,
        stage_reasons=len(reasons),
        scorecard_notes=notes,
        round_locations=locations,
        cancelled=cancelled,
        rounds_cancelled=rounds_cancelled,
        cleanup_id=0,
    )
    job = CleanupJob(
        summary=result.summary,
        card=card,
        sent=tuple(dict.fromkeys(sent)),
        user_id=user_id,
        user_still_candidate=still_candidate,
        outbox_ids=frozenset(r.id for r in rows if r.id is not None),
        keep=frozenset(notices),
        tell=tell,
        files=tuple(dict.fromkeys(files)),
    )
    cleanup = _cleanup_row(job, candidate_id, now)
    session.add(cleanup)
    session.flush()
    return replace(result, cleanup_id=cleanup.id or 0)


def _cleanup_row(job: CleanupJob, candidate_id: int, now: datetime) -> OutboxMessage:
    """The Slack clean-up, due now. Its target paces it: the candidate's DM, so the notices to them
    (due as soon, queued first) go out before it looks through that DM; else the card's channel."""
    target = job.user_id or (job.card.channel if job.card else f"purge:{candidate_id}")
    row = outbox_row(Kind.purge_cleanup, target, candidate_id, None, now, now, payload=job.to_payload())
    row.idempotency_key = f"purge:{candidate_id}"  # not keyed by their Slack user, unlike the default
    return row


def audit_entries(session: Session, subject: str) -> list[AuditLog]:
    return list(session.exec(select(AuditLog).where(AuditLog.subject == subject).order_by(col(AuditLog.id))))


def _contexts(session: Session, kits: KitCatalog, ids: list[int]) -> list[RoundContext]:
    """The rounds with their kit and stage; a round whose kit is no longer loaded is left out, as
    whether it was a meeting (with calendar events) cannot be told."""
    found = []
    for interview_id in ids:
        try:
            found.append(load_round(session, kits, interview_id, purged=True))
        except UserError:
            continue
    return found
