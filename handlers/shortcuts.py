"""Shortcut listeners: Reply to candidate, on any message in a candidate's thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.rules.commands import REPLY_TO_CANDIDATE
from bot.rules.line import candidate_for_thread
from handlers.context import services_of
from handlers.modals import reply_view
from handlers.respond import catch_for_later, open_view_later


def register(app: App) -> None:
    app.shortcut(REPLY_TO_CANDIDATE.callback_id)(ack=reply_to_candidate, lazy=[open_view_later])


def reply_to_candidate(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)

    def work() -> None:
        channel = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        # The card is the thread's parent; a reply names it in thread_ts.
        root = message.get("thread_ts") or message.get("ts")
        with services.db.read() as session:
            candidate_id = candidate_for_thread(session, channel, root)
        context["open_view"] = reply_view(services, candidate_id, body["user"]["id"])

    catch_for_later(context, work)
