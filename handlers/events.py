"""Events API listeners: the App Home tab, and candidates writing to the bot in its DM."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.rules.commands import APP_HOME_OPENED, USER_CHANGE
from bot.rules.line import FILE_SHARE, relay_from_candidate, shared_files, tell_not_a_candidate
from bot.rules.people import remember
from handlers import home
from handlers.context import services_of


def register(app: App) -> None:
    app.event(APP_HOME_OPENED)(ack=ack_event, lazy=[publish_home])
    app.event("message")(candidate_wrote)
    app.event(USER_CHANGE)(profile_changed)


def profile_changed(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """A member's time zone or e-mail changed: stored for finding times (bots and unknowns skipped)."""
    user = event.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str) and not user.get("is_bot"):
        services = services_of(context)
        email = (user.get("profile") or {}).get("email")
        with services.db.transaction() as session:
            remember(
                session, user["id"], tz=str(user.get("tz") or "UTC"),
                email=email if isinstance(email, str) else None, now=services.clock.now(),
            )  # fmt: skip
    ack()


def ack_event(ack: Ack) -> None:
    ack()


def publish_home(client: WebClient, event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    home.publish(client, services_of(context), event["user"])


def candidate_wrote(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """A DM to the bot: relayed to the writer's candidate thread (through the outbox, in this
    request, so a failure is answered 500 and Slack's retry tries again)."""
    user_id, text, channel = event.get("user"), event.get("text"), str(event.get("channel") or "")
    subtype = event.get("subtype") or None
    # Edits, joins and other subtypes are not new messages (a file share is); bots do not write
    # to candidates' threads.
    person = subtype in (None, FILE_SHARE) and not event.get("bot_id") and isinstance(user_id, str)
    text = text.replace("\x00", "") if isinstance(text, str) else ""
    files = shared_files(event.get("files")) if subtype == FILE_SHARE else []
    if event.get("channel_type") != "im" or not person or not (text.strip() or files):
        ack()
        return
    services = services_of(context)
    now = services.clock.now()
    with services.db.transaction() as session:
        relayed = relay_from_candidate(
            session,
            str(user_id),
            str(event.get("ts") or ""),
            text,
            now,
            files=files,
            dm_channel=channel if isinstance(channel, str) else None,
        )
        if relayed is None:
            tell_not_a_candidate(session, str(user_id), channel or str(user_id), now)
    ack()
