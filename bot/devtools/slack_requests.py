"""Plays Slack's side: slash commands, interactions and events, as Slack sends them.

:class:`SlackSender` builds each payload once; :class:`SignedSlackClient` sends them as signed HTTP
requests, the Socket Mode stand-in (:mod:`bot.devtools.slack_standin.socket_mode`) as envelopes.
Used by the end-to-end tests and the offline demo to drive the real app.
"""

from __future__ import annotations

import itertools
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

_ids = itertools.count(1)

# What a delivery answers: an HTTP response, or a Socket Mode envelope's ack.
R = TypeVar("R")
# Socket Mode's envelope types, one per way Slack reaches an app.
Kind = Literal["slash_commands", "interactive", "events_api"]


class SlackSender(ABC, Generic[R]):
    """The payloads Slack sends an app; :meth:`deliver` is how they travel."""

    def __init__(
        self,
        *,
        response_urls: str,
        team_id: str = "T0TEAM",
        app_id: str = "A0APP",
        trigger_ids: Callable[[str], str] | None = None,
    ) -> None:
        # Slack mints a trigger id per interaction; a stand-in can mint them to tie modals to people.
        self.trigger_id: Callable[[str], str] = trigger_ids or (lambda _user: trigger_id())
        self.team_id = team_id
        self.app_id = app_id
        self.response_urls = response_urls.rstrip("/")

    @abstractmethod
    def deliver(self, kind: Kind, payload: dict[str, Any], **kw: Any) -> R:
        """Send one payload of `kind` to the app and return its answer."""

    def command(self, user_id: str, command: str, text: str = "", *, channel_id: str = "C0GENERAL", **kw: Any) -> R:
        form = {
            "token": "legacy-token-unused",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "response_url": f"{self.response_urls}/response/{next(_ids)}",
            "trigger_id": self.trigger_id(user_id),
        }
        return self.deliver("slash_commands", form, **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> R:
        payload = {"team": {"id": self.team_id, "domain": "acme"}, "api_app_id": self.app_id, **payload}
        return self.deliver("interactive", payload, **kw)

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        *,
        block_id: str = "actions",
        channel_id: str | None = None,
        message_ts: str | None = None,
        view: dict[str, Any] | None = None,
        **kw: Any,
    ) -> R:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "trigger_id": self.trigger_id(user_id),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if channel_id:
            payload["channel"] = {"id": channel_id}
            payload["container"] = {"type": "message", "channel_id": channel_id, "message_ts": message_ts}
            payload["message"] = {"ts": message_ts}
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id")}
        return self.interaction(payload, **kw)

    def message_shortcut(
        self, user_id: str, callback_id: str, channel_id: str, message: dict[str, Any], **kw: Any
    ) -> R:
        """A message shortcut (`message_action`) used on `message` (as the stand-in recorded it)."""
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": self.trigger_id(user_id),
            "response_url": f"{self.response_urls}/response/{next(_ids)}",
            "action_ts": f"{time.time():.6f}",
            "message_ts": message.get("ts"),
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "message": message,
        }
        return self.interaction(payload, **kw)

    def view_submission(self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]], **kw: Any) -> R:
        """Submit `view` (as the app opened it) with `values` as Slack's state.values."""
        # Slack gives every opened view its own id; a view without one gets a fresh id here, in a
        # range of its own so it never equals an id the stand-in gave a view it opened.
        submitted = {**view, "id": view.get("id") or f"VSUBMIT{next(_ids):08d}", "state": {"values": values}}
        payload = {
            "type": "view_submission",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "trigger_id": self.trigger_id(user_id),
            "view": submitted,
        }
        return self.interaction(payload, **kw)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None, **kw: Any
    ) -> R:
        body = {
            "token": "legacy-token-unused",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
        }
        return self.deliver("events_api", body, retry_num=retry_num, **kw)


class SignedSlackClient(SlackSender[httpx.Response]):
    """Slack's HTTP contract: each payload POSTed to `/slack/events`, signed with the signing secret."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0TEAM",
        app_id: str = "A0APP",
        trigger_ids: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(response_urls=base_url, team_id=team_id, app_id=app_id, trigger_ids=trigger_ids)
        self.base_url = base_url.rstrip("/")
        self.verifier = SignatureVerifier(signing_secret)
        self.http = httpx.Client(base_url=self.base_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature if signature is not None else str(self.verifier.generate_signature(timestamp=ts, body=body))
        all_headers: dict[str, str] = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
            **(headers or {}),
        }
        return self.http.post("/slack/events", content=body.encode("utf-8"), headers=all_headers)

    def deliver(self, kind: Kind, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        form = "application/x-www-form-urlencoded"
        if kind == "slash_commands":
            return self.post(urlencode(payload), form, **kw)
        if kind == "interactive":
            return self.post(urlencode({"payload": json.dumps(payload)}), form, **kw)
        retry_num = kw.pop("retry_num", None)
        headers = dict(kw.pop("headers", None) or {})
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        return self.post(json.dumps(payload), "application/json", headers=headers, **kw)


def trigger_id() -> str:
    return f"{next(_ids)}.{int(time.time())}.trigger"


# What Slack puts in `view.state.values` for each kind of input, keyed by the app's block ids.
def text_value(value: str | None, kind: str = "plain_text_input") -> dict[str, Any]:
    return {"value": {"type": kind, "value": value}}


def select_value(value: str | None, kind: str = "static_select") -> dict[str, Any]:
    return {"value": {"type": kind, "selected_option": {"value": value} if value is not None else None}}


def users_value(users: list[str]) -> dict[str, Any]:
    return {"value": {"type": "multi_users_select", "selected_users": users}}


def user_value(user: str | None) -> dict[str, Any]:
    return {"value": {"type": "users_select", "selected_user": user}}


def date_value(date: str | None) -> dict[str, Any]:
    return {"value": {"type": "datepicker", "selected_date": date}}


def time_value(time_text: str | None) -> dict[str, Any]:
    return {"value": {"type": "timepicker", "selected_time": time_text}}


def number_value(number: str | None) -> dict[str, Any]:
    return {"value": {"type": "number_input", "value": number}}


def answer_scorecard(
    view: dict[str, Any], *, rating: str, pick: int, recommendation: str | None, notes: str | None
) -> dict[str, dict[str, Any]]:
    """Answer a scorecard page as a person would: a rating per question, the first `pick`
    indicators of every group ticked, and on the last page a recommendation and notes."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        if block_id.startswith("rating:"):
            values[block_id] = select_value(rating, "radio_buttons")
        elif block_id.startswith(("pos:", "neg:")):
            values[block_id] = {"value": {"type": "checkboxes", "selected_options": element["options"][:pick]}}
        elif block_id == "recommendation":
            values[block_id] = select_value(recommendation, "radio_buttons")
        elif block_id == "notes":
            values[block_id] = text_value(notes)
    return values
