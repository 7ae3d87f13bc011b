"""How listeners answer when something is wrong: a clear ephemeral message, never a trace."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import section
from bot.rules.errors import UserError

log = logging.getLogger("interview_bot.handlers")


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Answer a UserError with its message and any other error with a reference, not a trace."""

    @wraps(listener)
    def run(ack: Ack, **kwargs: Any) -> None:
        try:
            listener(ack=ack, **kwargs)
        except UserError as exc:
            ack(text=exc.message, blocks=[section(f":warning: {exc.message}")])
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("listener %s failed (ref %s)", listener.__name__, ref)
            message = f"Something went wrong on our side (reference {ref}). Nothing was changed; please try again."
            ack(text=message, blocks=[section(f":x: {message}")])

    return run


def open_view_later(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    """Lazy half of a listener whose ack function prepared a modal in `context['open_view']`."""
    view = context.get("open_view")
    if view:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    tell_later(client, context, body)


def tell_later(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    """Show the person the problem the ack function hit (`context['error']`), only to them."""
    message = context.get("error")
    if not message:
        return
    tell(client, body, message, [section(f":warning: {message}").to_dict()])


def tell(client: WebClient, body: dict[str, Any], text: str, blocks: list[dict[str, Any]]) -> None:
    """Answer the person who clicked or typed, only to them: ephemeral where they are, else a DM."""
    user_id = str(body["user"]["id"] if "user" in body else body.get("user_id"))
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
    if channel and not channel.startswith("D"):
        client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
    else:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def catch_for_later(context: BoltContext, work: Callable[[], None]) -> None:
    """Run `work` in an ack function; keep its UserError for `tell_later` instead of failing."""
    try:
        work()
    except UserError as exc:
        context["error"] = exc.message
