"""How connected calendars are doing: each write's outcome counted on its connection, and a
connection that keeps failing paused, its owner told once how to reconnect.

A wrong or revoked password fails every write the same way, so PAUSE_AFTER auth failures in a row
pause the connection at once; any other failure pauses it only when a row gives up (the
dispatcher's retries, about ten minutes of them). While paused, rows for it are skipped; connecting
again writes every round still to come (bot/rules/calendar_plan.py `queue_person`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, update

from bot.calendars.provider import CalendarAuthError, CalendarError
from bot.rules.calendar_plan import target_user
from bot.rules.message_kinds import Kind, outbox_row
from bot.wiring.db import Database
from models.tables import CalendarConnection, OutboxMessage

log = logging.getLogger("interview_bot.calendars")

PAUSE_AFTER = 3


def succeeded(db: Database, user_id: str) -> None:
    with db.transaction() as session:
        session.exec(
            update(CalendarConnection)
            .where(col(CalendarConnection.user_id) == user_id, col(CalendarConnection.failures) > 0)
            .values(failures=0, last_error=None)
        )


def failed(db: Database, user_id: str, exc: CalendarError, now: datetime) -> None:
    """Count a failed write; pause after PAUSE_AFTER refusals of the credentials in a row."""
    with db.transaction() as session:
        connection = session.get(CalendarConnection, user_id, with_for_update=True)
        if connection is None or connection.paused_at is not None:
            return
        connection.failures += 1
        connection.last_error = str(exc)[:300]
        session.add(connection)
        if isinstance(exc, CalendarAuthError) and connection.failures >= PAUSE_AFTER:
            _pause(session, connection, now)


def counted(db: Database, user_id: str, write: Callable[[], None], now: Callable[[], datetime]) -> None:
    """Run a write to `user_id`'s connection and count its outcome; a failure is raised on, for the
    dispatcher's retries."""
    try:
        write()
    except CalendarError as exc:
        failed(db, user_id, exc, now())
        raise
    succeeded(db, user_id)


def gave_up(db: Database, row: OutboxMessage, now: datetime) -> None:
    """A calendar row ran out of retries: its person's calendar is paused and they are told
    (the organizer's calendar has no one person to tell: the recruiters get the usual notice)."""
    user_id = target_user(row.target)
    if user_id is None:
        return
    with db.transaction() as session:
        connection = session.get(CalendarConnection, user_id, with_for_update=True)
        if connection is not None and connection.paused_at is None:
            connection.last_error = (row.last_error or connection.last_error or "")[:300] or None
            _pause(session, connection, now)


def _pause(session: Session, connection: CalendarConnection, now: datetime) -> None:
    connection.paused_at = now
    session.add(connection)
    session.add(
        outbox_row(
            Kind.calendar_paused, connection.user_id, None, None, now, now,
            tag=f"{now:%Y%m%dT%H%M%S%f}", payload={"url": connection.url},
        )
    )  # fmt: skip
    log.warning("calendar of %s paused after failing: %s", connection.user_id, connection.last_error)
