"""Take effect once: Slack retries events, people double-submit modals.

`once` records a key in the same transaction as the change it guards. A second try with the
same key fails to insert (on PostgreSQL it waits for the first to commit), so the whole second
transaction rolls back and the caller answers as if it had worked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.tables import ProcessedEvent


class AlreadyDone(Exception):
    """This key was already handled; nothing more to do."""


def once(session: Session, key: str, now: datetime) -> None:
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=key[:64], received_at=now))
            session.flush()
    except IntegrityError:
        raise AlreadyDone(key) from None
