"""Handlers for the views.* methods: modal stacks per user and the App Home."""

from __future__ import annotations

import copy
import time

from bot.devtools.slack_standin.state import Json
from bot.devtools.slack_standin.validation import check_view
from bot.devtools.slack_standin.workspace import _error, _Workspace

_VIEW_STACK_LIMIT = 3


class _ViewMethods(_Workspace):
    """views.open/push/update/publish, with the trigger ids they consume."""

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
