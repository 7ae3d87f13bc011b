"""Recording what became of claimed rows: sent, handed back unsent, closed, or given up on (and
whoever should follow up told)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_
from sqlmodel import col, update

from bot.delivery import calendar_health
from bot.delivery.posting import Outcome, wall_clock
from bot.delivery.renderers.dead_letter import dead_letter_targets
from bot.rules.calendar_plan import target_user
from bot.rules.message_kinds import BY_KEY, Kind, outbox_row
from bot.wiring.db import Database
from bot.wiring.services import Services
from models.tables import Candidate, OutboxMessage, OutboxState

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
        transient = [o.job.row.id for o in sent if (k := BY_KEY.get(o.job.row.kind)) is not None and k.transient]
        if transient:
            # What the row needed only until it was done (report figures, a purge's Slack ids) goes now.
            session.exec(update(OutboxMessage).where(col(OutboxMessage.id).in_(transient)).values(payload={}))
        for o in sent:
            if o.job.rendered.starts_thread and o.channel and o.ts and o.job.row.candidate_id is not None:
                # A card posted for the first time heads the candidate's thread from now on.
                session.exec(
                    update(Candidate)
                    .where(col(Candidate.id) == o.job.row.candidate_id, col(Candidate.thread_ts).is_(None))
                    .values(channel_id=o.channel, thread_ts=o.ts)
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


def tell_dead(services: Services, row: OutboxMessage, now: datetime) -> None:
    """A row gave up (`row.last_error` says why): its notice is queued to whoever should follow up
    by hand, one row each, retried like any row until Slack takes it."""
    if row.kind == Kind.dead_letter:
        return  # never given up on, so never here; and a notice about a notice is never sent
    if row.kind == Kind.calendar_event and target_user(row.target) is not None:
        # A person's own calendar: they are the one who can fix it (calendar_health says how).
        calendar_health.gave_up(services.db, row, now)
        return
    try:
        with services.db.transaction() as session:
            for target in dead_letter_targets(session, services, row):
                session.add(
                    outbox_row(
                        Kind.dead_letter, target, row.candidate_id, row.interview_id, now, now,
                        tag=f"outbox:{row.id}", payload={"dead": row.id},
                    )
                )  # fmt: skip
    except Exception:
        log.exception("could not queue the notice about dead outbox row %s", row.id)
