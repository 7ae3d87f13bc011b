"""Ticking a stage's checklist on the card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.candidate import checklist_group, parse_checklist_block_id
from bot.rules.candidates import get_candidate
from bot.rules.checklists import set_checklist
from bot.rules.errors import UserError
from bot.rules.roles import require_role_recruiter
from bot.rules.thread_notes import refresh_card
from handlers.context import services_of
from handlers.respond import catch_for_later


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
        try:
            tick(candidate_id, stage_key, group, ticked)
        except UserError:
            # A refused tick must not stay ticked on screen: the card is redrawn as it is.
            with services.db.transaction() as session:
                refresh_card(session, get_candidate(session, candidate_id), services.clock.now())
            raise

    def tick(candidate_id: int, stage_key: str, group: int, ticked: set[int]) -> None:
        with services.db.transaction() as session:
            candidate = get_candidate(session, candidate_id)
            verb = "tick checklists for candidates"
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, verb)
            set_checklist(
                session,
                services.kits,
                candidate_id,
                stage_key,
                ticked,
                lambda total: checklist_group(total, group),
                user_id,
                services.clock.now(),
            )

    catch_for_later(context, work)
