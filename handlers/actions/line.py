"""The thread note's Reply to candidate button: the reply modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.rules.errors import UserError
from handlers.context import services_of
from handlers.modals import reply_view
from handlers.respond import catch_for_later


def reply_to_candidate(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    value = str(action.get("value") or "")

    def work() -> None:
        # Ten digits at most: anything longer names no row (and int() refuses thousands).
        if not (value.isascii() and value.isdigit() and len(value) <= 10):
            raise UserError("This button is not valid; use *Reply to candidate* on a message in the thread.")
        context["open_view"] = reply_view(services, int(value), body["user"]["id"])

    catch_for_later(context, work)
