"""The provider for a connection row: the one place that knows which implementation serves which
kind of calendar (a third, Microsoft 365, would be added here and nowhere else)."""

from __future__ import annotations

from bot.calendars.connections import calendar_for
from bot.calendars.google import GoogleCalendar
from bot.calendars.provider import CalendarProvider
from bot.calendars.secrets import Vault
from bot.wiring.settings import Settings
from models.tables import CalendarConnection


def provider_for(settings: Settings, vault: Vault, connection: CalendarConnection) -> CalendarProvider | None:
    """None when the connection cannot be used as stored: its password was encrypted with another
    SECRET_KEY, or its provider is not configured here."""
    if connection.provider == "caldav":
        return calendar_for(connection, vault, settings.organizer_zone)
    if connection.provider == "google" and settings.google_calendar:
        return GoogleCalendar.from_settings(settings)
    return None
