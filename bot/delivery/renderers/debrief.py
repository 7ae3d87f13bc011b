"""The debrief once every scorecard is in: to each person concerned, with the decision buttons, and
a copy without them in the candidate's thread."""

from __future__ import annotations

from blocks.messages import debrief_blocks
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.message_kinds import THREAD_KINDS
from models.tables import OutboxMessage


def debrief(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None:
        return None
    debrief = r.debrief(state)
    if state.cancelled:
        return None
    with_actions = row.kind not in THREAD_KINDS
    text = f"Debrief: {state.ctx.candidate.name}"
    return r.message(row, state, text, lambda: debrief_blocks(debrief, with_actions=with_actions))
