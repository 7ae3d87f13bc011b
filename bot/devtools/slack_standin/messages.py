"""Handlers for the message methods: chat.*, conversations.* and reactions.add."""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from bot.devtools.slack_standin.state import Json, UploadedFile, _Channel, _find, _is_top_level, _refresh_thread
from bot.devtools.slack_standin.validation import _message_problems
from bot.devtools.slack_standin.workspace import _error, _truthy, _Workspace

# An emoji name as reactions.add takes it: no colons, an optional skin tone.
_EMOJI = re.compile(r"[a-z0-9_+'-]+(::skin-tone-[2-6])?")


class _MessageMethods(_Workspace):
    """chat.postMessage/update/delete/postEphemeral/getPermalink, conversations.open/info/history/replies
    and reactions.add."""

    if TYPE_CHECKING:
        # A shared file as messages carry it, which _UploadMethods provides.
        def _file_json(self, upload: UploadedFile) -> Json: ...

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

    def _reactions_add(self, args: Json) -> Json:
        if not args.get("channel") or not args.get("timestamp"):
            return _error("no_item_specified")
        conv = self._resolve_channel(args["channel"])
        if conv is None:
            return _error("channel_not_found")
        message = _find(conv, args["timestamp"])
        if message is None or message.get("subtype") == "tombstone":
            return _error("message_not_found")
        name = args.get("name")
        if not isinstance(name, str) or not _EMOJI.fullmatch(name):
            return _error("invalid_name")
        reactions: list[Json] = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            return _error("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return {"ok": True}

    # ------------------------------------------------------------------ people writing

    def user_message(
        self,
        user_id: str,
        text: str,
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
        files: Sequence[str] = (),
    ) -> Json:
        """``user_id`` writes ``text``: in their DM with the bot (no ``channel``), or in a channel or
        thread, sharing ``files`` (ids from :meth:`add_file`) with it if any: a ``file_share`` message.
        The message is recorded as Slack would; the Events API ``message`` event Slack would send for
        it is returned, for a test to deliver to the app."""
        with self._lock:
            if user_id not in self._users:
                raise KeyError(f"unknown user {user_id!r}")
            shared = [self._user_files.get(f) for f in files]
            if any(f is None or f.user != user_id for f in shared):
                raise KeyError(f"files {list(files)!r} are not all files {user_id!r} added")
            conv = self._dm_for(user_id) if channel is None else self._resolve_channel(channel)
            if conv is None:
                raise KeyError(f"unknown channel {channel!r}")
            ts = self._next_ts()
            message: Json = {"type": "message", "ts": ts, "user": user_id, "team": self.team_id, "text": text}
            if shared:
                message.update(
                    subtype="file_share",
                    files=[self._file_json(f) for f in shared if f is not None],
                    upload=True,
                    display_as_bot=False,
                )
            root = self._thread_root(conv, thread_ts) if thread_ts else None
            if thread_ts and root is None:
                raise KeyError(f"no message {thread_ts!r} in {conv.id}")
            if root:
                message["thread_ts"] = root
                message["parent_user_id"] = (_find(conv, root) or {}).get("user", "")
            self._append(conv, message)
            kind = "im" if conv.is_im else "mpim" if conv.is_mpim else "group" if conv.is_private else "channel"
            event = {**copy.deepcopy(message), "channel": conv.id, "event_ts": ts, "channel_type": kind}
            event["client_msg_id"] = f"{self._next_number():08d}-standin"
            return event


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
