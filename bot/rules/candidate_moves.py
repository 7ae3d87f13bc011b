"""A candidate moving their own round: until a cutoff before it (the kit's, default 24 hours) and
up to a number of times (default 2), they are offered new times for the same panel and picking one
moves the round (bot/rules/offers.py `pick` with `moves_id`). Past either, they are told to write to
their recruiter, which their DM with the bot does (bot/rules/line.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.rules.kits import KitCatalog
from bot.rules.offers import Made, in_their_day, make_offer, spread
from bot.rules.rounds import RoundContext
from bot.rules.slots import Slot
from models.kit import Kit
from models.offers import Offer, OfferStatus
from models.tables import Interview, InterviewStatus

# Where the candidate is sent past the cutoff or the limit: their DM with the bot (relayed to the
# thread), or for a candidate on the booking page, their recruiter's e-mail.
ASK_RECRUITER = "reply here with the times that would suit you and your recruiter will sort it out."
ASK_BY_EMAIL = "write to your recruiter with the times that would suit you and they will sort it out."


def moves_used(session: Session, interview_id: int) -> int:
    """How many times the candidate has moved this round themselves."""
    query = select(func.count()).where(col(Offer.moves_id) == interview_id, col(Offer.status) == OfferStatus.booked)
    return int(session.exec(query).one())


def may_move(kit: Kit, interview: Interview, used: int, now: datetime, ask: str = ASK_RECRUITER) -> str | None:
    """Why the candidate cannot move the round themselves, as they read it (None: they can);
    `ask`: whom they should write to instead."""
    if interview.status != InterviewStatus.scheduled or interview.starts_at <= now:
        return "This round is no longer scheduled, so there is nothing to move."
    rules = kit.scheduling
    if used >= rules.reschedule_limit:
        times = "once" if used == 1 else f"{used} times"
        return f"You have moved this round {times} already, the most that can be done here: {ask}"
    if now >= interview.starts_at - timedelta(hours=rules.reschedule_cutoff_hours):
        return f"Your round is less than {rules.reschedule_cutoff_hours} hours away, too close to move it here: {ask}"
    return None


def can_offer_moves(kit: Kit, interview: Interview, used: int, now: datetime) -> bool:
    """Whether the confirmation shows *Need a different time?* at all."""
    return kit.scheduling.reschedule_limit > 0 and may_move(kit, interview, used, now) is None


def offer_move(
    session: Session,
    kits: KitCatalog,
    ctx: RoundContext,
    free: Sequence[Slot],
    tz: ZoneInfo,
    *,
    actor: str,
    now: datetime,
    by_link: bool = False,
    recruiters: Collection[str] = (),
) -> Made | None:
    """New times for the same panel (of `free`, the panel's free times besides this round), in the
    candidate's day where possible and spread over days: offered so that picking one moves the round.
    None when there is no other time."""
    others = [s for s in free if s.starts_at != ctx.interview.starts_at]  # a new time, not the same one
    rules = ctx.kit.scheduling
    chosen = spread(
        in_their_day(others, tz) or others, ctx.stage.offer_count or rules.offer_count, rules.offer_days, tz
    )
    if not chosen:
        return None
    minutes = ctx.minutes
    return make_offer(
        session, kits, candidate_id=ctx.candidate.id or 0, stage_key=ctx.stage.key, panel=list(ctx.panel),
        times=[s.starts_at for s in chosen], minutes=minutes, location=ctx.interview.location, actor=actor,
        now=now, by_link=by_link, moves_id=ctx.interview.id, recruiters=recruiters,
    )  # fmt: skip
