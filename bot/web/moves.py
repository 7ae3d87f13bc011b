"""The booking page's *Need a different time?*: the confirmation of a time picked on the page keeps a
link of its own (its hash stored on the offer) where the candidate can move the round, until the
kit's cutoff and up to its limit (bot/rules/candidate_moves.py), as a candidate in Slack does from
their DM. Moving offers new times for the same panel on a fresh booking link; the round stays put
until they pick. Past the cutoff or the limit, the page says to write to their recruiter."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.rules.availability import limits_for
from bot.rules.candidate_moves import ASK_BY_EMAIL, can_offer_moves, may_move, moves_used, offer_move
from bot.rules.offer_links import PAGE_ACTOR, booked_by, move_link
from bot.rules.rounds import RoundContext, load_round
from bot.web.pages import BOOK_PREFIX, Page, csrf_cookie, render, shown
from bot.wiring.services import Services
from models.offers import Offer
from models.tables import CandidateStatus

# The longest wait for the panel's calendars (as for a pick).
CALENDAR_WAIT = 1.5


def keep_move_link(session: Session, offer_id: int, ctx: RoundContext, now: datetime) -> str | None:
    """At a pick on the page: the link to move the round, when the candidate may (None: not)."""
    offer = session.get(Offer, offer_id)
    if offer is None or not can_offer_moves(ctx.kit, ctx.interview, moves_used(session, ctx.interview.id or 0), now):
        return None
    token = move_link(offer)
    session.add(offer)
    return token


def url(services: Services, token: str) -> str:
    return f"{services.settings.public_url or ''}{BOOK_PREFIX}{token}"


def _booked(services: Services, token: str) -> tuple[RoundContext, int] | None:
    with services.db.read() as session:
        offer = booked_by(session, token)
        if offer is None or offer.interview_id is None:
            return None
        return load_round(session, services.kits, offer.interview_id), moves_used(session, offer.interview_id)


def _problem(ctx: RoundContext, used: int, now: datetime) -> str | None:
    if ctx.candidate.status != CandidateStatus.active:
        return f"This round can no longer be moved here: {ASK_BY_EMAIL}"
    return may_move(ctx.kit, ctx.interview, used, now, ask=ASK_BY_EMAIL)


def manage_page(
    services: Services, token: str, csrf: str, *, status: int = 200, notice: str | None = None
) -> Page | None:
    """The move link's page: the round as booked, and the button to move it or why not (None: the
    token is not a move link)."""
    found = _booked(services, token)
    if found is None:
        return None
    ctx, used = found
    tz = services.settings.organizer_zone
    minutes = ctx.minutes
    secure = (services.settings.public_url or "").startswith("https://")
    return render(
        "manage.html",
        status,
        [("Set-Cookie", csrf_cookie(csrf, secure=secure))],
        stage=ctx.stage.name,
        company=ctx.kit.company,
        minutes=minutes,
        location=ctx.interview.location,
        time=shown([ctx.interview.starts_at], minutes, tz)[0],
        zone=tz.key,
        problem=notice or _problem(ctx, used, services.clock.now()),
        csrf=csrf,
    )


def move_post(services: Services, token: str, csrf: str) -> Page | None:
    """*Need a different time?* posted: a fresh link with new times (a redirect to it), or the page
    saying why not. None: the token is not a move link."""
    found = _booked(services, token)
    if found is None:
        return None
    ctx, used = found
    now = services.clock.now()
    if _problem(ctx, used, now):
        return manage_page(services, token, csrf, status=409)
    minutes = ctx.minutes
    free = services.free_slots(ctx.panel, limits_for(ctx.kit, ctx.stage), minutes, besides=ctx.interview.id,
                               timeout=CALENDAR_WAIT)  # fmt: skip
    with services.db.transaction() as session:
        made = offer_move(session, services.kits, ctx, free.slots, services.settings.organizer_zone,
                          actor=PAGE_ACTOR, now=now, by_link=True,
                          recruiters=services.permissions.recruiter_ids)  # fmt: skip
    if made is None or made.token is None:
        notice = f"There is no other time that suits your interviewers soon: {ASK_BY_EMAIL}"
        return manage_page(services, token, csrf, status=409, notice=notice)
    return Page(303, b"", [("Location", BOOK_PREFIX + made.token)])
