"""The stand-in's HTTP side: the token endpoint and the Calendar API on one loopback port, every
request recorded and checked against the discovery document, and the faults a test switches on."""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn, Self
from urllib.parse import parse_qs, urlsplit

from bot.devtools.google_standin import discovery, oauth
from bot.devtools.google_standin.calendars import ApiError, Calendars, Json, rfc3339

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    410: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}
_FAULT_REASONS = {403: "forbidden", 404: "notFound", 429: "rateLimitExceeded", 500: "backendError"}


@dataclass(frozen=True)
class Recorded:
    """One request: `method` is the discovery method id (``calendar.events.insert``), ``token`` for
    the token endpoint (its assertion replaced by ``<assertion>``), or None when it matched none."""

    verb: str
    path: str
    query: dict[str, list[str]]
    body: Any
    method: str | None
    status: int


@dataclass(frozen=True)
class Invalid:
    """A request Google's discovery document (or the stand-in) does not allow."""

    verb: str
    path: str
    problems: tuple[str, ...]


class _Reply(Exception):
    def __init__(self, status: int, body: Json | None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _api_error(status: int, reason: str, message: str) -> _Reply:
    error = {"domain": "global", "reason": reason, "message": message}
    return _Reply(
        status,
        {"error": {"code": status, "message": message, "errors": [error], "status": _STATUS_NAMES.get(status, "")}},
    )


class GoogleStandIn:
    """Google's OAuth token endpoint and Calendar API v3 on 127.0.0.1 (random port).

    Point the provider at it with a key file from :meth:`write_service_account` (its ``token_uri`` is
    :attr:`token_uri`) and ``api_url=`` :attr:`url`. Records: :attr:`requests`, :meth:`requests_to`,
    :attr:`invalid` (each refused as Google's document would; tests assert it stays empty),
    :attr:`assertions` and :attr:`tokens` (the secrets that went over the wire, for leak checks).
    Calendars: :meth:`add_calendar`, :meth:`event`, :meth:`events`, :meth:`edit` (a hand edit in
    Google Calendar), :meth:`add_event`. Faults: :meth:`revoke` / :meth:`restore` (the delegation),
    :meth:`expire_tokens`, :meth:`outage`, :meth:`stall`, :meth:`fail_next`.
    """

    def __init__(self) -> None:
        self.calendars = Calendars()
        self.requests: list[Recorded] = []
        self.invalid: list[Invalid] = []
        self.assertions: list[str] = []
        self._grants: dict[str, oauth.Grant] = {}
        self._lock = threading.Lock()
        self._revoked = False
        self._outage_until = 0.0
        self._stall = 0.0
        self._failures: list[int] = []
        self._server: _Server | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is None:
            server = _Server(self)
            self._server = server
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="google-standin", daemon=True
            ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def stopped(self) -> bool:
        return self._server is None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API root (the discovery document's rootUrl as GOOGLE_API_URL gives it)."""
        assert self._server is not None, "start() the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def token_uri(self) -> str:
        return self.url + "token"

    def write_service_account(self, path: Path, *, client_email: str | None = None) -> Path:
        """A key file this stand-in trusts."""
        extra = {"client_email": client_email} if client_email else {}
        oauth.write_service_account(path, self.token_uri, **extra)
        return path

    # ------------------------------------------------------------------ records and calendars

    @property
    def tokens(self) -> list[str]:
        with self._lock:
            return list(self._grants)

    def requests_to(self, method: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def add_calendar(self, calendar_id: str, time_zone: str = "UTC") -> None:
        self.calendars.add_calendar(calendar_id, time_zone)

    def event(self, calendar_id: str, event_id: str) -> Json | None:
        with self.calendars.lock:
            found = self.calendars.events.get(calendar_id.lower(), {}).get(event_id)
            return copy.deepcopy(found)

    def events(self, calendar_id: str) -> list[Json]:
        """Every event of the calendar, cancelled ones too."""
        with self.calendars.lock:
            return copy.deepcopy(list(self.calendars.events.get(calendar_id.lower(), {}).values()))

    def edit(self, calendar_id: str, event_id: str, **changes: Any) -> Json:
        """Someone edits the event in Google Calendar (moving it raises its sequence)."""
        with self.calendars.lock:
            calendar = calendar_id.lower()
            stored = self.calendars.events[calendar][event_id]
            return self.calendars.write(calendar, changes, stored=stored, conference_version=1, full=False)

    def add_event(
        self,
        calendar_id: str,
        starts_at: datetime,
        ends_at: datetime,
        *,
        summary: str = "Busy",
        attendees: tuple[str, ...] = (),
        transparency: str = "opaque",
    ) -> Json:
        """An event someone made themselves (for busy times)."""
        body: Json = {
            "summary": summary,
            "start": {"dateTime": rfc3339(starts_at)},
            "end": {"dateTime": rfc3339(ends_at)},
            "attendees": [{"email": a} for a in attendees],
            "transparency": transparency,
        }
        with self.calendars.lock:
            self.calendars.add_calendar(calendar_id)
            return self.calendars.write(calendar_id.lower(), body, stored=None, conference_version=0, full=True)

    # ------------------------------------------------------------------ faults

    def revoke(self) -> None:
        """The delegation (or the key) is withdrawn: grants are refused, issued tokens stop working."""
        with self._lock:
            self._revoked = True
            self._grants.clear()

    def restore(self) -> None:
        with self._lock:
            self._revoked = False

    def expire_tokens(self) -> None:
        """Every issued token expires now (the client still thinks it is good)."""
        with self._lock:
            self._grants.clear()

    def outage(self, seconds: float) -> None:
        """The Calendar API answers 503 for `seconds` (the token endpoint keeps working)."""
        with self._lock:
            self._outage_until = time.monotonic() + seconds

    def stall(self, seconds: float) -> None:
        """Every answer waits `seconds` first (0: no more)."""
        with self._lock:
            self._stall = seconds

    def fail_next(self, status: int, count: int = 1) -> None:
        """The next `count` valid Calendar API requests answer `status`."""
        with self._lock:
            self._failures.extend([status] * count)

    # ------------------------------------------------------------------ requests

    def handle(self, verb: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, Json | None]:
        """Answer one request (any thread) and record it."""
        split = urlsplit(target)
        query = parse_qs(split.query, keep_blank_values=True)
        seen: Json = {"method": None, "body": None}
        if self._stall:
            time.sleep(self._stall)
        try:
            if split.path == "/token":
                reply = self._token_request(verb, raw, seen)
            else:
                reply = self._api_request(verb, split.path, query, headers, raw, seen)
        except ApiError as exc:
            reply = _api_error(exc.status, exc.reason, exc.message)
        except _Reply as refused:
            reply = refused
        with self._lock:
            self.requests.append(Recorded(verb, split.path, query, seen["body"], seen["method"], reply.status))
        return reply.status, reply.body

    def _token_request(self, verb: str, raw: bytes, seen: Json) -> _Reply:
        seen["method"] = "token"
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        seen["body"] = {k: ("<assertion>" if k == "assertion" else v) for k, v in form.items()}
        if verb != "POST":
            return _Reply(405, {"error": "invalid_request", "error_description": "The token endpoint takes POST."})
        return _Reply(200, self._token(form))

    def _api_request(
        self, verb: str, path: str, query: dict[str, list[str]], headers: dict[str, str], raw: bytes, seen: Json
    ) -> _Reply:
        try:
            seen["body"] = body = json.loads(raw) if raw else None
        except ValueError:
            self._refuse(verb, path, ["the body is not JSON"])
        found = self._method(verb, path)
        seen["method"] = found.method.id
        problems = discovery.check_query(found, query) + discovery.check_body(found, body)
        if problems:
            self._refuse(verb, path, problems)
        subject = self._authorized(headers.get("authorization", ""))
        answer = self._call(verb, found, subject, {k: v[-1] for k, v in query.items()}, body)
        return _Reply(200 if answer is not None else 204, answer)

    def _refuse(self, verb: str, path: str, problems: list[str]) -> NoReturn:
        with self._lock:
            self.invalid.append(Invalid(verb, path, tuple(problems)))
        raise _api_error(400, "invalid", "; ".join(problems))

    def _method(self, verb: str, path: str) -> discovery.Match:
        prefix = "/" + discovery.document()["servicePath"]
        if not path.startswith(prefix):
            self._refuse(verb, path, [f"{path!r} is not under the Calendar API's {prefix}"])
        try:
            return discovery.match(verb, path[len(prefix) :])
        except discovery.NoMethod as exc:
            self._refuse(verb, path, [str(exc)])

    def _token(self, form: dict[str, str]) -> Json:
        with self._lock:
            if form.get("assertion"):
                self.assertions.append(form["assertion"])
            revoked = self._revoked
        try:
            grant = oauth.grant(form, self.token_uri, revoked=revoked)
        except oauth.TokenError as exc:
            raise _Reply(400, {"error": exc.error, "error_description": exc.description}) from None
        with self._lock:
            self._grants[grant.token] = grant
        return {"access_token": grant.token, "expires_in": oauth.TOKEN_LIFETIME, "token_type": "Bearer"}

    def _authorized(self, header: str) -> str:
        """The faults first (Google's front fails before it looks at the token), then the token."""
        with self._lock:
            if time.monotonic() < self._outage_until:
                raise _api_error(503, "backendError", "The service is currently unavailable.")
            if self._failures:
                status = self._failures.pop(0)
                raise _api_error(status, _FAULT_REASONS.get(status, "backendError"), f"Injected failure {status}.")
            scheme, _, token = header.partition(" ")
            grant = self._grants.get(token) if scheme.lower() == "bearer" else None
        if grant is None or grant.expires_at < time.time():
            raise _api_error(401, "authError", "Invalid Credentials")
        if oauth.CALENDAR_SCOPE not in grant.scopes:
            raise _api_error(403, "insufficientPermissions", "Request had insufficient authentication scopes.")
        return grant.subject

    def _call(self, verb: str, found: discovery.Match, subject: str, query: dict[str, str], body: Any) -> Json | None:
        args = found.path_params
        name = found.method.id.removeprefix("calendar.")
        version = int(query.get("conferenceDataVersion", "0"))
        with self.calendars.lock:
            if name == "freebusy.query":
                return self.calendars.free_busy(body, subject)
            calendar = self.calendars.resolve(args["calendarId"], subject)
            if name == "calendars.get":
                return self.calendars.calendar(calendar)
            if name == "events.list":
                return self.calendars.list_events(calendar, query)
            if name == "events.insert":
                return self.calendars.write(calendar, body, stored=None, conference_version=version, full=True)
            if name in ("events.get", "events.update", "events.patch", "events.delete"):
                stored = self.calendars.get(calendar, args["eventId"])
                if name == "events.get":
                    return stored
                if name == "events.delete":
                    self.calendars.delete(calendar, args["eventId"])
                    return None
                current = self.calendars.events[calendar][args["eventId"]]
                full = name == "events.update"
                return self.calendars.write(calendar, body, stored=current, conference_version=version, full=full)
        with self._lock:
            self.invalid.append(Invalid(verb, found.method.path, (f"the stand-in does not serve {found.method.id}",)))
        raise _api_error(501, "notImplemented", f"The stand-in does not serve {found.method.id}.")


class _Server(ThreadingHTTPServer):
    def __init__(self, standin: GoogleStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.standin = standin


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this each answer waits for a delayed ACK.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        assert isinstance(self.server, _Server)
        standin = self.server.standin
        if standin.stopped:
            # A connection kept alive from before stop(): the client reconnects, and is refused.
            self.close_connection = True
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body = standin.handle(self.command, self.path, headers, raw)
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the records are in :attr:`GoogleStandIn.requests`."""
