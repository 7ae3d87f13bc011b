"""A take-home's messages: the brief and its reminder to the candidate, and the recruiter told when
nothing arrived. Once the work is in (or the assignment cancelled), nobody needs nudging."""

from __future__ import annotations

from blocks.messages import take_home_message, take_home_missing_message
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.assignments import received_at
from bot.rules.message_kinds import Kind
from models.tables import OutboxMessage


def take_home(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None or state.cancelled:
        return None
    ctx = state.ctx
    with r.services.db.read() as session:
        arrived = received_at(session, ctx.interview) is not None
    if arrived or not state.scheduled:
        return None
    if row.kind == Kind.take_home_missing:
        return r.message(row, state, f"Nothing yet from {ctx.candidate.name}", lambda: take_home_missing_message(ctx))
    reminder = row.kind == Kind.take_home_reminder
    return r.message(row, state, f"Your {ctx.stage.name}", lambda: take_home_message(ctx, reminder=reminder))
