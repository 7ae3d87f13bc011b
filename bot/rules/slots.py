"""The slot finder: when a whole panel can meet, and why any other time is not offered.

Plain Python over what the caller gathered (each person's zone, working hours, busy times from
their calendar, the rounds already booked in the bot and their caps). A time is offered when, for
everyone on the panel:

- the round lies inside one span of their working hours;
- nothing they are busy with overlaps it, with the buffers before and after it;
- they have fewer rounds that local day than their daily cap, and that ISO week than their weekly one;
- it starts after the minimum notice (in their working hours from now) and before the horizon (the
  end of their n-th working day from now).

Starts are on a 15-minute grid (the same in every zone with whole, half or quarter-hour offsets).
Busy times are merged and swept once per person in time order, so the cost grows linearly in the
number of candidate starts and of busy spans (after one sort).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.rules.working_hours import WorkingHours

Span = tuple[datetime, datetime]
# In the order they are checked: the first a person breaks is the one `explain` gives for them.
Why = Literal["outside_hours", "busy", "day_cap", "week_cap", "notice", "horizon"]
STEP = timedelta(minutes=15)


@dataclass(frozen=True)
class Limits:
    buffer_before: timedelta = timedelta(minutes=10)
    buffer_after: timedelta = timedelta(minutes=10)
    # Counted in each person's working time from now.
    notice: timedelta = timedelta(hours=4)
    horizon_days: int = 10


@dataclass(frozen=True)
class Availability:
    """One panel member, as the finder needs them. `busy`: from their calendar; `booked`: the
    rounds they already have in the bot (busy too, and counted against their caps)."""

    user_id: str
    tz: ZoneInfo
    hours: WorkingHours = field(default_factory=WorkingHours.default)
    busy: Sequence[Span] = ()
    booked: Sequence[Span] = ()
    max_per_day: int = 3
    max_per_week: int = 8


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    # Rounds the panel already has on the day (each person's own local day), summed.
    load: int


@dataclass(frozen=True)
class Reason:
    user_id: str
    why: Why
    # For busy: the span in the way (UTC); for caps: how many they have; outside hours: the time on
    # their clock; notice: the earliest time they may be booked (UTC); else empty.
    detail: str = ""


def _merged(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _ceil(moment: datetime) -> datetime:
    base = moment.astimezone(UTC).replace(second=0, microsecond=0)
    if base < moment:
        base += timedelta(minutes=1)
    return base + timedelta(minutes=(-base.minute) % 15)


class _Person:
    """One member's rules, precomputed over the window."""

    def __init__(self, who: Availability, now: datetime, limits: Limits, until: datetime) -> None:
        self.who = who
        self.limits = limits
        self.working = list(who.hours.spans(who.tz, now, until))
        self.earliest = _after_working(self.working, now, limits.notice)
        self.latest = _working_day_end(who, now, limits.horizon_days)
        self.busy = _merged([*who.busy, *who.booked])
        self.busy_ends = [end for _, end in self.busy]
        self.work_ends = [end for _, end in self.working]
        self.per_day = Counter(start.astimezone(who.tz).date() for start, _ in who.booked)
        self.per_week = Counter(start.astimezone(who.tz).isocalendar()[:2] for start, _ in who.booked)

    def reason(self, start: datetime, end: datetime) -> Reason | None:
        who, limits = self.who, self.limits
        at = bisect.bisect_right(self.work_ends, start)
        if at == len(self.working) or not (self.working[at][0] <= start and end <= self.working[at][1]):
            return Reason(who.user_id, "outside_hours", f"{start.astimezone(who.tz):%a %H:%M}")
        lo, hi = start - limits.buffer_before, end + limits.buffer_after
        at = bisect.bisect_right(self.busy_ends, lo)
        if at < len(self.busy) and self.busy[at][0] < hi:
            busy_start, busy_end = self.busy[at]
            return Reason(who.user_id, "busy", f"{busy_start:%Y-%m-%dT%H:%MZ}/{busy_end:%H:%MZ}")
        local = start.astimezone(who.tz)
        if self.per_day[local.date()] >= who.max_per_day:
            return Reason(who.user_id, "day_cap", str(self.per_day[local.date()]))
        if self.per_week[local.isocalendar()[:2]] >= who.max_per_week:
            return Reason(who.user_id, "week_cap", str(self.per_week[local.isocalendar()[:2]]))
        if start < self.earliest:
            return Reason(who.user_id, "notice", f"{self.earliest:%Y-%m-%dT%H:%MZ}")
        if start > self.latest:
            return Reason(who.user_id, "horizon")
        return None

    def load(self, start: datetime) -> int:
        return self.per_day[start.astimezone(self.who.tz).date()]


def _after_working(working: list[Span], now: datetime, notice: timedelta) -> datetime:
    """When `notice` of working time has gone by after `now`."""
    if notice <= timedelta(0):
        return now
    left = notice
    for start, end in working:
        begin = max(start, now)
        if end <= begin:
            continue
        if end - begin >= left:
            return begin + left
        left -= end - begin
    return working[-1][1] if working else now + notice


def _working_day_end(who: Availability, now: datetime, days: int) -> datetime:
    """The end of the person's `days`-th working day from today (today counts if any of it is left)."""
    local: date = now.astimezone(who.tz).date()
    found = 0
    for _ in range(days * 7 + 7):
        spans = list(who.hours.spans(who.tz, _midnight(local, who.tz), _midnight(local, who.tz, 1)))
        if spans and spans[-1][1] > now:
            found += 1
            if found == days:
                return spans[-1][1]
        local += timedelta(days=1)
    return now + timedelta(days=days)


def _midnight(day: date, tz: ZoneInfo, plus: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=plus), datetime.min.time(), tzinfo=tz).astimezone(UTC)


def _people(
    panel: Sequence[Availability], now: datetime, limits: Limits, until: datetime | None = None
) -> list[_Person]:
    until = max(until or now, now + timedelta(days=limits.horizon_days * 7 // 5 + 7))
    return [_Person(who, now, limits, until) for who in panel]


def find_slots(
    panel: Sequence[Availability], minutes: int, now: datetime, limits: Limits = Limits(), count: int = 25
) -> list[Slot]:
    """The earliest `count` times the whole panel can meet for `minutes`, in time order (ties: the
    less loaded panel first)."""
    if not panel:
        return []
    people = _people(panel, now, limits)
    length = timedelta(minutes=minutes)
    start = _ceil(max(p.earliest for p in people))
    last = min(p.latest for p in people)
    found: list[Slot] = []
    while start <= last and len(found) < count:
        end = start + length
        if all(p.reason(start, end) is None for p in people):
            found.append(Slot(start, end, sum(p.load(start) for p in people)))
        start += STEP
    return sorted(found, key=lambda s: (s.starts_at, s.load))


def explain(
    panel: Sequence[Availability], starts_at: datetime, minutes: int, now: datetime, limits: Limits = Limits()
) -> list[Reason]:
    """Why a round at `starts_at` is not offered: one reason per panel member who stands in the
    way (the first rule they break, in the order the module lists them); [] when it would be."""
    end = starts_at + timedelta(minutes=minutes)
    people = _people(panel, now, limits, end + timedelta(days=1))
    return [r for p in people if (r := p.reason(starts_at, end)) is not None]


@dataclass(frozen=True)
class PoolSlot(Slot):
    """A time, and the panel chosen for it from a pool."""

    panel: tuple[str, ...] = ()
    # A trainee free then too, to shadow or reverse-shadow it (bot/rules/training.py).
    trainee: str | None = None


Choose = Callable[[list[str], datetime], tuple[str, ...] | None]


def find_pool_slots(
    members: Sequence[Availability], minutes: int, now: datetime, limits: Limits, choose: Choose, count: int = 25,
    trainees: Sequence[str] = (),
) -> list[PoolSlot]:  # fmt: skip
    """The earliest `count` times at which `choose` finds a panel among the members free then, each
    with the first of `trainees` (among the members too) free then, if any."""
    if not members:
        return []
    people = _people(members, now, limits)
    length = timedelta(minutes=minutes)
    start, last = _ceil(min(p.earliest for p in people)), max(p.latest for p in people)
    found: list[PoolSlot] = []
    while start <= last and len(found) < count:
        end = start + length
        free = [p.who.user_id for p in people if p.reason(start, end) is None]
        panel = choose([u for u in free if u not in trainees], start)
        if panel:
            load = sum(p.load(start) for p in people if p.who.user_id in panel)
            trainee = next((t for t in trainees if t in free), None)
            found.append(PoolSlot(start, end, load, panel, trainee))
        start += STEP
    return found


def why_never(members: Sequence[Availability], minutes: int, now: datetime, limits: Limits) -> list[Reason]:
    """For each member, what most often keeps them out over the window (their working hours aside,
    unless nothing else does): why a pool has no time to offer."""
    people = _people(members, now, limits)
    length = timedelta(minutes=minutes)
    start, last = _ceil(now), max((p.latest for p in people), default=now)
    seen: dict[str, Counter[Why]] = {p.who.user_id: Counter() for p in people}
    example: dict[tuple[str, Why], Reason] = {}
    while start <= last:
        for p in people:
            reason = p.reason(start, start + length)
            if reason is not None:
                seen[p.who.user_id][reason.why] += 1
                example.setdefault((p.who.user_id, reason.why), reason)
        start += STEP
    out = []
    for user_id, counts in seen.items():
        everything: list[Why] = [w for w, _ in counts.most_common()]
        ranked = [w for w in everything if w != "outside_hours"] or everything
        if ranked:
            out.append(example[(user_id, ranked[0])])
    return out
