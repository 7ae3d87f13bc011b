"""Rounds in calendars end to end: scheduled, moved and cancelled over Slack, written by the
dispatcher into a real Radicale and the Google stand-in, with `.ics` invites in the DMs.

A calendar that is down delays only calendar rows; one that keeps refusing its password is paused
and its owner told once; a purge takes the candidate's events out of every calendar.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar, Event
from sqlmodel import select

import bot.delivery.dispatcher as dispatcher_module
from bot.calendars.organizer import sync_organizer
from bot.delivery import recording
from bot.delivery.dispatcher import Dispatcher, PassResult, lanes
from bot.delivery.posting import Outcome, wall_clock
from bot.devtools.google_standin import GoogleStandIn
from bot.devtools.radicale import Radicale
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.calendar_plan import queue_person
from bot.rules.message_kinds import CALENDAR_KINDS, Kind
from bot.wiring.db import Database
from models.tables import CalendarConnection, OutboxMessage
from tests.conftest import (
    CANDIDATE,
    HIRING_MANAGER,
    INTERVIEWER_1,
    INTERVIEWER_2,
    RECRUITER,
    RunningApp,
    running_app,
)
from tests.flows import (
    command_for_view,
    dispatch_held,
    dm_files,
    dms,
    schedule_values,
    unpaced_dispatcher,
)
from tests.test_purge import click_purge
from tests.test_rounds import scheduled as schedule

SECRET = "calendar-test-secret-key"
STARTS = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # 14:00 in New York, the recruiter's zone
UID = "round-{}@interview-bot"


def connect(app: RunningApp, radicale: Radicale, user_id: str, password: str = "app-password") -> str:
    url = radicale.make_calendar(user_id.lower(), password)
    with app.services.db.transaction() as session:
        session.add(
            CalendarConnection(
                user_id=user_id, provider="caldav", url=url, username=user_id.lower(),
                secret=app.services.vault.encrypt(password), connected_at=app.clock.now(),
            )
        )  # fmt: skip
    return url


def send_all(app: RunningApp) -> None:
    assert "gave up 0" in str(unpaced_dispatcher(app.services).run_until_idle(app.clock.now()))


def stored(radicale: Radicale, url: str, user: str) -> list[Calendar]:
    return [Calendar.from_ical(e.data) for e in radicale.calendar(url, user).events()]


def only_event(calendars: list[Calendar]) -> Event:
    (cal,) = calendars
    (event,) = cal.walk("VEVENT")
    return event


def ics_files(app: RunningApp, user: str) -> list[Calendar]:
    return [Calendar.from_ical(data) for data in dm_files(app, user)]


def reschedule(app: RunningApp, date: str, location: str = "https://meet.example.com/abc") -> None:
    view = command_for_view(app, RECRUITER, "/interview", "reschedule casey")
    values = schedule_values(stage=None, interviewers=[INTERVIEWER_1, INTERVIEWER_2], date=date, location=location)
    response = app.client.view_submission(RECRUITER, view, values)
    assert response.status_code == 200 and not response.text, response.text
    app.wait_idle()


def cancel(app: RunningApp) -> None:
    confirm = app.client.command(RECRUITER, "/interview", "cancel casey")
    button = confirm.json()["blocks"][-1]["elements"][0]
    app.client.block_action(RECRUITER, button["action_id"], button["value"], channel_id="C0GENERAL", message_ts="1.0")
    app.wait_idle()


@pytest.fixture
def calendar_app(db: Database, slack: SlackStandIn) -> Iterator[RunningApp]:
    with running_app(db, slack, secret_key=SECRET) as running:
        yield running


def test_a_round_lives_in_the_calendars_and_the_invites_follow_it(calendar_app: RunningApp, radicale: Radicale) -> None:
    app = calendar_app
    url = connect(app, radicale, INTERVIEWER_1)
    _, interview = schedule(app)
    uid = UID.format(interview.id)
    send_all(app)

    # The connected interviewer has the event in their calendar, and no file in their DM.
    event = only_event(stored(radicale, url, INTERVIEWER_1.lower()))
    assert (str(event["uid"]), event["sequence"]) == (uid, 0)
    assert event.decoded("dtstart").astimezone(UTC) == STARTS
    assert "Casey Candidate" in str(event["summary"]) and "You own:" in str(event["description"])
    assert dm_files(app, INTERVIEWER_1) == [] and "in your connected calendar" in dms(app, INTERVIEWER_1)[0]
    # The other gets the internal invite as a file; the candidate theirs, with candidate-facing text only.
    (panel_ics,) = ics_files(app, INTERVIEWER_2)
    (candidate_ics,) = ics_files(app, CANDIDATE)
    assert str(panel_ics["method"]) == "REQUEST" and str(candidate_ics["method"]) == "REQUEST"
    (mine,) = candidate_ics.walk("VEVENT")
    assert str(mine["uid"]) == UID.format(f"{interview.id}-candidate") and mine["sequence"] == 0
    assert mine.decoded("dtstart").astimezone(UTC) == STARTS and "You own" not in str(mine["description"])
    assert "https://meet.example.com/abc" in str(mine["location"])

    # Edited by hand, then moved in Slack: the move overwrites the edit, same UID, higher SEQUENCE.
    cal = radicale.calendar(url, INTERVIEWER_1.lower())
    (obj,) = cal.events()
    obj.data = obj.data.replace("SUMMARY:", "SUMMARY:my edit ")
    obj.save()
    reschedule(app, "2026-11-27")
    send_all(app)
    event = only_event(stored(radicale, url, INTERVIEWER_1.lower()))
    assert (str(event["uid"]), event["sequence"]) == (uid, 1)
    assert event.decoded("dtstart").astimezone(UTC) == STARTS + timedelta(days=2)
    assert "my edit" not in str(event["summary"])
    moved = ics_files(app, CANDIDATE)[-1].walk("VEVENT")[0]
    assert moved["sequence"] == 1 and moved.decoded("dtstart").astimezone(UTC) == STARTS + timedelta(days=2)

    # Cancelled: gone from the calendar; the DMs carry METHOD:CANCEL with STATUS:CANCELLED.
    cancel(app)
    send_all(app)
    assert stored(radicale, url, INTERVIEWER_1.lower()) == []
    for user in (CANDIDATE, INTERVIEWER_2):
        last = ics_files(app, user)[-1]
        (event,) = last.walk("VEVENT")
        assert (str(last["method"]), str(event["status"]), event["sequence"]) == ("CANCEL", "CANCELLED", 2)
    with app.services.db.read() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == Kind.calendar_event)).all()
    assert {r.state for r in rows} <= {"sent", "cancelled"} and len([r for r in rows if r.state == "sent"]) == 3


def test_daylight_saving_a_round_at_ten_in_berlin_the_monday_after_the_change(
    db: Database, slack: SlackStandIn, radicale: Radicale
) -> None:
    # The panel works in Berlin too: 10:00 there is inside their hours.
    slack.add_user(INTERVIEWER_1, "ines", real_name="Ines Interviewer", tz="Europe/Berlin", tz_offset=3600)
    slack.add_user(INTERVIEWER_2, "ivan", real_name="Ivan Interviewer", tz="Europe/Berlin", tz_offset=3600)
    with running_app(db, slack, secret_key=SECRET, calendar_timezone="Europe/Berlin") as app:
        app.clock.set(datetime(2026, 10, 20, 13, 0, tzinfo=UTC))  # 09:00 in New York: the candidate's day
        url = connect(app, radicale, INTERVIEWER_1)
        # 05:00 in New York (still on summer time) is 09:00 UTC: 10:00 in Berlin, back on winter time.
        schedule(app, date="2026-10-26", time="05:00")
        send_all(app)
        for cal in [*stored(radicale, url, INTERVIEWER_1.lower()), *ics_files(app, CANDIDATE)]:
            (event,) = cal.walk("VEVENT")
            start = event.decoded("dtstart")
            assert (str(start.tzinfo), start.hour, start.utcoffset()) == ("Europe/Berlin", 10, timedelta(hours=1))
            assert start.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
            assert event.decoded("dtend") - start == timedelta(hours=1)
        (candidate_ics,) = ics_files(app, CANDIDATE)
        (zone,) = candidate_ics.walk("VTIMEZONE")
        assert str(zone["tzid"]) == "Europe/Berlin"


def test_a_calendar_that_is_down_delays_only_calendar_rows(
    calendar_app: RunningApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    app = calendar_app
    own = Radicale(tmp_path).start()
    url = connect(app, own, INTERVIEWER_1)
    own.stop()
    schedule(app)
    slack_lane, calendar_lane = lanes(app.services, app.services.slack)
    slack_lane.pacing.channel_interval = timedelta(0)
    down = threading.Thread(target=calendar_lane.run_once, args=(app.clock.now(),))
    down.start()
    # Slack's side goes out in full while the calendar is unreachable.
    assert "sent 3" in str(slack_lane.run_once(app.clock.now()))  # the prep guide and two invites
    down.join()
    assert "is scheduled" in dms(app, CANDIDATE)[-1] and "You are on the panel" in dms(app, INTERVIEWER_2)[-1]
    with app.services.db.read() as session:
        (row,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == Kind.calendar_event)).all()
        connection = session.get(CalendarConnection, INTERVIEWER_1)
    assert (row.state, row.attempts) == ("pending", 1) and "Could not reach the calendar" in (row.last_error or "")
    assert connection is not None and connection.failures == 1 and connection.paused_at is None
    own.start()  # back, on the same port: the retry writes the event
    try:
        assert "sent 1" in str(calendar_lane.run_once(app.clock.now()))
        assert len(stored(own, url, INTERVIEWER_1.lower())) == 1
    finally:
        own.stop()
    with app.services.db.read() as session:
        healthy = session.get(CalendarConnection, INTERVIEWER_1)
    assert healthy is not None and healthy.failures == 0


def test_a_revoked_password_pauses_the_calendar_and_its_owner_is_told_once(
    calendar_app: RunningApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    app = calendar_app
    own = Radicale(tmp_path, passwords={"u0intone": "app-password"}).start()
    try:
        url = connect(app, own, INTERVIEWER_1)
        own.passwords["u0intone"] = "revoked"
        own.write_passwords()
        schedule(app)
        calendar_lane = Dispatcher(app.services, app.services.slack, kinds=CALENDAR_KINDS)
        results = [str(calendar_lane.run_once(app.clock.now())) for _ in range(4)]
        # Three refusals in a row pause it; the row still waiting is then skipped, not retried.
        assert results == ["sent 0, retried 1, gave up 0, skipped 0"] * 3 + ["sent 0, retried 0, gave up 0, skipped 1"]
        send_all(app)
        told = [m for m in dms(app, INTERVIEWER_1) if "stopped trying" in m]
        assert len(told) == 1 and "Reconnect" in told[0] and "app-password" not in told[0]
        # Connected again (a new app password): every round still to come is written into it.
        with app.services.db.transaction() as session:
            connection = session.get(CalendarConnection, INTERVIEWER_1)
            assert connection is not None
            connection.secret, connection.paused_at = app.services.vault.encrypt("revoked"), None
            session.add(connection)
            assert queue_person(session, INTERVIEWER_1, app.clock.now()) == 1
        send_all(app)
        calendar = own.calendar(url, "u0intone", "revoked")
        assert len(calendar.events()) == 1
        assert len([m for m in dms(app, INTERVIEWER_1) if "stopped trying" in m]) == 1
    finally:
        own.stop()


def test_a_move_while_the_last_write_is_in_flight_never_leaves_the_old_time(
    calendar_app: RunningApp, radicale: Radicale
) -> None:
    """Two instances: one is writing the round as it was when the round moves; the other may not
    write the new version until that write is done, so the calendar ends with the move."""
    app = calendar_app
    url = connect(app, radicale, INTERVIEWER_1)
    _, interview = schedule(app)
    first = Dispatcher(app.services, app.services.slack, kinds=CALENDAR_KINDS)
    claimed = first.claim(app.clock.now())
    jobs = first._prepare(claimed, PassResult(), set())  # rendered as the round is now
    reschedule(app, "2026-11-27")
    second = Dispatcher(app.services, app.services.slack, kinds=CALENDAR_KINDS)
    assert second.claim(app.clock.now()) == []  # the new version waits: that calendar is busy
    for job in jobs:  # the first instance's write lands late, with the old time
        assert job.rendered.follow_up is not None and job.rendered.follow_up(app.services.slack, job.lease_until)
    recording.mark_sent(app.services.db, [Outcome(j, "sent", wall_clock()) for j in jobs], timedelta(0))
    assert "sent 1" in str(second.run_once(app.clock.now()))
    event = only_event(stored(radicale, url, INTERVIEWER_1.lower()))
    assert event["sequence"] == 1 and event.decoded("dtstart").astimezone(UTC) == STARTS + timedelta(days=2)
    assert interview.id is not None


def test_three_dispatchers_and_a_crash_mid_write_leave_one_event_each(
    calendar_app: RunningApp, radicale: Radicale
) -> None:
    app = calendar_app
    urls = {user: connect(app, radicale, user) for user in (INTERVIEWER_1, INTERVIEWER_2)}
    schedule(app)
    reschedule(app, "2026-11-26")
    reschedule(app, "2026-11-27")
    # A dispatcher wrote one row's event and died before recording it: its lease runs out.
    with app.services.db.transaction() as session:
        row = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == Kind.calendar_event, OutboxMessage.state == "pending")
        ).first()
        assert row is not None
        row.attempts, row.claimed_until = 1, app.clock.now() - timedelta(minutes=5)
        session.add(row)
    workers = [unpaced_dispatcher(app.services) for _ in range(3)]
    threads = [threading.Thread(target=w.run_until_idle, args=(app.clock.now(),)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for user, url in urls.items():
        event = only_event(stored(radicale, url, user.lower()))
        assert event["sequence"] == 2 and event.decoded("dtstart").astimezone(UTC) == STARTS + timedelta(days=2)


def test_purge_takes_the_candidates_events_out_of_every_calendar(calendar_app: RunningApp, radicale: Radicale) -> None:
    app = calendar_app
    url = connect(app, radicale, INTERVIEWER_1)
    candidate, _ = schedule(app)
    send_all(app)
    app.clock.set(STARTS + timedelta(days=1))  # the round is over: its event stays, until the purge
    send_all(app)
    assert len(stored(radicale, url, INTERVIEWER_1.lower())) == 1
    click_purge(app, candidate)
    app.wait_idle()
    send_all(app)
    assert stored(radicale, url, INTERVIEWER_1.lower()) == []
    assert dm_files(app, INTERVIEWER_2) == []  # the invite file naming the candidate is deleted too


def test_google_organizer_calendar_invites_the_panel_with_a_meet_link(
    db: Database, slack: SlackStandIn, tmp_path: Path
) -> None:
    slack.add_user(INTERVIEWER_1, "ines", real_name="Ines Interviewer", email="ines@example.com")
    slack.add_user(INTERVIEWER_2, "ivan", real_name="Ivan Interviewer", email="ivan@example.com")
    with GoogleStandIn() as google:
        key = google.write_service_account(tmp_path / "key.json")
        overrides = {
            "secret_key": SECRET,
            "google_service_account_file": key,
            "google_calendar_organizer": "interviews@example.com",
            "google_api_url": google.url,
        }
        with running_app(db, slack, **overrides) as app:
            assert sync_organizer(app.services.db, app.services.settings, app.clock.now())
            _, interview = schedule(app, location="")
            send_all(app)
            (event,) = google.events("interviews@example.com")
            assert sorted(a["email"] for a in event["attendees"]) == ["ines@example.com", "ivan@example.com"]
            assert event["hangoutLink"] and event["status"] == "confirmed"
            inserts = google.requests_to("calendar.events.insert")
            assert [r.query.get("sendUpdates") for r in inserts] == [["all"]]
            # Everyone on the panel is invited by Google: no file in their DMs.
            assert dm_files(app, INTERVIEWER_1) == [] and dm_files(app, INTERVIEWER_2) == []
            reschedule(app, "2026-11-27", location="")
            send_all(app)
            (moved,) = google.events("interviews@example.com")
            assert moved["id"] == event["id"] and moved["hangoutLink"] == event["hangoutLink"]
            assert moved["start"]["dateTime"].startswith("2026-11-27")
            cancel(app)
            send_all(app)
            (gone,) = google.events("interviews@example.com")
            assert gone["status"] == "cancelled"
            assert not google.invalid, google.invalid
            assert interview.id is not None


def test_who_leaves_the_panel_gets_a_cancellation_and_their_event_goes(
    calendar_app: RunningApp, radicale: Radicale
) -> None:
    app = calendar_app
    url = connect(app, radicale, INTERVIEWER_1)
    schedule(app)
    send_all(app)
    view = command_for_view(app, RECRUITER, "/interview", "reschedule casey")
    values = schedule_values(stage=None, interviewers=[HIRING_MANAGER], date="2026-11-25")
    assert not app.client.view_submission(RECRUITER, view, values).text
    app.wait_idle()
    send_all(app)
    assert stored(radicale, url, INTERVIEWER_1.lower()) == []  # off the panel: out of their calendar
    dispatch_held(app, INTERVIEWER_1)  # not two days before: the notice waits for their working hours
    assert "is cancelled" in dms(app, INTERVIEWER_1)[-1] and "is cancelled" in dms(app, INTERVIEWER_2)[-1]
    # The round goes on, but not for them: their invite is cancelled; the new member's is the new version.
    for user, method in ((INTERVIEWER_2, "CANCEL"), (HIRING_MANAGER, "REQUEST")):
        last = ics_files(app, user)[-1]
        (event,) = last.walk("VEVENT")
        assert (str(last["method"]), event["sequence"]) == (method, 1), user
