"""Holds: while an offer is open (kits with `scheduling.holds`), each offered time is held in the
panel's own connected calendars as a tentative "[Hold]" event without candidate details, and the
bot counts it busy for anyone else's booking or offer; released the moment the candidate picks, says
none work, or the offer expires or is replaced. The calendar lane writes each hold as its offer is
when the row is sent (bot/delivery/renderers/holds.py), so a late or repeated row never revives one.

A pick is not blocked by its own offer's holds (`PanelTimes.picking`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.rules.calendar_plan import active_people, caldav_target
from bot.rules.invites import UID_DOMAIN, Invite
from bot.rules.message_kinds import Kind, outbox_row
from models.offers import Offer, OfferStatus

HOLD_TITLE = "[Hold] Interview"
HOLD_TEXT = (
    "Held for a candidate choosing among several times; released as soon as they pick, or when the times expire."
)


def holding(offer: Offer, now: datetime) -> bool:
    """Whether the offer's times are held now."""
    return offer.holds and offer.status == OfferStatus.open and now < offer.expires_at


def hold_invites(offer: Offer, user_id: str | None = None) -> list[Invite]:
    """One tentative event a time (of `user_id`'s, when given: offered from a pool, each time has its
    own panel): nothing of the candidate, the stage or the kit."""
    starts = [
        datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=offer.expires_at.tzinfo)
        for t in offer.times
        if user_id is None or user_id in offer.panel_at(t)
    ]
    return [
        Invite(
            uid=f"hold-{offer.id}-{n}@{UID_DOMAIN}",
            sequence=0,
            title=HOLD_TITLE,
            description=HOLD_TEXT,
            starts_at=start,
            ends_at=start + timedelta(minutes=offer.minutes),
            location=None,
            cancelled=False,
            tentative=True,
        )
        for n, start in enumerate(starts)
    ]


def queue_holds(session: Session, offer: Offer, now: datetime, phase: str, due: datetime | None = None) -> None:
    """A write of the offer's holds to each panel member's connected calendar: `phase` names it
    (put, released, expired) so each is queued once; what it writes is decided when it is sent."""
    if not offer.holds:
        return
    for user_id in sorted(active_people(session, offer.panel)):
        session.add(outbox_row(Kind.calendar_hold, caldav_target(user_id), offer.candidate_id, None, due or now, now,
                               tag=f"offer{offer.id}:{phase}", payload={"offer": offer.id}))  # fmt: skip


def held_spans(
    session: Session, panel: Collection[str], now: datetime
) -> dict[str, list[tuple[int, datetime, datetime]]]:
    """The panel's held times, by person: (offer id, start, end)."""
    found: dict[str, list[tuple[int, datetime, datetime]]] = defaultdict(list)
    wanted = set(panel)
    if not wanted:
        return found
    offers = session.exec(
        select(Offer).where(
            col(Offer.holds).is_(True), col(Offer.status) == OfferStatus.open, col(Offer.expires_at) > now
        )
    ).all()
    for offer in offers:
        for user_id in wanted.intersection(offer.panel):
            for hold in hold_invites(offer, user_id):
                found[user_id].append((offer.id or 0, hold.starts_at, hold.ends_at))
    return found
