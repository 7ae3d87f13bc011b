"""Take effect once: Slack retries events, people double-submit modals.

`once` records a key in the same transaction as the change it guards. A second try with the
same key inserts nothing (on PostgreSQL it waits for the first to commit), so the whole second
transaction rolls back and the caller answers as if it had worked.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.tables import ProcessedEvent


class AlreadyDone(Exception):
    """This key was already handled; nothing more to do."""


def once(session: Session, key: str, now: datetime) -> None:
    # ON CONFLICT DO NOTHING: one statement, where a savepoint around a failing insert takes three.
    conn = session.connection()
    inserted = conn.execute(_claim(conn.dialect.name), {"event_id": key[:64], "received_at": now}).first()
    if inserted is None:
        raise AlreadyDone(key)


@cache
def _claim(dialect_name: str) -> Any:
    insert = (postgresql if dialect_name == "postgresql" else sqlite).insert(ProcessedEvent)
    # What was inserted comes back: nothing, when the key was there (rowcount is not kept for INSERT).
    return insert.on_conflict_do_nothing(index_elements=["event_id"]).returning(insert.table.c.event_id)
