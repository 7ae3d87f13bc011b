"""What the candidate's thread is told, written as outbox rows in the transaction of the change.

The card that heads the thread is one coalescing row: a change queues a refresh unless one not yet
taken is waiting, which will render the latest state when it is sent. A note is a reply under the
card; the rows of a thread share its channel, which the dispatcher sends in order, one at a time.
Both render when sent (bot/delivery/renderers/thread.py), from what the payload names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.rules.ids import by_id
from bot.rules.message_kinds import Kind, outbox_row, outbox_values, queue
from models.tables import Candidate, OutboxMessage, OutboxState, Role, StageEvent


def thread_channel(session: Session, candidate: Candidate) -> str:
    """Where the candidate's thread is, or will be once its card is posted."""
    if candidate.channel_id:
        return candidate.channel_id
    role = by_id(session, Role, candidate.role_id)
    assert role is not None
    return role.channel_id


# Built once (a statement costs about as much to build as to run on SQLite).
_WAITING_CARD = (
    select(OutboxMessage.id)
    .where(
        col(OutboxMessage.candidate_id) == bindparam("candidate"),
        col(OutboxMessage.kind) == Kind.card,
        col(OutboxMessage.state) == OutboxState.pending,
        col(OutboxMessage.attempts) == 0,
    )
    .limit(1)
)


def refresh_card(session: Session, candidate: Candidate, now: datetime) -> None:
    """Queue the card's refresh (its first post, for a new candidate), unless a refresh no dispatcher
    has taken yet is waiting: that one renders the latest state."""
    if candidate.purged_at is not None:
        return
    waiting = session.exec(_WAITING_CARD, params={"candidate": candidate.id}).first()
    if waiting is None:
        channel = thread_channel(session, candidate)
        queue(session, outbox_values(Kind.card, channel, candidate.id, None, now, now, tag=uuid4().hex))


def note(session: Session, candidate: Candidate, payload: dict[str, Any], now: datetime) -> None:
    """A reply in the candidate's thread (after the card's refresh, so the card shows it too)."""
    if candidate.purged_at is not None:
        return
    refresh_card(session, candidate, now)
    channel = thread_channel(session, candidate)
    tag = uuid4().hex
    queue(session, outbox_values(Kind.thread_note, channel, candidate.id, None, now, now, tag=tag, payload=payload))


def stage_note(session: Session, candidate: Candidate, event: StageEvent, now: datetime) -> None:
    """A stage change (or the candidate added) in the thread; the candidate hears of a new stage."""
    note(session, candidate, {"note": "stage", "event": event.id}, now)
    moved_on = event.action == "advance" and event.from_stage != event.to_stage
    if moved_on and candidate.slack_user_id:
        session.add(
            outbox_row(
                Kind.next_step, candidate.slack_user_id, candidate.id, None, now, now,
                tag=f"event:{event.id}", payload={"stage": event.to_stage, "audience": "candidate"},
            )
        )  # fmt: skip


def tick_notes(session: Session, candidate: Candidate, events: list[StageEvent], now: datetime) -> None:
    """Checklist ticks: a note each (each refreshes the card); with none, the card alone, which
    also undoes on screen a click that changed nothing."""
    if not events:
        refresh_card(session, candidate, now)
    for event in events:
        note(session, candidate, {"note": "tick", "event": event.id}, now)


def scorecard_note(
    session: Session, candidate: Candidate, interview_id: int, interviewer: str, edited: bool, now: datetime
) -> None:
    payload = {"note": "round", "event": "submitted", "round": interview_id, "actor": interviewer, "edited": edited}
    note(session, candidate, payload, now)
