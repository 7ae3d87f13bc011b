"""A candidate moving their own round: until a cutoff before it (the kit's, default 24 hours) and
up to a number of times (default 2), they are offered new times for the same panel and picking one
moves the round (bot/rules/offers.py `pick` with `moves_id`). Past either, they are told to write to
their recruiter, which their DM with the bot does (bot/rules/line.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.kit import Kit
from models.tables import Interview, InterviewStatus, Offer, OfferStatus

ASK_RECRUITER = "reply here with the times that would suit you and your recruiter will sort it out."


def moves_used(session: Session, interview_id: int) -> int:
    """How many times the candidate has moved this round themselves."""
    query = select(func.count()).where(col(Offer.moves_id) == interview_id, col(Offer.status) == OfferStatus.booked)
    return int(session.exec(query).one())


def may_move(kit: Kit, interview: Interview, used: int, now: datetime) -> str | None:
    """Why the candidate cannot move the round themselves, as they read it (None: they can)."""
    if interview.status != InterviewStatus.scheduled or interview.starts_at <= now:
        return "This round is no longer scheduled, so there is nothing to move."
    rules = kit.scheduling
    if used >= rules.reschedule_limit:
        times = "once" if used == 1 else f"{used} times"
        return f"You have moved this round {times} already, the most that can be done here: {ASK_RECRUITER}"
    if now >= interview.starts_at - timedelta(hours=rules.reschedule_cutoff_hours):
        return (
            f"Your round is less than {rules.reschedule_cutoff_hours} hours away, too close to move it here: "
            + ASK_RECRUITER
        )
    return None


def can_offer_moves(kit: Kit, interview: Interview, used: int, now: datetime) -> bool:
    """Whether the confirmation shows *Need a different time?* at all."""
    return kit.scheduling.reschedule_limit > 0 and may_move(kit, interview, used, now) is None
