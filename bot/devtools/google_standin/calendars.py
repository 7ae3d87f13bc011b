"""The calendars behind the stand-in, in memory, with Google's semantics for what the bot relies on.

- ``events.insert`` with a client id takes ids of base32hex characters only (``[a-v0-9]``, 5 to 1024
  long); an id that is taken (even by a cancelled event) is ``409 duplicate``.
- ``events.delete`` cancels: the event stays, with ``status: cancelled`` (``get`` still returns it);
  deleting it again is ``410 deleted``. ``update``/``patch`` with ``status: confirmed`` revives it;
  without a status the stored one stays. ``update`` replaces the event; ``patch`` replaces the
  top-level fields it names (nested objects whole).
- ``sequence`` is kept; a write with a lower one than stored is ``400 invalid`` (as Google answers),
  and a write that moves the event without giving one raises it.
- With ``conferenceDataVersion=1``, a ``conferenceData.createRequest`` makes a Meet meeting (the same
  request id on the same event: the same meeting); conference data sent back is kept; none in a
  full update removes it. Version 0 ignores conference data in the body.
- ``freebusy.query`` reads a calendar's own events and the events elsewhere that name it as an
  attendee (who has not declined): cancelled and transparent ones left out, overlaps merged.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Json = dict[str, Any]

EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
# Fields Google sets; a client's values for them are ignored.
_SERVER_FIELDS = frozenset(
    {"kind", "etag", "id", "htmlLink", "created", "updated", "creator", "organizer", "iCalUID", "hangoutLink"}
)
_STATUSES = ("confirmed", "tentative", "cancelled")


class ApiError(Exception):
    """An error the Calendar API answers with: HTTP status, Google's reason code and message."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _instant(value: Any, where: str, default_zone: str) -> datetime:
    if not isinstance(value, dict) or not ("dateTime" in value or "date" in value):
        raise ApiError(400, "required", f"Missing {where} time.")
    zone_name = value.get("timeZone")
    try:
        zone = ZoneInfo(zone_name or default_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, "invalid", f"Invalid time zone definition for {where} time.") from None
    try:
        if "dateTime" in value:
            moment = datetime.fromisoformat(value["dateTime"])
            if moment.tzinfo is None and not zone_name:
                raise ApiError(400, "required", f"Missing time zone definition for {where} time.")
            return (moment.replace(tzinfo=zone) if moment.tzinfo is None else moment).astimezone(UTC)
        day = date.fromisoformat(value["date"])
    except (TypeError, ValueError):
        raise ApiError(400, "invalid", f"Invalid {where} time.") from None
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def span(event: Json, default_zone: str = "UTC") -> tuple[datetime, datetime]:
    return _instant(event.get("start"), "start", default_zone), _instant(event.get("end"), "end", default_zone)


def rfc3339(moment: datetime, zone: ZoneInfo | None = None) -> str:
    text = moment.astimezone(zone or UTC).isoformat(timespec="seconds")
    return text.replace("+00:00", "Z") if zone is None else text


class Calendars:
    """Everyone's calendars: calendar id (an e-mail address) -> event id -> the event resource."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.zones: dict[str, str] = {}
        self.events: dict[str, dict[str, Json]] = {}
        self._etag = 0

    def add_calendar(self, calendar_id: str, time_zone: str = "UTC") -> None:
        with self.lock:
            self.zones.setdefault(calendar_id.lower(), time_zone)
            self.events.setdefault(calendar_id.lower(), {})

    def resolve(self, calendar_id: str, subject: str) -> str:
        """The calendar a request names: "primary" is the user the token acts as, whose own
        calendar always exists; others must have been added."""
        if calendar_id == "primary" or calendar_id.lower() == subject:
            self.add_calendar(subject)
            return subject
        if calendar_id.lower() not in self.events:
            raise ApiError(404, "notFound", "Not Found")
        return calendar_id.lower()

    def _stored(self, calendar: str, event_id: str) -> Json:
        event = self.events[calendar].get(event_id)
        if event is None:
            raise ApiError(404, "notFound", "Not Found")
        return event

    # ------------------------------------------------------------------ writes

    def write(self, calendar: str, body: Json, *, stored: Json | None, conference_version: int, full: bool) -> Json:
        """Insert (no `stored`), or update (`full`) / patch `stored` with `body`."""
        fields = {k: copy.deepcopy(v) for k, v in body.items() if k not in _SERVER_FIELDS and k != "conferenceData"}
        if stored is None:
            event_id = body.get("id") or secrets.token_hex(13)
            if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
                raise ApiError(400, "invalid", "Invalid resource id value.")
            if event_id in self.events[calendar]:
                raise ApiError(409, "duplicate", "The requested identifier already exists.")
            base: Json = {
                "kind": "calendar#event",
                "id": event_id,
                "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
                "created": now_text(),
                "creator": {"email": calendar},
                "organizer": {"email": calendar, "self": True},
                "iCalUID": body.get("iCalUID") or f"{event_id}@google.com",
                "eventType": "default",
                "status": "confirmed",
                "sequence": 0,
                "reminders": {"useDefault": True},
            }
            merged = {**base, **fields}
        elif full:
            kept = {k: v for k, v in stored.items() if k in _SERVER_FIELDS or k in ("status", "sequence", "eventType")}
            merged = {**copy.deepcopy(kept), **fields}
        else:
            merged = {**copy.deepcopy(stored), **fields}
        zone = self.zones.get(calendar, "UTC")
        starts_at, ends_at = span(merged, zone)
        if ends_at <= starts_at:
            raise ApiError(400, "timeRangeEmpty", "The specified time range is empty.")
        if merged.get("status") not in _STATUSES:
            raise ApiError(400, "invalid", "Invalid value for: status")
        for attendee in merged.get("attendees") or []:
            if "@" not in str(attendee.get("email", "")):
                raise ApiError(400, "invalid", "Invalid attendee email.")
            attendee.setdefault("responseStatus", "needsAction")
        if stored is not None:
            old_seq = int(stored.get("sequence", 0))
            if "sequence" in body and int(body["sequence"]) < old_seq:
                raise ApiError(
                    400,
                    "invalid",
                    "Invalid sequence value. The specified sequence number is below the current "
                    "sequence number of the resource.",
                )
            if "sequence" not in body and span(stored, zone) != (starts_at, ends_at):
                merged["sequence"] = old_seq + 1
        merged.pop("hangoutLink", None)
        merged.pop("conferenceData", None)
        conference = self._conference(stored, body, conference_version, full)
        if conference is not None:
            merged["conferenceData"] = conference
            video = [p["uri"] for p in conference.get("entryPoints", []) if p.get("entryPointType") == "video"]
            if video:
                merged["hangoutLink"] = video[0]
        self._etag += 1
        merged["etag"] = f'"{3_000_000_000_000_000 + self._etag}"'
        merged["updated"] = now_text()
        self.events[calendar][merged["id"]] = merged
        return copy.deepcopy(merged)

    def _conference(self, stored: Json | None, body: Json, version: int, full: bool) -> Json | None:
        old = copy.deepcopy(stored.get("conferenceData")) if stored else None
        if version < 1 or (not full and "conferenceData" not in body):
            return old
        new = body.get("conferenceData")
        if not new:
            return None
        request = new.get("createRequest")
        if request and not new.get("entryPoints"):
            if old and (old.get("createRequest") or {}).get("requestId") == request.get("requestId"):
                return old
            kind = (request.get("conferenceSolutionKey") or {}).get("type")
            if kind != "hangoutsMeet":
                raise ApiError(400, "invalid", "Invalid conference type value.")
            if not request.get("requestId"):
                raise ApiError(400, "required", "Missing conference request id.")
            return _meet(request)
        return copy.deepcopy(new)

    def delete(self, calendar: str, event_id: str) -> None:
        event = self._stored(calendar, event_id)
        if event["status"] == "cancelled":
            raise ApiError(410, "deleted", "Resource has been deleted")
        event["status"] = "cancelled"
        event["updated"] = now_text()

    # ------------------------------------------------------------------ reads

    def get(self, calendar: str, event_id: str) -> Json:
        return copy.deepcopy(self._stored(calendar, event_id))

    def list_events(self, calendar: str, query: dict[str, str]) -> Json:
        zone = self.zones.get(calendar, "UTC")
        items = list(self.events[calendar].values())
        if query.get("showDeleted") != "true":
            items = [e for e in items if e["status"] != "cancelled"]
        if "iCalUID" in query:
            items = [e for e in items if e.get("iCalUID") == query["iCalUID"]]
        if "timeMin" in query:
            low = datetime.fromisoformat(query["timeMin"])
            items = [e for e in items if span(e, zone)[1] > low]
        if "timeMax" in query:
            high = datetime.fromisoformat(query["timeMax"])
            items = [e for e in items if span(e, zone)[0] < high]
        if query.get("orderBy") == "startTime":
            items.sort(key=lambda e: span(e, zone)[0])
        return {
            "kind": "calendar#events",
            "summary": calendar,
            "timeZone": zone,
            "updated": now_text(),
            "items": copy.deepcopy(items),
        }

    def calendar(self, calendar: str) -> Json:
        return {
            "kind": "calendar#calendar",
            "etag": '"1"',
            "id": calendar,
            "summary": calendar,
            "timeZone": self.zones.get(calendar, "UTC"),
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        }

    def free_busy(self, body: Json, subject: str) -> Json:
        for name in ("timeMin", "timeMax"):
            if name not in body:
                raise ApiError(400, "required", f"Missing {name} parameter.")
        try:
            low, high = datetime.fromisoformat(body["timeMin"]), datetime.fromisoformat(body["timeMax"])
            out_zone = ZoneInfo(body["timeZone"]) if body.get("timeZone") else None
        except (ValueError, ZoneInfoNotFoundError):
            raise ApiError(400, "invalid", "Invalid time range or time zone.") from None
        if low.tzinfo is None or high.tzinfo is None or high <= low:
            raise ApiError(400, "timeRangeEmpty", "The specified time range is empty.")
        answer: Json = {}
        for item in body.get("items") or []:
            wanted = str(item.get("id", ""))
            try:
                calendar = self.resolve(wanted, subject)
            except ApiError:
                answer[wanted] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                continue
            spans = _merge((max(s, low), min(e, high)) for s, e in self._taken(calendar) if e > low and s < high)
            answer[wanted] = {"busy": [{"start": rfc3339(s, out_zone), "end": rfc3339(e, out_zone)} for s, e in spans]}
        return {
            "kind": "calendar#freeBusy",
            "timeMin": body["timeMin"],
            "timeMax": body["timeMax"],
            "calendars": answer,
        }

    def _taken(self, calendar: str) -> list[tuple[datetime, datetime]]:
        taken = []
        for owner, events in self.events.items():
            for event in events.values():
                if event["status"] == "cancelled" or event.get("transparency") == "transparent":
                    continue
                invited = any(
                    a.get("email", "").lower() == calendar and a.get("responseStatus") != "declined"
                    for a in event.get("attendees") or []
                )
                if owner == calendar or invited:
                    taken.append(span(event, self.zones.get(owner, "UTC")))
        return taken


def _merge(spans: Any) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _meet(request: Json) -> Json:
    letters = "abcdefghijklmnopqrstuvwxyz"
    code = "-".join("".join(secrets.choice(letters) for _ in range(n)) for n in (3, 4, 3))
    return {
        "createRequest": {**copy.deepcopy(request), "status": {"statusCode": "success"}},
        "entryPoints": [
            {"entryPointType": "video", "uri": f"https://meet.google.com/{code}", "label": f"meet.google.com/{code}"}
        ],
        "conferenceSolution": {
            "key": {"type": "hangoutsMeet"},
            "name": "Google Meet",
            "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
        },
        "conferenceId": code,
    }
