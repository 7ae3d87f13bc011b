"""A panel, as the slot finder needs it: each member's zone, hours and caps (the `person` table),
the rounds they already have in the bot, and what their calendars said (gathered by the caller).

Also the check a recruiter's own time goes through: the same rules as the suggestions, in the
booking transaction, after the panel's locks (bot/rules/clashes.py), so caps hold under races.
The horizon is left out there: a recruiter may book further ahead than times are offered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.rules.holds import held_spans
from bot.rules.people import schedule_of
from bot.rules.slots import Availability, Limits, Reason, Slot, Span, explain, find_slots
from models.kit import Kit, Stage
from models.tables import Candidate, Interview, InterviewKind, InterviewStatus, PanelMember


@dataclass(frozen=True)
class PanelTimes:
    """What was gathered outside the bot about the panel's time: each member's zone (from Slack),
    their calendars' busy spans, and whose calendar did not answer (their rounds in the bot still
    count)."""

    zones: Mapping[str, str] = field(default_factory=dict)
    busy: Mapping[str, Sequence[Span]] = field(default_factory=dict)
    silent: tuple[str, ...] = ()
    # The offer being picked from: its own held times do not block the pick (bot/rules/holds.py).
    picking: int | None = None


@dataclass(frozen=True)
class Found:
    slots: list[Slot]
    panel: list[Availability]
    silent: tuple[str, ...]


def limits_for(kit: Kit, stage: Stage | None) -> Limits:
    buffer = timedelta(
        minutes=stage.buffer_minutes if stage and stage.buffer_minutes is not None else kit.scheduling.buffer_minutes
    )
    return Limits(
        buffer_before=buffer,
        buffer_after=buffer,
        notice=timedelta(hours=kit.scheduling.notice_hours),
        horizon_days=kit.scheduling.horizon_days,
    )


def window(now: datetime, limits: Limits) -> tuple[datetime, datetime]:
    """The span the finder may look at: calendars are asked for this (the horizon in working days,
    with weekends and a margin for zones)."""
    return now, now + timedelta(days=limits.horizon_days * 7 // 5 + 7)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def booked_spans(
    session: Session, panel: Collection[str], starts_at: datetime, ends_at: datetime
) -> dict[str, list[tuple[int, datetime, datetime]]]:
    """The panel's scheduled meetings in the bot between the two times (take-homes and reviews are
    not meetings), by person: (round id, start, end)."""
    found: dict[str, list[tuple[int, datetime, datetime]]] = defaultdict(list)
    if not panel:
        return found
    query = (
        select(PanelMember.interviewer_id, Interview.id, Interview.starts_at, Interview.ends_at)
        .join(Interview, col(Interview.id) == col(PanelMember.interview_id))
        .where(
            col(PanelMember.interviewer_id).in_(set(panel)),
            col(Interview.status) == InterviewStatus.scheduled,
            col(Interview.kind) != InterviewKind.assignment,
            col(Interview.starts_at) < col(Interview.ends_at),
            col(Interview.starts_at) < ends_at,
            col(Interview.ends_at) > starts_at,
        )
    )
    for user_id, interview_id, start, end in session.exec(query):
        found[user_id].append((interview_id or 0, start, end))
    return found


def _without(busy: Sequence[Span], taken: Sequence[Span]) -> list[Span]:
    """`busy` less the times in `taken`. A connected calendar holds the bot's own rounds too: they
    are counted from the bot (with their ids, so a round being moved does not block itself)."""
    out = list(busy)
    for cut_start, cut_end in taken:
        kept: list[Span] = []
        for start, end in out:
            if end <= cut_start or start >= cut_end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if end > cut_end:
                kept.append((cut_end, end))
        out = kept
    return out


def panel_of(
    session: Session,
    panel: Sequence[str],
    times: PanelTimes,
    now: datetime,
    limits: Limits,
    *,
    besides: int | None = None,
    around: datetime | None = None,
) -> list[Availability]:
    # Caps count whole local days and ISO weeks, so the bookings are read a week either side.
    start, end = window(now, limits)
    if around is not None:
        start, end = min(start, around), max(end, around)
    booked = booked_spans(session, panel, start - timedelta(days=8), end + timedelta(days=8))
    held = held_spans(session, panel, now)
    out: list[Availability] = []
    for user_id in dict.fromkeys(panel):
        schedule = schedule_of(session, user_id)
        rounds = booked.get(user_id, [])
        holds = held.get(user_id, [])
        # The calendar holds the bot's rounds and holds too: they are counted from the bot instead.
        calendar = _without(times.busy.get(user_id, ()), [(s, e) for _, s, e in [*rounds, *holds]])
        calendar = sorted([*calendar, *((s, e) for offer_id, s, e in holds if offer_id != times.picking)])
        out.append(
            Availability(
                user_id=user_id,
                tz=zone(times.zones.get(user_id)),
                hours=schedule.hours,
                busy=tuple(calendar),
                booked=tuple((s, e) for interview_id, s, e in rounds if interview_id != besides),
                max_per_day=schedule.max_per_day,
                max_per_week=schedule.max_per_week,
            )
        )
    return out


def suggest(
    session: Session,
    panel: Sequence[str],
    times: PanelTimes,
    minutes: int,
    now: datetime,
    limits: Limits,
    *,
    besides: int | None = None,
    count: int = 25,
) -> Found:
    people = panel_of(session, panel, times, now, limits, besides=besides)
    return Found(find_slots(people, minutes, now, limits, count), people, times.silent)


def not_free(
    session: Session,
    panel: Sequence[str],
    times: PanelTimes,
    starts_at: datetime,
    minutes: int,
    now: datetime,
    limits: Limits,
    *,
    besides: int | None = None,
) -> list[Reason]:
    """Why the panel cannot meet at `starts_at` (each member's first broken rule), the horizon
    aside; [] when they can."""
    people = panel_of(session, panel, times, now, limits, besides=besides, around=starts_at)
    return [r for r in explain(people, starts_at, minutes, now, limits) if r.why != "horizon"]


def usual_panel(session: Session, role_id: int, stage_key: str) -> list[str]:
    """The panel of the role's latest round at this stage (for any candidate): who usually
    interviews for it. [] when the stage has had no round yet."""
    latest = session.exec(
        select(Interview.id)
        .join(Candidate, col(Candidate.id) == col(Interview.candidate_id))
        .where(
            col(Candidate.role_id) == role_id,
            col(Interview.stage_key) == stage_key,
            col(Interview.kind) != InterviewKind.assignment,
        )
        .order_by(col(Interview.starts_at).desc(), col(Interview.id).desc())
        .limit(1)
    ).first()
    if latest is None:
        return []
    members = session.exec(select(PanelMember.interviewer_id).where(col(PanelMember.interview_id) == latest)).all()
    return sorted(members)
