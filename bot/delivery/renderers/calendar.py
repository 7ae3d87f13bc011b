"""A round's event in one connected calendar, written as the round is now: put (created or moved,
overwriting hand edits) while it is on for that calendar, removed once it is cancelled, its
candidate purged, or the calendar's owner off the panel. And the notice that a calendar was paused.

The write is the row's follow-up (no Slack message of its own); the dispatcher's calendar lane
runs it with the usual retries, and its outcome is counted on the connection
(bot/delivery/calendar_health.py).
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from blocks.common import to_dicts
from blocks.invites import calendar_paused_message
from bot.calendars.providers import provider_for
from bot.delivery import calendar_health
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.calendar_plan import GOOGLE_CONNECTION, target_user
from bot.rules.invites import interviewer_invite, is_meeting
from models.tables import CalendarConnection, OutboxMessage


def calendar_event(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None or not is_meeting(state.ctx):
        return None
    ctx = state.ctx
    user_id = target_user(row.target)
    key = user_id or GOOGLE_CONNECTION
    with r.services.db.read() as session:
        connection = session.get(CalendarConnection, key)
    if connection is None or connection.paused_at is not None:
        return None  # written again when it is connected
    provider = provider_for(r.services.settings, r.services.vault, connection)
    if provider is None:
        return None
    gone = (
        state.cancelled or ctx.candidate.purged_at is not None or (user_id is not None and user_id not in ctx.attendees)
    )
    services = r.services

    def follow_up(client: WebClient, until: datetime) -> bool:
        attendees: tuple[str, ...] = ()
        if user_id is None:
            # The organizer's event invites the panel by their Slack e-mail.
            people = [services.permissions.directory.person(u) for u in ctx.attendees]
            attendees = tuple(p.email for p in people if p is not None and p.email)
        invite = interviewer_invite(ctx, attendees)

        def write() -> None:
            if gone:
                provider.remove(invite)
            else:
                provider.put(invite)

        calendar_health.counted(services.db, key, write, services.clock.now)
        return True

    return Rendered(row.target, follow_up=follow_up, post=False)


def calendar_paused(r: Rendering, row: OutboxMessage) -> Rendered | None:
    with r.services.db.read() as session:
        connection = session.get(CalendarConnection, row.target)
    if connection is None or connection.paused_at is None:
        return None  # reconnected (or disconnected) meanwhile: nothing to say
    text = "I stopped writing interviews into your calendar"
    return Rendered(row.target, text, to_dicts(calendar_paused_message(connection.url, connection.last_error)))
