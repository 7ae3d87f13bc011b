"""The slot finder and working hours: plain rules, tested on plain data, and once on the busy
times of a real Radicale calendar (recurrences with EXDATE and a moved occurrence, free, all-day and
cancelled events)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendars.caldav_calendar import CalDavCalendar
from bot.devtools.radicale import Radicale
from bot.rules.errors import UserError
from bot.rules.slots import Availability, Limits, explain, find_slots
from bot.rules.working_hours import WorkingHours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Monday 2 November 2026, 07:00 UTC: 08:00 in Berlin (winter time), 02:00 in New York (winter time).
NOW = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
NO_NOTICE = Limits(notice=timedelta(0))


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_a_spec_reads_back_as_written_and_the_default_is_office_hours() -> None:
    spec = "mon-thu 10:00-16:00, fri 10:00-12:00 13:00-15:30"
    assert WorkingHours.parse(spec).spec() == spec
    assert WorkingHours.parse(" Mon-Fri 09:00-17:00 ").spec() == WorkingHours.default().spec() == "mon-fri 09:00-17:00"
    assert WorkingHours.parse("sat 20:00-24:00").spec() == "sat 20:00-24:00"


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("", "empty"),
        ("mon-thu", "`mon-thu` needs days and at least one time range"),
        ("monday 09:00-17:00", "`monday 09:00-17:00` does not start with days"),
        ("fri-mon 09:00-17:00", "backwards"),
        ("mon 9-5", "`9-5`, which is not a time range"),
        ("mon 17:00-09:00", "`17:00-09:00`, which ends before it starts"),
        ("mon 09:00-12:00 11:00-13:00", "`mon` has time ranges that overlap"),
        ("mon 25:00-26:00", "`25:00-26:00`, which is not a time range"),
    ],
)
def test_a_wrong_spec_is_refused_naming_the_part(spec: str, named: str) -> None:
    with pytest.raises(UserError) as refused:
        WorkingHours.parse(spec)
    assert named in refused.value.message and "mon-thu 10:00-16:00" in refused.value.message


def test_working_hours_follow_the_clocks_across_daylight_saving() -> None:
    hours = WorkingHours.default()
    # Friday 23 October 2026 is on summer time in Berlin, Monday 26 October on winter time.
    spans = list(hours.spans(BERLIN, datetime(2026, 10, 23, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC)))
    assert spans == [
        (datetime(2026, 10, 23, 7, tzinfo=UTC), datetime(2026, 10, 23, 15, tzinfo=UTC)),
        (datetime(2026, 10, 26, 8, tzinfo=UTC), datetime(2026, 10, 26, 16, tzinfo=UTC)),
    ]


def test_the_panel_meets_where_their_hours_overlap_and_nobody_is_busy() -> None:
    ines = Availability("U0INES", BERLIN, busy=[(utc(2, 13), utc(2, 14, 15))])
    nick = Availability("U0NICK", NEW_YORK)
    slots = find_slots([ines, nick], 60, NOW, NO_NOTICE, count=40)
    # Berlin 09-17 is 08-16 UTC, New York 09-17 is 14-22 UTC: 14:00-16:00 UTC overlap, and Ines is
    # busy until 14:15 with 10-minute buffers, so Monday starts at 14:30, the last at 15:00 (her 17:00).
    monday = [s.starts_at for s in slots if s.starts_at.day == 2]
    assert monday == [utc(2, 14, 30), utc(2, 14, 45), utc(2, 15)]
    assert [s.starts_at for s in slots if s.starts_at.day == 3] == [utc(3, 14), utc(3, 14, 15), utc(3, 14, 30),
                                                                    utc(3, 14, 45), utc(3, 15)]  # fmt: skip
    assert [(r.user_id, r.why) for r in explain([ines, nick], utc(2, 14), 60, NOW, NO_NOTICE)] == [("U0INES", "busy")]
    why = {(r.user_id, r.why) for r in explain([ines, nick], utc(2, 10), 60, NOW, NO_NOTICE)}
    assert why == {("U0NICK", "outside_hours")}
    # The buffer: a round ending 10 minutes before her meeting is fine, one ending 5 minutes before is not.
    assert explain([ines], utc(2, 11, 50), 60, NOW, NO_NOTICE) == []
    assert [r.why for r in explain([ines], utc(2, 11, 55), 60, NOW, NO_NOTICE)] == ["busy"]


def test_caps_notice_and_horizon() -> None:
    booked = [(utc(2, 9), utc(2, 10)), (utc(2, 11), utc(2, 12)), (utc(2, 13), utc(2, 14))]
    full = Availability("U0FULL", BERLIN, booked=booked, max_per_day=3, max_per_week=4)
    # Three rounds on Monday: the day is full.
    assert [(r.why, r.detail) for r in explain([full], utc(2, 15), 30, NOW, NO_NOTICE)] == [("day_cap", "3")]
    with_one_more = Availability("U0FULL", BERLIN, booked=[*booked, (utc(3, 9), utc(3, 10))], max_per_week=4)
    assert [r.why for r in explain([with_one_more], utc(4, 9), 30, NOW, NO_NOTICE)] == ["week_cap"]
    assert all(s.starts_at.day >= 9 for s in find_slots([with_one_more], 30, NOW, NO_NOTICE, count=5))
    # Four working hours of notice, from 09:00 in Berlin (it is 08:00): nothing before 13:00 there.
    free = Availability("U0FREE", BERLIN)
    assert find_slots([free], 30, NOW, Limits(), count=1)[0].starts_at == utc(2, 12)
    assert [r.why for r in explain([free], utc(2, 11, 45), 30, NOW)] == ["notice"]
    # Ten working days: the last is Friday 13 November; Monday 16 is past the horizon.
    assert [r.why for r in explain([free], utc(16, 9), 30, NOW)] == ["horizon"]
    assert find_slots([free], 30, NOW, count=1000)[-1].starts_at.day == 13


def test_the_finder_stays_fast_and_linear_in_busy_events() -> None:
    """A guard, not the benchmark (bench/slots.py measures): four people, 500 and 5,000 busy spans."""

    def panel(events: int) -> list[Availability]:
        step = timedelta(days=14) / events
        return [
            Availability(f"U{n}", BERLIN, busy=[(NOW + i * step + timedelta(minutes=n), NOW + i * step + step / 3)
                                                for i in range(events)])
            for n in range(4)
        ]  # fmt: skip

    def seconds(events: int) -> float:
        people = panel(events)
        started = time.perf_counter()
        find_slots(people, 60, NOW, NO_NOTICE)
        return time.perf_counter() - started

    assert seconds(500) < 1.0 and seconds(5000) < 5.0


def test_busy_times_from_a_real_calendar_keep_the_finder_right(radicale: Radicale) -> None:
    url = radicale.make_calendar("ivan")
    cal = radicale.calendar(url, "ivan")

    def add(uid: str, lines: str) -> None:
        cal.save_event(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n"
            + "".join(
                f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261001T000000Z\r\n{block}END:VEVENT\r\n"
                for block in lines.split("||")
            )
            + "END:VCALENDAR\r\n"
        )

    # A daily 10:00-12:00 Berlin block, Monday to Friday: skipped on Tuesday (EXDATE), and moved on
    # Wednesday to 14:00-16:00 (an overriding occurrence).
    add(
        "daily",
        "DTSTART;TZID=Europe/Berlin:20261102T100000\r\nDTEND;TZID=Europe/Berlin:20261102T120000\r\n"
        "RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20261103T100000\r\n"
        "||RECURRENCE-ID;TZID=Europe/Berlin:20261104T100000\r\n"
        "DTSTART;TZID=Europe/Berlin:20261104T140000\r\nDTEND;TZID=Europe/Berlin:20261104T160000\r\n",
    )
    add("free", "DTSTART:20261102T130000Z\r\nDTEND:20261102T140000Z\r\nTRANSP:TRANSPARENT\r\n")
    add("off", "DTSTART:20261102T140000Z\r\nDTEND:20261102T150000Z\r\nSTATUS:CANCELLED\r\n")
    add("maybe", "DTSTART:20261105T130000Z\r\nDTEND:20261105T140000Z\r\nSTATUS:TENTATIVE\r\n")
    add("holiday", "DTSTART;VALUE=DATE:20261103\r\nDTEND;VALUE=DATE:20261104\r\n")
    add("away", "DTSTART;VALUE=DATE:20261106\r\nDTEND;VALUE=DATE:20261107\r\nTRANSP:OPAQUE\r\n")
    busy = CalDavCalendar(url, "ivan", "x").busy(NOW, NOW + timedelta(days=7))
    ivan = Availability("U0IVAN", BERLIN, busy=[(b.starts_at, b.ends_at) for b in busy], max_per_day=10)

    def offered(day: int, hour: int) -> bool:
        return explain([ivan], utc(day, hour), 60, NOW, NO_NOTICE) == []

    assert not offered(2, 9) and offered(2, 13) and offered(2, 14)  # the block; free and cancelled events
    assert offered(3, 9)  # the skipped occurrence, and an all-day event not marked busy
    assert offered(4, 9) and not offered(4, 13)  # the moved occurrence blocks its new time only
    assert not offered(5, 13) and not offered(6, 10)  # tentative is busy; an all-day marked busy blocks
