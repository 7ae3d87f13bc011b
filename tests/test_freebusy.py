"""The panel's calendars asked for busy times: in parallel, each within a timeout (a calendar that
does not answer is named, not waited for), kept for a minute (failures are not), paused
connections silent, people with no calendar neither busy nor silent; Google asked 50 calendars
and 90 days a query at most. Against a real Radicale behind a loopback proxy that can be slow or
fail, and the Google stand-in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar, Event

from bot.calendars.freebusy import FreeBusy
from bot.calendars.google import GoogleCalendar
from bot.devtools.google_standin import GoogleStandIn
from bot.devtools.radicale import Radicale
from bot.devtools.slow_proxy import Proxy
from bot.wiring.db import Database
from models.tables import CalendarConnection, PersonRecord
from tests.conftest import RunningApp
from tests.test_calendar_sync import calendar_app

__all__ = ["calendar_app"]  # the fixture, shared

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
WEEK = (MONDAY, MONDAY + timedelta(days=7))


@pytest.fixture
def proxies(radicale: Radicale) -> Iterator[list[Proxy]]:
    made = [Proxy(radicale.url) for _ in range(3)]
    yield made
    for proxy in made:
        proxy.close()


def busy_hour(radicale: Radicale, url: str, user: str, hour: int) -> None:
    cal = Calendar()
    event = Event()
    event.add("uid", f"{user}-{hour}@example.org")
    event.add("summary", "Busy")
    event.add("dtstart", MONDAY + timedelta(hours=hour))
    event.add("dtend", MONDAY + timedelta(hours=hour + 1))
    cal.add_component(event)
    radicale.calendar(url, user).save_event(cal.to_ical().decode())


def connect_via(app: RunningApp, radicale: Radicale, proxy: Proxy, user_id: str, hour: int) -> None:
    url = radicale.make_calendar(user_id.lower(), "pw")
    busy_hour(radicale, url, user_id.lower(), hour)
    with app.services.db.transaction() as session:
        session.add(
            CalendarConnection(
                user_id=user_id, provider="caldav", url=proxy.url(url.split(str(radicale.port), 1)[1]),
                username=user_id.lower(), secret=app.services.vault.encrypt("pw"), connected_at=app.clock.now(),
            )
        )  # fmt: skip


def freebusy(app: RunningApp, clock: list[float], timeout: float = 2.0) -> FreeBusy:
    return FreeBusy(app.services.settings, app.services.vault, app.services.db, timeout=timeout, clock=lambda: clock[0])


def test_calendars_are_asked_at_once_and_a_slow_one_is_named_not_waited_for(
    calendar_app: RunningApp, radicale: Radicale, proxies: list[Proxy]
) -> None:
    app = calendar_app
    if not app.services.db.is_sqlite:
        pytest.skip("about calendars, not the database: run on SQLite only")
    for n, proxy in enumerate(proxies):
        connect_via(app, radicale, proxy, f"U0SLOW{n}", 9 + n)
    clock = [0.0]
    fb = freebusy(app, clock, timeout=1.2)
    for proxy in proxies[:2]:
        proxy.delay = 0.7  # each CalDAV request: one after another, two would outlast the timeout
    proxies[2].delay = 2.0
    began = time.monotonic()
    found = fb.panel(["U0SLOW0", "U0SLOW1", "U0SLOW2", "U0NOCAL"], *WEEK)
    took = time.monotonic() - began
    assert took < 1.6, took  # the timeout, not the sum of the calendars' times
    assert found.busy["U0SLOW0"] == [(MONDAY + timedelta(hours=9), MONDAY + timedelta(hours=10))]
    assert found.busy["U0SLOW1"] == [(MONDAY + timedelta(hours=10), MONDAY + timedelta(hours=11))]
    assert found.silent == ("U0SLOW2",)
    assert "U0NOCAL" not in found.busy  # no calendar: nothing busy, and nobody to name
    # Within a minute the answers are kept: no calendar is asked again (the slow one is).
    asked = [p.requests for p in proxies]
    proxies[2].delay = 0
    again = fb.panel(["U0SLOW0", "U0SLOW1", "U0SLOW2"], WEEK[0] + timedelta(minutes=5), WEEK[1])
    assert [p.requests for p in proxies[:2]] == asked[:2]
    assert proxies[2].requests > asked[2] and again.silent == ()
    # After it, they are asked again.
    clock[0] += 61
    fb.panel(["U0SLOW0"], *WEEK)
    assert proxies[0].requests > asked[0]


def test_a_failure_is_not_kept_and_a_paused_connection_is_silent(
    calendar_app: RunningApp, radicale: Radicale, proxies: list[Proxy]
) -> None:
    app = calendar_app
    if not app.services.db.is_sqlite:
        pytest.skip("about calendars, not the database: run on SQLite only")
    connect_via(app, radicale, proxies[0], "U0FLAKY", 9)
    connect_via(app, radicale, proxies[1], "U0PAUSED", 10)
    with app.services.db.transaction() as session:
        row = session.get(CalendarConnection, "U0PAUSED")
        assert row is not None
        row.paused_at = app.clock.now()
        session.add(row)
    clock = [0.0]
    fb = freebusy(app, clock)
    proxies[0].failures = 10
    first = fb.panel(["U0FLAKY", "U0PAUSED"], *WEEK)
    assert first.silent == ("U0FLAKY", "U0PAUSED") and proxies[1].requests == 0
    proxies[0].failures = 0
    assert fb.panel(["U0FLAKY"], *WEEK).busy["U0FLAKY"]  # asked again at once, and answered


def test_google_is_asked_fifty_calendars_and_ninety_days_a_query(
    db: Database, google: GoogleStandIn, tmp_path: Path
) -> None:
    people = [f"person{n}@example.com" for n in range(60)]
    for email in people:
        google.add_calendar(email)
    google.add_event(people[55], MONDAY + timedelta(days=95, hours=9), MONDAY + timedelta(days=95, hours=10))
    key = google.write_service_account(tmp_path / "sa.json")
    organizer = GoogleCalendar(key, "calendar@example.com", api_url=google.url, time_zone="UTC", timeout=2)
    found = organizer.busy_of(people, MONDAY, MONDAY + timedelta(days=100))
    queries = [r.body for r in google.requests_to("calendar.freebusy.query")]
    assert len(queries) == 4  # two batches (50 + 10) x two windows (90 + 10 days)
    assert sorted(len(q["items"]) for q in queries) == [10, 10, 50, 50]
    assert len(found[people[55]]) == 1  # type: ignore[arg-type]
    assert all(found[p] == [] for p in people if p != people[55])


@pytest.fixture
def google() -> Iterator[GoogleStandIn]:
    with GoogleStandIn() as standin:
        yield standin


def test_people_are_asked_through_google_by_their_slack_email(
    calendar_app: RunningApp, google: GoogleStandIn, tmp_path: Path
) -> None:
    app = calendar_app
    if not app.services.db.is_sqlite:
        pytest.skip("about calendars, not the database: run on SQLite only")
    google.add_calendar("ines@example.com")
    google.add_event("ines@example.com", MONDAY + timedelta(hours=14), MONDAY + timedelta(hours=15))
    settings = app.services.settings.model_copy(
        update={
            "google_service_account_file": str(google.write_service_account(tmp_path / "sa.json")),
            "google_calendar_organizer": "calendar@example.com",
            "google_api_url": google.url,
        }
    )
    with app.services.db.transaction() as session:
        session.add(PersonRecord(user_id="U0INES", email="ines@example.com"))
        session.add(PersonRecord(user_id="U0GONE", email="gone@example.com"))
    fb = FreeBusy(settings, app.services.vault, app.services.db)
    found = fb.panel(["U0INES", "U0GONE", "U0NOMAIL"], *WEEK)
    assert found.busy["U0INES"] == [(MONDAY + timedelta(hours=14), MONDAY + timedelta(hours=15))]
    assert found.silent == ("U0GONE",)  # Google knows no such calendar
    assert len(google.requests_to("calendar.freebusy.query")) == 1  # one query for the panel
