"""The messages a round implies, with when each is due.

Every offset from a round's times is written here once (`due_time`): the plan of a new round, a
take-home sent or received, and a reschedule moving the pending messages all read it. Feedback is
due in each interviewer's working days (stored on their panel_member row when the round is planned,
moved or its work received), and their reminder and the escalation follow from that. Messages are
rendered when they are sent, from the state at that moment; the dispatcher holds what is not urgent
until its reader's working hours (bot/rules/delivery_windows.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select, update

from bot.rules.delivery_windows import Reader, readers
from bot.rules.message_kinds import TIMED_KINDS, Kind, outbox_row
from bot.rules.round_events import RoundEvent
from bot.rules.rounds import RoundContext
from models.kit import StageKind
from models.tables import InterviewKind, OutboxMessage, OutboxState, PanelMember, PersonRecord, TrainingPart

# The recruiter hears when this share of a promised response time has gone by with no decision.
PROMISE_WARNING = 0.75
# Nudges around a take-home's due date: the candidate a day before, the recruiter an hour after.
REMIND_BEFORE = timedelta(hours=24)
MISSING_AFTER = timedelta(hours=1)
# A reminder due sooner than this after its round is planned would only repeat the first message.
REMINDER_LEAD = timedelta(hours=1)


def promise_hours(ctx: RoundContext) -> int | None:
    """How soon the kit promises the candidate an answer after this round, if it does."""
    return ctx.stage.response_promise_hours or ctx.kit.response_promise_hours


def promise_reminder_at(ctx: RoundContext) -> datetime:
    return ctx.interview.ends_at + timedelta(hours=(promise_hours(ctx) or 0) * PROMISE_WARNING)


def due_time(ctx: RoundContext, kind: str, reader: Reader | None = None) -> datetime:
    """When a message of `kind` about the round is due to `reader` (the target's hours and zone): its
    offset from the round's start or end; a reminder counted in the reader's working days, the
    escalation when the last of the panel's scorecards is due, a candidate's prep reminder the
    evening before rather than at night."""
    timings = ctx.kit.timings_for(ctx.stage)
    interview = ctx.interview
    prep_at = interview.starts_at - timedelta(hours=timings.prep_before_hours)
    remind_at = (
        reader.working_due(interview.ends_at, timings.reminder_after_hours)
        if reader is not None
        else interview.ends_at + timedelta(hours=timings.reminder_after_hours)
    )
    due: dict[str, datetime] = {
        Kind.prep_reminder: reader.evening_before(prep_at) if reader is not None else prep_at,
        Kind.briefing: interview.starts_at - timedelta(minutes=timings.briefing_before_minutes),
        Kind.scorecard_request: interview.ends_at,
        Kind.scorecard_reminder: remind_at,
        Kind.escalation: ctx.feedback_due,
        Kind.escalation_thread: ctx.feedback_due,
        Kind.promise: promise_reminder_at(ctx),
        # An assignment "ends" at its due date.
        Kind.take_home_reminder: (
            reader.evening_before(interview.ends_at - REMIND_BEFORE)
            if reader is not None
            else interview.ends_at - REMIND_BEFORE
        ),
        Kind.take_home_missing: interview.ends_at + MISSING_AFTER,
        Kind.signoff_request: interview.ends_at,
        Kind.shadow_note: interview.ends_at,
    }
    return due[kind]


@dataclass
class _Plan:
    """The rows of a round's messages, each due at its due time or (`at_once`) now."""

    ctx: RoundContext
    now: datetime
    # The targets' hours and zones (a candidate's window for the candidate); none: the calendar.
    people: dict[str, Reader] = field(default_factory=dict)
    rows: list[OutboxMessage] = field(default_factory=list)

    def add(self, kind: Kind, target: str, *, at_once: bool = False, tag: str = "", **payload: Any) -> None:
        due = self.now if at_once else due_time(self.ctx, kind, self.people.get(target))
        if target == self.ctx.candidate.slack_user_id:
            payload["audience"] = "candidate"  # still known to be theirs if a purge erases their user
        row = outbox_row(kind, target, self.ctx.candidate.id, self.ctx.interview.id, due, self.now, tag, payload)
        self.rows.append(row)


def deciders(ctx: RoundContext, recruiters: Sequence[str]) -> list[str]:
    """The recruiters who hear about the round's feedback: `recruiters` (the role's, or the RECRUITERS
    list), else whoever added the candidate or scheduled the round."""
    fallback = ctx.candidate.created_by or ctx.interview.scheduled_by
    return list(recruiters) or ([fallback] if fallback else [])


def round_messages(
    ctx: RoundContext, now: datetime, recruiters: Sequence[str] = (), people: dict[str, Reader] | None = None
) -> list[OutboxMessage]:
    """Every message a scheduled round implies, with its due time (`people`: the targets' readers)."""
    interview, candidate = ctx.interview, ctx.candidate
    plan = _Plan(ctx, now, people or {})
    # A review has no meeting to prepare or brief for: it "ends" when assigned, so the request goes
    # out at once and the usual chasing follows.
    review = ctx.stage.kind is StageKind.review
    if candidate.slack_user_id and not review:
        plan.add(Kind.prep, candidate.slack_user_id, at_once=True)
        if due_time(ctx, Kind.prep_reminder, plan.people.get(candidate.slack_user_id)) > now + REMINDER_LEAD:
            plan.add(Kind.prep_reminder, candidate.slack_user_id)
    for user_id in ctx.panel:
        if not review:
            # At once: what the round is and its invite; the briefing with the questions before it.
            plan.add(Kind.panel_invite, user_id, at_once=True)
            plan.add(Kind.briefing, user_id)
    # Trainees (bot/rules/training.py): a shadow is briefed and invited, then asked what they
    # learned; the reverse shadow is in the panel, and the rest of the panel signs off on them.
    for user_id in ctx.shadows:
        plan.add(Kind.panel_invite, user_id, at_once=True)
        plan.add(Kind.briefing, user_id)
        plan.add(Kind.shadow_note, user_id)
    for user_id in ctx.evaluators:
        plan.add(Kind.signoff_request, user_id)
    if interview.kind == InterviewKind.kickoff:
        # The assignment is scored once the work is in, not the meeting that hands it over.
        return plan.rows
    for user_id in ctx.panel:
        plan.add(Kind.scorecard_request, user_id)
        plan.add(Kind.scorecard_reminder, user_id)
    for recruiter in deciders(ctx, recruiters):
        plan.add(Kind.escalation, recruiter)
        if promise_hours(ctx) is not None:
            plan.add(Kind.promise, recruiter)
    if candidate.channel_id:
        plan.add(Kind.escalation_thread, candidate.channel_id)
    return plan.rows


def take_home_messages(
    ctx: RoundContext, actor: str, now: datetime, people: dict[str, Reader] | None = None
) -> list[OutboxMessage]:
    """What sending an assignment implies: the brief to the candidate at once, a reminder before it
    is due (the evening before rather than at night), and `actor` (who sent it) told if nothing arrived."""
    candidate = ctx.candidate
    plan = _Plan(ctx, now, people or {})
    if candidate.slack_user_id:
        plan.add(Kind.take_home_brief, candidate.slack_user_id, at_once=True)
        if due_time(ctx, Kind.take_home_reminder, plan.people.get(candidate.slack_user_id)) > now + REMINDER_LEAD:
            plan.add(Kind.take_home_reminder, candidate.slack_user_id)
    plan.add(Kind.take_home_missing, actor)
    return plan.rows


def received_messages(
    ctx: RoundContext,
    actor: str,
    now: datetime,
    recruiters: Sequence[str] = (),
    people: dict[str, Reader] | None = None,
) -> list[OutboxMessage]:
    """What an assignment's work arriving implies, once its round ends then: each reviewer asked for
    a scorecard and reminded, and the recruiters (else `actor`, who marked it received) and the
    thread told if feedback is overdue."""
    plan = _Plan(ctx, now, people or {})
    for user_id in ctx.panel:
        plan.add(Kind.scorecard_request, user_id)
        plan.add(Kind.scorecard_reminder, user_id)
    if ctx.panel:
        for recruiter in list(recruiters) or [actor]:
            plan.add(Kind.escalation, recruiter)
        if ctx.candidate.channel_id:
            plan.add(Kind.escalation_thread, ctx.candidate.channel_id)
    return plan.rows


def on_round_event(session: Session, event: RoundEvent) -> None:
    """The messages' side of a round's life (subscribed in bot/rules/lifecycle.py)."""
    ctx, now = event.ctx, event.now
    rows: list[OutboxMessage] = []
    if event.what == "scheduled":
        if ctx.interview.kind == InterviewKind.assignment:
            rows = take_home_messages(ctx, event.actor, now, _people(session, ctx, [event.actor]))
        else:
            people = _people(session, ctx, event.recruiters)
            _set_dues(session, ctx, people)
            rows = round_messages(ctx, now, event.recruiters, people)
    elif event.what == "moved":
        rows = _moved(session, event)
    elif event.what == "cancelled":
        _close(session, ctx, None)
        if ctx.interview.ends_at > now:
            plan = _Plan(ctx, now)
            why = {"why": event.why} if event.why else {}
            for target in _told(ctx):
                plan.add(Kind.cancelled, target, at_once=True, **why)
            rows = plan.rows
    elif event.what == "received":
        _close(session, ctx, [Kind.take_home_reminder, Kind.take_home_missing])
        people = _people(session, ctx, [*event.recruiters, event.actor])
        _set_dues(session, ctx, people)
        rows = received_messages(ctx, event.actor, now, event.recruiters, people)
    elif event.what == "ended":
        _close(session, ctx, [Kind.scorecard_reminder, Kind.escalation, Kind.escalation_thread])
        if ctx.panel:
            rows = _debrief(ctx, now, event.recruiters)
    for row in rows:
        session.add(row)


def _people(session: Session, ctx: RoundContext, recruiters: Sequence[str]) -> dict[str, Reader]:
    """The readers of a round's messages: the panel, its shadows and the recruiters by their hours, the candidate by
    the night they are never messaged in."""
    people = readers(session, [*ctx.attendees, *deciders(ctx, recruiters)])
    user = ctx.candidate.slack_user_id
    if user:
        record = session.get(PersonRecord, user)
        people[user] = Reader.candidate(record.tz if record is not None else None)
    return people


def _set_dues(session: Session, ctx: RoundContext, people: dict[str, Reader]) -> None:
    """Each interviewer's feedback deadline, in their working days from the round's end (a kickoff
    is not scored; an assignment is due once its work is in)."""
    if ctx.interview.kind == InterviewKind.kickoff:
        return
    members = session.exec(select(PanelMember).where(PanelMember.interview_id == ctx.interview.id))
    for member in members:
        if member.training == TrainingPart.shadow:
            continue  # a shadow owes no scorecard
        reader = people.get(member.interviewer_id) or Reader.default()
        member.due_at = reader.working_due(ctx.interview.ends_at, ctx.kit.feedback_due_hours)
        ctx.dues[member.interviewer_id] = member.due_at
        session.add(member)


def _told(ctx: RoundContext) -> list[str]:
    """Who hears of a change to the round: the panel, its shadows and the candidate."""
    return [*ctx.attendees, *([ctx.candidate.slack_user_id] if ctx.candidate.slack_user_id else [])]


def _close(session: Session, ctx: RoundContext, kinds: list[Kind] | None) -> None:
    """The round's pending messages of `kinds` (all, for None) no longer go out."""
    query = update(OutboxMessage).where(
        col(OutboxMessage.interview_id) == ctx.interview.id, col(OutboxMessage.state) == OutboxState.pending
    )
    if kinds is not None:
        query = query.where(col(OutboxMessage.kind).in_(kinds))
    session.exec(query.values(state=OutboxState.cancelled))


def _debrief(ctx: RoundContext, now: datetime, recruiters: Sequence[str]) -> list[OutboxMessage]:
    """Every scorecard is in: the thread, the hiring managers and the recruiters get the debrief."""
    plan = _Plan(ctx, now)
    if ctx.candidate.channel_id:
        plan.add(Kind.debrief_thread, ctx.candidate.channel_id, at_once=True)
    for person in dict.fromkeys([*ctx.role.hiring_manager_ids, *deciders(ctx, recruiters)]):
        plan.add(Kind.debrief, person, at_once=True)
    return plan.rows


def _moved(session: Session, event: RoundEvent) -> list[OutboxMessage]:
    """Pending messages follow the round's new time; who left the panel is told it is off for them,
    who joined gets their messages, everyone else (and the candidate) hears of the move."""
    ctx, now = event.ctx, event.now
    removed, added = set(event.removed), event.added
    people = _people(session, ctx, event.recruiters)
    if ctx.interview.kind != InterviewKind.assignment:
        _set_dues(session, ctx, people)
    pending = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.interview_id == ctx.interview.id, OutboxMessage.state == OutboxState.pending
        )
    )
    for row in pending:
        if row.target in removed:
            row.state = OutboxState.cancelled
        elif row.kind in TIMED_KINDS:
            row.due_at = max(due_time(ctx, row.kind, people.get(row.target)), now)
            row.claimed_until = None
        else:
            continue
        session.add(row)
    existing = set(
        session.exec(select(OutboxMessage.idempotency_key).where(OutboxMessage.interview_id == ctx.interview.id))
    )
    # New panel members get their messages; the candidate a prep reminder for the new time.
    rows = [
        r
        for r in round_messages(ctx, now, event.recruiters, people)
        if r.idempotency_key not in existing and (r.target in added or r.kind == Kind.prep_reminder)
    ]
    # Each move's notices are new messages: tell them apart by time and by how many moves came
    # before (two moves within one clock tick must not collide on the idempotency key).
    moves = sum(1 for key in existing if f":{Kind.rescheduled}:" in key or f":{Kind.cancelled}:" in key)
    plan = _Plan(ctx, now, people)
    stamp = f"{now:%Y%m%dT%H%M%S%f}.{moves}"
    for target in _told(ctx):
        if target not in added:
            plan.add(Kind.rescheduled, target, at_once=True, tag=stamp)
    for user_id in event.removed:
        plan.add(Kind.cancelled, user_id, at_once=True, tag=stamp)
    return rows + plan.rows
