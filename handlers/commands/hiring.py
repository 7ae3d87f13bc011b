"""/hiring: help, open roles, interview kits, and the hiring report (delivered by DM after the ack)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import section
from blocks.hiring import help_blocks, kits_blocks, roles_blocks, usage_error_blocks
from bot.delivery.report_dm import ReportRequest, queue_report, request_report
from bot.rules.commands import HIRING
from bot.rules.roles import list_roles
from handlers.commands.lookup import require_member, subcommand
from handlers.context import services_of
from handlers.respond import guarded


@guarded
def hiring(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    words = (command.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    if sub in ("roles", "kits"):
        require_member(services, command["user_id"])
    if sub == "help":
        ack(text="Interview coordinator help", blocks=help_blocks())
    elif sub == "roles":
        with services.db.read() as session:
            summaries = list_roles(session, services.kits)
        ack(text=f"Open roles: {len(summaries)}", blocks=roles_blocks(summaries))
    elif sub == "kits":
        ack(text=f"{len(services.kits.kits)} interview kits", blocks=kits_blocks(services.kits))
    else:
        problem = f"`{HIRING.name} {words[0]}` is not a command I know."
        ack(text=problem, blocks=usage_error_blocks(problem, HIRING))


@guarded
def report(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    text = (command.get("text") or "").strip()
    request = request_report(services_of(context), command["user_id"], text.partition(" ")[2])
    context["report"] = request.to_json()
    message = "Putting your hiring report together; it arrives in a direct message from me in a few seconds."
    ack(text=message, blocks=[section(f":bar_chart: {message}")])


def deliver_report(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    if context.get("report"):
        # Built on the report pool, not here: this lazy listener is done at once.
        queue_report(services_of(context), ReportRequest.from_json(context["report"]))


def asks_for_report(command: dict[str, Any]) -> bool:
    return subcommand(command)[1] == "report"
