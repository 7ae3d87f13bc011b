"""The CalDAV calendar against a real Radicale: writes by UID, overwrites, deletes, busy times, and
errors that name the problem without the password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.calendars.caldav_calendar import CalDavCalendar
from bot.calendars.provider import CalendarAuthError, CalendarNotFound, CalendarUnreachable
from bot.devtools.radicale import Radicale
from bot.rules.invites import Invite

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the Monday after the clocks went back


def invite(sequence: int = 0, starts_at: datetime = START, cancelled: bool = False) -> Invite:
    return Invite(
        uid="round-7@interview-bot",
        sequence=sequence,
        title="Technical interview: Dana Doe",
        description="Panel: <@U1>",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        location="Room 4",
        cancelled=cancelled,
    )


def events(radicale: Radicale, url: str, user: str) -> list[Calendar]:
    return [Calendar.from_ical(e.data) for e in radicale.calendar(url, user).events()]


def test_put_is_idempotent_by_uid_and_a_move_overwrites(radicale: Radicale) -> None:
    url = radicale.make_calendar("ines")
    calendar = CalDavCalendar(url, "ines", "app-password", tz=BERLIN)
    calendar.check()
    calendar.put(invite())
    calendar.put(invite())
    stored = events(radicale, url, "ines")
    assert len(stored) == 1
    (event,) = stored[0].walk("VEVENT")
    assert event.decoded("dtstart").astimezone(UTC) == START
    assert event.decoded("dtstart").strftime("%H:%M %Z") == "10:00 CET"
    assert "METHOD" not in stored[0]  # RFC 4791: a stored object carries no iTIP method
    calendar.put(invite(sequence=1, starts_at=START + timedelta(days=1)))
    (moved,) = events(radicale, url, "ines")
    (event,) = moved.walk("VEVENT")
    assert (str(event["uid"]), event["sequence"]) == ("round-7@interview-bot", 1)
    assert event.decoded("dtstart").astimezone(UTC) == START + timedelta(days=1)
    calendar.remove(invite(sequence=2, cancelled=True))
    calendar.remove(invite(sequence=2, cancelled=True))  # gone already: fine
    assert events(radicale, url, "ines") == []


def test_busy_times_expand_recurrences_and_skip_free_time(radicale: Radicale) -> None:
    url = radicale.make_calendar("ivan")
    cal = radicale.calendar(url, "ivan")

    def add(uid: str, lines: str) -> None:
        cal.save_event(
            f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
            f"DTSTAMP:20261001T000000Z\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )

    add(
        "weekly",
        "DTSTART;TZID=Europe/Berlin:20261019T090000\r\nDTEND;TZID=Europe/Berlin:20261019T093000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:standup\r\n",
    )
    add("free", "DTSTART:20261026T120000Z\r\nDTEND:20261026T130000Z\r\nTRANSP:TRANSPARENT\r\n")
    add("off", "DTSTART:20261026T140000Z\r\nDTEND:20261026T150000Z\r\nSTATUS:CANCELLED\r\n")
    add("maybe", "DTSTART:20261026T150000Z\r\nDTEND:20261026T160000Z\r\nSTATUS:TENTATIVE\r\n")
    add("holiday", "DTSTART;VALUE=DATE:20261026\r\nDTEND;VALUE=DATE:20261027\r\n")
    busy = CalDavCalendar(url, "ivan", "x").busy(datetime(2026, 10, 26, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC))
    # The standup after the change is at 09:00 Berlin = 08:00 UTC (it was 07:00 UTC the week before).
    assert [(b.starts_at.hour, b.ends_at.hour, b.ends_at.minute) for b in busy] == [(8, 8, 30), (15, 16, 0)]


def test_errors_name_the_problem_and_never_the_password(tmp_path: Path) -> None:
    server = Radicale(tmp_path, passwords={"rosa": "s3cret-app-pw"}).start()
    try:
        url = server.make_calendar("rosa", "s3cret-app-pw")
        with pytest.raises(CalendarAuthError) as wrong:
            CalDavCalendar(url, "rosa", "wrong-pw-123").check()
        assert "username or app password" in str(wrong.value) and "wrong-pw-123" not in str(wrong.value)
        with pytest.raises(CalendarNotFound) as missing:
            CalDavCalendar(url + "nope/", "rosa", "s3cret-app-pw").check()
        assert "no calendar at" in str(missing.value)
        calendar = CalDavCalendar(url, "rosa", "s3cret-app-pw")
        calendar.put(invite())
        server.passwords["rosa"] = "rotated"
        server.write_passwords()
        with pytest.raises(CalendarAuthError) as revoked:
            calendar.put(invite(sequence=1))
        assert "s3cret-app-pw" not in str(revoked.value)
    finally:
        server.stop()
    with pytest.raises(CalendarUnreachable):
        CalDavCalendar(url, "rosa", "s3cret-app-pw", timeout=2).put(invite())


def test_busy_times_honour_busy_all_day_events_declined_invitations_exdates_and_moved_occurrences(
    radicale: Radicale,
) -> None:
    url = radicale.make_calendar("nora")
    cal = radicale.calendar(url, "nora")

    def add(text: str) -> None:
        cal.save_event(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{text}END:VCALENDAR\r\n")

    def event(uid: str, lines: str) -> str:
        return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261001T000000Z\r\n{lines}END:VEVENT\r\n"

    # Thursday 26 November: an all-day offsite marked busy.
    add(event("offsite", "DTSTART;VALUE=DATE:20261126\r\nDTEND;VALUE=DATE:20261127\r\nTRANSP:OPAQUE\r\n"))
    # Monday 23: an invitation Nora declined (free), and one she accepted (busy).
    invite = "ORGANIZER:mailto:boss@example.org\r\nATTENDEE;PARTSTAT={}:mailto:Nora@Example.org\r\n"
    add(event("no", f"DTSTART:20261123T100000Z\r\nDTEND:20261123T110000Z\r\n{invite.format('DECLINED')}"))
    add(event("yes", f"DTSTART:20261123T120000Z\r\nDTEND:20261123T130000Z\r\n{invite.format('ACCEPTED')}"))
    # A daily 15:00 UTC sync, Mon-Wed, not on Tuesday (EXDATE), and Wednesday's moved to 17:00.
    add(
        event("sync", "DTSTART:20261123T150000Z\r\nDTEND:20261123T153000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
              "EXDATE:20261124T150000Z\r\n")
        + event("sync", "RECURRENCE-ID:20261125T150000Z\r\nDTSTART:20261125T170000Z\r\nDTEND:20261125T173000Z\r\n")
    )  # fmt: skip
    busy = CalDavCalendar(url, "nora", "x", email="nora@example.org").busy(
        datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC)
    )
    assert [(b.starts_at.strftime("%a %H:%M"), b.ends_at.strftime("%a %H:%M")) for b in busy] == [
        ("Mon 12:00", "Mon 13:00"),
        ("Mon 15:00", "Mon 15:30"),
        ("Wed 17:00", "Wed 17:30"),
        ("Thu 00:00", "Fri 00:00"),
    ]
    # Without knowing whose calendar it is, a declined invitation cannot be told apart: it is busy.
    assert (
        len(
            CalDavCalendar(url, "nora", "x").busy(
                datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
            )
        )
        == 3
    )
