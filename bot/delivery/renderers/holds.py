"""An open offer's held times in one person's connected calendar (bot/rules/holds.py), written as
the offer is when the row is sent: tentative "[Hold]" events while it is open, none once it is
picked, declined, replaced or expired. The write is the row's follow-up, on the calendar lane, with
the calendar's health counted as for a round's event."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.calendars.providers import provider_for
from bot.delivery import calendar_health
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.calendar_plan import target_user
from bot.rules.holds import hold_invites, holding
from models.offers import Offer
from models.tables import CalendarConnection, Candidate, OutboxMessage


def calendar_hold(r: Rendering, row: OutboxMessage) -> Rendered | None:
    user_id = target_user(row.target)
    offer_id = (row.payload or {}).get("offer")
    if user_id is None or not isinstance(offer_id, int):
        return None
    with r.services.db.read() as session:
        offer = session.get(Offer, offer_id)
        candidate = session.get(Candidate, offer.candidate_id) if offer else None
        connection = session.get(CalendarConnection, user_id)
    if offer is None or connection is None or connection.paused_at is not None:
        return None  # nothing to hold, or no calendar to hold it in
    provider = provider_for(r.services.settings, r.services.vault, connection)
    if provider is None:
        return None
    services = r.services
    keep = holding(offer, services.clock.now()) and candidate is not None and candidate.status == "active"
    invites = hold_invites(offer, user_id)

    def write() -> None:
        for invite in invites:
            if keep:
                provider.put(invite)
            else:
                provider.remove(invite)

    def follow_up(client: WebClient, until: datetime) -> bool:
        calendar_health.counted(services.db, user_id, write, services.clock.now)
        return True

    return Rendered(row.target, follow_up=follow_up, post=False)
