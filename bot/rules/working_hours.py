"""Working hours: when a person may be booked, per weekday in their own time zone.

Written and read as a spec such as `mon-thu 10:00-16:00, fri 10:00-12:00` (several ranges a day:
`mon 09:00-12:00 13:00-17:00`). The default is Monday to Friday, 09:00-17:00. Turned into UTC
spans day by day in the person's zone, so a daylight-saving change moves them the right way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from bot.rules.errors import UserError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXAMPLE = "mon-thu 10:00-16:00, fri 10:00-12:00"
_RANGE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$")
_DAYS = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?$")

Range = tuple[time, time]


def _problem(part: str, why: str) -> UserError:
    return UserError(f"Working hours: `{part}` {why}. Write them like `{EXAMPLE}`.", field="hours")


def _clock(hours: str, minutes: str, part: str) -> time:
    if int(hours) == 24:
        if int(minutes):
            raise _problem(part, "has a time after 24:00")
        return time.max  # the end of the day
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class WorkingHours:
    """Ranges per weekday, Monday first; each day's sorted and apart."""

    days: tuple[tuple[Range, ...], ...]

    @classmethod
    def default(cls) -> WorkingHours:
        office = ((time(9), time(17)),)
        return cls(tuple(office if n < 5 else () for n in range(7)))

    @classmethod
    def parse(cls, spec: str) -> WorkingHours:
        """Raises UserError naming the part that is wrong."""
        days: list[list[Range]] = [[] for _ in DAYS]
        parts = [p.strip() for p in spec.strip().lower().split(",")]
        if not any(parts):
            raise UserError(f"Working hours are empty: write them like `{EXAMPLE}`.", field="hours")
        for part in parts:
            words = part.split()
            if len(words) < 2:
                raise _problem(part or ",", "needs days and at least one time range")
            found = _DAYS.match(words[0])
            if not found or found.group(1) not in DAYS or (found.group(2) and found.group(2) not in DAYS):
                raise _problem(part, f"does not start with days such as `mon` or `mon-fri` ({', '.join(DAYS)})")
            first = DAYS.index(found.group(1))
            last = DAYS.index(found.group(2)) if found.group(2) else first
            if last < first:
                raise _problem(part, "has its days backwards (write `mon-fri`, Monday first)")
            for word in words[1:]:
                times = _RANGE.match(word)
                if not times:
                    raise _problem(part, f"has `{word}`, which is not a time range such as `09:00-17:00`")
                start = _clock(times.group(1), times.group(2), part)
                end = _clock(times.group(3), times.group(4), part)
                if start >= end:
                    raise _problem(part, f"has `{word}`, which ends before it starts")
                for day in range(first, last + 1):
                    days[day].append((start, end))
        for day, ranges in enumerate(days):
            ranges.sort()
            for (_, end), (start, _) in pairwise(ranges):
                if start < end:
                    raise _problem(DAYS[day], "has time ranges that overlap")
        return cls(tuple(tuple(r) for r in days))

    def spec(self) -> str:
        """The canonical spec: runs of days with the same hours written as `mon-fri`."""
        parts: list[str] = []
        day = 0
        while day < 7:
            ranges = self.days[day]
            last = day
            while last + 1 < 7 and self.days[last + 1] == ranges:
                last += 1
            if ranges:
                names = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
                parts.append(names + " " + " ".join(f"{_text(s)}-{_text(e)}" for s, e in ranges))
            day = last + 1
        return ", ".join(parts) or "none"

    def spans(self, tz: ZoneInfo, since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working spans (aware, UTC) that overlap [since, until), in order, clipped to it."""
        day = since.astimezone(tz).date() - timedelta(days=1)
        last = until.astimezone(tz).date()
        while day <= last:
            for start, end in self.days[day.weekday()]:
                begin, finish = _at(day, start, tz), _at(day, end, tz)
                if finish > since and begin < until:
                    yield max(begin, since), min(finish, until)
            day += timedelta(days=1)


def _text(moment: time) -> str:
    return "24:00" if moment == time.max else moment.strftime("%H:%M")


def _at(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """`moment` on `day` in `tz`, as UTC. 24:00 is the next midnight; a time that a spring-forward
    skips is read with the offset before the change (so it lands in the hour after)."""
    if moment == time.max:
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    else:
        local = datetime.combine(day, moment, tzinfo=tz)
    return local.astimezone(UTC)
