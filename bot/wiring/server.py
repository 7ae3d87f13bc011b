"""HTTP front: `POST /slack/events` into Bolt, `GET /healthz`, `GET /metrics`, people's calendar feeds
(`GET /calendar/<token>.ics`), the candidates' booking page (`/book/<token>`, bot/web/), on waitress."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from waitress import create_server
from waitress.server import BaseWSGIServer, MultiSocketServer

from bot.calendars.feeds import feed_ics, feed_owner
from bot.web import booking
from bot.wiring.services import Services

log = logging.getLogger("interview_bot.server")

MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; anything larger is not from Slack.
SLACK_CONTENT_TYPES = ("application/x-www-form-urlencoded", "application/json")
KNOWN_KINDS = frozenset(
    {
        "command",
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
        "event_callback",
        "url_verification",
    }
)

FEED_PREFIX, FEED_SUFFIX = "/calendar/", ".ics"
# Calendar apps poll a feed; a few minutes' staleness spares the database.
FEED_HEADERS = [("Content-Type", "text/calendar; charset=utf-8"), ("Cache-Control", "private, max-age=300")]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "command"
    kind = body.get("type")
    return kind if kind in KNOWN_KINDS else "other"


class WebApp:
    """The WSGI application."""

    def __init__(self, bolt: App, services: Services) -> None:
        self.bolt = bolt
        self.services = services

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return _reply(start_response, 405, "use POST", [("Allow", "POST")])
            return self._slack(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            if self.services.db.ping():
                return _reply(start_response, 200, json.dumps({"status": "ok"}), ctype="application/json")
            return _reply(start_response, 503, json.dumps({"status": "database unreachable"}), ctype="application/json")
        if path == "/metrics" and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", self.services.metrics.content_type)])
            return [self.services.metrics.render()]
        if path.startswith(FEED_PREFIX) and path.endswith(FEED_SUFFIX) and method in ("GET", "HEAD"):
            return self._feed(path[len(FEED_PREFIX) : -len(FEED_SUFFIX)], start_response)
        if path.startswith(booking.BOOK_PREFIX):
            return booking.serve(self.services, environ, start_response)
        return _reply(start_response, 404, "not found")

    def _feed(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        """A person's calendar feed; an unknown or malformed token is answered as any unknown path."""
        services = self.services
        owner = feed_owner(services.db, token)
        if owner is None:
            return _reply(start_response, 404, "not found")
        body = feed_ics(services.db, services.kits, owner, services.clock.now(), services.settings.organizer_zone)
        start_response("200 OK", [*FEED_HEADERS, ("Content-Length", str(len(body)))])
        return [body]

    def _slack(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if ctype not in SLACK_CONTENT_TYPES:
            return self._done(start_response, 415, "unsupported content type", "other", started)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._done(start_response, 400, "bad Content-Length", "other", started)
        if length > MAX_BODY:
            return self._done(start_response, 413, "request body too large", "other", started)
        request = WsgiHttpRequest(environ)
        try:
            raw = request.get_body()
            bolt_request = BoltRequest(body=raw, query=request.query_string, headers=request.get_headers())
        except (ValueError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            return self._done(start_response, 400, "malformed request body", "other", started)
        response = self.bolt.dispatch(bolt_request)
        kind = request_kind(bolt_request.body) if response.status != 401 else "unverified"
        headers = [(k, v) for k, values in response.headers.items() for v in values]
        self.services.metrics.observe(kind, response.status, time.perf_counter() - started)
        start_response(_status(response.status), headers)
        return [response.body.encode("utf-8")]

    def _done(
        self, start_response: StartResponse, status: int, text: str, kind: str, started: float
    ) -> Iterable[bytes]:
        self.services.metrics.observe(kind, status, time.perf_counter() - started)
        return _reply(start_response, status, text)


def _status(code: int) -> str:
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def _reply(
    start_response: StartResponse,
    status: int,
    body: str,
    extra: list[tuple[str, str]] | None = None,
    ctype: str = "text/plain; charset=utf-8",
) -> Iterable[bytes]:
    start_response(_status(status), [("Content-Type", ctype), *(extra or [])])
    return [body.encode("utf-8")]


class HttpServer:
    """waitress serving the WebApp; `start()` in a thread (tests, demo) or `serve_forever()`."""

    def __init__(self, app: WebApp, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 8) -> None:
        self.app = app
        self.server: BaseWSGIServer | MultiSocketServer = create_server(
            app, host=host, port=port, threads=threads, ident="interview-bot", clear_untrusted_proxy_headers=True
        )
        self._thread: threading.Thread | None = None
        self._closing = False

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def serve_forever(self) -> None:
        self.server.run()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="http", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:
            # select() on the sockets stop() just closed.
            if not self._closing:
                raise

    def stop(self) -> None:
        self._closing = True
        if self._thread is not None and self._thread.is_alive() and isinstance(self.server, BaseWSGIServer):
            # Close from waitress's own loop, woken through its trigger: sockets closed under its
            # select() would leave it waiting out the loop's one-second timeout.
            try:
                self.server.trigger.pull_trigger(self.server.close)
            except OSError:
                pass  # its trigger is closed already: the close below is all there is
            else:
                self._thread.join(timeout=5)
        # Closing twice is harmless; this covers a loop that was not running or did not wake.
        self.server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
