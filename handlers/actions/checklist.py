"""Ticking a stage's checklist on the card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.candidate import checklist_group, parse_checklist_block_id
from bot.delivery.threads import CandidateThreads
from bot.rules.candidates import get_candidate
from bot.rules.checklists import set_checklist
from bot.rules.errors import UserError
from bot.rules.roles import require_role_recruiter
from handlers.context import services_of
from handlers.respond import catch_for_later, tell_later


def tick_checklist(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        try:
            candidate_id, stage_key, group = parse_checklist_block_id(str(action.get("block_id", "")))
            ticked = {int(str(o.get("value"))) for o in action.get("selected_options") or []}
        except (ValueError, TypeError, AttributeError):
            raise UserError("This checklist is out of date; open the candidate's card again.") from None
        with services.db.transaction() as session:
            candidate = get_candidate(session, candidate_id)
            # Whatever happens next, the card is redrawn: a refused tick must not stay ticked on screen.
            context["checklist_card"] = candidate_id
            verb = "tick checklists for candidates"
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, verb)
            events = set_checklist(
                session,
                services.kits,
                candidate_id,
                stage_key,
                ticked,
                lambda total: checklist_group(total, group),
                user_id,
                services.clock.now(),
            )
            context["ticks"] = [e.id for e in events]

    catch_for_later(context, work)


def ticked(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    if context.get("checklist_card"):
        threads = CandidateThreads(services_of(context), client)
        threads.checklist_ticks(context["checklist_card"], context.get("ticks") or [])
    tell_later(client, context, body)
