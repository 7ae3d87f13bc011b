"""Times offered to a candidate (bot/rules/offers.py): their DM, rendered when sent, in their own
time zone; nothing once the offer is answered or expired. And the thread's note of the offer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from blocks.common import to_dicts
from blocks.offers import answered_blocks, offer_blocks, offered_note
from bot.delivery.rendering import Json, Rendered, Rendering
from bot.rules.availability import zone
from bot.rules.offers import expiry_noticed, still_to_come
from bot.rules.roles import kit_for
from models.offers import Offer, OfferStatus
from models.tables import Candidate, Interview, OutboxMessage, Role


def _offer(r: Rendering, offer_id: object) -> tuple[Offer, Candidate, Role] | None:
    if not isinstance(offer_id, int):
        return None
    with r.services.db.read() as session:
        offer = session.get(Offer, offer_id)
        candidate = session.get(Candidate, offer.candidate_id) if offer else None
        role = session.get(Role, candidate.role_id) if candidate else None
    if offer is None or candidate is None or role is None or candidate.purged_at is not None:
        return None
    return offer, candidate, role


def offer(r: Rendering, row: OutboxMessage) -> Rendered | None:
    found = _offer(r, (row.payload or {}).get("offer"))
    if found is None:
        return None
    offer, candidate, role = found
    now = r.services.clock.now()
    if offer.status != OfferStatus.open or now >= offer.expires_at or not candidate.slack_user_id:
        return None
    kit = kit_for(r.services.kits, role)
    stage = kit.stage(offer.stage_key)
    tz: ZoneInfo = zone(r.services.zone_of(candidate.slack_user_id))
    times = still_to_come(offer, now)
    blocks = offer_blocks(
        offer_id=offer.id or 0, company=kit.company, stage_name=stage.name, minutes=offer.minutes,
        prep=None if offer.moves_id else stage.prep, times=times, tz=tz, moving_from=_booked_at(r, offer),
    )  # fmt: skip
    return Rendered(row.target, f"Pick a time for your {stage.name}", to_dicts(blocks))


def offer_note(r: Rendering, payload: dict[str, object]) -> tuple[str, list[Json]] | None:
    found = _offer(r, payload.get("offer"))
    if found is None:
        return None
    offer, candidate, role = found
    stage = kit_for(r.services.kits, role).stage(offer.stage_key)
    what = payload.get("event")
    if what == "expired" and not (expiry_noticed(offer, r.services.clock.now()) and candidate.status == "active"):
        return None
    if what in ("declined", "expired"):
        said = f"{stage.name}: none of the times work" if what == "declined" else f"{stage.name}: times expired"
        return said, to_dicts(answered_blocks(str(what), candidate.name, stage.name, offer.note))
    blocks = offered_note(
        str(payload.get("actor") or ""), candidate.name, stage.name, offer.panel, len(offer.times),
        by_link=bool(payload.get("link")), moving=bool(payload.get("moves")), pooled=bool(offer.pool_panels),
    )  # fmt: skip
    return f"{stage.name}: times offered", to_dicts(blocks)


def offer_answer(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """To a recruiter: the candidate said none of the times work, or let them expire."""
    payload = row.payload or {}
    found = _offer(r, payload.get("offer"))
    if found is None:
        return None
    offer, candidate, role = found
    stage = kit_for(r.services.kits, role).stage(offer.stage_key)
    what = str(payload.get("event"))
    if what == "expired" and not (expiry_noticed(offer, r.services.clock.now()) and candidate.status == "active"):
        return None
    blocks = answered_blocks(what, candidate.name, stage.name, offer.note)
    text = f"{candidate.name}: none of the times work" if what == "declined" else f"{candidate.name}: times expired"
    return Rendered(row.target, text, to_dicts(blocks))


def _booked_at(r: Rendering, offer: Offer) -> datetime | None:
    if offer.moves_id is None:
        return None
    with r.services.db.read() as session:
        interview = session.get(Interview, offer.moves_id)
    return interview.starts_at if interview else None
