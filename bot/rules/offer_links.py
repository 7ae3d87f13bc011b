"""A booking page's link to an offer, for a candidate without Slack: a random token shown once (to
the recruiter, to send), of which only the SHA-256 is stored, so a leaked database gives no working
link. It lives as long as its offer: once a time is picked, declined or expired, the page says which
and shows nothing of the candidate."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from models.offers import Offer, OfferStatus

# URL-safe, 32 characters: 192 bits, beyond guessing.
TOKEN_BYTES = 24
# Who booked, on the thread note, when the candidate picked on the page (they have no Slack user).
# Stored as the round's `scheduled_by` (32 characters at most).
PAGE_ACTOR = "the candidate (booking page)"


def new_token() -> tuple[str, str]:
    """(the token for the link, what is stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible(token: str) -> bool:
    """The shape of a token we make: anything else is unknown without asking the database."""
    return 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


class LinkState(StrEnum):
    open = "open"
    unknown = "unknown"
    used = "used"  # a time was picked
    declined = "declined"  # the candidate said none of the times work
    expired = "expired"


@dataclass(frozen=True)
class Found:
    state: LinkState
    offer: Offer | None  # only when open: nothing of the candidate otherwise


def find(session: Session, token: str, now: datetime, *, lock: bool = False) -> Found:
    if not plausible(token):
        return Found(LinkState.unknown, None)
    query = select(Offer).where(col(Offer.token_hash) == token_hash(token))
    offer = session.exec(query.with_for_update() if lock else query).first()
    if offer is None:
        return Found(LinkState.unknown, None)
    if offer.status == OfferStatus.booked:
        return Found(LinkState.used, None)
    if offer.status == OfferStatus.declined:
        return Found(LinkState.declined, None)
    if offer.status == OfferStatus.expired or now >= offer.expires_at:
        return Found(LinkState.expired, None)
    return Found(LinkState.open, offer)


def move_link(offer: Offer) -> str:
    """A booked offer's link to move its round (the booking page's *Need a different time?*): the
    token, shown once on the confirmation; only its hash is kept."""
    token, offer.move_token_hash = new_token()
    return token


def booked_by(session: Session, token: str) -> Offer | None:
    """The booked offer whose move link this is (None: not one)."""
    if not plausible(token):
        return None
    offer = session.exec(select(Offer).where(col(Offer.move_token_hash) == token_hash(token))).first()
    return offer if offer is not None and offer.status == OfferStatus.booked else None
