"""Candidate forms: a new candidate, and the reason for a hold, rejection or reopening."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.candidate_modals import CANCEL_ROUNDS
from bot.rules.candidates import CandidateForm, FormErrors, create_candidate, get_candidate
from bot.rules.errors import UserError
from bot.rules.idempotency import AlreadyDone
from bot.rules.pipeline import change_stage
from bot.rules.roles import get_role, require_role_recruiter
from handlers.context import services_of
from handlers.views.forms import OUT_OF_DATE, error_field, form_values, submitted_once


def new_candidate(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]
    try:
        form = CandidateForm.parse(form_values(view))
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            role = get_role(session, form.role_id)
            services.permissions.require_recruiter(user_id, "add candidates", role.recruiter_ids)
            create_candidate(session, services.kits, form, user_id, services.clock.now())
    except AlreadyDone:
        ack()
        return
    except FormErrors as exc:
        ack(response_action="errors", errors={error_field(view, k, "name"): m for k, m in exc.errors.items()})
        return
    except UserError as exc:
        ack(response_action="errors", errors={error_field(view, exc.field, "role_id"): exc.message})
        return
    ack()


def stage_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        candidate_id, action = int(meta["candidate_id"]), str(meta["action"])
        stage_key, status = meta["expected"]
        expected = (str(stage_key), str(status))
    except (ValueError, KeyError, TypeError, OverflowError):
        message = OUT_OF_DATE
        ack(response_action="errors", errors={error_field(view, "reason", "reason"): message})
        return
    try:
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            role_id = get_candidate(session, candidate_id).role_id
            require_role_recruiter(session, services.permissions, user_id, role_id, f"{action} candidates")
            values = form_values(view)
            change_stage(
                session,
                services.kits,
                candidate_id,
                action,
                user_id,
                services.clock.now(),
                reason=values.get("reason"),
                expected=expected,
                cancel_rounds=values.get("rounds") == CANCEL_ROUNDS,
            )
    except AlreadyDone:
        ack()
        return
    except UserError as exc:
        ack(response_action="errors", errors={error_field(view, exc.field, "reason"): exc.message})
        return
    ack()
