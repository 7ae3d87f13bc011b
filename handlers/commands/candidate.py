"""/candidate: help, new, list, purge, the stage changes, and a candidate's summary."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.candidate import advance_confirmation_blocks
from blocks.candidate_modals import new_candidate_modal, reason_modal
from blocks.hiring import command_help_blocks, usage_error_blocks
from blocks.pipeline import board_blocks, choices_blocks, summary_blocks
from blocks.purge import purge_confirmation_blocks
from bot.rules.candidates import find_one
from bot.rules.commands import CANDIDATE
from bot.rules.errors import UserError
from bot.rules.lifecycle import open_rounds
from bot.rules.pipeline import ACTIONS, candidate_summary, candidate_view, next_state, pipeline_boards
from bot.rules.purge import purge_preview
from bot.rules.roles import open_roles
from handlers.commands.lookup import candidate_for, require_member, subcommand, with_roles
from handlers.context import services_of
from handlers.respond import guarded, open_view_later


@guarded
def candidate(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    text, sub, rest = subcommand(command)
    user_id = command["user_id"]
    permissions = services.permissions
    if sub in ("", "help"):
        ack(text="/candidate help", blocks=command_help_blocks(CANDIDATE))
    elif sub == "new":
        with services.db.read() as session:
            roles = open_roles(session)
        allowed = [r for r in roles if permissions.is_recruiter(user_id, r.recruiter_ids)]
        permissions.require_recruiter(user_id, "add candidates", [u for r in roles for u in r.recruiter_ids])
        if not allowed:
            raise UserError("There are no open roles yet. Add one with `interview-bot role add` first.")
        context["open_view"] = new_candidate_modal(allowed, origin_channel=command.get("channel_id")).to_dict()
        ack()
    elif sub == "list":
        permissions.require_recruiter(user_id, "see the whole pipeline")
        with services.db.read() as session:
            boards = pipeline_boards(session, services.kits, services.clock.now(), rest or None)
        ack(text="Pipeline", blocks=board_blocks(boards))
    elif sub == "purge":
        if not rest:
            problem = "Say which candidate: `/candidate purge <name, email or #id>`."
            ack(text=problem, blocks=usage_error_blocks(problem, CANDIDATE))
            return
        with services.db.read() as session:
            match = candidate_for(services, session, rest, user_id, "purge candidates", ack)
            if match is None:
                return
            preview = purge_preview(session, match[0].id or 0)
        ack(text=f"Purge {preview.name}?", blocks=purge_confirmation_blocks(preview))
    elif sub in ACTIONS:
        if not rest:
            problem = f"Say which candidate: `/candidate {sub} <name or #id>`."
            ack(text=problem, blocks=usage_error_blocks(problem, CANDIDATE))
            return
        with services.db.read() as session:
            match = candidate_for(services, session, rest, user_id, f"{sub} candidates", ack)
            if match is None:
                return
            found, _ = match
            view = candidate_view(session, services.kits, found, services.clock.now())
            upcoming = len(open_rounds(session, found, services.clock.now()))
        if view.kit is not None:
            next_state(view.kit, found, sub)  # refuse now rather than after the confirmation
        if sub == "advance":
            ack(text=f"Advance {found.name}?", blocks=advance_confirmation_blocks(view))
        else:
            origin = {"channel": command.get("channel_id")}
            expected = (found.stage_key, found.status)
            context["open_view"] = reason_modal(found, sub, expected, origin, upcoming).to_dict()
            ack()
    else:
        require_member(services, user_id)
        internal = permissions.is_recruiter(user_id)
        with services.db.read() as session:
            matches = find_one(session, text)
            if isinstance(matches, list):
                ack(text="Several candidates match", blocks=choices_blocks(text, with_roles(session, matches)))
                return
            view, events = candidate_summary(session, services.kits, matches, services.clock.now())
            internal = internal or user_id in view.role.recruiter_ids + view.role.hiring_manager_ids
        ack(text=matches.name, blocks=summary_blocks(view, events, internal=internal))


def open_candidate_view(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    open_view_later(client, context, body)


def opens_a_modal(command: dict[str, Any]) -> bool:
    return subcommand(command)[1] in ("new", "hold", "reject", "reopen")
