"""The card's Advance button, and Hold / Reject / Reopen, which ask for a reason first."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.candidate import BUTTON_ACTIONS, parse_button_value
from blocks.candidate_modals import reason_modal
from bot.rules.candidates import get_candidate
from bot.rules.lifecycle import open_rounds
from bot.rules.pipeline import change_stage
from bot.rules.roles import require_role_recruiter
from handlers.context import services_of
from handlers.respond import catch_for_later


def advance(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        candidate_id, expected = parse_button_value(action["value"])
        with services.db.transaction() as session:
            role_id = get_candidate(session, candidate_id).role_id
            require_role_recruiter(session, services.permissions, user_id, role_id, "advance candidates")
            change_stage(
                session, services.kits, candidate_id, "advance", user_id, services.clock.now(), expected=expected
            )

    catch_for_later(context, work)


def ask_reason(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]
    verb = BUTTON_ACTIONS[action["action_id"]]

    def work() -> None:
        candidate_id, expected = parse_button_value(action["value"])
        with services.db.read() as session:
            candidate = get_candidate(session, candidate_id)
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, f"{verb} candidates")
            upcoming = len(open_rounds(session, candidate, services.clock.now()))
        origin = {"channel": (body.get("channel") or {}).get("id")}
        context["open_view"] = reason_modal(candidate, verb, expected, origin, upcoming).to_dict()

    catch_for_later(context, work)
