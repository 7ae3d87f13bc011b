"""A digest (bot/rules/digests.py): the rounds it names that are still pending when it is sent."""

from __future__ import annotations

from blocks.common import to_dicts
from blocks.digests import Item, escalation_digest, scorecard_digest
from blocks.messages import escalation_message, scorecard_request
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.digests import SCORECARDS
from bot.rules.errors import UserError
from models.tables import CandidateStatus, OutboxMessage


def digest(r: Rendering, row: OutboxMessage) -> Rendered | None:
    scorecards = (row.payload or {}).get("group") == SCORECARDS
    items: list[Item] = []
    for interview_id in (row.payload or {}).get("rounds", []):
        try:
            state = r.round_of(int(interview_id))
        except UserError:
            continue  # the round is gone (its candidate purged)
        ctx = state.ctx
        candidate = ctx.candidate
        if not state.scheduled or candidate.purged_at is not None or candidate.status in _DECIDED:
            continue
        if scorecards:
            if row.target in ctx.panel and row.target not in state.done:
                items.append(Item(ctx, ctx.due_for(row.target)))
        else:
            missing = [u for u in ctx.panel if u not in state.done]
            if missing:
                items.append(Item(ctx, ctx.feedback_due, missing))
    if not items:
        return None
    if len(items) == 1:
        # Only one left: it reads as the reminder (or escalation) it would have been.
        only = items[0]
        if scorecards:
            blocks = scorecard_request(only.round, reminder=True, due=only.due, snooze=row.id)
            return Rendered(row.target, f"Scorecard for {only.round.candidate.name}", to_dicts(blocks))
        blocks = escalation_message(only.round, only.missing, only.due)
        return Rendered(row.target, f"Feedback overdue for {only.round.candidate.name}", to_dicts(blocks))
    if scorecards:
        text = f"{len(items)} scorecards are still open"
        return Rendered(row.target, text, to_dicts(scorecard_digest(items, row.id)))
    return Rendered(row.target, f"Feedback overdue for {len(items)} rounds", to_dicts(escalation_digest(items)))


_DECIDED = (CandidateStatus.rejected, CandidateStatus.hired)
