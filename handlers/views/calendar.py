"""The connect-your-calendar modal: the calendar is checked with a real request before the modal
closes (within Slack's three seconds), and the problem is shown on the field to fix."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.calendar import PASSWORD, URL, USERNAME
from bot.calendars.connections import connect_caldav
from handlers import home
from handlers.context import services_of
from handlers.views.forms import answer_form, form_values

CONNECTED = "calendar_connected"


def connect(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        values = form_values(view)
        connect_caldav(
            services.db,
            services.vault,
            user_id,
            str(values.get(URL) or ""),
            str(values.get(USERNAME) or ""),
            str(values.get(PASSWORD) or ""),
            actor=user_id,
            now=services.clock.now(),
            tz=services.settings.organizer_zone,
        )
        services.freebusy.forget(user_id)  # the next suggestions ask the new calendar
        context[CONNECTED] = True

    answer_form(ack, view, URL, work)


def connected(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    """The Home again, showing the calendar connected (after a refused form: nothing changed)."""
    if context.get(CONNECTED):
        home.publish(client, services_of(context), body["user"]["id"])
