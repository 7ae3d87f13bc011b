"""The Reply to candidate form."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.rules.errors import UserError
from bot.rules.idempotency import AlreadyDone
from bot.rules.line import reply_to_candidate
from handlers.context import services_of
from handlers.views.forms import OUT_OF_DATE, error_field, form_values, submitted_once


def reply(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Reply to candidate: checked again here (a submission can be forged), then queued with its
    thread note in one transaction; the dispatcher sends both."""
    services = services_of(context)
    user_id = body["user"]["id"]
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        candidate_id = int(meta["candidate_id"])
    except (ValueError, KeyError, TypeError, OverflowError):
        message = OUT_OF_DATE
        ack(response_action="errors", errors={error_field(view, "text", "text"): message})
        return
    now = services.clock.now()
    try:
        with services.db.transaction() as session:
            submitted_once(session, view, now)
            tag = str(view.get("id") or "") or f"{now:%Y%m%dT%H%M%S%f}"
            text = form_values(view).get("text")
            reply_to_candidate(session, services.permissions, candidate_id, user_id, text, tag, now)
    except AlreadyDone:
        ack()
        return
    except UserError as exc:
        ack(response_action="errors", errors={error_field(view, exc.field, "text"): exc.message})
        return
    ack()
