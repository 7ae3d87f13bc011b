"""The messages a round implies, with when each is due.

Every offset from a round's times is written here once (`due_time`): the plan of a new round, a
take-home sent or received, and a reschedule moving the pending messages all read it. Messages
are rendered when they are sent, from the state at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.rules.message_kinds import Kind, outbox_row
from bot.rules.rounds import RoundContext
from models.kit import StageKind
from models.tables import InterviewKind, OutboxMessage

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


def due_time(ctx: RoundContext, kind: str) -> datetime:
    """When a message of `kind` about the round is due: its offset from the round's start or end."""
    timings = ctx.kit.timings_for(ctx.stage)
    interview = ctx.interview
    escalate_at = interview.ends_at + timedelta(hours=ctx.kit.feedback_due_hours)
    due: dict[str, datetime] = {
        Kind.prep_reminder: interview.starts_at - timedelta(hours=timings.prep_before_hours),
        Kind.briefing: interview.starts_at - timedelta(minutes=timings.briefing_before_minutes),
        Kind.scorecard_request: interview.ends_at,
        Kind.scorecard_reminder: interview.ends_at + timedelta(hours=timings.reminder_after_hours),
        Kind.escalation: escalate_at,
        Kind.escalation_thread: escalate_at,
        Kind.promise: promise_reminder_at(ctx),
        # An assignment "ends" at its due date.
        Kind.take_home_reminder: interview.ends_at - REMIND_BEFORE,
        Kind.take_home_missing: interview.ends_at + MISSING_AFTER,
    }
    return due[kind]


@dataclass
class _Plan:
    """The rows of a round's messages, each due at its due time or (`at_once`) now."""

    ctx: RoundContext
    now: datetime
    rows: list[OutboxMessage] = field(default_factory=list)

    def add(self, kind: Kind, target: str, *, at_once: bool = False) -> None:
        due = self.now if at_once else due_time(self.ctx, kind)
        self.rows.append(outbox_row(kind, target, self.ctx.candidate.id, self.ctx.interview.id, due, self.now))


def round_messages(ctx: RoundContext, now: datetime) -> list[OutboxMessage]:
    """Every message a scheduled round implies, with its due time."""
    interview, candidate = ctx.interview, ctx.candidate
    plan = _Plan(ctx, now)
    # A review has no meeting to prepare or brief for: it "ends" when assigned, so the request goes
    # out at once and the usual chasing follows.
    review = ctx.stage.kind is StageKind.review
    if candidate.slack_user_id and not review:
        plan.add(Kind.prep, candidate.slack_user_id, at_once=True)
        if due_time(ctx, Kind.prep_reminder) > now + REMINDER_LEAD:
            plan.add(Kind.prep_reminder, candidate.slack_user_id)
    for user_id in ctx.panel:
        if not review:
            plan.add(Kind.briefing, user_id)
    if interview.kind == InterviewKind.kickoff:
        # The assignment is scored once the work is in, not the meeting that hands it over.
        return plan.rows
    for user_id in ctx.panel:
        plan.add(Kind.scorecard_request, user_id)
        plan.add(Kind.scorecard_reminder, user_id)
    recruiter = candidate.created_by or interview.scheduled_by
    if recruiter:
        plan.add(Kind.escalation, recruiter)
        if promise_hours(ctx) is not None:
            plan.add(Kind.promise, recruiter)
    if candidate.channel_id:
        plan.add(Kind.escalation_thread, candidate.channel_id)
    return plan.rows


def take_home_messages(ctx: RoundContext, actor: str, now: datetime) -> list[OutboxMessage]:
    """What sending an assignment implies: the brief to the candidate at once, a reminder before it
    is due, and `actor` (who sent it) told if nothing arrived."""
    candidate = ctx.candidate
    plan = _Plan(ctx, now)
    if candidate.slack_user_id:
        plan.add(Kind.take_home_brief, candidate.slack_user_id, at_once=True)
        if due_time(ctx, Kind.take_home_reminder) > now + REMINDER_LEAD:
            plan.add(Kind.take_home_reminder, candidate.slack_user_id)
    plan.add(Kind.take_home_missing, actor)
    return plan.rows


def received_messages(ctx: RoundContext, actor: str, now: datetime) -> list[OutboxMessage]:
    """What an assignment's work arriving implies, once its round ends then: each reviewer asked for
    a scorecard and reminded, and `actor` (who marked it received) and the thread told if feedback
    is overdue."""
    plan = _Plan(ctx, now)
    for user_id in ctx.panel:
        plan.add(Kind.scorecard_request, user_id)
        plan.add(Kind.scorecard_reminder, user_id)
    if ctx.panel:
        plan.add(Kind.escalation, actor)
        if ctx.candidate.channel_id:
            plan.add(Kind.escalation_thread, ctx.candidate.channel_id)
    return plan.rows
