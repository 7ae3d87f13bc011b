"""The Google Workspace organizer calendar as a connection row, kept in step with the settings at
start-up: rounds are written into it while GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_CALENDAR_ORGANIZER
are both set, and no longer once they are not."""

from __future__ import annotations

from datetime import datetime

from bot.rules.calendar_plan import GOOGLE, GOOGLE_CONNECTION
from bot.wiring.db import Database
from bot.wiring.settings import Settings
from models.tables import CalendarConnection


def sync_organizer(db: Database, settings: Settings, now: datetime) -> bool:
    """Whether Google is on. The row holds no secret: the service account's key stays in its file."""
    with db.transaction() as session:
        row = session.get(CalendarConnection, GOOGLE_CONNECTION)
        if not settings.google_calendar:
            if row is not None:
                session.delete(row)
            return False
        organizer = settings.google_calendar_organizer or ""
        if row is None:
            row = CalendarConnection(
                user_id=GOOGLE_CONNECTION, provider=GOOGLE, connected_by="settings", connected_at=now
            )
        if row.url != organizer:
            row.url, row.paused_at, row.failures, row.last_error = organizer, None, 0, None
        session.add(row)
        return True
