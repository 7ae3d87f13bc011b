"""The one interface every calendar implements (CalDAV, Google; Microsoft 365 would be a third),
and the errors they raise. Callers know nothing else about a calendar.

Every write is idempotent by the invite's UID: writing an invite again overwrites the event with
that UID (whatever was edited by hand), and removing one that is not there is not an error.
Error messages name the problem for a person (which of URL or password is wrong) and never carry
a password or token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.rules.invites import Invite


class CalendarError(Exception):
    """A calendar refused or failed a request; `str()` is safe to show and to log."""


class CalendarAuthError(CalendarError):
    """The calendar turned the credentials down (a wrong or revoked password): retrying will not help."""


class CalendarNotFound(CalendarError):
    """The URL names no calendar the account can write to."""


class CalendarUnreachable(CalendarError):
    """The calendar server could not be reached, or failed (a timeout, a 5xx): worth retrying."""


@dataclass(frozen=True)
class Busy:
    """A time the calendar's owner is taken (for finding a time)."""

    starts_at: datetime
    ends_at: datetime


class CalendarProvider(Protocol):
    """One person's calendar (CalDAV), or the organizer's (Google)."""

    name: str

    def check(self) -> None:
        """A real request proving the calendar is there and writable with these credentials."""
        ...

    def put(self, invite: Invite) -> None:
        """Create the invite's event, or overwrite the one with its UID."""
        ...

    def remove(self, invite: Invite) -> None:
        """The round is off: its event is deleted (or cancelled, where the calendar tells attendees)."""
        ...

    def busy(self, starts_at: datetime, ends_at: datetime) -> list[Busy]:
        """When the owner is taken between the two times: opaque, confirmed or tentative events,
        recurring ones expanded; transparent, cancelled and all-day free events left out."""
        ...
