"""The HTTP side of the stand-in: serving on loopback, reading requests, auth and fault injection.

:class:`_HttpFront` turns each request into a recorded :class:`~bot.devtools.slack_standin.Call`
and a reply, calling the handler registered for the API method in ``_methods``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from bot.devtools.slack_standin.state import Call, Json, Violation
from bot.devtools.slack_standin.workspace import _error, _Workspace

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
class _Fault:
    error: str
    status: int
    retry_after: int | None
    times: int = 1
    # Calls let through before this fault applies.
    after: int = 0


@dataclass
class _Rate:
    rate: float
    status: int
    error: str
    rng: random.Random


@dataclass
class _RateLimits:
    """Slack's posting limits: per channel (a DM is a channel) and a workspace token bucket."""

    per_channel: float | None
    workspace_rate: float | None
    workspace_burst: float
    methods: frozenset[str]
    tokens: float = 0.0
    refilled: float = 0.0
    last_post: dict[str, float] = field(default_factory=dict)


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class _HttpFront(_Workspace):
    """Lifecycle, request dispatch and faults on top of the workspace state."""

    # API method name -> handler; filled in by SlackStandIn, which has every handler mixin.
    _methods: dict[str, Callable[[Json], Json]]

    def __init__(self, **identity: str) -> None:
        super().__init__(**identity)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._faults: dict[str, list[_Fault]] = {}
        self._rates: dict[str | None, _Rate] = {}
        self._limits: _RateLimits | None = None

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

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with ``{"ok": false, "error": error}``,
        once ``after`` calls have gone through as usual (``after=1``: the second call fails).

        The HTTP status is ``status``; a 429 also carries ``Retry-After: retry_after``.
        Queued faults for the same method are used in order.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if after < 0:
            raise ValueError("after must be >= 0")
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(error, status, retry_after, times, after))

    def failure_rate(
        self,
        method: str | None,
        rate: float,
        *,
        status: int = 500,
        error: str = "internal_error",
        seed: int | None = None,
    ) -> None:
        """Fail a random ``rate`` (0..1) of calls to ``method`` (None: every method).

        ``seed`` makes the sequence reproducible; ``rate=0`` switches it off.
        A method-specific rate takes precedence over the catch-all one.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            if rate == 0:
                self._rates.pop(method, None)
            else:
                self._rates[method] = _Rate(rate, status, error, random.Random(seed))

    def rate_limits(
        self,
        *,
        per_channel: float | None = 1.0,
        workspace_rate: float | None = None,
        workspace_burst: float | None = None,
        methods: tuple[str, ...] = ("chat.postMessage",),
    ) -> None:
        """Enforce Slack's posting limits on ``methods`` (off by default).

        ``per_channel``: messages per second to one channel (a DM, a thread reply: its channel);
        Slack's rule is about 1. ``workspace_rate`` / ``workspace_burst``: a workspace-wide token
        bucket, ``workspace_burst`` calls at once (default: one second's worth) refilled at
        ``workspace_rate`` per second. A call over either limit gets HTTP 429, ``ratelimited`` and
        ``Retry-After`` in whole seconds (at least 1), as from Slack, and counts towards neither.
        None switches a limit off; :meth:`clear_rate_limits` switches both off.
        """
        for name, value in (("per_channel", per_channel), ("workspace_rate", workspace_rate)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive (None switches it off)")
        burst = float(workspace_burst if workspace_burst is not None else max(1.0, workspace_rate or 1.0))
        if burst < 1:
            raise ValueError("workspace_burst must be at least 1")
        with self._lock:
            self._limits = _RateLimits(
                per_channel, workspace_rate, burst, frozenset(methods), tokens=burst, refilled=time.monotonic()
            )

    def clear_rate_limits(self) -> None:
        """Stop enforcing posting limits."""
        with self._lock:
            self._limits = None

    def clear_faults(self) -> None:
        """Drop every queued fault and failure rate."""
        with self._lock:
            self._faults.clear()
            self._rates.clear()

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
        token = _bearer(headers) or args.pop("token", None)
        args.pop("token", None)
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
        if not token.startswith(("xoxb-", "xoxp-")):
            return _json_reply({"ok": False, "error": "invalid_auth"})
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

    def _limited_channel(self, args: Json) -> str | None:
        conv = self._resolve_channel(args.get("channel"))
        return conv.id if conv is not None else None

    @staticmethod
    def _over_limit(limits: _RateLimits, channel: str | None) -> float | None:
        """Seconds until this call would be allowed, or None (and a token is spent) when it is."""
        now = time.monotonic()
        waits: list[float] = []
        if limits.per_channel is not None and channel is not None and channel in limits.last_post:
            free_at = limits.last_post[channel] + 1.0 / limits.per_channel
            if now < free_at:
                waits.append(free_at - now)
        if limits.workspace_rate is not None:
            limits.tokens = min(limits.workspace_burst, limits.tokens + (now - limits.refilled) * limits.workspace_rate)
            limits.refilled = now
            if limits.tokens < 1:
                waits.append((1 - limits.tokens) / limits.workspace_rate)
        if waits:
            return max(waits)
        if limits.workspace_rate is not None:
            limits.tokens -= 1
        return None

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if queue:
            fault = queue[0]
            if fault.after > 0:
                fault.after -= 1
                return None
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault
        rate = self._rates.get(method) or self._rates.get(None)
        if rate is not None and rate.rng.random() < rate.rate:
            return _Fault(rate.error, rate.status, 1)
        return None

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
