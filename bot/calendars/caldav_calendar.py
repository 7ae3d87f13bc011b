"""A person's own CalDAV calendar (RFC 4791: Nextcloud, Fastmail, iCloud, Radicale, Baïkal, SOGo,
Zimbra), through the `caldav` library.

Each invite is one calendar object at an href made from its UID: writing it again is a plain PUT
over the same object, so a retry, a crash mid-write or a second instance never leave two events,
and a reschedule overwrites whatever was edited by hand. Where a client moved the object to
another href (the server then refuses a second object with that UID), it is found by UID instead.

Busy times come from the events in the window, expanded here, not from the server's free-busy
REPORT (RFC 4791 7.10): measured on Radicale 3.6, its REPORT counts the owner's declined
invitations and unmarked all-day events as busy, and drops a moved occurrence of a recurring event
(a RECURRENCE-ID override) altogether, so a time could be offered over a real meeting. Expanding
the events keeps every rule in our hands, the same on every server (tests/test_caldav_calendar.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import recurring_ical_events
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from icalendar import Calendar

from bot.calendars import ics
from bot.calendars.provider import (
    Busy,
    CalendarAuthError,
    CalendarError,
    CalendarNotFound,
    CalendarUnreachable,
)
from bot.rules.invites import Invite

TIMEOUT = 10
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK


class CalDavCalendar:
    name = "caldav"

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        tz: ZoneInfo | None = None,
        timeout: float = TIMEOUT,
        email: str | None = None,
    ) -> None:
        self.url = url if url.endswith("/") else url + "/"
        # The owner's address, to tell the invitations they declined (free) from the rest.
        self.email = email
        self.tz = tz or ZoneInfo("UTC")
        # Plain HTTP only to this machine: a password never crosses a network in the clear.
        # The library's types are loose (sync and async in one); it is used as documented.
        self._client: Any = DAVClient(
            url=self.url,
            username=username,
            password=password,
            timeout=int(max(1, timeout)),
            require_tls=not _loopback(self.url),
        )
        self._calendar: Any = self._client.calendar(url=self.url)

    def href(self, uid: str) -> str:
        return self.url + quote(uid, safe="") + ".ics"

    def check(self) -> None:
        """PROPFIND the calendar: the URL must name a calendar the credentials may open."""
        try:
            kinds = self._calendar.get_supported_components()
        except Exception as exc:
            raise _error(exc, self.url) from None
        if kinds and "VEVENT" not in kinds:
            raise CalendarNotFound(f"The collection at {self.url} does not hold events: give the URL of a calendar.")

    def put(self, invite: Invite) -> None:
        body = ics.calendar([invite], tz=self.tz, stamp=datetime.now(UTC), method=None).decode()
        try:
            response = self._client.put(self.href(invite.uid), body, ICS)
            if response.status in (409, 412, 403) and not _denied(response):
                # The UID lives at another href (moved by a client): overwrite it there.
                existing = self._calendar.event_by_uid(invite.uid)
                response = self._client.put(str(existing.url), body, ICS)
        except Exception as exc:
            raise _error(exc, self.url) from None
        _raise_for(response.status, self.url)

    def remove(self, invite: Invite) -> None:
        try:
            response = self._client.delete(self.href(invite.uid))
            if response.status == 404:
                try:
                    existing = self._calendar.event_by_uid(invite.uid)
                except dav_error.NotFoundError:
                    return  # gone already: a retry, or deleted by hand
                response = self._client.delete(str(existing.url))
        except Exception as exc:
            raise _error(exc, self.url) from None
        if response.status != 404:
            _raise_for(response.status, self.url)

    def busy(self, starts_at: datetime, ends_at: datetime) -> list[Busy]:
        try:
            found = self._calendar.search(start=starts_at, end=ends_at, event=True, expand=False, post_filter=False)
            texts = [str(item.data) for item in found]
        except Exception as exc:
            raise _error(exc, self.url) from None
        return busy_times(texts, starts_at, ends_at, owner=self.email)

    def get(self, uid: str) -> Calendar | None:
        """The stored object of `uid`, parsed (for tests and for reading back)."""
        try:
            return Calendar.from_ical(self._calendar.event_by_uid(uid).data)
        except dav_error.NotFoundError:
            return None


def busy_times(texts: list[str], starts_at: datetime, ends_at: datetime, *, owner: str | None = None) -> list[Busy]:
    """The busy spans of the VEVENTs in `texts` between the two times, recurrences expanded (EXDATE
    and moved occurrences honoured): opaque events that are confirmed or tentative. Transparent
    (free) and cancelled events are left out, as are all-day events unless they are marked busy,
    and invitations the `owner` (their e-mail) declined."""
    spans: list[Busy] = []
    for text in texts:
        cal = Calendar.from_ical(text)
        for event in recurring_ical_events.of(cal).between(starts_at, ends_at):
            if str(event.get("STATUS", "CONFIRMED")).upper() == "CANCELLED":
                continue
            if owner and _declined(event, owner):
                continue
            start: Any = event.decoded("DTSTART")
            all_day = not isinstance(start, datetime)
            default_transp = "TRANSPARENT" if all_day else "OPAQUE"
            if str(event.get("TRANSP", default_transp)).upper() == "TRANSPARENT":
                continue
            end: Any = event.decoded("DTEND") if "DTEND" in event else None
            begin = _aware(start)
            finish = _aware(end) if end is not None else begin + (timedelta(days=1) if all_day else timedelta(0))
            if finish > starts_at and begin < ends_at:
                spans.append(Busy(max(begin, starts_at), min(finish, ends_at)))
    return sorted(spans, key=lambda b: (b.starts_at, b.ends_at))


def _declined(event: Any, owner: str) -> bool:
    attendees = event.get("ATTENDEE") or []
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = str(attendee).lower().removeprefix("mailto:")
        if address == owner.lower() and str(attendee.params.get("PARTSTAT", "")).upper() == "DECLINED":
            return True
    return False


def _aware(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _denied(response: Any) -> bool:
    return response.status == 403 and b"no-uid-conflict" not in (getattr(response, "raw", b"") or b"")


def _raise_for(status: int, url: str) -> None:
    if 200 <= status < 300:
        return
    raise _status_error(status, url)


def _status_error(status: int, url: str) -> CalendarError:
    if status in (401, 403):
        return CalendarAuthError(
            f"The calendar at {url} turned the username or app password down (HTTP {status}): "
            "check both, or make a new app password."
        )
    if status == 404:
        return CalendarNotFound(f"There is no calendar at {url}: check the calendar URL.")
    if status >= 500 or status == 429:
        return CalendarUnreachable(f"The calendar at {url} is failing (HTTP {status}); it is tried again later.")
    return CalendarError(f"The calendar at {url} refused the event (HTTP {status}).")


def _error(exc: Exception, url: str) -> CalendarError:
    """The library's exception as one of ours, with a message that names the problem and carries
    no password (the library's own messages may quote request headers)."""
    if isinstance(exc, CalendarError):
        return exc
    if isinstance(exc, dav_error.AuthorizationError):
        return _status_error(401, url)
    if isinstance(exc, dav_error.NotFoundError):
        return _status_error(404, url)
    if isinstance(exc, dav_error.DAVError):
        reason = str(getattr(exc, "reason", "") or "")
        status = next((int(w) for w in reason.split() if w.isdigit() and len(w) == 3), None)
        if status is not None:
            return _status_error(status, url)
        return CalendarError(f"The calendar at {url} answered in a way that is not CalDAV: check the calendar URL.")
    return CalendarUnreachable(
        f"Could not reach the calendar at {url} ({type(exc).__name__}); it is tried again later."
    )
