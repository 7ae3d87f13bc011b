"""Offering a candidate times to pick from: which times (the slot finder's, spread over days), the
offer's life (open until picked, declined or expired: answered once), and booking a pick through
the same path as a recruiter's booking, so it cannot double book.

A pick is checked inside the booking transaction: the offer row is locked first (a double click
or a replayed request books once), then the panel (bot/rules/clashes.py: two candidates picking
the same interviewer's time at the same moment end with one booking; the other is told the time
was just taken, with what is still free among the rest).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from itertools import groupby
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.rules.availability import PanelTimes, not_free
from bot.rules.candidates import get_candidate
from bot.rules.clashes import Clash
from bot.rules.errors import NotFound, UserError
from bot.rules.holds import queue_holds
from bot.rules.kits import KitCatalog
from bot.rules.message_kinds import Kind, outbox_row
from bot.rules.offer_links import new_token
from bot.rules.roles import kit_for, role_recruiters
from bot.rules.rounds import RoundContext
from bot.rules.scheduling import parse_panel, reschedule_round, schedule_round
from bot.rules.slots import Limits, Slot
from bot.rules.thread_notes import note, thread_channel
from models.kit import TIMED_STAGE_KINDS
from models.offers import Offer, OfferStatus
from models.tables import Candidate, Role

ISO = "%Y-%m-%dT%H:%M:%SZ"
# A time offered: a slot, or one chosen from a pool with its panel.
S = TypeVar("S", bound=Slot)


def spread(slots: Sequence[S], count: int, days: int, tz: ZoneInfo) -> list[S]:
    """`count` of the slots over at least `days` of the candidate's local days where the slots
    allow: one from each of the first `days` days in turn (the earliest first), then the next day's
    once those run out, so no single day takes them all. Within a day, a time that does not overlap
    those already taken comes first, so the choice is real (not 14:00 and 14:15)."""
    by_day = [list(group) for _, group in groupby(slots, key=lambda s: s.starts_at.astimezone(tz).date())]
    used, rest = by_day[: max(days, 1)], by_day[max(days, 1) :]
    chosen: list[S] = []
    while len(chosen) < count:
        taken = False
        for day in used:
            if day and len(chosen) < count:
                apart = next((s for s in day if not any(_overlap(s, c) for c in chosen)), day[0])
                day.remove(apart)
                chosen.append(apart)
                taken = True
        if not taken:
            if not rest:
                break
            used.append(rest.pop(0))
    return sorted(chosen, key=lambda s: s.starts_at)


def _overlap(a: Slot, b: Slot) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


# A candidate is offered times inside their own day where the panel's times allow.
DAY_STARTS, DAY_ENDS = time(8), time(20)


def in_their_day(slots: Sequence[S], tz: ZoneInfo) -> list[S]:
    """The slots that start and end between 08:00 and 20:00 on one of the candidate's days."""
    return [
        s
        for s in slots
        if s.starts_at.astimezone(tz).time() >= DAY_STARTS
        and s.ends_at.astimezone(tz).date() == s.starts_at.astimezone(tz).date()
        and s.ends_at.astimezone(tz).time() <= DAY_ENDS
    ]


def make_offer(
    session: Session,
    kits: KitCatalog,
    *,
    candidate_id: int,
    stage_key: str,
    panel: list[str],
    times: Sequence[datetime],
    minutes: int,
    location: str | None,
    actor: str,
    now: datetime,
    by_link: bool = False,
    moves_id: int | None = None,
    recruiters: Collection[str] = (),
    pool: Mapping[datetime, tuple[Sequence[str], str | None]] | None = None,
) -> Made:
    """Save an offer (one transaction with what announces it): a DM to the candidate in Slack, or,
    `by_link` or for a candidate without a Slack user, a booking page's link for the recruiter to
    send. `moves_id`: the round a pick moves rather than books; `pool`: offered *From the pool*, each
    time's panel and trainee (`panel` is ignored). Raises UserError naming the field."""
    candidate = get_candidate(session, candidate_id, lock=True)
    if candidate.status != "active":
        raise UserError(f"{candidate.name} is {candidate.status}; reopen them before offering times.", field="stage")
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kit_for(kits, role)
    try:
        stage = kit.stage(stage_key)
    except KeyError:
        raise UserError(f"The kit has no stage '{stage_key}'.", field="stage") from None
    if stage.kind not in TIMED_STAGE_KINDS:
        raise UserError(f"{stage.name} is not a meeting: there is no time to offer.", field="stage")
    if pool is not None:
        missing = [t for t in times if t not in pool]
        if missing:
            raise UserError("Each time offered from the pool needs its panel: pick the times again.", field="times")
        panel = sorted({u for t in times for u in pool[t][0]})
    people = parse_panel(panel)
    if not people:
        raise UserError("Pick at least one interviewer.", field="interviewers")
    if candidate.slack_user_id and candidate.slack_user_id in people:
        raise UserError(f"{candidate.name} cannot be on their own panel.", field="interviewers")
    starts = sorted(set(times))
    if not starts:
        raise UserError("There is no time to offer: pick other interviewers, or a later week.", field="time")
    if starts[0] <= now:
        raise UserError("One of the times has already passed; offer new ones.", field="time")
    if not 5 <= minutes <= 600:
        raise UserError("The length must be between 5 and 600 minutes.", field="duration")
    offer = Offer(
        candidate_id=candidate_id,
        stage_key=stage.key,
        panel=people,
        minutes=minutes,
        times=[t.strftime(ISO) for t in starts],
        location=(location or "").strip() or None,
        expires_at=now + timedelta(hours=kit.scheduling.offer_expiry_hours),
        created_by=actor[:64],
        created_at=now,
        moves_id=moves_id,
        holds=kit.scheduling.holds,
    )
    if pool is not None:
        offer.pool_panels = {t.strftime(ISO): list(pool[t][0]) for t in starts}
        offer.pool_trainees = {t.strftime(ISO): trainee for t in starts if (trainee := pool[t][1])}
    # A new offer replaces the candidate's open ones: one set of times (and one link) is live at once.
    for earlier in session.exec(
        select(Offer).where(col(Offer.candidate_id) == candidate_id, col(Offer.status) == OfferStatus.open)
    ).all():
        earlier.status, earlier.answered_at = OfferStatus.expired, now
        session.add(earlier)
        queue_holds(session, earlier, now, "released")
    token = None
    if by_link or not candidate.slack_user_id:
        token, offer.token_hash = new_token()
    session.add(offer)
    session.flush()
    if token is None:
        session.add(outbox_row(Kind.offer, candidate.slack_user_id or "", candidate_id, None, now, now,
                               tag=f"offer{offer.id}", payload={"offer": offer.id}))  # fmt: skip
    payload = {"note": "offer", "offer": offer.id, "actor": actor, "link": token is not None, "moves": bool(moves_id)}
    note(session, candidate, payload, now)
    _answered(session, offer, "expired", now, recruiters, due=offer.expires_at)
    queue_holds(session, offer, now, "put")
    queue_holds(session, offer, now, "expired", due=offer.expires_at)
    return Made(offer, token)


@dataclass(frozen=True)
class Made:
    offer: Offer
    token: str | None  # the booking page's, shown once: only its hash is stored


class OfferClosed(UserError):
    """The offer was already answered or has expired: nothing changes."""


class TimeTaken(UserError):
    """The picked time was just taken; `left`: the offer's times still free for the panel."""

    def __init__(self, left: Sequence[datetime]) -> None:
        more = "Pick another of the times." if left else "None of the offered times is free any more."
        super().__init__(f"That time was just taken. {more}", field="time")
        self.left = tuple(left)


def offered(offer: Offer) -> list[datetime]:
    return [datetime.strptime(t, ISO).replace(tzinfo=ZoneInfo("UTC")) for t in offer.times]


def still_to_come(offer: Offer, now: datetime) -> list[datetime]:
    """The offered times not yet begun: the ones a candidate may still pick."""
    return [t for t in offered(offer) if t > now]


def closed_reason(offer: Offer, now: datetime) -> str | None:
    """Why the offer can no longer be answered, as the candidate reads it (None: it is open)."""
    if offer.status == OfferStatus.open:
        # Past its expiry but not yet swept by `expire_offers`: expired all the same.
        return "These times have expired: your recruiter will send new ones." if now >= offer.expires_at else None
    said = {
        OfferStatus.booked: "A time was already picked from these.",
        OfferStatus.declined: "You already said none of these times work.",
        OfferStatus.expired: "These times have expired: your recruiter will send new ones.",
    }
    return said.get(OfferStatus(offer.status), "This offer is closed.")


def _open_offer(session: Session, offer_id: int, now: datetime) -> Offer:
    offer = session.get(Offer, offer_id, with_for_update=True)
    if offer is None:
        raise NotFound("This offer no longer exists.")
    closed = closed_reason(offer, now)
    if closed:
        raise OfferClosed(closed)
    return offer


def pick(
    session: Session,
    kits: KitCatalog,
    offer_id: int,
    starts_at: datetime,
    *,
    actor: str,
    now: datetime,
    times: PanelTimes | None = None,
    recruiters: Collection[str] = (),
) -> RoundContext:
    """Book the picked time (the lifecycle's `scheduled`, as for a recruiter's booking). Raises
    OfferClosed, or TimeTaken (the offer stays open, with what is left of its times)."""
    offer = _open_offer(session, offer_id, now)
    times = replace(times, picking=offer.id) if times is not None else None  # its own holds do not block it
    if starts_at not in offered(offer):
        raise UserError("That time is not one of the offered times.", field="time")
    if starts_at <= now:
        raise TimeTaken(_still_free(session, offer, times, now))
    try:
        if offer.moves_id is not None:
            # The candidate's own reschedule: the round moves (the lifecycle's `rescheduled`).
            ctx = reschedule_round(
                session, kits, offer.moves_id, starts_at=starts_at, duration_minutes=offer.minutes,
                location=offer.location, interviewer_ids=None, actor=actor, now=now, recruiters=recruiters,
                times=times,
            )  # fmt: skip
        else:
            ctx = _book(session, kits, offer, starts_at, actor=actor, now=now, times=times, recruiters=recruiters)
    except Clash:
        raise TimeTaken([t for t in _still_free(session, offer, times, now) if t != starts_at]) from None
    offer.status, offer.interview_id, offer.answered_at = OfferStatus.booked, ctx.interview.id, now
    session.add(offer)
    queue_holds(session, offer, now, "released")
    session.flush()
    return ctx


def _book(
    session: Session, kits: KitCatalog, offer: Offer, starts_at: datetime, *, actor: str, now: datetime,
    times: PanelTimes | None, recruiters: Collection[str],
) -> RoundContext:  # fmt: skip
    """The picked time's round, with its panel (and trainee, from a pool). A trainee who can no
    longer take it (booked since, or their path moved on) is left out rather than the pick refused."""
    at = starts_at.strftime(ISO)

    def book(trainee: str | None) -> RoundContext:
        return schedule_round(
            session, kits, candidate_id=offer.candidate_id, stage_key=offer.stage_key,
            interviewer_ids=offer.panel_at(at), starts_at=starts_at, duration_minutes=offer.minutes,
            location=offer.location, actor=actor, now=now, recruiters=recruiters, times=times, trainee=trainee,
        )  # fmt: skip

    trainee = offer.trainee_at(at)
    if trainee is None:
        return book(None)
    try:
        return book(trainee)
    except UserError:
        # The trainee's clash or training refused; anything else is refused again without them.
        return book(None)


def _still_free(session: Session, offer: Offer, times: PanelTimes | None, now: datetime) -> list[datetime]:
    panel_times = times or PanelTimes()
    return [
        t
        for t in still_to_come(offer, now)
        if not not_free(
            session,
            offer.panel_at(t.strftime(ISO)),
            panel_times,
            t,
            offer.minutes,
            now,
            Limits(notice=timedelta(0)),
            besides=offer.moves_id,
        )
    ]


def expire_offers(session: Session, now: datetime) -> list[Offer]:
    """Mark expired the open offers past their expiry (a scheduled sweep, for the record: an open
    offer past its expiry is closed everywhere already, and its news was queued with it), and those
    of candidates no longer active (rejected, hired, on hold, purged), whose holds are released now
    rather than at the offer's expiry."""
    due = session.exec(
        select(Offer)
        .where(col(Offer.status) == OfferStatus.open, col(Offer.expires_at) <= now)
        .with_for_update(skip_locked=True)
    ).all()
    gone = session.exec(
        select(Offer)
        .join(Candidate, col(Candidate.id) == col(Offer.candidate_id))
        .where(col(Offer.status) == OfferStatus.open, col(Candidate.status) != "active")
        .with_for_update(skip_locked=True, of=Offer)
    ).all()
    for offer in due:
        offer.status, offer.answered_at = OfferStatus.expired, now
        session.add(offer)
    for offer in gone:
        if offer.status == OfferStatus.open:
            offer.status, offer.answered_at = OfferStatus.expired, now
            session.add(offer)
            queue_holds(session, offer, now, "released")
    session.flush()
    return list({o.id: o for o in [*due, *gone]}.values())


def _answered(
    session: Session, offer: Offer, what: str, now: datetime, recruiters: Collection[str], due: datetime | None = None
) -> None:
    """The thread's and the recruiters' news of an offer answered without a pick: now, or (`due`)
    at its expiry, sent then only if nothing answered it before (bot/delivery/renderers/offers.py)."""
    candidate = get_candidate(session, offer.candidate_id)
    role = session.get(Role, candidate.role_id)
    assert role is not None
    payload = {"note": "offer", "offer": offer.id, "event": what}
    if candidate.purged_at is None:
        session.add(outbox_row(Kind.thread_note, thread_channel(session, candidate), candidate.id, None, due or now,
                               now, tag=f"offer{offer.id}:{what}", payload=payload))  # fmt: skip
    for recruiter in role_recruiters(role, recruiters) or [offer.created_by]:
        session.add(outbox_row(Kind.offer_answer, recruiter, candidate.id, None, due or now, now,
                               tag=f"offer{offer.id}:{what}", payload={"offer": offer.id, "event": what}))  # fmt: skip


def expiry_noticed(offer: Offer, now: datetime) -> bool:
    """Whether the news of an offer's expiry is still true when it is sent: nothing picked,
    declined or replaced it before it ran out."""
    if offer.status == OfferStatus.open:
        return now >= offer.expires_at
    return offer.status == OfferStatus.expired and (offer.answered_at or now) >= offer.expires_at


def decline(session: Session, offer_id: int, words: str, *, now: datetime, recruiters: Collection[str] = ()) -> Offer:
    """None of the times work: the candidate's words are kept, relayed into the thread and to the
    role's recruiters."""
    text = words.strip()
    if not text:
        raise UserError("Say which days and times would work for you.", field="note")
    if len(text) > 2000:
        raise UserError("Keep it under 2,000 characters.", field="note")
    offer = _open_offer(session, offer_id, now)
    offer.status, offer.note, offer.answered_at = OfferStatus.declined, text, now
    session.add(offer)
    queue_holds(session, offer, now, "released")
    _answered(session, offer, "declined", now, recruiters)
    session.flush()
    return offer
