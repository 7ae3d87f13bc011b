"""The HTTP side of the stand-in: serving on loopback, reading requests, auth, and the faults a
test switched on (see :mod:`~bot.devtools.slack_standin.faults`).

:class:`_HttpFront` turns each request into a recorded :class:`~bot.devtools.slack_standin.Call`
and a reply, calling the handler registered for the API method in ``_methods``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from bot.devtools.slack_standin.faults import _Faults
from bot.devtools.slack_standin.state import Call, Json, Violation
from bot.devtools.slack_standin.workspace import _error

# Methods that take an app-level token (xapp-) and no other.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Arguments that form-encoded callers send as JSON strings.
_JSON_ARGS = ("blocks", "view", "metadata", "attachments", "files")
_SCOPES = ",".join(
    [
        "chat:write",
        "chat:write.public",
        "im:write",
        "im:history",
        "channels:history",
        "groups:history",
        "users:read",
        "users:read.email",
        "usergroups:read",
        "files:read",
        "files:write",
        "reactions:write",
    ]
)


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class _HttpFront(_Faults):
    """Lifecycle and request dispatch on top of the workspace state and its faults."""

    # API method name -> handler; filled in by SlackStandIn, which has every handler mixin.
    _methods: dict[str, Callable[[Json], Json]]

    def __init__(self, **identity: str) -> None:
        super().__init__(**identity)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind 127.0.0.1 on a random port and serve from a daemon thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.standin = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL for slack_sdk's ``base_url`` / ``SLACK_API_URL``, e.g. ``http://127.0.0.1:5123/api/``."""
        return f"http://127.0.0.1:{self.port}/api/"

    # ------------------------------------------------------------------ HTTP plumbing

    def _dispatch(self, path: str, query: str, headers: dict[str, str], body: bytes) -> _Reply:
        if path.startswith("/upload/"):
            return self._receive_upload(path.removeprefix("/upload/"), body)
        if path.startswith("/download/"):
            return self._serve_download(path.removeprefix("/download/").split("/")[0], headers)
        if not path.startswith("/api/"):
            with self._lock:
                self._violations.append(Violation(path, "request outside /api/ (wrong base_url?)", None))
            return _json_reply({"ok": False, "error": "unknown_method"}, status=404)
        method = path.removeprefix("/api/")
        args, parse_error = _parse_args(query, headers, body)
        header_token = _bearer(headers)
        token = header_token or args.pop("token", None)
        args.pop("token", None)
        if method in _APP_TOKEN_METHODS and not header_token and token:
            # Like Slack: these take the app-level token in the Authorization header only.
            parse_error = "invalid_auth"
        # A snapshot, so later state changes never rewrite what the bot sent.
        call = Call(method, copy.deepcopy(args), time.time())
        with self._lock:
            self._calls.append(call)
            reply = self._answer(method, args, token, parse_error)
            call.error = None if reply.status == 200 and _is_ok(reply) else _error_of(reply)
            return reply

    def _answer(self, method: str, args: Json, token: str | None, parse_error: str | None) -> _Reply:
        handler = self._methods.get(method)
        if handler is None:
            self._violations.append(Violation(method, f"unknown method {method!r}", copy.deepcopy(args)))
            return _json_reply({"ok": False, "error": "unknown_method"})
        fault = self._take_fault(method)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 and fault.retry_after else {}
            return _json_reply({"ok": False, "error": fault.error}, status=fault.status, headers=headers)
        if not token:
            return _json_reply({"ok": False, "error": "not_authed"})
        if not token.startswith(("xoxb-", "xoxp-", "xapp-")):
            return _json_reply({"ok": False, "error": "invalid_auth"})
        if token.startswith("xapp-") != (method in _APP_TOKEN_METHODS):
            # An app-level token for a bot's method, or a bot token for apps.connections.open.
            return _json_reply({"ok": False, "error": "not_allowed_token_type"})
        if parse_error:
            return _json_reply({"ok": False, "error": parse_error})
        limits = self._limits if self._limits is not None and method in self._limits.methods else None
        channel = self._limited_channel(args) if limits is not None else None
        if limits is not None:
            wait = self._over_limit(limits, channel)
            if wait is not None:
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                return _json_reply({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        try:
            payload = handler(args)
        except Exception as exc:
            # Arguments of an unexpected shape (a list where an id belongs, ...) must not kill the server thread.
            payload = _error("invalid_arguments", f"the stand-in could not handle these arguments: {exc!r}")
        if limits is not None and channel is not None and payload.get("ok"):
            limits.last_post[channel] = time.monotonic()
        return _json_reply(payload, headers={"X-OAuth-Scopes": _SCOPES})

    def _receive_upload(self, file_id: str, body: bytes) -> _Reply:
        with self._lock:
            self._calls.append(Call("upload", {"file_id": file_id, "bytes": len(body)}, time.time()))
            upload = self._files.get(file_id)
            if upload is None or upload.completed:
                self._calls[-1].error = "not_found"
                return _Reply(404, b"Not Found", {"Content-Type": "text/plain"})
            upload.content = body
        # Slack's upload endpoint answers with plain text, not JSON.
        return _Reply(200, f"OK - {len(body)}".encode(), {"Content-Type": "text/plain; charset=utf-8"})

    def _serve_download(self, file_id: str, headers: dict[str, str]) -> _Reply:
        """A file's ``url_private_download``: like Slack, only for a request with a token."""
        token = _bearer(headers)
        with self._lock:
            content = self._file_content(file_id)
            call = Call("download", {"file_id": file_id, "bytes": len(content or b"")}, time.time())
            self._calls.append(call)
            if not token or not token.startswith(("xoxb-", "xoxp-")):
                call.error = "not_authed"
                return _Reply(403, b"Forbidden", {"Content-Type": "text/plain"})
            if content is None:
                call.error = "not_found"
                return _Reply(404, b"Not Found", {"Content-Type": "text/plain"})
        return _Reply(200, content, {"Content-Type": "application/octet-stream"})


def _parse_args(query: str, headers: dict[str, str], body: bytes) -> tuple[Json, str | None]:
    """Merge query string and body (form or JSON) arguments; decode JSON-encoded fields."""
    args: Json = dict(parse_qsl(query, keep_blank_values=True))
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "").lower()
    if body:
        if content_type.startswith("application/json"):
            try:
                data = json.loads(body)
            except ValueError:
                return args, "invalid_json"
            if not isinstance(data, dict):
                return args, "invalid_json"
            args.update(data)
        elif content_type.startswith("application/x-www-form-urlencoded"):
            args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for key in _JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            # Undecodable values stay strings; validation reports them.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args, None


def _bearer(headers: dict[str, str]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _json_reply(payload: Json, *, status: int = 200, headers: dict[str, str] | None = None) -> _Reply:
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return _Reply(status, json.dumps(payload).encode(), all_headers)


def _is_ok(reply: _Reply) -> bool:
    try:
        return bool(json.loads(reply.body).get("ok"))
    except ValueError:
        return False


def _error_of(reply: _Reply) -> str:
    try:
        return str(json.loads(reply.body).get("error") or f"http_{reply.status}")
    except ValueError:
        return f"http_{reply.status}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: _HttpFront


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; calls are recorded instead

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.standin._dispatch(parts.path, parts.query, dict(self.headers.items()), body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
