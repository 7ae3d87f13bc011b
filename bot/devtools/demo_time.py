"""Time in the demo: it jumps on to when the bot sends what is waiting for its reader's working
hours (or a candidate's morning), as a live bot would wait for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.rules.clock import ManualClock
from bot.wiring.services import Services
from models.tables import Interview, OutboxMessage, OutboxState


def first_held(services: Services) -> datetime | None:
    """When the first message held for its reader's hours goes out, if any is held."""
    with services.db.read() as session:
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.state == OutboxState.pending).order_by(col(OutboxMessage.due_at))
        )
        return next((r.due_at for r in rows if "held_from" in (r.payload or {})), None)


def skip_to_held(services: Services, clock: ManualClock, dispatch: Callable[[], None]) -> bool:
    """Move the clock on to the first held message and send what is due then; False if none is held."""
    due = first_held(services)
    if due is None:
        return False
    clock.set(max(clock.now(), due))
    dispatch()
    return True


def until_sent(
    services: Services,
    clock: ManualClock,
    dispatch: Callable[[], None],
    interview: Interview | None,
    kind: str,
    target: str | None = None,
) -> None:
    """Move the clock to when the round's (None: any round's) pending `kind` row goes out (held ones
    included), and send it."""
    for _ in range(4):
        pending = [OutboxMessage.state == OutboxState.pending, OutboxMessage.kind == kind]
        if interview is not None:
            pending.append(OutboxMessage.interview_id == interview.id)
        with services.db.read() as session:
            query = select(OutboxMessage).where(*pending)
            query = query.where(OutboxMessage.target == target) if target is not None else query
            row = session.exec(query.order_by(col(OutboxMessage.due_at))).first()
        if row is None:
            return
        clock.set(max(clock.now(), row.due_at + timedelta(minutes=5)))
        dispatch()


def wait_for(
    wait: Callable[..., object],
    condition: Callable[[], bool],
    what: str,
    services: Services,
    clock: ManualClock,
    dispatch: Callable[[], None],
) -> None:
    """Until `condition` holds (`wait`: the Slack stand-in's); what waits for its reader's working
    hours, the clock moves on to."""
    for _ in range(6):
        try:
            wait(condition, timeout=0.5 if first_held(services) else 10)
            return
        except AssertionError:
            if not skip_to_held(services, clock, dispatch):
                break
    raise RuntimeError(f"the demo stalled waiting for {what}")
