"""No double booking: a round is not booked over another meeting of anyone on its panel, unless
the recruiter says so (the override is noted in the candidate's thread).

Checked inside the booking transaction, after taking a lock per panel member, so two recruiters
booking the same person at the same moment end with one booking and one refusal: on PostgreSQL a
transaction-scoped advisory lock per person (taken in sorted order, so two panels never deadlock);
on SQLite the write transaction itself (BEGIN IMMEDIATE: one writer at a time).
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from bot.rules.availability import PanelTimes, not_free
from bot.rules.errors import UserError
from bot.rules.round_events import Overrides
from bot.rules.slots import Limits, Reason
from models.tables import Interview, InterviewKind, InterviewStatus, PanelMember

# The advisory lock space of panel members (the dispatcher's claim lock is another number).
LOCK_SPACE = 0x0B07


@dataclass(frozen=True)
class Booked:
    """A panel member's meeting that overlaps the new time."""

    user_id: str
    interview_id: int
    starts_at: datetime
    ends_at: datetime


class Clash(UserError):
    """The new time overlaps meetings of people on the panel, or breaks someone's hours, calendar,
    caps or notice; the form says whose and why, and offers the override."""

    def __init__(self, booked: Sequence[Booked], reasons: Sequence[Reason] = ()) -> None:
        people = ", ".join(dict.fromkeys([f"<@{b.user_id}>" for b in booked] + [f"<@{r.user_id}>" for r in reasons]))
        super().__init__(
            f"{people} cannot meet then: pick another time, or tick *Schedule anyway*.",
            field="time",
        )
        self.booked = tuple(booked)
        self.reasons = tuple(reasons)


def lock_panel(session: Session, panel: Collection[str]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the write transaction already holds the database
    for user_id in sorted(set(panel)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": LOCK_SPACE, "key": zlib.crc32(user_id.encode()) - 2**31},
        )


def booked_over(
    session: Session, panel: Collection[str], starts_at: datetime, ends_at: datetime, *, besides: int | None = None
) -> list[Booked]:
    """The panel's scheduled meetings overlapping [starts_at, ends_at), other than round `besides`.
    Take-home assignments (days long, no meeting) and reviews (no time) are not meetings."""
    if not panel:
        return []
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
        .order_by(col(Interview.starts_at))
    )
    if besides is not None:
        query = query.where(col(Interview.id) != besides)
    return [Booked(user, interview_id or 0, start, end) for user, interview_id, start, end in session.exec(query)]


def check_panel(
    session: Session,
    panel: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
    *,
    besides: int | None = None,
    anyway: bool = False,
    times: PanelTimes | None = None,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> Overrides:
    """Lock the panel and refuse a clash (raises Clash), unless `anyway`: then what was overridden.
    With `times` (what the form gathered: zones, calendars) the time must also suit everyone's
    hours, calendar, caps and notice; without (the CLI, the demo), only the bot's own bookings count."""
    lock_panel(session, panel)
    booked = booked_over(session, panel, starts_at, ends_at, besides=besides)
    reasons: list[Reason] = []
    if times is not None and now is not None:
        minutes = int((ends_at - starts_at).total_seconds() // 60)
        overlapped = {b.user_id for b in booked}
        # Another interview is already the reason for whoever has one then.
        reasons = [
            r
            for r in not_free(session, panel, times, starts_at, minutes, now, limits or Limits(), besides=besides)
            if not (r.why == "busy" and r.user_id in overlapped)
        ]
    if (booked or reasons) and not anyway:
        raise Clash(booked, reasons)
    return Overrides(tuple(dict.fromkeys(b.user_id for b in booked)), tuple((r.user_id, r.why) for r in reasons))
