"""A stand-in for Slack's Socket Mode: the WebSocket an app without a public URL connects to.

The app (slack_sdk's ``SocketModeClient``, under Bolt's ``SocketModeHandler``) asks the Web API
stand-in's ``apps.connections.open`` for a URL, connects here and gets ``hello`` as from Slack.
A test pushes envelopes (``slash_commands``, ``interactive``, ``events_api``) and waits for the
app's ack of each; an ack carries the answer Slack would show (``response_action: errors``, an
ephemeral reply). Acks are checked the way the Web API stand-in checks calls: a payload where the
envelope accepts none, errors keyed to no input of the submitted modal, a view or message Slack
would refuse, an ack later than Slack waits, are recorded as violations of the Web API stand-in,
so its ``assert_no_violations`` covers both.

Example::

    with SlackStandIn() as slack, SocketModeStandIn(slack) as socket:
        ...  # start the app with SLACK_API_URL=slack.url and an xapp- token
        socket.wait_connected()
        ack = socket.command("U1", "/candidate", "new")  # pushes the envelope, waits for the ack
        assert ack.payload is None

Needs the ``websockets`` package (the dev extras): only the tests import this module.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.devtools.slack_requests import Kind, SlackSender
from bot.devtools.slack_standin.standin import SlackStandIn
from bot.devtools.slack_standin.state import Json
from bot.devtools.slack_standin.validation import _message_problems, check_view

# Slack shows the person an error (and retries an event) when the ack takes longer.
ACK_WITHIN_SECONDS = 3.0
_RESPONSE_ACTIONS = ("errors", "update", "push", "clear")
# Interactions whose ack may carry an answer; others (buttons, shortcuts) answer through the Web API.
_ANSWERABLE_INTERACTIONS = ("view_submission", "block_suggestion")


@dataclass(frozen=True)
class Ack:
    """The app's ack of one envelope: its answer (None: a bare ack) and how long it took."""

    envelope_id: str
    payload: Json | None
    seconds: float


@dataclass(frozen=True)
class _Envelope:
    type: Kind
    payload: Json
    accepts_response_payload: bool
    sent_at: float


class SocketModeStandIn(SlackSender[Ack]):
    """Slack's Socket Mode end on 127.0.0.1 (random port), for the Web API stand-in ``web``.

    Lifecycle: :meth:`start` / :meth:`stop` or ``with``; while it runs, ``apps.connections.open``
    on ``web`` hands out its URLs (:meth:`link`), each ticket good for one connection.
    Sending: :meth:`push` (any envelope), or :meth:`command`, :meth:`block_action`,
    :meth:`view_submission`, :meth:`event` ... (from :class:`~bot.devtools.slack_requests.SlackSender`),
    which push and wait for the ack. Waiting: :meth:`wait_connected`, :meth:`wait_ack`.
    """

    def __init__(self, web: SlackStandIn, *, ack_timeout: float = 20.0) -> None:
        super().__init__(
            response_urls=f"https://hooks.slack.com/commands/{web.team_id}",
            team_id=web.team_id,
            app_id=web.app_id,
            trigger_ids=web.trigger_id,
        )
        self.web = web
        self.ack_timeout = ack_timeout
        # Never held while taking the Web API stand-in's lock (it calls link() under its own).
        self._changed = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._envelopes: dict[str, _Envelope] = {}
        self._acks: dict[str, Ack] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            # The app pings; Slack's end does not need to.
            ping_interval=None,
            logger=logging.getLogger("slack_standin.socket_mode"),
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-standin", daemon=True)
        self._thread.start()
        with self.web._lock:
            self.web._socket_links = self.link
        return self

    def stop(self) -> None:
        """Tell connected apps the link is going away (Slack's ``disconnect``), then close. Safe twice."""
        server, self._server = self._server, None
        if server is None:
            return
        with self.web._lock:
            self.web._socket_links = None
        self.disconnect("link_disabled")
        server.shutdown()
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
            raise RuntimeError("SocketModeStandIn is not started")
        return int(self._server.socket.getsockname()[1])

    def link(self) -> str:
        """A fresh URL to connect to, as ``apps.connections.open`` returns it."""
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` to every connected app (slack_sdk then reconnects)."""
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "socket-standin"}})
        for connection in self._open_connections():
            with contextlib.suppress(ConnectionClosed):
                connection.send(message)

    # ------------------------------------------------------------------ sending and waiting

    def wait_connected(self, timeout: float = 20.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._connections), timeout):
                raise AssertionError(f"no app connected to the Socket Mode stand-in within {timeout} s")

    def push(
        self,
        kind: Kind,
        payload: Json,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Send one envelope to the newest connection; returns its envelope id.

        ``accepts_response_payload`` defaults to what Slack sets: commands, modal submissions
        and option requests accept an answer in the ack, buttons and events do not."""
        if accepts_response_payload is None:
            accepts_response_payload = kind == "slash_commands" or (
                kind == "interactive" and payload.get("type") in _ANSWERABLE_INTERACTIONS
            )
        envelope_id = str(uuid.uuid4())
        message: Json = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            message.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        connections = self._open_connections()
        if not connections:
            raise AssertionError("no app is connected to the Socket Mode stand-in (wait_connected first)")
        with self._changed:
            self._envelopes[envelope_id] = _Envelope(kind, payload, accepts_response_payload, time.monotonic())
        connections[-1].send(json.dumps(message))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float | None = None) -> Ack:
        timeout = self.ack_timeout if timeout is None else timeout
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(f"the app did not ack envelope {envelope_id} within {timeout} s")
            return self._acks[envelope_id]

    @property
    def acks(self) -> list[Ack]:
        """Every ack received, in order."""
        with self._changed:
            return list(self._acks.values())

    def deliver(self, kind: Kind, payload: Json, **kw: Any) -> Ack:
        """Push ``payload`` and wait for its ack (what :class:`SlackSender`'s methods call)."""
        retry_num = kw.pop("retry_num", None)
        if retry_num is not None:
            kw.update(retry_attempt=retry_num, retry_reason="timeout")
        return self.wait_ack(self.push(kind, payload, **kw))

    # ------------------------------------------------------------------ the WebSocket side

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._changed:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
        if parts.path != "/link/" or not known:
            return connection.respond(401, "invalid ticket: get a URL from apps.connections.open\n")
        return None

    def _serve(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections.append(connection)
            count = len(self._connections)
            self._changed.notify_all()
        try:
            hello = {
                "type": "hello",
                "num_connections": count,
                "debug_info": {"host": "socket-standin", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
            connection.send(json.dumps(hello))
            for message in connection:
                self._receive(message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()

    def _open_connections(self) -> list[ServerConnection]:
        with self._changed:
            return list(self._connections)

    def _receive(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            ack = None
        if not isinstance(ack, dict) or not isinstance(ack.get("envelope_id"), str):
            self.web.record_violation("socket", "a message that is not an ack ({envelope_id, payload?})", message)
            return
        envelope_id, payload = ack["envelope_id"], ack.get("payload")
        now = time.monotonic()
        with self._changed:
            envelope = self._envelopes.get(envelope_id)
            first = envelope is not None and envelope_id not in self._acks
            if envelope is not None and first:
                self._acks[envelope_id] = Ack(envelope_id, payload, now - envelope.sent_at)
                self._changed.notify_all()
        if envelope is None:
            self.web.record_violation("socket", f"an ack for envelope {envelope_id}, which Slack never sent", ack)
            return
        method = f"socket:{envelope.type}"
        if not first:
            self.web.record_violation(method, f"a second ack for envelope {envelope_id}", ack)
            return
        problems = _ack_problems(envelope, payload)
        if now - envelope.sent_at > ACK_WITHIN_SECONDS:
            problems.append(f"acked after {now - envelope.sent_at:.1f} s; Slack waits {ACK_WITHIN_SECONDS:.0f} s")
        for problem in problems:
            self.web.record_violation(method, problem, ack)


def _ack_problems(envelope: _Envelope, payload: Any) -> list[str]:
    """What Slack would refuse or drop in the answer an ack carries."""
    if payload is None:
        return []
    if not isinstance(payload, dict):
        return [f"ack payload: must be an object, got {type(payload).__name__}"]
    if not envelope.accepts_response_payload:
        kind = envelope.payload.get("type") or envelope.type
        return [f"ack payload for a {kind} envelope, which accepts none: Slack drops it"]
    if envelope.type == "slash_commands":
        problems = _message_problems(payload, allow_metadata=False)
        if payload.get("response_type") not in (None, "ephemeral", "in_channel"):
            problems.append(f"response_type: {payload['response_type']!r} is neither ephemeral nor in_channel")
        return problems
    if envelope.payload.get("type") != "view_submission":
        return []
    action = payload.get("response_action")
    if action not in _RESPONSE_ACTIONS:
        return [f"response_action: {action!r} is not one of {', '.join(_RESPONSE_ACTIONS)}"]
    if action in ("update", "push"):
        return check_view(payload.get("view"), expected_type="modal")
    if action == "errors":
        return _error_problems(payload.get("errors"), envelope.payload.get("view") or {})
    return []


def _error_problems(errors: Any, view: Json) -> list[str]:
    """``errors`` must name input blocks of the submitted modal, each with a message."""
    if not isinstance(errors, dict) or not errors:
        return ["errors: must be an object of block_id -> message"]
    inputs = {b.get("block_id") for b in view.get("blocks", []) if isinstance(b, dict) and b.get("type") == "input"}
    problems = [f"errors.{key}: no input block with that block_id in the modal" for key in errors if key not in inputs]
    problems += [f"errors.{key}: must be a non-empty string" for key, text in errors.items() if not text]
    return problems
