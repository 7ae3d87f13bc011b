"""The messages around a meeting or review: prep and its reminder to the candidate, the panel's
briefings and scorecard requests, the feedback escalation, and the notices of a move or cancellation.

Each applies only while the round is on: none of them goes out for a cancelled round except the
cancellation itself, and the nudges stop once their scorecards are in.
"""

from __future__ import annotations

from blocks.common import to_dicts
from blocks.invites import panel_invite_message
from blocks.messages import (
    briefing_message,
    cancelled_message,
    escalation_message,
    prep_message,
    rescheduled_message,
    scorecard_request,
)
from bot.delivery.invite_files import has_calendar, with_invite
from bot.delivery.rendering import Rendered, Rendering, to_candidate
from bot.rules.message_kinds import Kind
from models.tables import OutboxMessage


def cancelled(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None:
        return None
    ctx = state.ctx
    for_candidate = to_candidate(row, ctx.candidate)
    why = str(row.payload.get("why") or "") or None
    built = r.message(
        row, state, f"Cancelled: {ctx.title}", lambda: cancelled_message(ctx, to_candidate=for_candidate, why=why)
    )
    return with_invite(r, row, built, ctx, for_candidate=for_candidate)


def rescheduled(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None or state.cancelled:
        return None
    ctx = state.ctx
    for_candidate = to_candidate(row, ctx.candidate)
    built = r.message(row, state, f"Moved: {ctx.title}", lambda: rescheduled_message(ctx, to_candidate=for_candidate))
    return with_invite(r, row, built, ctx, for_candidate=for_candidate)


def prep(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """The prep guide, and its reminder before the round."""
    state = r.round(row)
    if state is None or not state.scheduled:
        return None
    ctx = state.ctx
    reminder = row.kind == Kind.prep_reminder
    built = r.message(row, state, f"Your {ctx.title}", lambda: prep_message(ctx, reminder=reminder))
    # The scheduling message carries the invite; its reminder does not repeat it.
    return built if reminder else with_invite(r, row, built, ctx, for_candidate=True)


def panel_invite(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """To an interviewer when the round is scheduled, with the `.ics` unless a calendar has it."""
    state = r.round(row)
    if state is None or not state.scheduled or row.target not in state.ctx.attendees:
        return None
    ctx = state.ctx
    in_calendar = has_calendar(r, row.target)
    text = f"Interview: {ctx.title} with {ctx.candidate.name}"
    shadow = row.target in ctx.shadows
    built = Rendered(row.target, text, to_dicts(panel_invite_message(ctx, attached=not in_calendar, shadow=shadow)))
    return with_invite(r, row, built, ctx, for_candidate=False, in_calendar=in_calendar)


def briefing(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None or not state.scheduled:
        return None
    ctx = state.ctx
    text = f"Briefing: {ctx.title} with {ctx.candidate.name}"
    if row.target in ctx.shadows:
        return Rendered(row.target, text, to_dicts(briefing_message(ctx, shadow=True)))
    return r.message(row, state, text, lambda: briefing_message(ctx))


def scorecard(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """The request for a scorecard, and its reminder, until the interviewer's is in."""
    state = r.round(row)
    if state is None or not state.scheduled or row.target in state.done:
        return None
    ctx = state.ctx
    reminder = row.kind == Kind.scorecard_reminder
    # Each reader's own due time, and on a reminder the button to put it off: built per row.
    blocks = scorecard_request(ctx, reminder=reminder, due=ctx.due_for(row.target), snooze=row.id if reminder else None)
    return Rendered(row.target, f"Scorecard for {ctx.candidate.name}", to_dicts(blocks))


def escalation(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """Feedback overdue, to the recruiter or in the thread, while any scorecard is missing."""
    state = r.round(row)
    if state is None:
        return None
    ctx = state.ctx
    missing = [u for u in ctx.panel if u not in state.done]
    if not state.scheduled or not missing:
        return None
    return r.message(
        row,
        state,
        f"Feedback overdue for {ctx.candidate.name}",
        lambda: escalation_message(ctx, missing, ctx.feedback_due),
    )
