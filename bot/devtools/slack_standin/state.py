"""The stand-in's records: what it logs (calls, violations) and what a workspace holds.

Plain data plus the few functions that read and maintain a channel's message list;
the object that owns these records is :class:`bot.devtools.slack_standin.workspace._Workspace`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


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
    """A file uploaded through files.getUploadURLExternal + files.completeUploadExternal, or one a
    person shared (:meth:`~bot.devtools.slack_standin.SlackStandIn.add_file`; then ``user`` is set)."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False
    user: str | None = None


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
