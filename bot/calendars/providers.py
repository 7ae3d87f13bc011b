"""The provider for a connection row: the one place that knows which implementation serves which
kind of calendar (a third, Microsoft 365, would be added here and nowhere else)."""

from __future__ import annotations

import threading

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
        return google_organizer(settings)
    return None


_organizers: dict[tuple[object, ...], GoogleCalendar] = {}
_organizers_lock = threading.Lock()


def google_organizer(settings: Settings) -> GoogleCalendar:
    """One organizer calendar per process and settings: it holds the service account's access token
    (one token request an hour, not one per row) and a client per thread."""
    key = (
        settings.google_service_account_file,
        settings.google_calendar_organizer,
        settings.google_api_url,
        settings.calendar_timezone,
    )
    with _organizers_lock:
        found = _organizers.get(key)
        if found is None:
            found = _organizers[key] = GoogleCalendar.from_settings(settings)
        return found
