"""The working-hours modal: saved in one transaction, or answered on the weekday or cap at fault."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.hours import DAY_IDS, MAX_DAY, MAX_WEEK
from bot.rules.errors import UserError
from bot.rules.people import set_schedule, spec_from_days
from handlers import home
from handlers.context import services_of
from handlers.views.forms import answer_form, form_values, submitted_once

SAVED = "hours_saved"


def whole(value: Any, field: str) -> int:
    try:
        return int(str(value or ""))
    except ValueError:
        raise UserError("Give a whole number.", field=field) from None


def save(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        values = form_values(view)
        spec = spec_from_days([str(values.get(day) or "") for day in DAY_IDS])
        per_day, per_week = whole(values.get(MAX_DAY), MAX_DAY), whole(values.get(MAX_WEEK), MAX_WEEK)
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            set_schedule(
                session, user_id, spec=spec, max_per_day=per_day, max_per_week=per_week,
                actor=user_id, now=services.clock.now(),
            )  # fmt: skip
        context[SAVED] = True

    answer_form(ack, view, "mon", work)


def saved(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    if context.get(SAVED):
        home.publish(client, services_of(context), body["user"]["id"])
