"""A round's whole life: the only writer of rounds and their panels.

Every change (scheduled, moved, cancelled, a take-home's work received, ended) is written here and
emitted, inside the caller's transaction, to the subscribers below: the messages around the round
(bot/rules/message_plan.py), the notes in the candidate's thread (bot/rules/round_notes.py) and
the round's events in connected calendars (bot/rules/calendar_plan.py).
What follows from a change is thereby committed with it, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.rules import calendar_plan, message_plan, round_notes
from bot.rules.assignments import received_at
from bot.rules.kits import KitCatalog
from bot.rules.roles import role_recruiters
from bot.rules.round_events import NO_OVERRIDES, Overrides, RoundEvent
from bot.rules.rounds import REVERSE_SHADOW, SHADOW, RoundContext, load_round
from models.tables import Candidate, Interview, InterviewKind, InterviewStatus, PanelMember

Subscriber = Callable[[Session, RoundEvent], None]
# In this order: the thread's card and note are queued before the messages they precede; the
# calendar writes last (they wait on nothing in Slack).
SUBSCRIBERS: tuple[Subscriber, ...] = (
    round_notes.on_round_event,
    message_plan.on_round_event,
    calendar_plan.on_round_event,
)


def _recruiters(ctx: RoundContext, fallback: Collection[str]) -> tuple[str, ...]:
    """The recruiters who hear what the round's feedback asks them to decide: the role's, or
    `fallback` (the RECRUITERS list) when it names none."""
    return tuple(role_recruiters(ctx.role, fallback))


def emit(session: Session, event: RoundEvent) -> None:
    for subscriber in SUBSCRIBERS:
        subscriber(session, event)
    session.flush()


def open_round(
    session: Session,
    ctx: RoundContext,
    *,
    actor: str,
    now: datetime,
    recruiters: Collection[str] = (),
    overrides: Overrides = NO_OVERRIDES,
) -> RoundContext:
    """Store a new round (`ctx.interview`, not yet stored) and its panel, and emit `scheduled`.
    `overrides`: what the recruiter booked it over (bot/rules/clashes.py)."""
    session.add(ctx.interview)
    session.flush()
    for user_id in ctx.panel:
        training = REVERSE_SHADOW if user_id == ctx.reverse_shadow else None
        session.add(PanelMember(interview_id=ctx.interview.id, interviewer_id=user_id, training=training))  # type: ignore[arg-type]
    for user_id in ctx.shadows:
        session.add(PanelMember(interview_id=ctx.interview.id, interviewer_id=user_id, training=SHADOW))  # type: ignore[arg-type]
    emit(session, RoundEvent("scheduled", ctx, actor, now, _recruiters(ctx, recruiters), overrides=overrides))
    return ctx


def move_round(
    session: Session,
    ctx: RoundContext,
    *,
    starts_at: datetime,
    minutes: int,
    location: str | None,
    panel: list[str],
    actor: str,
    now: datetime,
    recruiters: Collection[str] = (),
    overrides: Overrides = NO_OVERRIDES,
) -> RoundContext:
    """New time, length, place or panel for a scheduled round; emits `moved` with where it was."""
    interview = ctx.interview
    old_starts_at, old_ends_at, old_panel = interview.starts_at, interview.ends_at, tuple(ctx.panel)
    interview.starts_at = starts_at
    interview.ends_at = starts_at + timedelta(minutes=minutes)
    interview.sequence += 1  # every calendar takes this version of the invite over the last
    if location is not None:
        interview.location = location.strip() or None
    session.add(interview)
    for user_id in set(old_panel) - set(panel):
        member = session.get(PanelMember, (interview.id, user_id))
        if member is not None:
            session.delete(member)
    for user_id in panel:
        if user_id in ctx.shadows:  # a shadow put on the panel interviews now
            member = session.get(PanelMember, (interview.id, user_id))
            if member is not None:
                member.training = None
                session.add(member)
        elif user_id not in old_panel:
            session.add(PanelMember(interview_id=interview.id, interviewer_id=user_id))  # type: ignore[arg-type]
    session.flush()
    # Shadows stay with the round; a reverse shadow taken off the panel is no longer one.
    shadows = tuple(u for u in ctx.shadows if u not in panel)
    reverse = ctx.reverse_shadow if ctx.reverse_shadow in panel else None
    moved = RoundContext(interview, ctx.candidate, ctx.role, ctx.kit, ctx.stage, panel, shadows, reverse)
    emit(
        session,
        RoundEvent(
            "moved", moved, actor, now, _recruiters(ctx, recruiters),
            old_starts_at=old_starts_at, old_ends_at=old_ends_at, old_panel=old_panel, overrides=overrides,
        ),
    )  # fmt: skip
    return moved


def cancel(
    session: Session,
    ctx: RoundContext,
    *,
    actor: str,
    now: datetime,
    why: str | None = None,
    quiet: bool = False,
) -> RoundContext:
    """Cancel a scheduled round; emits `cancelled`. `why`: it went with the candidate's stage."""
    ctx.interview.status = InterviewStatus.cancelled
    ctx.interview.sequence += 1
    session.add(ctx.interview)
    session.flush()
    emit(session, RoundEvent("cancelled", ctx, actor, now, why=why, quiet=quiet))
    return ctx


def receive(
    session: Session, ctx: RoundContext, *, actor: str, now: datetime, recruiters: Collection[str] = ()
) -> RoundContext:
    """A take-home's work came in: its round ends now; emits `received`, and `ended` when nobody
    scores it here (it is scored at the presentation)."""
    ctx.interview.ends_at = max(now, ctx.interview.starts_at)
    session.add(ctx.interview)
    session.flush()
    emit(session, RoundEvent("received", ctx, actor, now, _recruiters(ctx, recruiters)))
    if not ctx.panel:
        end(session, ctx, actor=actor, now=now, recruiters=recruiters)
    return ctx


def end(session: Session, ctx: RoundContext, *, actor: str, now: datetime, recruiters: Collection[str] = ()) -> None:
    """The round is closed (every scorecard in, or nothing to score); emits `ended`."""
    ctx.interview.status = InterviewStatus.debriefed
    ctx.interview.debriefed_at = now
    session.add(ctx.interview)
    session.flush()
    emit(session, RoundEvent("ended", ctx, actor, now, _recruiters(ctx, recruiters)))


def open_rounds(session: Session, candidate: Candidate, now: datetime) -> list[Interview]:
    """The candidate's rounds still to come: scheduled meetings and reviews not yet over, and
    take-homes whose work has not come in. Just the rows (the reason forms count them)."""
    rounds = session.exec(
        select(Interview)
        .where(col(Interview.candidate_id) == candidate.id, col(Interview.status) == InterviewStatus.scheduled)
        .order_by(col(Interview.starts_at), col(Interview.id))
    ).all()
    found = []
    for interview in rounds:
        if interview.kind == InterviewKind.assignment:
            if received_at(session, interview) is not None:
                continue
        elif interview.ends_at <= now:
            continue
        found.append(interview)
    return found


def cancel_open_rounds(
    session: Session,
    kits: KitCatalog,
    candidate: Candidate,
    *,
    actor: str,
    now: datetime,
    why: str,
    quiet: bool = False,
) -> int:
    """The candidate left the process (`why`): every round still to come is cancelled, the panel and
    the candidate told. Returns how many."""
    rounds = open_rounds(session, candidate, now)
    for interview in rounds:
        cancel(session, load_round(session, kits, interview.id or 0), actor=actor, now=now, why=why, quiet=quiet)
    return len(rounds)


def erase_locations(session: Session, rounds: list[Interview]) -> int:
    """A purge: the rounds' links and places go (typed by a recruiter, they may name the candidate).
    Returns how many had one."""
    erased = 0
    for interview in rounds:
        if interview.location:
            interview.location = None
            session.add(interview)
            erased += 1
    return erased
