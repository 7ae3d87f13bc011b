"""The App Home's *Edit working hours*: the modal, filled in with the person's hours and caps."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.hours import hours_modal
from bot.rules.people import day_ranges, schedule_of
from handlers.context import services_of
from handlers.respond import catch_for_later


def open_hours(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def build() -> None:
        with services.db.read() as session:
            schedule = schedule_of(session, user_id)
        context["open_view"] = hours_modal(
            days=day_ranges(schedule.hours),
            max_per_day=schedule.max_per_day,
            max_per_week=schedule.max_per_week,
            tz=services.zone_of(user_id),
        ).to_dict()

    catch_for_later(context, build)
