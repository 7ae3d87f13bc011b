"""The workspace the stand-in serves: its state, how tests set it up and inspect it.

:class:`_Workspace` owns every record behind one lock and the helpers the method
handlers share (ids, timestamps, channel lookup, new messages). The handlers
themselves live in the sibling modules, as mixins on top of it.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot.devtools.slack_standin.state import (
    Call,
    Json,
    UploadedFile,
    Violation,
    _Channel,
    _find,
    _is_top_level,
    _refresh_thread,
    _User,
)

# How often wait_for runs `while_waiting` (seconds).
WAITING_EVERY = 0.05


class _Workspace:
    """State, setup and inspection shared by every part of :class:`~bot.devtools.slack_standin.SlackStandIn`."""

    def __init__(self, *, team_id: str, team_domain: str, bot_user_id: str, bot_id: str, app_id: str) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        # Run on every poll of wait_for: what the app does between polls, e.g. a dispatcher pass
        # delivering the outbox, so a test waits for a message whichever way it is sent.
        self.while_waiting: Callable[[], object] | None = None
        # One re-entrant lock guards all state; handlers run on server threads.
        self._lock = threading.RLock()
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
        # Files people shared (add_file), apart from the bot's uploads that files() lists.
        self._user_files: dict[str, UploadedFile] = {}
        # Ids of the files deleted with files.delete, in order.
        self.deleted_files: list[str] = []
        # Mints a Socket Mode URL for apps.connections.open; set while a SocketModeStandIn runs.
        self._socket_links: Callable[[], str] | None = None
        self._id_counter = 0
        self._last_ts_us = 0
        self.add_user(bot_user_id, "standin-bot", real_name="Stand-in Bot", is_bot=True)

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

    def trigger_user(self, trigger_id: str) -> str | None:
        """Whom :meth:`trigger_id` minted ``trigger_id`` for; None for an id minted elsewhere."""
        with self._lock:
            return self._triggers.get(trigger_id)

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
        next_wait = 0.0
        while True:
            if check():
                return self.calls_to(condition) if isinstance(condition, str) else self.calls
            if self.while_waiting is not None and time.monotonic() >= next_wait:
                # At most every WAITING_EVERY: it costs a query or a dispatcher pass.
                self.while_waiting()
                next_wait = time.monotonic() + WAITING_EVERY
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

    def record_violation(self, method: str, problem: str, payload: Any) -> None:
        """Record something Slack would have refused that did not come through the Web API
        (the Socket Mode stand-in's acks)."""
        with self._lock:
            self._violations.append(Violation(method, problem, copy.deepcopy(payload)))

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

    def every_message(self) -> list[tuple[str, Json]]:
        """(channel id, message) for every message in every conversation, replies included."""
        with self._lock:
            return [(c.id, copy.deepcopy(m)) for c in self._channels.values() for m in c.messages]

    def dm_messages(self, user_id: str) -> list[Json]:
        """Top-level messages in the bot's DM with ``user_id`` ([] if no DM was opened)."""
        with self._lock:
            dm = self._dm_ids.get(user_id)
            return self.messages(dm) if dm else []

    def dm_id(self, user_id: str) -> str | None:
        """The bot's DM channel with ``user_id`` (None if none was opened)."""
        with self._lock:
            return self._dm_ids.get(user_id)

    def dm_files(self, user_id: str) -> list[UploadedFile]:
        """Files the bot shared in its DM with ``user_id``, in order ([] if no DM was opened)."""
        with self._lock:
            dm = self._dm_ids.get(user_id)
        return self.uploads_in(dm) if dm else []

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
        """Files whose upload was started, in order (``completed`` once shared in a channel)."""
        with self._lock:
            return copy.deepcopy(list(self._files.values()))

    def uploads_in(self, channel: str, thread_ts: str | None = None) -> list[UploadedFile]:
        """Files the bot uploaded and shared in ``channel`` (in the thread of ``thread_ts``, if given), in order."""
        with self._lock:
            return copy.deepcopy(
                [
                    f
                    for f in self._files.values()
                    if f.completed and channel in f.channels and (thread_ts is None or f.thread_ts == thread_ts)
                ]
            )

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

    def _file_content(self, file_id: str) -> bytes | None:
        upload = self._user_files.get(file_id) or self._files.get(file_id)
        return upload.content if upload is not None and upload.completed else None

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


def _error(code: str, detail: str | None = None) -> Json:
    reply: Json = {"ok": False, "error": code}
    if detail:
        reply["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
    return reply


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _short(args: Json, width: int = 160) -> str:
    text = json.dumps(args, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."
