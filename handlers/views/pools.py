"""The pool editor's submission: the pool becomes the people picked (recruiters of the role only),
in one transaction; the App Home is published again."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.rules.errors import UserError
from bot.rules.pools import set_pool
from bot.rules.roles import require_role_recruiter
from bot.rules.scheduling import parse_panel
from handlers import home
from handlers.context import services_of
from handlers.views.forms import answer_form, form_values, submitted_once

SAVED = "pool_saved"


def save(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        values = form_values(view)
        role_text, _, stage_key = str(values.get("pool") or "").partition(":")
        if not role_text.isdigit() or not stage_key:
            raise UserError("Pick the role and stage.", field="pool")
        qualified = parse_panel(values.get("qualified") or [])
        trainees = parse_panel(values.get("trainees") or [])
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            require_role_recruiter(session, services.permissions, user_id, int(role_text), "change interviewer pools")
            set_pool(session, services.kits, int(role_text), stage_key, qualified, trainees, actor=user_id,
                     now=services.clock.now())  # fmt: skip
        context[SAVED] = True

    answer_form(ack, view, "qualified", work)


def saved(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    if context.get(SAVED):
        home.publish(client, services_of(context), body["user"]["id"])
