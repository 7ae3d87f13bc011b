"""Modal submissions: new candidate, stage-change reason."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from blocks.candidate import NEW_CANDIDATE, STAGE_REASON
from bot.errors import UserError
from bot.pipeline import (
    CandidateForm,
    FormErrors,
    change_stage,
    create_candidate,
    get_candidate,
    get_role,
    stage_events,
)
from bot.services import Services
from bot.threads import CandidateThreads
from models.tables import Role


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """`state.values` as {block_id: value}, whatever the input element."""
    values: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind in ("static_select", "radio_buttons"):
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "users_select":
                values[block_id] = element.get("selected_user")
            elif kind == "multi_users_select":
                values[block_id] = element.get("selected_users") or []
            elif kind == "checkboxes":
                values[block_id] = [o.get("value") for o in element.get("selected_options") or []]
            else:
                values[block_id] = element.get("value")
    return values


def register(app: App, services: Services) -> None:
    def new_candidate(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user_id = body["user"]["id"]
        try:
            form = CandidateForm.parse(form_values(view))
            with services.db.transaction() as session:
                role = get_role(session, form.role_id)
                services.permissions.require_recruiter(user_id, "add candidates", role.recruiter_ids)
                candidate = create_candidate(session, services.kits, form, user_id, services.clock.now())
                context["candidate_id"] = candidate.id
        except FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except UserError as exc:
            ack(response_action="errors", errors={exc.field or "role_id": exc.message})
            return
        ack()

    def post_card(client: WebClient, context: BoltContext) -> None:
        candidate_id = context.get("candidate_id")
        if candidate_id is None:
            return
        with services.db.read() as session:
            created = stage_events(session, candidate_id)[0]
        CandidateThreads(services, client).announce(created.id or 0)

    app.view(NEW_CANDIDATE)(ack=new_candidate, lazy=[post_card])

    def stage_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user_id = body["user"]["id"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            candidate_id, action = int(meta["candidate_id"]), str(meta["action"])
            expected = tuple(meta["expected"])
        except (ValueError, KeyError, TypeError):
            ack(response_action="errors", errors={"reason": "This form is out of date; close it and start again."})
            return
        try:
            with services.db.transaction() as session:
                role = session.get(Role, get_candidate(session, candidate_id).role_id)
                services.permissions.require_recruiter(
                    user_id, f"{action} candidates", role.recruiter_ids if role else []
                )
                change = change_stage(
                    session,
                    services.kits,
                    candidate_id,
                    action,
                    user_id,
                    services.clock.now(),
                    reason=form_values(view).get("reason"),
                    expected=(expected[0], expected[1]),
                )
                context["event_id"] = change.event.id
        except UserError as exc:
            ack(response_action="errors", errors={"reason": exc.message})
            return
        ack()

    def announce(client: WebClient, context: BoltContext) -> None:
        if context.get("event_id"):
            CandidateThreads(services, client).announce(context["event_id"])

    app.view(STAGE_REASON)(ack=stage_reason, lazy=[announce])
