"""Button listeners: the card's Advance / Hold / Reject / Reopen."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from blocks.candidate import ADVANCE, BUTTON_ACTIONS, HOLD, REJECT, REOPEN, parse_button_value, reason_modal
from bot.pipeline import change_stage, get_candidate
from bot.services import Services
from bot.threads import CandidateThreads
from handlers.respond import catch_for_later, open_view_later, tell_later
from models.tables import Role


def register(app: App, services: Services) -> None:
    def require_recruiter(session: Any, user_id: str, role_id: int, verb: str) -> None:
        role = session.get(Role, role_id)
        services.permissions.require_recruiter(user_id, f"{verb} candidates", role.recruiter_ids if role else [])

    def advance(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]

        def work() -> None:
            candidate_id, expected = parse_button_value(action["value"])
            with services.db.transaction() as session:
                require_recruiter(session, user_id, get_candidate(session, candidate_id).role_id, "advance")
                change = change_stage(
                    session, services.kits, candidate_id, "advance", user_id, services.clock.now(), expected=expected
                )
                context["event_id"] = change.event.id

        catch_for_later(context, work)

    def announce(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("event_id"):
            CandidateThreads(services, client).announce(context["event_id"])
        tell_later(client, context, body)

    app.action(ADVANCE)(ack=advance, lazy=[announce])

    def ask_reason(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]
        verb = BUTTON_ACTIONS[action["action_id"]]

        def work() -> None:
            candidate_id, expected = parse_button_value(action["value"])
            with services.db.read() as session:
                candidate = get_candidate(session, candidate_id)
                require_recruiter(session, user_id, candidate.role_id, verb)
            origin = {"channel": (body.get("channel") or {}).get("id")}
            context["open_view"] = reason_modal(candidate, verb, expected, origin).to_dict()

        catch_for_later(context, work)

    for action_id in (HOLD, REJECT, REOPEN):
        app.action(action_id)(ack=ask_reason, lazy=[open_view_later])
