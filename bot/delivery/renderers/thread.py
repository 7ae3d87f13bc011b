"""The candidate's thread: the card that heads it and the notes under it (queued by
bot/rules/thread_notes.py), and the "Next step" DM to the candidate when they move on.

Each renders the state of the moment it is sent: a card row posts the card the first time (its
ts then heads the thread) and edits it in place after, so the latest state wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blocks.candidate import card_blocks, card_text
from blocks.common import context, section, to_dicts, users
from blocks.messages import CANCELLED_BECAUSE
from blocks.rounds import (
    cancelled_reply,
    rescheduled_reply,
    scheduled_reply,
    submitted_reply,
    take_home_received_reply,
    take_home_sent_reply,
)
from blocks.stage_change import candidate_stage_message, event_blocks, event_text, tick_text
from blocks.times import overridden_line
from bot.delivery.renderers.offers import offer_note
from bot.delivery.rendering import Json, Rendered, Rendering
from bot.rules.pipeline import candidate_view
from bot.rules.rounds import load_round
from bot.rules.scorecards import submitted_by
from models.tables import Candidate, CandidateStatus, OutboxMessage, StageEvent


class NoThreadYet(Exception):
    """A note whose card has not been posted: retried (the card is ahead of it in the channel)."""


def _candidate(r: Rendering, row: OutboxMessage) -> Candidate | None:
    candidate = r.candidate(row.candidate_id) if row.candidate_id is not None else None
    if candidate is None or candidate.purged_at is not None:
        return None  # a purge redacts the card and cleans the thread itself
    return candidate


def card(r: Rendering, row: OutboxMessage) -> Rendered | None:
    candidate = _candidate(r, row)
    if candidate is None:
        return None
    with r.services.db.read() as session:
        view = candidate_view(session, r.services.kits, candidate, r.services.clock.now())
    text, blocks = card_text(view), to_dicts(card_blocks(view))
    if candidate.channel_id and candidate.thread_ts:
        return Rendered(candidate.channel_id, text, blocks, update_ts=candidate.thread_ts)
    return Rendered(view.role.channel_id, text, blocks, starts_thread=True)


def thread_note(r: Rendering, row: OutboxMessage) -> Rendered | None:
    candidate = _candidate(r, row)
    if candidate is None:
        return None
    if not (candidate.channel_id and candidate.thread_ts):
        raise NoThreadYet(f"candidate #{candidate.id}'s card is not posted yet")
    payload = row.payload or {}
    if payload.get("note") == "round":
        built = _round_note(r, payload)
    elif payload.get("note") == "offer":
        built = offer_note(r, payload)
    else:
        built = _stage_note(r, candidate, payload)
    if built is None:
        return None
    text, blocks = built
    return Rendered(candidate.channel_id, text, blocks, thread_ts=candidate.thread_ts)


def _stage_note(r: Rendering, candidate: Candidate, payload: dict[str, Any]) -> tuple[str, list[Json]] | None:
    """A stage change (or the candidate added), or a checklist tick."""
    with r.services.db.read() as session:
        event = session.get(StageEvent, payload.get("event"))
        if event is None:
            return None
        view = candidate_view(session, r.services.kits, candidate, r.services.clock.now())
    if payload.get("note") == "tick":
        text = tick_text(event, view)
        return text, to_dicts([section(text)])
    names = {s.key: s.name for s in view.kit.stages} if view.kit else {}
    text = event_text(
        event,
        view,
        from_name=names.get(event.from_stage or "", event.from_stage or ""),
        to_name=names.get(event.to_stage or "", event.to_stage or ""),
    )
    return text, to_dicts(event_blocks(text, event.reason if event.action != "created" else None))


def _round_note(r: Rendering, payload: dict[str, Any]) -> tuple[str, list[Json]] | None:
    """A round scheduled, moved, cancelled; a take-home sent or received; a scorecard submitted."""
    interview_id = payload.get("round")
    if not isinstance(interview_id, int):
        return None
    with r.services.db.read() as session:
        ctx = load_round(session, r.services.kits, interview_id)
        done = submitted_by(session, interview_id)
    event, actor = str(payload.get("event")), str(payload.get("actor") or "")
    old = payload.get("old_starts_at")
    builders = {
        "scheduled": lambda: scheduled_reply(ctx, actor),
        "rescheduled": lambda: rescheduled_reply(
            ctx, actor, datetime.fromisoformat(old) if old else None, payload.get("old_panel") or ()
        ),
        "cancelled": lambda: cancelled_reply(ctx, actor, CANCELLED_BECAUSE.get(str(payload.get("why")))),
        "submitted": lambda: submitted_reply(ctx, actor, done, bool(payload.get("edited"))),
        "take_home_sent": lambda: take_home_sent_reply(ctx, actor),
        "take_home_received": lambda: take_home_received_reply(ctx, actor),
    }
    build = builders.get(event)
    if build is None:
        return None
    built = build()
    overbooked = [str(u) for u in payload.get("overbooked") or []]
    if overbooked:
        # The recruiter's override of a clash stays on record where the hiring team reads.
        built.append(context(f":warning: Scheduled anyway over another interview of {users(overbooked)}."))
    overridden = [(str(u), str(why)) for u, why in payload.get("overridden") or []]
    if overridden:
        built.append(context(overridden_line(overridden)))
    return f"{ctx.stage.name}: {event.replace('_', ' ')}", to_dicts(built)


def next_step(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """What the candidate's new stage is, while they are still at it."""
    candidate = _candidate(r, row)
    stage_key = (row.payload or {}).get("stage")
    if candidate is None or candidate.status != CandidateStatus.active or candidate.stage_key != stage_key:
        return None
    with r.services.db.read() as session:
        view = candidate_view(session, r.services.kits, candidate, r.services.clock.now())
    if view.kit is None or view.stage is None:
        return None
    blocks = candidate_stage_message(candidate, view.stage, view.kit.company)
    return Rendered(row.target, f"Next step: {view.stage.name}", to_dicts(blocks))
