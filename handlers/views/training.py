"""Training forms: a sign-off on a reverse shadow, and a shadow's note to their trainers. Each is
one transaction; a problem is named on the form."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.rules.training import shadow_note, sign_off
from handlers.context import services_of
from handlers.views.forms import answer_form, form_values, submitted_once


def signoff(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)

    def work() -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = form_values(view)
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            sign_off(session, services.kits, int(meta.get("interview_id") or 0), body["user"]["id"],
                     ready=bool(meta.get("ready")), comment=values.get("comment"), now=services.clock.now(),
                     recruiters=services.permissions.recruiter_ids)  # fmt: skip

    answer_form(ack, view, "comment", work)


def note(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)

    def work() -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        text = str(form_values(view).get("note") or "")
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            shadow_note(session, services.kits, int(meta.get("interview_id") or 0), body["user"]["id"], text,
                        services.clock.now())  # fmt: skip

    answer_form(ack, view, "note", work)
