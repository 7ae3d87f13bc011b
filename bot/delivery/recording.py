"""Recording what became of claimed rows: sent, handed back unsent, closed, or given up on (and
whoever should follow up told)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_
from sqlmodel import col, update

from bot.delivery.kinds import RENDERERS
from bot.delivery.posting import Outcome, Poster, wall_clock
from bot.delivery.rendering import Rendering
from bot.rules.message_kinds import Kind
from bot.wiring.db import Database
from bot.wiring.services import Services
from models.tables import OutboxMessage, OutboxState

log = logging.getLogger("interview_bot.dispatcher")


def mark_sent(db: Database, sent: list[Outcome], channel_interval: timedelta) -> None:
    """Mark rows sent, and hold the other pending rows of their channels until they may be posted to."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    mark = (
        table.update()
        .where(table.c.id == bindparam("row_id"), table.c.state == OutboxState.pending)
        .values(
            state=OutboxState.sent,
            claimed_until=None,
            sent_channel=bindparam("channel"),
            sent_ts=bindparam("ts"),
            sent_at=bindparam("at"),
        )
    )
    free_at = max(o.at for o in sent) + channel_interval
    with db.transaction() as session:
        session.connection().execute(
            mark, [{"row_id": o.job.row.id, "channel": o.channel, "ts": o.ts, "at": o.at} for o in sent]
        )
        session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.state) == OutboxState.pending,
                col(OutboxMessage.target).in_({o.job.row.target for o in sent}),
                or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < free_at),
            )
            .values(claimed_until=free_at)
        )


def release(db: Database, rows: list[OutboxMessage], until: datetime | None) -> None:
    """Hand back claimed rows unsent (not an attempt), to be taken again after `until` (the pause)."""
    with db.transaction() as session:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_([r.id for r in rows]), col(OutboxMessage.state) == OutboxState.pending)
            .values(claimed_until=until, attempts=OutboxMessage.attempts - 1)
        )


def finish(db: Database, row: OutboxMessage, state: str, *, channel: str | None = None, ts: str | None = None) -> None:
    with db.transaction() as session:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.state) == OutboxState.pending)
            .values(state=state, claimed_until=None, sent_channel=channel, sent_ts=ts, sent_at=wall_clock())
        )


def tell_dead(services: Services, poster: Poster, row: OutboxMessage) -> None:
    """A row gave up (`row.last_error` says why): tell whoever should follow up by hand."""
    try:
        notice = RENDERERS[Kind.dead_letter](Rendering(services), row)
        if notice is not None:
            poster.say(notice)
    except Exception:
        log.exception("could not tell anyone about dead outbox row %s", row.id)
