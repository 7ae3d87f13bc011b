"""/interview: schedule, reschedule or cancel a candidate's round."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.hiring import command_help_blocks, usage_error_blocks
from blocks.rounds import cancel_confirmation
from bot.rules.commands import INTERVIEW
from bot.rules.rounds import load_round
from bot.rules.scheduling import upcoming_round
from handlers.commands.lookup import candidate_for, subcommand
from handlers.context import services_of
from handlers.modals import reschedule_view, schedule_view
from handlers.respond import catch_for_later, guarded, open_view_later


@guarded
def interview(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    _, sub, rest = subcommand(command)
    user_id = command["user_id"]
    if sub in ("", "help"):
        ack(text="/interview help", blocks=command_help_blocks(INTERVIEW))
        return
    if sub not in ("schedule", "reschedule", "cancel") or not rest:
        problem = (
            f"Say which candidate: `/interview {sub} <name or #id>`."
            if sub in ("schedule", "reschedule", "cancel")
            else f"`/interview {sub}` is not a command I know."
        )
        ack(text=problem, blocks=usage_error_blocks(problem, INTERVIEW))
        return
    with services.db.read() as session:
        match = candidate_for(services, session, rest, user_id, f"{sub} interviews", ack)
        if match is None:
            return
        found, _ = match
        if sub == "schedule":
            context["schedule"] = found.id
            ack()
            return
        round_id = upcoming_round(session, found.id or 0, services.clock.now()).id
        if sub == "reschedule":
            context["reschedule"] = round_id
            ack()
            return
        ctx = load_round(session, services.kits, round_id or 0)
    ack(text="Cancel this round?", blocks=cancel_confirmation(ctx))


def open_round_view(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    services = services_of(context)
    user_id = body["user_id"]

    def build() -> None:
        # Looking up the scheduler's time zone is a Web API call: after the ack.
        if context.get("schedule"):
            context["open_view"] = schedule_view(services, context["schedule"], user_id)
        elif context.get("reschedule"):
            context["open_view"] = reschedule_view(services, context["reschedule"], user_id)

    catch_for_later(context, build)
    open_view_later(client, context, body)
