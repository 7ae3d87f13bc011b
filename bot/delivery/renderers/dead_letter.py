"""The notice that a message gave up after its last attempt, to whoever should follow up by hand.

Rendered from the row that gave up (its `last_error` says why), and posted at once rather than
queued: a notice about a notice is never sent.
"""

from __future__ import annotations

from blocks.common import to_dicts
from blocks.messages import dead_letter_message, line_dead_letter_message
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.message_kinds import LINE_KINDS, Kind
from bot.rules.rounds import load_round
from models.tables import Candidate, OutboxMessage


def dead_letter(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """About a round: to the candidate's thread, else to their recruiter. On the line: see `_line`."""
    if row.kind in LINE_KINDS:
        return _line(r, row)
    if row.kind == Kind.dead_letter or row.interview_id is None:
        return None
    with r.services.db.read() as session:
        ctx = load_round(session, r.services.kits, row.interview_id)
    recruiter = ctx.candidate.created_by or ctx.interview.scheduled_by
    blocks = to_dicts(dead_letter_message(row.kind, row.target, row.attempts, row.last_error))
    text = f"{'<@' + recruiter + '> ' if recruiter else ''}a message could not be delivered"
    if ctx.candidate.channel_id and ctx.candidate.thread_ts:
        return Rendered(ctx.candidate.channel_id, text, blocks, ctx.candidate.thread_ts)
    if recruiter:
        return Rendered(recruiter, text, blocks)
    return None


def _line(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """A message on the line to a candidate gave up: the recruiter who wrote it (or, for a
    candidate's DM that never reached the thread, the candidate's recruiter) hears it by DM,
    since the thread may be what failed."""
    with r.services.db.read() as session:
        candidate = session.get(Candidate, row.candidate_id) if row.candidate_id is not None else None
    if candidate is None or candidate.purged_at is not None:
        return None
    by = (row.payload or {}).get("by")
    recruiter = by if isinstance(by, str) and by else candidate.created_by
    if not recruiter:
        return None
    what = "the candidate's message" if row.kind == Kind.line_relay else "your message"
    blocks = line_dead_letter_message(what, candidate, row.attempts, row.last_error)
    return Rendered(recruiter, f"{what.capitalize()} could not be delivered", to_dicts(blocks))
