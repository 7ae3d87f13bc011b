"""/interview: schedule, reschedule or cancel a candidate's round."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from blocks.common import to_dicts
from blocks.hiring import command_help_blocks, usage_error_blocks
from blocks.rounds import cancel_confirmation, default_duration
from blocks.times import times_blocks
from bot.rules.availability import limits_for, suggest, usual_panel, zone
from bot.rules.candidates import get_candidate
from bot.rules.commands import INTERVIEW
from bot.rules.errors import UserError
from bot.rules.roles import kit_for
from bot.rules.rounds import load_round
from bot.rules.scheduling import parse_panel, upcoming_round
from bot.wiring.services import Services
from handlers.commands.lookup import candidate_for, subcommand
from handlers.context import services_of
from handlers.modals import offer_view, reschedule_view, schedule_view
from handlers.respond import catch_for_later, guarded, open_view_later, tell
from models.kit import TIMED_STAGE_KINDS
from models.tables import Role

SUBCOMMANDS = ("schedule", "reschedule", "cancel", "times", "offer")
# Slack writes a mention in a command's text as <@U123> or <@U123|name>.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@guarded
def interview(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    _, sub, rest = subcommand(command)
    user_id = command["user_id"]
    if sub in ("", "help"):
        ack(text="/interview help", blocks=command_help_blocks(INTERVIEW))
        return
    if sub not in SUBCOMMANDS or not rest:
        problem = (
            f"Say which candidate: `/interview {sub} <name or #id>`."
            if sub in SUBCOMMANDS
            else f"`/interview {sub}` is not a command I know."
        )
        ack(text=problem, blocks=usage_error_blocks(problem, INTERVIEW))
        return
    named = MENTION.findall(rest)
    query = MENTION.sub(" ", rest).strip() if sub == "times" else rest
    verbs = {"times": "find times for interviews", "offer": "offer times"}
    verb = verbs.get(sub, f"{sub} interviews")
    with services.db.read() as session:
        match = candidate_for(services, session, query, user_id, verb, ack)
        if match is None:
            return
        found, _ = match
        if sub == "times":
            context["times"] = {"candidate": found.id, "panel": named}
            ack()
            return
        if sub == "offer":
            context["offer"] = found.id
            ack()
            return
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
        elif context.get("offer"):
            context["open_view"] = offer_view(services, context["offer"], user_id)
        elif context.get("times"):
            asked = context["times"]
            blocks = free_times(services, int(asked["candidate"]), list(asked["panel"]), user_id)
            tell(client, body, "Free times", to_dicts(blocks))

    catch_for_later(context, build)
    open_view_later(client, context, body)


def free_times(services: Services, candidate_id: int, named: list[str], user_id: str) -> list[Block]:
    """The next free times for the candidate's current stage, with the people named, else the
    stage's usual panel (its latest round in the role)."""
    with services.db.read() as session:
        candidate = get_candidate(session, candidate_id)
        role = session.get(Role, candidate.role_id)
        assert role is not None
        kit = kit_for(services.kits, role)
        stage = kit.stage(candidate.stage_key)
        if stage.kind not in TIMED_STAGE_KINDS:
            raise UserError(f"{candidate.name} is at {stage.name}, which has no meeting to find a time for.")
        panel = parse_panel(named) if named else usual_panel(session, role.id or 0, stage.key)
    if not panel:
        raise UserError(
            f"No one has interviewed for {stage.name} yet, so there is no usual panel: name it, "
            f"like `/interview times {candidate.name} @someone @someone-else`."
        )
    minutes = default_duration(stage) or 60
    limits = limits_for(kit, stage)
    times = services.panel_times(panel, limits)
    with services.db.read() as session:
        found = suggest(session, panel, times, minutes, services.clock.now(), limits)
    reader = zone(services.zone_of(user_id))
    return times_blocks(
        candidate.name, stage.name, minutes, found.slots, found.panel, found.silent, reader,
        services.display_name, horizon_days=limits.horizon_days,
    )  # fmt: skip
