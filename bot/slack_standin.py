"""An in-process stand-in for the Slack Web API.

Used by the end-to-end tests and by the offline demo: point slack_sdk (or Bolt)
at :attr:`SlackStandIn.url` and the bot talks HTTP to a tiny fake workspace
instead of slack.com.

The point is not only to answer calls but to refuse what Slack would refuse:
every ``blocks`` and ``view`` argument is parsed with ``slack_sdk.models``,
round-tripped through ``to_dict()`` and compared with what was sent, and the
limits slack_sdk does not check are enforced here. Each refusal is recorded as
a :class:`Violation` so a test can end with :meth:`SlackStandIn.assert_no_violations`.

Example::

    with SlackStandIn() as slack:
        slack.add_user("U1", "alice")
        slack.add_channel("C1", "hiring")
        client = WebClient(token="xoxb-test", base_url=slack.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert slack.messages("C1")[0]["text"] == "hi"
        slack.assert_no_violations()

Only the standard library and slack_sdk are used, because this module ships in
the package for the demo.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import inspect
import json
import mimetypes
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, BlockElement, ConfirmObject, Option, OptionGroup, TextObject
from slack_sdk.models.views import View

Json = dict[str, Any]

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
# Option limits per element type; Slack refuses more, slack_sdk only checks the selects.
OPTION_LIMITS = {"checkboxes": 10, "radio_buttons": 10, "static_select": 100, "multi_static_select": 100}
# Elements whose options Slack matches initial_option(s) against.
_OPTION_ELEMENTS = {*OPTION_LIMITS, "overflow"}
# Arguments that form-encoded callers send as JSON strings.
_JSON_ARGS = ("blocks", "view", "metadata", "attachments", "files")
_VIEW_STACK_LIMIT = 3
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
        "files:write",
    ]
)


@dataclass
class Call:
    """One request the stand-in received. ``error`` is the error it answered with, if any."""

    method: str
    args: Json
    time: float
    error: str | None = None


@dataclass(frozen=True)
class Violation:
    """Something Slack would have rejected (or a method the stand-in does not know)."""

    method: str
    problem: str
    payload: Any


@dataclass
class UploadedFile:
    """A file uploaded through files.getUploadURLExternal + files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    tz: str
    tz_offset: int
    is_bot: bool
    is_restricted: bool
    email: str | None


@dataclass
class _Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    # Every message, replies included, in ts order.
    messages: list[Json] = field(default_factory=list)


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int | None
    times: int = 1


@dataclass
class _Rate:
    rate: float
    status: int
    error: str
    rng: random.Random


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class SlackStandIn:
    """A fake Slack workspace served over HTTP on 127.0.0.1 (random port).

    Lifecycle: :meth:`start` / :meth:`stop` or ``with SlackStandIn() as slack``.
    Workspace: :meth:`add_user`, :meth:`add_usergroup`, :meth:`add_channel`,
    :meth:`trigger_id` (mints the trigger ids views.open/push need).
    Inspection: :attr:`calls`, :meth:`calls_to`, :meth:`wait_for`, :meth:`reset_calls`,
    :attr:`violations`, :meth:`assert_no_violations`, :meth:`clear_violations`,
    :meth:`messages`, :meth:`thread`, :meth:`dm_messages`, :meth:`ephemerals`,
    :meth:`home`, :meth:`open_views`, :meth:`files`.
    Faults: :meth:`fail_next`, :meth:`failure_rate`, :meth:`clear_faults`.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0STANDIN",
        team_domain: str = "standin",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        app_id: str = "A0STANDIN",
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        # One re-entrant lock guards all state; handlers run on server threads.
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._violations: list[Violation] = []
        self._users: dict[str, _User] = {}
        self._usergroups: dict[str, Json] = {}
        self._channels: dict[str, _Channel] = {}
        self._dm_ids: dict[str, str] = {}
        self._mpim_ids: dict[tuple[str, ...], str] = {}
        self._ephemerals: list[Json] = []
        self._views: dict[str, Json] = {}
        self._view_owner: dict[str, str] = {}
        self._view_stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, str] = {}
        self._used_triggers: set[str] = set()
        self._files: dict[str, UploadedFile] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._rates: dict[str | None, _Rate] = {}
        self._id_counter = 0
        self._last_ts_us = 0
        self._methods: dict[str, Callable[[Json], Json]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }
        self.add_user(bot_user_id, "standin-bot", real_name="Stand-in Bot", is_bot=True)

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

    # ------------------------------------------------------------------ workspace

    def add_user(
        self,
        id: str,
        name: str,
        real_name: str | None = None,
        tz: str = "America/New_York",
        tz_offset: int = -18000,
        is_bot: bool = False,
        is_restricted: bool = False,
        email: str | None = None,
    ) -> None:
        """Add (or replace) a workspace member."""
        with self._lock:
            self._users[id] = _User(id, name, real_name or name, tz, tz_offset, is_bot, is_restricted, email)

    def add_usergroup(self, id: str, handle: str, users: Sequence[str]) -> None:
        """Add (or replace) a user group (``S…`` id) with its members."""
        with self._lock:
            self._usergroups[id] = {"id": id, "handle": handle, "users": list(users)}

    def add_channel(self, id: str, name: str, is_private: bool = False) -> None:
        """Add (or replace) a channel; the bot is treated as a member of every channel."""
        with self._lock:
            self._channels[id] = _Channel(id=id, name=name, is_private=is_private)

    def trigger_id(self, user_id: str) -> str:
        """Mint a trigger id for ``user_id``, as Slack puts in interaction payloads.

        Modals opened with a minted id are filed under that user for
        :meth:`open_views`. Other non-empty trigger ids are accepted too (tests
        may fabricate their own) but cannot be tied to a user. Either kind works once.
        """
        with self._lock:
            trigger = f"{int(time.time())}.{self._next_number()}.standin{len(self._triggers):04d}"
            self._triggers[trigger] = user_id
            return trigger

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every recorded call, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls to one API method (e.g. ``"chat.postMessage"``)."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls (state and violations are kept)."""
        with self._lock:
            self._calls.clear()

    def wait_for(self, condition: Callable[[], bool] | str, timeout: float = 5.0) -> list[Call]:
        """Poll until ``condition`` holds; raise AssertionError describing recent calls otherwise.

        ``condition`` is a zero-argument predicate or an API method name, meaning
        "at least one call to that method has been recorded" (since the last
        :meth:`reset_calls`). Returns the calls to that method, or all calls for
        a predicate.
        """
        if isinstance(condition, str):
            method = condition

            def check() -> bool:
                return bool(self.calls_to(method))

            description = f"a call to {method}"
        else:
            check = condition
            description = getattr(condition, "__name__", repr(condition))
        deadline = time.monotonic() + timeout
        while True:
            if check():
                return self.calls_to(condition) if isinstance(condition, str) else self.calls
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {description}\n{self._describe_recent()}")
            time.sleep(0.01)

    @property
    def violations(self) -> list[Violation]:
        """A snapshot of recorded violations."""
        with self._lock:
            return list(self._violations)

    def clear_violations(self) -> None:
        """Forget recorded violations, e.g. after a test that provokes them on purpose."""
        with self._lock:
            self._violations.clear()

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every violation recorded so far."""
        found = self.violations
        if found:
            lines = "\n".join(f"  {v.method}: {v.problem}" for v in found)
            raise AssertionError(f"{len(found)} Slack API violation(s):\n{lines}")

    def messages(self, channel: str) -> list[Json]:
        """Top-level messages of a channel (C/G/D id), oldest first; replies are in :meth:`thread`."""
        with self._lock:
            conv = self._channels.get(channel)
            if conv is None:
                raise KeyError(f"unknown channel {channel!r}; known: {sorted(self._channels)}")
            return copy.deepcopy([m for m in conv.messages if _is_top_level(m)])

    def thread(self, channel: str, ts: str) -> list[Json]:
        """A thread's parent followed by its replies, oldest first ([] if ``ts`` is unknown)."""
        with self._lock:
            conv = self._channels.get(channel)
            if conv is None:
                raise KeyError(f"unknown channel {channel!r}")
            parent = _find(conv, ts)
            if parent is None:
                return []
            root = parent.get("thread_ts", parent["ts"])
            return copy.deepcopy([m for m in conv.messages if m["ts"] == root or m.get("thread_ts") == root])

    def dm_messages(self, user_id: str) -> list[Json]:
        """Top-level messages in the bot's DM with ``user_id`` ([] if no DM was opened)."""
        with self._lock:
            dm = self._dm_ids.get(user_id)
            return self.messages(dm) if dm else []

    def ephemerals(self, user_id: str) -> list[Json]:
        """Ephemeral messages shown to ``user_id``, oldest first; each carries its ``channel``."""
        with self._lock:
            return copy.deepcopy([e for e in self._ephemerals if e["user"] == user_id])

    def home(self, user_id: str) -> Json | None:
        """The App Home view last published for ``user_id``, or None."""
        with self._lock:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def open_views(self, user_id: str | None = None) -> list[Json]:
        """The modal stack open for ``user_id``, root first; None: every open modal.

        Modals opened with a trigger id not minted by :meth:`trigger_id` belong to no
        user and only show up with None.
        """
        with self._lock:
            stacks = [self._view_stacks.get(user_id, [])] if user_id is not None else self._view_stacks.values()
            return copy.deepcopy([self._views[v] for stack in stacks for v in stack])

    def files(self) -> list[UploadedFile]:
        """Files whose upload was started, in order."""
        with self._lock:
            return copy.deepcopy(list(self._files.values()))

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with ``{"ok": false, "error": error}``.

        The HTTP status is ``status``; a 429 also carries ``Retry-After: retry_after``.
        Queued faults for the same method are used in order.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(error, status, retry_after, times))

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

    def clear_faults(self) -> None:
        """Drop every queued fault and failure rate."""
        with self._lock:
            self._faults.clear()
            self._rates.clear()

    # ------------------------------------------------------------------ HTTP plumbing

    def _dispatch(self, path: str, query: str, headers: dict[str, str], body: bytes) -> _Reply:
        if path.startswith("/upload/"):
            return self._receive_upload(path.removeprefix("/upload/"), body)
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
        try:
            payload = handler(args)
        except Exception as exc:
            # Arguments of an unexpected shape (a list where an id belongs, ...) must not kill the server thread.
            payload = _error("invalid_arguments", f"the stand-in could not handle these arguments: {exc!r}")
        return _json_reply(payload, headers={"X-OAuth-Scopes": _SCOPES})

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if queue:
            fault = queue[0]
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

    def _describe_recent(self, limit: int = 15) -> str:
        with self._lock:
            recent = self._calls[-limit:]
            total = len(self._calls)
            violations = list(self._violations)
        lines = [f"recent calls ({len(recent)} of {total}):"]
        for c in recent:
            outcome = f"-> {c.error}" if c.error else "-> ok"
            lines.append(f"  {c.method} {_short(c.args)} {outcome}")
        if not recent:
            lines.append("  (none)")
        if violations:
            lines.append(f"violations ({len(violations)}):")
            lines.extend(f"  {v.method}: {v.problem}" for v in violations[-limit:])
        return "\n".join(lines)

    # ------------------------------------------------------------------ helpers for handlers

    def _next_number(self) -> int:
        self._id_counter += 1
        return self._id_counter

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{self._next_number():08d}"

    def _next_ts(self) -> str:
        # Microsecond clock, nudged forward so ts stay unique and increasing.
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _dm_for(self, user_id: str) -> _Channel:
        dm_id = self._dm_ids.get(user_id)
        if dm_id is None:
            dm_id = self._new_id("D")
            self._dm_ids[user_id] = dm_id
            self._channels[dm_id] = _Channel(id=dm_id, name=dm_id, is_private=True, is_im=True, user=user_id)
        return self._channels[dm_id]

    def _resolve_channel(self, ref: Any) -> _Channel | None:
        if not isinstance(ref, str) or not ref:
            return None
        if ref in self._channels:
            return self._channels[ref]
        if ref[0] in "UW" and ref in self._users:
            # Posting to a user id lands in the bot's DM with that user.
            return self._dm_for(ref)
        name = ref.removeprefix("#")
        return next((c for c in self._channels.values() if c.name == name and not c.is_im), None)

    def _invalid(self, method: str, args: Json, problems: list[str], error: str) -> Json:
        for problem in problems:
            self._violations.append(Violation(method, problem, copy.deepcopy(args)))
        return {
            "ok": False,
            "error": error,
            "errors": problems,
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
        }

    def _new_message(self, args: Json, *, thread_ts: str | None) -> Json:
        message: Json = {
            "type": "message",
            "ts": self._next_ts(),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": args.get("text") or args.get("markdown_text") or "",
        }
        for key in ("blocks", "metadata", "attachments"):
            if args.get(key):
                message[key] = args[key]
        if thread_ts:
            message["thread_ts"] = thread_ts
            message["parent_user_id"] = self.bot_user_id
        return message

    def _append(self, conv: _Channel, message: Json) -> None:
        conv.messages.append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            _refresh_thread(conv, thread_ts)

    def _thread_root(self, conv: _Channel, thread_ts: Any) -> str | None:
        if not isinstance(thread_ts, str):
            return None
        parent = _find(conv, thread_ts)
        if parent is None:
            return None
        # Replying to a reply goes to the same thread.
        return str(parent.get("thread_ts", parent["ts"]))

    # ------------------------------------------------------------------ methods

    def _auth_test(self, args: Json) -> Json:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Stand-in Workspace",
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        thread_ts = None
        if args.get("thread_ts"):
            thread_ts = self._thread_root(conv, args["thread_ts"])
            if thread_ts is None:
                return _error("thread_not_found")
        if not (args.get("text") or args.get("markdown_text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        problems = _message_problems(args, allow_metadata=True)
        if problems:
            return self._invalid("chat.postMessage", args, problems, "invalid_blocks")
        message = self._new_message(args, thread_ts=thread_ts)
        if thread_ts and _truthy(args.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
        self._append(conv, message)
        return {"ok": True, "channel": conv.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_update(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        message = _find(conv, args.get("ts"))
        if message is None or message.get("subtype") == "tombstone":
            return _error("message_not_found")
        problems = _message_problems(args, allow_metadata=True)
        if problems:
            return self._invalid("chat.update", args, problems, "invalid_blocks")
        # Like Slack, omitted fields keep their old value; blocks=[] clears them.
        if "text" in args or "markdown_text" in args:
            message["text"] = args.get("text") or args.get("markdown_text") or ""
        for key in ("blocks", "metadata", "attachments"):
            if key in args:
                if args[key]:
                    message[key] = args[key]
                else:
                    message.pop(key, None)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": conv.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        message = _find(conv, args.get("ts"))
        if message is None or message.get("subtype") == "tombstone":
            return _error("message_not_found")
        if message.get("reply_count"):
            # A parent with replies becomes a tombstone so the thread survives, as on Slack.
            for key in ("blocks", "metadata", "attachments", "files", "bot_id", "app_id"):
                message.pop(key, None)
            message.update({"subtype": "tombstone", "text": "This message was deleted.", "hidden": True})
        else:
            conv.messages.remove(message)
            thread_ts = message.get("thread_ts")
            if thread_ts and thread_ts != message["ts"]:
                _refresh_thread(conv, thread_ts)
        return {"ok": True, "channel": conv.id, "ts": message["ts"]}

    def _chat_post_ephemeral(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        user = args.get("user")
        if user not in self._users:
            return _error("user_not_found")
        if not (args.get("text") or args.get("markdown_text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        problems = _message_problems(args, allow_metadata=False)
        if problems:
            return self._invalid("chat.postEphemeral", args, problems, "invalid_blocks")
        message = self._new_message(args, thread_ts=args.get("thread_ts") or None)
        message.update({"channel": conv.id, "user": user})
        message["sender"] = self.bot_user_id
        self._ephemerals.append(message)
        return {"ok": True, "message_ts": message["ts"]}

    def _chat_get_permalink(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        message = _find(conv, args.get("message_ts"))
        if message is None:
            return _error("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{conv.id}/p{message['ts'].replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={conv.id}"
        return {"ok": True, "channel": conv.id, "permalink": link}

    def _conversations_open(self, args: Json) -> Json:
        if args.get("channel"):
            conv = self._resolve_channel(args["channel"])
            if conv is None:
                return _error("channel_not_found")
            return {"ok": True, "no_op": True, "already_open": True, "channel": self._conversation(conv)}
        users = args.get("users")
        if isinstance(users, str):
            users = [u.strip() for u in users.split(",") if u.strip()]
        if not users or not isinstance(users, list):
            return _error("users_list_not_supplied")
        unknown = [u for u in users if u not in self._users]
        if unknown:
            return _error("user_not_found")
        if len(users) == 1:
            already = users[0] in self._dm_ids
            conv = self._dm_for(users[0])
        else:
            key = tuple(sorted({*users, self.bot_user_id}))
            already = key in self._mpim_ids
            if not already:
                mpim_id = self._new_id("G")
                self._mpim_ids[key] = mpim_id
                name = "mpdm-" + "--".join(self._users[u].name for u in key) + "-1"
                self._channels[mpim_id] = _Channel(id=mpim_id, name=name, is_private=True, is_mpim=True)
            conv = self._channels[self._mpim_ids[key]]
        reply: Json = {"ok": True, "channel": self._conversation(conv)}
        if already:
            reply.update({"no_op": True, "already_open": True})
        return reply

    def _conversation(self, conv: _Channel) -> Json:
        info: Json = {
            "id": conv.id,
            "created": conv.created,
            "is_archived": False,
            "is_im": conv.is_im,
            "is_mpim": conv.is_mpim,
            "is_private": conv.is_private,
            "context_team_id": self.team_id,
        }
        if conv.is_im:
            info.update({"user": conv.user, "is_open": True, "is_user_deleted": False})
        else:
            info.update(
                {
                    "name": conv.name,
                    "name_normalized": conv.name,
                    "is_channel": not conv.is_mpim,
                    "is_group": conv.is_mpim,
                    "is_general": False,
                    "is_member": True,
                    "is_shared": False,
                    "is_ext_shared": False,
                    "is_org_shared": False,
                }
            )
        return info

    def _conversations_info(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        return {"ok": True, "channel": self._conversation(conv)}

    def _conversations_history(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        top = [m for m in conv.messages if _is_top_level(m)]
        return _page(list(reversed(top)), args)

    def _conversations_replies(self, args: Json) -> Json:
        conv = self._resolve_channel(args.get("channel"))
        if conv is None:
            return _error("channel_not_found")
        root = self._thread_root(conv, args.get("ts"))
        if root is None:
            return _error("thread_not_found")
        thread = [m for m in conv.messages if m["ts"] == root or m.get("thread_ts") == root]
        return _page(thread, args)

    def _views_open(self, args: Json) -> Json:
        user, error = self._exchange_trigger(args)
        if error:
            return error
        problems = check_view(args.get("view"), expected_type="modal")
        if problems:
            return self._invalid("views.open", args, problems, "invalid_arguments")
        external_id = args["view"].get("external_id")
        # external_id must be unique among open views; this user's old stack is about to be replaced.
        open_ids = [v for key, stack in self._view_stacks.items() if key != user for v in stack]
        if external_id and any(self._views[v].get("external_id") == external_id for v in open_ids):
            return _error("duplicate_external_id")
        view = self._store_view(args["view"], user=user)
        self._view_stacks[user] = [view["id"]]
        return {"ok": True, "view": copy.deepcopy(view)}

    def _views_push(self, args: Json) -> Json:
        user, error = self._exchange_trigger(args)
        if error:
            return error
        problems = check_view(args.get("view"), expected_type="modal")
        if problems:
            return self._invalid("views.push", args, problems, "invalid_arguments")
        stack = self._view_stacks.get(user, [])
        if not stack:
            return _error("not_found")
        if len(stack) >= _VIEW_STACK_LIMIT:
            return _error("push_limit_reached")
        view = self._store_view(args["view"], user=user, root=stack[0], previous=stack[-1])
        stack.append(view["id"])
        return {"ok": True, "view": copy.deepcopy(view)}

    def _views_update(self, args: Json) -> Json:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            return _error("invalid_arguments", "missing required field: view_id or external_id")
        if view_id:
            old = self._views.get(view_id)
        else:
            # Newest first: an external_id may be reused once its old view was replaced.
            old = next((v for v in reversed(self._views.values()) if v.get("external_id") == external_id), None)
        if old is None:
            return _error("not_found")
        if args.get("hash") and args["hash"] != old["hash"]:
            return _error("hash_conflict")
        problems = check_view(args.get("view"), expected_type=old["type"])
        if problems:
            return self._invalid("views.update", args, problems, "invalid_arguments")
        sent = dict(args["view"])
        # An update that does not name an external_id keeps the one the view had.
        sent.setdefault("external_id", old["external_id"])
        view = self._store_view(
            sent,
            user=self._view_owner[old["id"]],
            view_id=old["id"],
            root=old["root_view_id"],
            previous=old["previous_view_id"],
        )
        return {"ok": True, "view": copy.deepcopy(view)}

    def _views_publish(self, args: Json) -> Json:
        user = args.get("user_id")
        if user not in self._users:
            return _error("user_not_found")
        problems = check_view(args.get("view"), expected_type="home")
        if problems:
            return self._invalid("views.publish", args, problems, "invalid_arguments")
        old_id = self._homes.get(user)
        if args.get("hash") and old_id and args["hash"] != self._views[old_id]["hash"]:
            return _error("hash_conflict")
        view = self._store_view(args["view"], user=user, view_id=old_id)
        self._homes[user] = view["id"]
        return {"ok": True, "view": copy.deepcopy(view)}

    def _exchange_trigger(self, args: Json) -> tuple[str, Json | None]:
        """The user behind the trigger ("" if it was not minted here), or an error reply."""
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger or not isinstance(trigger, str):
            return "", _error("invalid_arguments", "missing required field: trigger_id")
        if trigger in self._used_triggers:
            return "", _error("exchanged_trigger_id")
        self._used_triggers.add(trigger)
        return self._triggers.get(trigger, ""), None

    def _store_view(
        self,
        sent: Json,
        *,
        user: str,
        view_id: str | None = None,
        root: str | None = None,
        previous: str | None = None,
    ) -> Json:
        view_id = view_id or self._new_id("V")
        view: Json = {
            "id": view_id,
            "team_id": self.team_id,
            "type": sent["type"],
            "blocks": sent.get("blocks", []),
            "private_metadata": sent.get("private_metadata", ""),
            "callback_id": sent.get("callback_id", ""),
            "external_id": sent.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{self._next_number():08d}",
            "clear_on_close": bool(sent.get("clear_on_close", False)),
            "notify_on_close": bool(sent.get("notify_on_close", False)),
            "root_view_id": root or view_id,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if sent.get(key):
                view[key] = sent[key]
        self._views[view_id] = view
        self._view_owner[view_id] = user
        return view

    def _user_json(self, user: _User) -> Json:
        profile: Json = {
            "real_name": user.real_name,
            "display_name": user.name,
            "real_name_normalized": user.real_name,
            "display_name_normalized": user.name,
            "team": self.team_id,
        }
        if user.email:
            profile["email"] = user.email
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": False,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": user.tz,
            "tz_offset": user.tz_offset,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": user.is_restricted,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }

    def _users_info(self, args: Json) -> Json:
        user = self._users.get(args.get("user", ""))
        if user is None:
            return _error("user_not_found")
        return {"ok": True, "user": self._user_json(user)}

    def _users_lookup_by_email(self, args: Json) -> Json:
        email = str(args.get("email", "")).lower()
        user = next((u for u in self._users.values() if u.email and u.email.lower() == email), None)
        if user is None:
            return _error("users_not_found")
        return {"ok": True, "user": self._user_json(user)}

    def _usergroups_list(self, args: Json) -> Json:
        groups = []
        for group in self._usergroups.values():
            entry: Json = {
                "id": group["id"],
                "team_id": self.team_id,
                "is_usergroup": True,
                "name": group["handle"],
                "handle": group["handle"],
                "description": "",
                "date_delete": 0,
                "user_count": len(group["users"]),
            }
            if _truthy(args.get("include_users")):
                entry["users"] = list(group["users"])
            groups.append(entry)
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, args: Json) -> Json:
        group = self._usergroups.get(args.get("usergroup", ""))
        if group is None:
            return _error("no_such_subteam")
        return {"ok": True, "users": list(group["users"])}

    def _files_get_upload_url_external(self, args: Json) -> Json:
        filename = args.get("filename")
        try:
            length = int(args.get("length", ""))
        except ValueError:
            length = -1
        if not filename or length < 0:
            return _error("invalid_arguments", "filename and length are required")
        file_id = self._new_id("F")
        self._files[file_id] = UploadedFile(id=file_id, filename=str(filename), length=length)
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, args: Json) -> Json:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            return _error("invalid_arguments", "files must be a JSON array of {id, title}")
        uploads: list[tuple[UploadedFile, str | None]] = []
        for entry in entries:
            upload = self._files.get(entry.get("id", "")) if isinstance(entry, dict) else None
            if upload is None or upload.content is None or upload.completed:
                return _error("file_not_found")
            uploads.append((upload, entry.get("title")))
        channel_ids: list[str] = []
        if args.get("channel_id"):
            channel_ids.append(args["channel_id"])
        if args.get("channels"):
            raw = args["channels"]
            channel_ids.extend(raw.split(",") if isinstance(raw, str) else raw)
        targets = [self._resolve_channel(c) for c in channel_ids]
        if any(t is None for t in targets):
            return _error("channel_not_found")
        convs = [t for t in targets if t is not None]
        thread_ts = args.get("thread_ts") or None
        roots: dict[str, str | None] = {}
        for conv in convs:
            roots[conv.id] = self._thread_root(conv, thread_ts) if thread_ts else None
            if thread_ts and roots[conv.id] is None:
                return _error("thread_not_found")
        for upload, title in uploads:
            upload.title = title or upload.filename
            upload.channels = [c.id for c in convs]
            upload.initial_comment = args.get("initial_comment")
            upload.thread_ts = thread_ts
            upload.completed = True
        file_objects = [self._file_json(u) for u, _ in uploads]
        for conv in convs:
            message = self._new_message({"text": args.get("initial_comment") or ""}, thread_ts=roots[conv.id])
            message.update({"files": copy.deepcopy(file_objects), "upload": True, "display_as_bot": False})
            self._append(conv, message)
        return {"ok": True, "files": file_objects}

    def _file_json(self, upload: UploadedFile) -> Json:
        mimetype = mimetypes.guess_type(upload.filename)[0] or "text/plain"
        return {
            "id": upload.id,
            "created": int(time.time()),
            "name": upload.filename,
            "title": upload.title,
            "mimetype": mimetype,
            "filetype": upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "text",
            "user": self.bot_user_id,
            "size": len(upload.content or b""),
            "mode": "hosted",
            "is_external": False,
            "channels": list(upload.channels),
            "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/{upload.id}/{upload.filename}",
        }


# ---------------------------------------------------------------------- validation
#
# Public so bot code and tests can check a payload without a server.


def check_blocks(blocks: Any, *, limit: int = MESSAGE_BLOCK_LIMIT, where: str = "blocks") -> list[str]:
    """Problems Slack would report for a ``blocks`` array ([] when valid)."""
    if not isinstance(blocks, list):
        return [f"{where}: must be an array of blocks, got {_json_type(blocks)}"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{where}: {len(blocks)} blocks, at most {limit} allowed")
    first_seen: dict[str, str] = {}
    for i, block in enumerate(blocks):
        path = f"{where}[{i}]"
        problems.extend(_check_block(block, path))
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in first_seen:
                problems.append(f"{path}.block_id: duplicate block_id {block_id!r} (first at {first_seen[block_id]})")
            first_seen.setdefault(block_id, path)
    return list(dict.fromkeys(problems))


def check_view(view: Any, *, expected_type: str) -> list[str]:
    """Problems Slack would report for a ``view`` of ``expected_type`` ("modal" or "home")."""
    if not isinstance(view, dict):
        return [f"view: must be an object, got {_json_type(view)}"]
    problems: list[str] = []
    if view.get("type") != expected_type:
        problems.append(f"view.type: must be {expected_type!r} here, got {view.get('type')!r}")
    blocks = view.get("blocks")
    if not blocks:
        problems.append("view.blocks: a view needs at least one block")
    else:
        problems.extend(check_blocks(blocks, limit=VIEW_BLOCK_LIMIT, where="view.blocks"))
    # Blocks were checked above; a placeholder keeps View's own block checks from
    # reporting a bad block a second time while the rest of the view is round-tripped.
    shell = {k: v for k, v in view.items() if k != "blocks"}
    try:
        normal = View(**copy.deepcopy(shell), blocks=[{"type": "divider"}]).to_dict()
    except Exception as exc:
        problems.append(f"view: {_describe(exc)}")
    else:
        normal.pop("blocks", None)
        problems.extend(_diff(shell, normal, "view"))
    for key in ("title", "submit", "close"):
        text = view.get(key)
        if isinstance(text, dict) and text.get("type") != "plain_text":
            problems.append(f"view.{key}: must be a plain_text object")
    if view.get("type") == "modal":
        if not view.get("title"):
            problems.append("view.title: a modal needs a title")
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            problems.append("view.submit: a modal with input blocks needs a submit button")
    return list(dict.fromkeys(problems))


def check_metadata(metadata: Any) -> list[str]:
    """Problems with a message ``metadata`` argument ([] when valid)."""
    if not isinstance(metadata, dict):
        return [f"metadata: must be an object with event_type and event_payload, got {_json_type(metadata)}"]
    problems = []
    event_type = metadata.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        problems.append("metadata.event_type: must be a non-empty string")
    if not isinstance(metadata.get("event_payload"), dict):
        problems.append(f"metadata.event_payload: must be an object, got {_json_type(metadata.get('event_payload'))}")
    problems.extend(
        f"metadata.{key}: unknown key" for key in metadata if key not in {"event_type", "event_payload", "entities"}
    )
    return problems


def _message_problems(args: Json, *, allow_metadata: bool) -> list[str]:
    problems: list[str] = []
    text = args.get("text")
    if text is not None and not isinstance(text, str):
        problems.append(f"text: must be a string, got {_json_type(text)}")
    elif isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
        problems.append(f"text: {len(text)} characters, at most {MESSAGE_TEXT_LIMIT} allowed")
    blocks = args.get("blocks")
    if blocks is not None:
        problems.extend(check_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT))
        has_fallback = any(isinstance(args.get(k), str) and args[k].strip() for k in ("text", "markdown_text"))
        if blocks and not has_fallback:
            problems.append("text: a message with blocks needs a `text` fallback for notifications and screen readers")
    if allow_metadata and args.get("metadata") is not None:
        problems.extend(check_metadata(args["metadata"]))
    return problems


def _check_block(block: Any, path: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"{path}: must be an object, got {_json_type(block)}"]
    block_type = block.get("type")
    if not isinstance(block_type, str):
        return [f"{path}: missing block type"]
    problems: list[str] = []
    try:
        parsed = Block.parse(copy.deepcopy(block))
        if parsed is None:
            return [f"{path}: unknown block type {block_type!r}"]
        # to_dict() runs slack_sdk's JSON validators (length limits etc.).
        normal = parsed.to_dict()
    except Exception as exc:
        problems.append(f"{path} ({block_type}): {_describe(exc)}")
    else:
        problems.extend(_diff(block, normal, path))
    problems.extend(_check_elements(block, path))
    return problems


def _check_elements(block: Json, path: str) -> list[str]:
    """Checks slack_sdk skips, applied to every element nested anywhere in the block."""
    problems: list[str] = []
    action_ids: dict[str, str] = {}
    for where, node in _walk(block, path):
        action_id = node.get("action_id")
        if isinstance(action_id, str) and "type" in node:
            if action_id in action_ids:
                problems.append(f"{where}.action_id: duplicate action_id {action_id!r} in one block")
            action_ids.setdefault(action_id, where)
        element_type = node.get("type")
        if element_type not in _OPTION_ELEMENTS:
            continue
        options = node.get("options")
        limit = OPTION_LIMITS.get(element_type)
        if limit is not None and isinstance(options, list) and len(options) > limit:
            problems.append(f"{where}: {element_type} has {len(options)} options, at most {limit} allowed")
        problems.extend(_check_options(node, where))
    return problems


def _check_options(element: Json, where: str) -> list[str]:
    # slack_sdk keeps static_select/radio_buttons/overflow options as raw dicts, so
    # round-trip each option here; for checkboxes this repeats the same diff (deduplicated).
    problems: list[str] = []
    known: list[Json] = []
    groups = element.get("option_groups")
    if isinstance(groups, list):
        for g, group in enumerate(groups):
            gpath = f"{where}.option_groups[{g}]"
            if not isinstance(group, dict):
                problems.append(f"{gpath}: must be an object")
                continue
            try:
                normal_group = OptionGroup(**copy.deepcopy(group)).to_dict()
            except Exception as exc:
                problems.append(f"{gpath}: {_describe(exc)}")
                continue
            problems.extend(_diff({k: v for k, v in group.items() if k != "options"}, normal_group, gpath))
            for o, option in enumerate(group.get("options") or []):
                problems.extend(_check_option(option, f"{gpath}.options[{o}]", known))
            if len(group.get("options") or []) > 100:
                problems.append(f"{gpath}: {len(group['options'])} options, at most 100 allowed")
    options = element.get("options")
    for o, option in enumerate(options if isinstance(options, list) else []):
        problems.extend(_check_option(option, f"{where}.options[{o}]", known))
    if isinstance(element.get("initial_option"), dict):
        initial = [(f"{where}.initial_option", element["initial_option"])]
    else:
        raw = element.get("initial_options")
        initial = [(f"{where}.initial_options[{i}]", o) for i, o in enumerate(raw)] if isinstance(raw, list) else []
    for ipath, option in initial:
        chosen: list[Json] = []
        problems.extend(_check_option(option, ipath, chosen))
        # Slack requires initial options to be exact copies of offered options.
        if chosen and known and chosen[0] not in known:
            problems.append(f"{ipath}: does not exactly match any of the options")
    return problems


def _check_option(option: Any, path: str, normals: list[Json]) -> list[str]:
    if not isinstance(option, dict):
        return [f"{path}: must be an object, got {_json_type(option)}"]
    try:
        normal = Option(**copy.deepcopy(option)).to_dict()
    except Exception as exc:
        return [f"{path}: {_describe(exc)}"]
    normals.append(normal)
    return _diff(option, normal, path, _BLOCK_OPTION_FIELDS)


def _diff(sent: Any, normal: Any, path: str, fields: frozenset[str] | None = None) -> list[str]:
    """What got lost or changed when slack_sdk round-tripped ``sent`` into ``normal``.

    Keys that only appear in ``normal`` are defaults slack_sdk fills in (confirm's
    "Yes"/"No", number_input's is_decimal_allowed, file's source), not mistakes.
    ``fields`` names the keys allowed at the top level when ``sent`` has no ``type``.
    """
    if isinstance(sent, dict):
        if normal is None:
            return [f"{path}: unknown element type {sent.get('type')!r}"]
        if not isinstance(normal, dict):
            return [f"{path}: expected {_json_type(normal)}, got object"]
        problems: list[str] = []
        for key, value in sent.items():
            sub = f"{path}.{key}"
            if value is None:
                continue  # slack_sdk drops nulls; treat them as absent
            if key not in normal:
                problems.append(_dropped(sent, key, value, sub, fields))
                continue
            problems.extend(_diff(value, normal[key], sub))
        return problems
    if isinstance(sent, list):
        if not isinstance(normal, list):
            return [f"{path}: expected {_json_type(normal)}, got array"]
        if len(sent) != len(normal):
            return [f"{path}: only {len(normal)} of {len(sent)} items are valid"]
        return [p for i, (s, n) in enumerate(zip(sent, normal, strict=True)) for p in _diff(s, n, f"{path}[{i}]")]
    if sent == normal and _json_type(sent) == _json_type(normal):
        return []
    if isinstance(sent, int | float) and not isinstance(sent, bool) and normal == str(sent):
        return []  # number_input stringifies initial/min/max values
    if isinstance(sent, str) and isinstance(normal, dict) and normal.get("type") in ("plain_text", "mrkdwn"):
        return [f"{path}: must be a text object like {{'type': 'plain_text', 'text': ...}}, got a string"]
    if _json_type(sent) != _json_type(normal):
        return [f"{path}: expected {_json_type(normal)}, got {_json_type(sent)}"]
    return [f"{path}: {sent!r} is not valid here (slack_sdk reads it as {normal!r})"]


def _dropped(parent: Json, key: str, value: Any, path: str, fields: frozenset[str] | None) -> str:
    """Explain why slack_sdk dropped ``parent[key]`` during the round trip."""
    if value in ([], {}, ""):
        return f"{path}: must not be empty"
    if isinstance(value, dict) and "type" in value and _unknown_element(value):
        return f"{path}: unknown element type {value['type']!r}"
    owner = parent.get("type")
    if isinstance(owner, str) and owner in _FIELDS_BY_TYPE:
        fields = _FIELDS_BY_TYPE[owner]
    if fields is not None:
        if key not in fields:
            return f"{path}: unknown key {key!r}" + (f" for a {owner}" if isinstance(owner, str) else "")
    elif key not in _ALL_FIELDS:
        return f"{path}: unknown key {key!r}"
    return f"{path}: slack_sdk could not read this {_json_type(value)} (wrong type?)"


def _unknown_element(value: Json) -> bool:
    try:
        return BlockElement.parse(copy.deepcopy(value)) is None
    except Exception:
        return False


def _model_fields() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Constructor argument names of slack_sdk's Block Kit classes, per ``type`` and overall.

    Used only to word problems: "unknown key" versus "value of the wrong type".
    """
    per_type: dict[str, frozenset[str]] = {}
    everything: set[str] = set()
    pending: list[type] = [Block, BlockElement, TextObject, Option, OptionGroup, ConfirmObject, View]
    seen: set[type] = set()
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
        params = inspect.signature(cls.__init__).parameters
        names = frozenset(p for p in params if p not in {"self", "others", "kwargs", "subtype"})
        everything.update(names)
        type_name = getattr(cls, "type", None)
        if isinstance(type_name, str):
            # Subclasses sharing a type (SelectElement/StaticSelectElement) pool their fields.
            per_type[type_name] = per_type.get(type_name, frozenset()) | names | {"type"}
    return per_type, frozenset(everything | {"type"})


_FIELDS_BY_TYPE, _ALL_FIELDS = _model_fields()
# Block Kit option objects; Option() also takes the legacy dialog "label".
_BLOCK_OPTION_FIELDS = frozenset({"text", "value", "description", "url"})


def _walk(node: Any, path: str) -> Iterator[tuple[str, Json]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _describe(exc: Exception) -> str:
    if isinstance(exc, SlackObjectFormationError):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"missing required key {exc}"
    if isinstance(exc, TypeError):
        # e.g. "PlainTextObject.__init__() got an unexpected keyword argument 'verbatim'"
        return re.sub(r"\.__init__\(\)", "", str(exc))
    return f"{type(exc).__name__}: {exc}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# ---------------------------------------------------------------------- small helpers


def _error(code: str, detail: str | None = None) -> Json:
    reply: Json = {"ok": False, "error": code}
    if detail:
        reply["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
    return reply


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _is_top_level(message: Json) -> bool:
    thread_ts = message.get("thread_ts")
    return thread_ts is None or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast"


def _find(conv: _Channel, ts: Any) -> Json | None:
    return next((m for m in conv.messages if m["ts"] == ts), None) if isinstance(ts, str) else None


def _refresh_thread(conv: _Channel, root: str) -> None:
    parent = _find(conv, root)
    if parent is None:
        return
    replies = [m for m in conv.messages if m.get("thread_ts") == root and m["ts"] != root]
    if not replies:
        for key in ("thread_ts", "reply_count", "reply_users", "reply_users_count", "latest_reply"):
            parent.pop(key, None)
        return
    users = list(dict.fromkeys(m.get("user", "") for m in replies))
    parent.update(
        {
            "thread_ts": root,
            "reply_count": len(replies),
            "reply_users": users,
            "reply_users_count": len(users),
            "latest_reply": replies[-1]["ts"],
        }
    )


def _ts_value(value: Any, default: Decimal) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else default
    except InvalidOperation:
        return default


def _page(messages: list[Json], args: Json) -> Json:
    """Apply oldest/latest/inclusive/limit/cursor and metadata visibility to ``messages``."""
    inclusive = _truthy(args.get("inclusive"))
    oldest = _ts_value(args.get("oldest"), Decimal(0))
    latest = _ts_value(args.get("latest"), Decimal("Infinity"))

    def in_range(m: Json) -> bool:
        ts = Decimal(m["ts"])
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    selected = [m for m in messages if in_range(m)]
    try:
        limit = int(args.get("limit") or 100)
    except (TypeError, ValueError):
        limit = 100
    limit = max(1, min(limit, 999))
    offset = 0
    if args.get("cursor"):
        try:
            offset = int(base64.b64decode(str(args["cursor"])).decode().removeprefix("offset:"))
        except ValueError:
            return _error("invalid_cursor")
    page = selected[offset : offset + limit]
    has_more = offset + limit < len(selected)
    with_metadata = _truthy(args.get("include_all_metadata"))
    out = []
    for message in page:
        item = copy.deepcopy(message)
        if not with_metadata:
            item.pop("metadata", None)
        out.append(item)
    next_cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if has_more else ""
    return {"ok": True, "messages": out, "has_more": has_more, "response_metadata": {"next_cursor": next_cursor}}


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


def _short(args: Json, width: int = 160) -> str:
    text = json.dumps(args, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: SlackStandIn


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
