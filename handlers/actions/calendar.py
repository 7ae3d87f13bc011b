"""App Home buttons about the person's calendar: a new feed link, connect (or reconnect), disconnect.
Each changes what it changes in the ack half; the Home is published again in the lazy half."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.calendar import connect_modal
from bot.calendars.connections import connection_info, disconnect
from bot.calendars.feeds import new_feed_link
from handlers import home
from handlers.context import services_of


def ack_only(ack: Ack) -> None:
    ack()


def new_feed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    public_url = services.settings.public_url
    if public_url and services.vault.feeds_ready:
        new_feed_link(services.db, services.vault, public_url, body["user"]["id"], services.clock.now())


def open_connect(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The connect modal; to reconnect, filled in with the URL and username (never the password)."""
    ack()
    info = connection_info(services_of(context).db, body["user"]["id"])
    modal = connect_modal(info.url, info.username) if info and info.provider == "caldav" else connect_modal()
    context["open_view"] = modal.to_dict()


def disconnect_calendar(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]
    disconnect(services.db, user_id, actor=user_id, now=services.clock.now())
    services.freebusy.forget(user_id)


def republish(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    home.publish(client, services_of(context), body["user"]["id"])
