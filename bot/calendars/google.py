"""The organizer's Google Workspace calendar, through a service account with domain-wide delegation
(it acts as the organizer), with Google's own client built from the discovery document bundled in
googleapiclient: no fetch of it, and with GOOGLE_API_URL, no request to Google at all.

Each invite is one event whose id is made from the invite's UID (:func:`event_id`): an insert that
finds the id taken (a retry, a crash mid-write, another instance, or a cancelled round) overwrites
that event, so there is never a second one. Google sends the invitations and updates to the
attendees (``sendUpdates=all``); removing cancels the event, which tells them too.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httplib2
from google.auth import exceptions as auth_exceptions
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from bot.calendars.provider import (
    Busy,
    CalendarAuthError,
    CalendarError,
    CalendarNotFound,
    CalendarUnreachable,
)
from bot.rules.invites import Invite
from bot.wiring.settings import Settings

SCOPE = "https://www.googleapis.com/auth/calendar"
# The API's path under its root (the discovery document's servicePath): googleapiclient's
# api_endpoint replaces root and path together, and GOOGLE_API_URL gives the root only.
SERVICE_PATH = "calendar/v3/"
TIMEOUT = 10.0
# freebusy.query limits: calendars per query, and the longest window.
FREEBUSY_CALENDARS = 50
FREEBUSY_SPAN = timedelta(days=90)
# 403s that are quotas, not permissions: they pass.
_RATE_LIMITS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
Json = dict[str, Any]


def event_id(uid: str) -> str:
    """The Google event id of an invite: its UID in base32hex ([a-v0-9], as Google requires), so the
    same UID is the same event on every instance and every retry."""
    found = base64.b32hexencode(uid.encode()).decode().rstrip("=").lower()
    if not 5 <= len(found) <= 1024:
        raise ValueError(f"a UID of {len(uid.encode())} bytes makes no Google event id (3 to 640 bytes)")
    return found


def request_id(invite: Invite) -> str:
    """The Meet request id: Google makes one meeting per id, so a retry makes no second one."""
    return hashlib.sha256(f"{invite.uid}#{invite.sequence}".encode()).hexdigest()[:32]


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be aware (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_endpoint(api_url: str) -> str:
    """The client's endpoint for a root URL (a proxy's or a stand-in's); one that already ends with
    the service path is taken as it is."""
    root = api_url if api_url.endswith("/") else api_url + "/"
    return root if root.endswith("/" + SERVICE_PATH) else root + SERVICE_PATH


class GoogleCalendar:
    """Writes go to `calendar_id` (default: the organizer's primary calendar); :meth:`busy` reads
    `calendar_id` too, so a provider for an attendee's address reads that person's busy times."""

    name = "google"

    def __init__(
        self,
        service_account_file: Path,
        organizer: str,
        *,
        calendar_id: str | None = None,
        api_url: str | None = None,
        timeout: float = TIMEOUT,
        time_zone: str = "UTC",
    ) -> None:
        self.service_account_file = Path(service_account_file)
        self.organizer = organizer
        self.calendar_id = calendar_id or "primary"
        self.api_url = api_url
        self.timeout = timeout
        self.time_zone = time_zone
        self._lock = threading.Lock()
        self._credentials: Any = None
        # httplib2 is not thread-safe: one client (and connection) per thread, sharing the token.
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: Settings, calendar_id: str | None = None) -> GoogleCalendar:
        if not (settings.google_service_account_file and settings.google_calendar_organizer):
            raise CalendarError("Google Calendar needs GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_CALENDAR_ORGANIZER.")
        return cls(
            settings.google_service_account_file,
            settings.google_calendar_organizer,
            calendar_id=calendar_id,
            api_url=settings.google_api_url,
            time_zone=settings.calendar_timezone,
        )

    # ------------------------------------------------------------------ the provider

    def check(self) -> None:
        """Reads the calendar: proves the key, the delegation and the calendar id."""
        self._run(lambda api: api.calendars().get(calendarId=self.calendar_id))

    def put(self, invite: Invite) -> None:
        if invite.cancelled:
            self.remove(invite)
            return
        eid = event_id(invite.uid)
        body = self._body(invite)
        if invite.wants_video:
            body["conferenceData"] = {
                "createRequest": {"requestId": request_id(invite), "conferenceSolutionKey": {"type": "hangoutsMeet"}}
            }
        try:
            self._run(
                lambda api: api.events().insert(
                    calendarId=self.calendar_id,
                    body={**body, "id": eid, "iCalUID": invite.uid},
                    sendUpdates="all",
                    conferenceDataVersion=1,
                )
            )
            return
        except _Conflict:
            pass
        existing: Json = self._run(lambda api: api.events().get(calendarId=self.calendar_id, eventId=eid))
        body = _over(existing, body)
        self._run(
            lambda api: api.events().update(
                calendarId=self.calendar_id, eventId=eid, body=body, sendUpdates="all", conferenceDataVersion=1
            )
        )

    def remove(self, invite: Invite) -> None:
        """Cancels the event (Google keeps it as cancelled and tells the attendees); one that is
        gone already (410), or never written or purged (404), is fine: a wrong calendar would have
        failed :meth:`check` and every write."""
        eid = event_id(invite.uid)
        try:
            self._run(lambda api: api.events().delete(calendarId=self.calendar_id, eventId=eid, sendUpdates="all"))
        except (_Gone, CalendarNotFound):
            return

    def busy(self, starts_at: datetime, ends_at: datetime) -> list[Busy]:
        """Google's free/busy for the calendar: it leaves out cancelled, free (transparent) and
        declined events, and expands recurring ones."""
        query = {
            "timeMin": _rfc3339(starts_at),
            "timeMax": _rfc3339(ends_at),
            "timeZone": "UTC",
            "items": [{"id": self.calendar_id}],
        }
        answer: Json = self._run(lambda api: api.freebusy().query(body=query))
        entry = (answer.get("calendars") or {}).get(self.calendar_id) or {}
        reasons = [str(e.get("reason", "")) for e in entry.get("errors") or []]
        if "notFound" in reasons:
            raise CalendarNotFound(f"Google shows no calendar {self.calendar_id} to {self.organizer}.")
        if reasons:
            raise CalendarUnreachable(f"Google could not read the busy times of {self.calendar_id} ({reasons[0]}).")
        spans = [
            Busy(max(_instant(b["start"]), starts_at), min(_instant(b["end"]), ends_at))
            for b in entry.get("busy") or []
        ]
        return sorted((b for b in spans if b.ends_at > b.starts_at), key=lambda b: (b.starts_at, b.ends_at))

    def busy_of(
        self, emails: Sequence[str], starts_at: datetime, ends_at: datetime
    ) -> dict[str, list[Busy] | CalendarError]:
        """People's busy times by their e-mail (domain-wide delegation reads their calendars):
        freebusy.query takes at most 50 calendars and 90 days, so a bigger ask is split both ways.
        A calendar Google cannot read is that person's error, not the whole answer's."""
        out: dict[str, list[Busy] | CalendarError] = {}
        people = list(dict.fromkeys(emails))
        for first in range(0, len(people), FREEBUSY_CALENDARS):
            batch = people[first : first + FREEBUSY_CALENDARS]
            start = starts_at
            while start < ends_at:
                end = min(ends_at, start + FREEBUSY_SPAN)
                query = {
                    "timeMin": _rfc3339(start),
                    "timeMax": _rfc3339(end),
                    "timeZone": "UTC",
                    "items": [{"id": email} for email in batch],
                }
                answer: Json = self._run(_freebusy_query(query))
                calendars = answer.get("calendars") or {}
                for email in batch:
                    if isinstance(out.get(email), CalendarError):
                        continue
                    entry = calendars.get(email) or {}
                    reasons = [str(e.get("reason", "")) for e in entry.get("errors") or []]
                    if reasons:
                        out[email] = CalendarUnreachable(
                            f"Google could not read the busy times of {email} ({reasons[0]})."
                        )
                        continue
                    found = out.setdefault(email, [])
                    assert isinstance(found, list)
                    found.extend(
                        Busy(max(_instant(b["start"]), start), min(_instant(b["end"]), end))
                        for b in entry.get("busy") or []
                    )
                start = end
        return out

    # ------------------------------------------------------------------ the client

    def _body(self, invite: Invite) -> Json:
        body: Json = {
            "summary": invite.title,
            "description": invite.description,
            "start": {"dateTime": _rfc3339(invite.starts_at), "timeZone": self.time_zone},
            "end": {"dateTime": _rfc3339(invite.ends_at), "timeZone": self.time_zone},
            "attendees": [{"email": email} for email in invite.attendees],
            "sequence": invite.sequence,
            "status": "tentative" if invite.tentative else "confirmed",
            "reminders": {"useDefault": True},
        }
        if invite.location:
            body["location"] = invite.location
        if invite.url:
            body["source"] = {"title": "Interview thread", "url": invite.url}
        return body

    def _service(self) -> Any:
        service = getattr(self._local, "service", None)
        if service is None:
            http = AuthorizedHttp(self._load_credentials(), http=httplib2.Http(timeout=self.timeout))
            options = {"api_endpoint": api_endpoint(self.api_url)} if self.api_url else None
            service = discovery.build(
                "calendar", "v3", http=http, static_discovery=True, cache_discovery=False, client_options=options
            )
            self._local.service = service
        return service

    def _load_credentials(self) -> Any:
        with self._lock:
            if self._credentials is None:
                self._credentials = _credentials(self.service_account_file, self.organizer)
            return self._credentials

    def _run(self, make: Callable[[Any], Any]) -> Any:
        """Build the request with this thread's client, send it, and turn every failure into one
        of the provider's errors (with a message for a person, and no key, token or assertion)."""
        try:
            return make(self._service()).execute(num_retries=0)
        except HttpError as exc:
            raise self._http_error(exc) from None
        except auth_exceptions.RefreshError as exc:
            raise self._refresh_error(exc) from None
        except (auth_exceptions.TransportError, httplib2.HttpLib2Error, OSError) as exc:
            raise CalendarUnreachable(
                f"Could not reach Google Calendar ({type(exc).__name__}); it is tried again later."
            ) from None

    def _http_error(self, exc: HttpError) -> CalendarError:
        status = int(exc.resp.status)
        reasons = {str(d.get("reason")) for d in (exc.error_details or []) if isinstance(d, dict)}
        said = _short(str(exc.reason or ""))
        if status == 409:
            return _Conflict(f"Google already has that event (HTTP 409: {said}).")
        if status == 410:
            return _Gone(f"Google has deleted that event already (HTTP 410: {said}).")
        if status == 404:
            return CalendarNotFound(
                f"Google shows {self.organizer} no calendar {self.calendar_id} (or no such event): check "
                "GOOGLE_CALENDAR_ORGANIZER and that the calendar is shared with them."
            )
        if status == 429 or status >= 500 or (status == 403 and reasons & _RATE_LIMITS):
            return CalendarUnreachable(f"Google Calendar is failing (HTTP {status}: {said}); it is tried again later.")
        if status in (401, 403):
            return CalendarAuthError(
                f"Google refused the service account acting as {self.organizer} (HTTP {status}: {said}): check "
                f"that its domain-wide delegation in the Admin console includes {SCOPE}."
            )
        return CalendarError(f"Google Calendar refused the request (HTTP {status}: {said}).")

    def _refresh_error(self, exc: auth_exceptions.RefreshError) -> CalendarError:
        said = _short(str(exc.args[0])) if exc.args and isinstance(exc.args[0], str) else type(exc).__name__
        if getattr(exc, "retryable", False):
            return CalendarUnreachable(f"Google's token endpoint is failing ({said}); it is tried again later.")
        return CalendarAuthError(
            f"Google would not let the service account act as {self.organizer} ({said}): check that the key in "
            f"GOOGLE_SERVICE_ACCOUNT_FILE is not deleted, that its client ID has domain-wide delegation for "
            f"{SCOPE} in the Admin console, and that {self.organizer} is a user of the domain."
        )


class _Conflict(CalendarError):
    """409: the event id is taken (put then updates it)."""


class _Gone(CalendarError):
    """410: the event was deleted already (remove is done)."""


def _over(existing: Json, body: Json) -> Json:
    """The full body that overwrites `existing` (an update replaces every field).

    - Its sequence never goes below the event's (Google refuses that; a hand move raised it).
    - An existing Meet meeting stays: people may have the link already, and every move would
      otherwise make a new meeting. A round that now has a room of its own drops it.
    - Attendees who stay keep their answers.
    """
    body = {**body, "sequence": max(int(body["sequence"]), int(existing.get("sequence") or 0))}
    conference = existing.get("conferenceData")
    if "conferenceData" in body and conference:
        body["conferenceData"] = conference
    answers = {str(a.get("email", "")).lower(): a.get("responseStatus") for a in existing.get("attendees") or []}
    body["attendees"] = [
        {**a, "responseStatus": answers[a["email"].lower()]} if answers.get(a["email"].lower()) else a
        for a in body["attendees"]
    ]
    return body


def _freebusy_query(query: Json) -> Callable[[Any], Any]:
    return lambda api: api.freebusy().query(body=query)


def _credentials(path: Path, organizer: str) -> Any:
    where = f"GOOGLE_SERVICE_ACCOUNT_FILE ({path})"
    try:
        return service_account.Credentials.from_service_account_file(str(path), scopes=[SCOPE], subject=organizer)
    except FileNotFoundError:
        raise CalendarError(f"{where} does not exist: download a JSON key of the service account.") from None
    except OSError as exc:
        raise CalendarError(f"{where} cannot be read ({type(exc).__name__}).") from None
    except (ValueError, KeyError, TypeError, auth_exceptions.GoogleAuthError):
        raise CalendarError(
            f"{where} is not a service-account JSON key (with client_email, private_key and token_uri)."
        ) from None


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
