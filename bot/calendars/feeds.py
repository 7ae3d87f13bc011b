"""Subscribable calendar feeds: `GET /calendar/<token>.ics`, one per person, holding the rounds they
are in (a candidate's own rounds, told as the candidate's invite; an interviewer's, with the
internal details).

The token is derived from a stored nonce and the server's key, so the link can be shown again while
only the token's hash is stored; a new nonce (New link) makes the old link answer 404.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.calendars import ics
from bot.calendars.secrets import Vault, token_hash
from bot.rules.invites import Invite, candidate_invite, interviewer_invite, is_meeting
from bot.rules.kits import KitCatalog
from bot.rules.rounds import load_rounds
from bot.wiring.db import Database
from models.tables import CalendarFeed, Candidate, Interview, InterviewStatus, PanelMember

# A feed holds the rounds of the last 30 days and everything ahead.
LOOKBACK = timedelta(days=30)
FEED_NAME = "Interviews"
# What Vault.feed_token makes: 32 bytes of HMAC-SHA256, url-safe base64 without padding.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}\Z")


def _nonce() -> str:
    return secrets.token_urlsafe(24)


def _url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/calendar/{token}.ics"


def feed_link(db: Database, vault: Vault, public_url: str, owner_id: str, now: datetime) -> str:
    """`owner_id`'s feed URL, made on first use. Raises NoSecretKey when there is no key to sign it."""
    with db.read() as session:
        feed = session.get(CalendarFeed, owner_id)
    if feed is not None:
        token = vault.feed_token(feed.nonce)
        if token_hash(token) != feed.token_hash:
            # The key changed since (SECRET_KEY set or rotated): the old link is dead already, and
            # the one shown from now on must open the feed.
            with db.transaction() as session:
                current = session.get(CalendarFeed, owner_id, with_for_update=True)
                if current is not None and current.nonce == feed.nonce:
                    current.token_hash = token_hash(token)
                    session.add(current)
        return _url(public_url, token)
    nonce = _nonce()
    token = vault.feed_token(nonce)
    try:
        with db.transaction() as session:
            session.add(CalendarFeed(owner_id=owner_id, nonce=nonce, token_hash=token_hash(token), created_at=now))
    except IntegrityError:
        # Made at the same moment elsewhere (two Home tabs): that link stands.
        with db.read() as session:
            feed = session.get(CalendarFeed, owner_id)
        if feed is None:
            raise
        return _url(public_url, vault.feed_token(feed.nonce))
    return _url(public_url, token)


def new_feed_link(db: Database, vault: Vault, public_url: str, owner_id: str, now: datetime) -> str:
    """A new link for `owner_id`'s feed; the old one answers 404 from now on."""
    nonce = _nonce()
    token = vault.feed_token(nonce)
    with db.transaction() as session:
        feed = session.get(CalendarFeed, owner_id, with_for_update=True)
        if feed is None:
            feed = CalendarFeed(owner_id=owner_id, nonce=nonce, token_hash=token_hash(token), created_at=now)
        feed.nonce, feed.token_hash, feed.created_at = nonce, token_hash(token), now
        session.add(feed)
    return _url(public_url, token)


def feed_owner(db: Database, token: str) -> str | None:
    """Whose feed `token` opens; None for a token that is malformed (no query) or not current."""
    if not TOKEN.match(token):
        return None
    with db.read() as session:
        owner = session.exec(
            select(CalendarFeed.owner_id).where(col(CalendarFeed.token_hash) == token_hash(token))
        ).first()
    return owner


def feed_invites(db: Database, kits: KitCatalog, owner_id: str, now: datetime) -> list[Invite]:
    """The invites in `owner_id`'s feed, by start: their meeting rounds from 30 days back on, not
    cancelled; as the candidate's invite where they are the candidate, the interviewers' where
    they are on the panel."""
    since = now - LOOKBACK
    live = (col(Interview.starts_at) >= since, col(Interview.status) != InterviewStatus.cancelled)
    with db.read() as session:
        own = session.exec(
            select(Interview)
            .join(Candidate, col(Candidate.id) == col(Interview.candidate_id))
            .where(col(Candidate.slack_user_id) == owner_id, col(Candidate.purged_at).is_(None), *live)
        ).all()
        panel = session.exec(
            select(Interview)
            .join(PanelMember, col(PanelMember.interview_id) == col(Interview.id))
            .where(col(PanelMember.interviewer_id) == owner_id, *live)
        ).all()
        as_candidate = load_rounds(session, kits, own)
        as_interviewer = load_rounds(session, kits, panel)
    invites = [candidate_invite(ctx) for ctx in as_candidate if is_meeting(ctx)]
    invites += [interviewer_invite(ctx) for ctx in as_interviewer if is_meeting(ctx)]
    return sorted(invites, key=lambda i: (i.starts_at, i.uid))


def feed_ics(db: Database, kits: KitCatalog, owner_id: str, now: datetime, tz: ZoneInfo) -> bytes:
    """`owner_id`'s feed as one VCALENDAR (no iTIP method: it is subscribed to, not sent)."""
    return ics.calendar(feed_invites(db, kits, owner_id, now), tz=tz, stamp=now, method=None, name=FEED_NAME)
