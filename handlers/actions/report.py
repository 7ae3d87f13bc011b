"""The hiring report's Send button: the report arrives by DM after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.delivery.report_dm import ReportRequest, queue_report, request_report
from handlers.context import services_of
from handlers.respond import catch_for_later, tell_later


def ask_for_report(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        context["report"] = request_report(services, user_id, "").to_json()

    catch_for_later(context, work)


def deliver_report(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    if context.get("report"):
        # Built on the report pool, not here: this lazy listener is done at once.
        queue_report(services_of(context), ReportRequest.from_json(context["report"]))
    tell_later(client, context, body)
