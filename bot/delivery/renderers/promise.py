"""The recruiter reminded, before it runs out, of the answer promised to the candidate after a round."""

from __future__ import annotations

from datetime import timedelta

from blocks.messages import promise_message
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.message_plan import promise_hours
from bot.rules.promises import decided_since
from models.tables import OutboxMessage


def promise(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """Kept by any decision since the round ended; a cancelled round promised nothing."""
    state = r.round(row)
    if state is None or state.cancelled:
        return None
    ctx = state.ctx
    with r.services.db.read() as session:
        kept = decided_since(session, ctx.candidate.id or 0, ctx.interview.ends_at)
    hours = promise_hours(ctx)
    if kept or hours is None:
        return None
    due = ctx.interview.ends_at + timedelta(hours=hours)
    return r.message(row, state, f"Answer promised to {ctx.candidate.name}", lambda: promise_message(ctx, hours, due))
