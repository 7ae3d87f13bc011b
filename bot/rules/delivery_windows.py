"""Delivery windows and working-day deadlines: when a message may reach its reader, and when
feedback counted in working days is due.

A reader is a person with their working hours (bot/rules/working_hours.py, the default where they
set none) in their Slack time zone; a candidate's window is every day 08:00-21:00 their time.
A message that is not urgent (bot/rules/message_kinds.py) and falls due outside its reader's window
waits for the window's next start. The end of a working range counts as inside: a message due at
17:00 goes out at 17:00.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.rules.availability import zone
from bot.rules.message_kinds import BY_KEY, CALENDAR_KINDS, report_name
from bot.rules.working_hours import WorkingHours
from models.tables import OutboxMessage, OutboxState, PersonRecord

# Candidates are never messaged at night: 21:00 to 08:00 their time.
CANDIDATE_HOURS = WorkingHours.parse("mon-sun 08:00-21:00")
# A prep reminder that would fall at night goes out the evening before, this long before 21:00.
EVENING_MARGIN = timedelta(minutes=30)
# A cancellation or move of a round starting this soon goes out at once: to the team, to the candidate.
SOON_FOR_TEAM = timedelta(hours=24)
SOON_FOR_CANDIDATE = timedelta(hours=12)
# Far enough to find the next working start of anyone who works at least one day a week.
_LOOKAHEAD = timedelta(days=15)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Reader:
    """Whom a message is for, as its delivery window and deadlines need them."""

    hours: WorkingHours
    zone: ZoneInfo
    # Whether the hours are their own (else the default), and whether the zone came from Slack.
    own_hours: bool = False
    known_zone: bool = False

    @classmethod
    def default(cls, tz: str | None = None) -> Reader:
        return cls(WorkingHours.default(), zone(tz), known_zone=bool(tz))

    @classmethod
    def candidate(cls, tz: str | None) -> Reader:
        return cls(CANDIDATE_HOURS, zone(tz), own_hours=True, known_zone=bool(tz))

    def next_start(self, at: datetime) -> datetime:
        """`at` if it is inside the window, else the window's next start."""
        for begin, _ in self.hours.spans(self.zone, at - _TICK, at + _LOOKAHEAD):
            return max(begin, at)
        return at  # no working time at all: nothing to wait for

    def next_day_start(self, at: datetime) -> datetime:
        """The first start of the window on a later day than `at`'s (in the reader's zone): "tomorrow"."""
        today = at.astimezone(self.zone).date()
        for begin, _ in self.hours.spans(self.zone, at, at + _LOOKAHEAD):
            if begin.astimezone(self.zone).date() > today:
                return begin
        return at + timedelta(days=1)

    def working_due(self, start: datetime, hours: float) -> datetime:
        """`hours` after `start` counted in working days: every 24 hours is one of the reader's working
        days (days without hours skipped), at the same wall-clock time; a time outside that day's
        hours moves to the end of the day's hours."""
        if not any(self.hours.days):
            return start + timedelta(hours=hours)
        local = start.astimezone(self.zone)
        days, rest = divmod(hours, 24)
        day = local.date()
        counted = 0
        while counted < int(days):
            day += timedelta(days=1)
            counted += bool(self.hours.days[day.weekday()])
        wall = datetime.combine(day, local.time()) + timedelta(hours=rest)
        ranges = self.hours.days[day.weekday()]
        if wall.date() == day and any(begin <= wall.time() <= end for begin, end in ranges):
            return wall.replace(tzinfo=self.zone).astimezone(UTC)
        while not ranges:  # under a day from a day off: the end of the next working day
            day += timedelta(days=1)
            ranges = self.hours.days[day.weekday()]
        end = ranges[-1][1]
        if end == time.max:
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone).astimezone(UTC)
        return datetime.combine(day, end, tzinfo=self.zone).astimezone(UTC)

    def evening_before(self, at: datetime) -> datetime:
        """For a candidate: `at` if it is inside their window, else the evening before it, by 21:00."""
        if self.next_start(at) == at:
            return at
        local = at.astimezone(self.zone)
        evening = local.date() if local.time() >= time(21) else local.date() - timedelta(days=1)
        return datetime.combine(evening, time(21), tzinfo=self.zone).astimezone(UTC) - EVENING_MARGIN


def readers(session: Session, user_ids: Collection[str]) -> dict[str, Reader]:
    """The people's readers in one query: their hours (the default where none are set) and the zone
    stored from Slack (UTC where none is known yet)."""
    found: dict[str, Reader] = {}
    if not user_ids:
        return found
    for row in session.exec(select(PersonRecord).where(col(PersonRecord.user_id).in_(set(user_ids)))):
        try:
            hours = WorkingHours.parse(row.hours) if row.hours else None
        except ValueError:
            hours = None
        found[row.user_id] = Reader(hours or WorkingHours.default(), zone(row.tz), hours is not None, bool(row.tz))
    return {user_id: found.get(user_id) or Reader.default() for user_id in user_ids}


def urgent(kind: str, *, to_candidate: bool, starts_at: datetime | None, now: datetime) -> bool:
    """Whether a message of `kind` goes out when due whatever the hour: for the team, the kinds marked
    urgent; a cancellation or move of a round starting soon (sooner for a candidate); nothing else
    for a candidate."""
    found = BY_KEY.get(kind)
    if found is None:
        return True
    if found.urgent_if_soon and starts_at is not None:
        return starts_at - now <= (SOON_FOR_CANDIDATE if to_candidate else SOON_FOR_TEAM)
    return found.urgent and not to_candidate


def deliver_at(
    kind: str, due: datetime, reader: Reader | None, *, to_candidate: bool, starts_at: datetime | None, now: datetime
) -> datetime:
    """When a message due at `due` may go out to `reader` (None: a channel, no window)."""
    moment = max(due, now)
    if reader is None or urgent(kind, to_candidate=to_candidate, starts_at=starts_at, now=moment):
        return moment
    return reader.next_start(moment)


def is_person(target: str) -> bool:
    """A Slack user (a DM), as opposed to a channel, which has no hours."""
    return target.startswith(("U", "W"))


def coming_to(
    session: Session, user_id: str, reader: Reader, now: datetime, limit: int = 5
) -> list[tuple[str, datetime]]:
    """What the bot will send `user_id` next (as reports name each kind), and when, their window applied."""
    rows = session.exec(
        select(OutboxMessage.kind, OutboxMessage.due_at)
        .where(
            OutboxMessage.target == user_id,
            OutboxMessage.state == OutboxState.pending,
            col(OutboxMessage.kind).not_in(CALENDAR_KINDS),
        )
        .order_by(col(OutboxMessage.due_at))
        .limit(limit)
    ).all()
    coming = [
        (report_name(kind), deliver_at(kind, due, reader, to_candidate=False, starts_at=None, now=now))
        for kind, due in rows
    ]
    return sorted(coming, key=lambda c: c[1])
