"""The Google Workspace calendar provider against the Google stand-in (token endpoint and Calendar
API on loopback), over real HTTP with Google's own client. Nothing may leave the machine: every
name but loopback fails to resolve while these tests run."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.auth import jwt

from bot.calendars.google import GoogleCalendar, api_endpoint, event_id
from bot.calendars.provider import (
    Busy,
    CalendarAuthError,
    CalendarError,
    CalendarNotFound,
    CalendarUnreachable,
)
from bot.devtools.google_standin import CALENDAR_SCOPE, GoogleStandIn, write_service_account
from bot.rules.invites import Invite, uid
from bot.wiring.settings import Settings

ORGANIZER = "recruiting@example.com"
ALICE = "alice@example.com"
BOB = "bob@example.com"
NINE = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any lookup of a name off this machine (googleapis.com, a discovery fetch) fails."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in LOOPBACK:
            raise socket.gaierror(f"the Google tests stay on loopback, not {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def google() -> Iterator[GoogleStandIn]:
    with GoogleStandIn() as standin:
        yield standin
        assert not standin.invalid, standin.invalid


@pytest.fixture
def key(google: GoogleStandIn, tmp_path: Path) -> Path:
    return google.write_service_account(tmp_path / "service-account.json")


@pytest.fixture
def calendar(google: GoogleStandIn, key: Path) -> GoogleCalendar:
    return GoogleCalendar(key, ORGANIZER, api_url=google.url, time_zone="Europe/Berlin", timeout=2)


def an_invite(**changes: Any) -> Invite:
    invite = Invite(
        uid=uid(7, for_candidate=False),
        sequence=0,
        title="Onsite: Ada Lovelace (Engineer)",
        description="Onsite with Ada Lovelace, for Engineer (60 minutes).",
        starts_at=NINE,
        ends_at=NINE + timedelta(hours=1),
        location=None,
        cancelled=False,
        url="https://example.slack.com/archives/C0HIRING/p1700000000000100",
        attendees=(ALICE, BOB),
        wants_video=True,
    )
    return replace(invite, **changes)


def when(value: dict[str, str]) -> datetime:
    return datetime.fromisoformat(value["dateTime"]).astimezone(UTC)


def test_event_ids_are_base32hex_and_stable() -> None:
    first = event_id(uid(7, for_candidate=False))
    assert re.fullmatch(r"[a-v0-9]{5,1024}", first)
    assert first == event_id(uid(7, for_candidate=False))
    assert first != event_id(uid(7, for_candidate=True)) != event_id(uid(8, for_candidate=False))
    padded = first.upper() + "=" * (-len(first) % 8)
    assert base64.b32hexdecode(padded).decode() == uid(7, for_candidate=False)
    with pytest.raises(ValueError):
        event_id("ab")


def test_put_creates_one_event_with_attendees_and_a_meet_link(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    invite = an_invite()
    calendar.put(invite)

    [event] = google.events(ORGANIZER)
    assert event["id"] == event_id(invite.uid)
    assert event["iCalUID"] == invite.uid
    assert event["status"] == "confirmed"
    assert event["summary"] == invite.title
    assert (when(event["start"]), when(event["end"])) == (invite.starts_at, invite.ends_at)
    assert event["start"]["timeZone"] == "Europe/Berlin"
    assert [a["email"] for a in event["attendees"]] == [ALICE, BOB]
    assert event["sequence"] == 0
    assert event["source"]["url"] == invite.url
    assert event["hangoutLink"].startswith("https://meet.google.com/")
    [insert] = google.requests_to("calendar.events.insert")
    assert insert.query["sendUpdates"] == ["all"]
    assert insert.query["conferenceDataVersion"] == ["1"]


def test_a_round_with_a_room_gets_no_meet_link(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    calendar.put(an_invite(location="Room 4.2", wants_video=False))

    [event] = google.events(ORGANIZER)
    assert event["location"] == "Room 4.2"
    assert "hangoutLink" not in event
    assert "conferenceData" not in event


def test_writing_again_or_after_a_hand_edit_overwrites_the_one_event(
    google: GoogleStandIn, calendar: GoogleCalendar
) -> None:
    invite = an_invite()
    calendar.put(invite)
    link = google.events(ORGANIZER)[0]["hangoutLink"]
    calendar.put(invite)
    assert [e["hangoutLink"] for e in google.events(ORGANIZER)] == [link]

    eid = event_id(invite.uid)
    tomorrow = NINE + timedelta(days=1)
    edited = google.edit(
        ORGANIZER,
        eid,
        summary="Moved by hand",
        start={"dateTime": tomorrow.isoformat()},
        end={"dateTime": (tomorrow + timedelta(hours=2)).isoformat()},
    )
    assert edited["sequence"] == 1
    calendar.put(invite)

    [event] = google.events(ORGANIZER)
    assert event["summary"] == invite.title
    assert (when(event["start"]), when(event["end"])) == (invite.starts_at, invite.ends_at)
    assert event["sequence"] == 1, "never below the sequence the hand move raised"
    assert event["hangoutLink"] == link
    updates = google.requests_to("calendar.events.update")
    assert len(updates) == 2
    assert all(u.query["sendUpdates"] == ["all"] and u.status == 200 for u in updates)


def test_a_moved_invite_updates_the_same_event(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    invite = an_invite()
    calendar.put(invite)
    eid = event_id(invite.uid)
    link = google.events(ORGANIZER)[0]["hangoutLink"]
    google.edit(ORGANIZER, eid, attendees=[{"email": ALICE, "responseStatus": "accepted"}, {"email": BOB}])

    moved = replace(invite, sequence=1, starts_at=NINE + timedelta(hours=5), ends_at=NINE + timedelta(hours=6))
    calendar.put(moved)

    [event] = google.events(ORGANIZER)
    assert event["id"] == eid
    assert (when(event["start"]), when(event["end"])) == (moved.starts_at, moved.ends_at)
    assert event["sequence"] == 1
    assert event["hangoutLink"] == link, "a move keeps the meeting people may have the link of"
    assert {a["email"]: a["responseStatus"] for a in event["attendees"]} == {ALICE: "accepted", BOB: "needsAction"}

    calendar.put(replace(moved, sequence=2, location="Room 4.2", wants_video=False))
    [event] = google.events(ORGANIZER)
    assert event["location"] == "Room 4.2"
    assert "hangoutLink" not in event


def test_remove_cancels_and_removing_again_is_fine(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    invite = an_invite()
    calendar.put(invite)
    calendar.remove(invite)
    [event] = google.events(ORGANIZER)
    assert event["status"] == "cancelled"
    [delete] = google.requests_to("calendar.events.delete")
    assert delete.query["sendUpdates"] == ["all"]

    calendar.remove(invite)
    calendar.remove(an_invite(uid=uid(99, for_candidate=False)))
    assert [r.status for r in google.requests_to("calendar.events.delete")] == [204, 410, 404]

    calendar.put(replace(invite, sequence=2))
    [event] = google.events(ORGANIZER)
    assert event["status"] == "confirmed"
    assert event["sequence"] == 2

    calendar.put(replace(invite, sequence=3, cancelled=True))
    assert google.events(ORGANIZER)[0]["status"] == "cancelled"


def test_the_token_asks_for_the_calendar_as_the_organizer(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    calendar.check()

    [asked] = google.requests_to("calendar.calendars.get")
    assert asked.path == "/calendar/v3/calendars/primary"
    claims = jwt.decode(google.assertions[0], verify=False)
    assert claims["sub"] == ORGANIZER
    assert claims["scope"] == CALENDAR_SCOPE
    assert claims["iss"] == json.loads(calendar.service_account_file.read_text())["client_email"]


def test_a_revoked_delegation_is_an_auth_error_that_names_no_secret(
    google: GoogleStandIn, calendar: GoogleCalendar, key: Path
) -> None:
    calendar.check()
    issued = google.tokens
    google.revoke()

    with pytest.raises(CalendarAuthError) as refused:
        calendar.put(an_invite())
    with pytest.raises(CalendarAuthError) as fresh:
        GoogleCalendar(key, ORGANIZER, api_url=google.url).check()

    private_key = json.loads(key.read_text())["private_key"]
    secrets = [line for line in private_key.splitlines() if "PRIVATE KEY" not in line and line]
    secrets += issued + google.assertions + [a.split(".")[2] for a in google.assertions]
    for message in (str(refused.value), str(fresh.value)):
        assert ORGANIZER in message and "delegation" in message
        assert not [s for s in secrets if s in message]

    google.restore()
    calendar.check()


def test_a_bad_key_file_names_the_setting(google: GoogleStandIn, tmp_path: Path) -> None:
    missing = GoogleCalendar(tmp_path / "nope.json", ORGANIZER, api_url=google.url)
    with pytest.raises(CalendarError, match="GOOGLE_SERVICE_ACCOUNT_FILE"):
        missing.check()

    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "service_account", "client_email": "x@y"}')
    with pytest.raises(CalendarError, match="GOOGLE_SERVICE_ACCOUNT_FILE") as malformed:
        GoogleCalendar(broken, ORGANIZER, api_url=google.url).check()
    assert not isinstance(malformed.value, CalendarUnreachable)

    # A key Google does not know (deleted in the console): signed right, but not by a key it trusts.
    stranger = tmp_path / "stranger.json"
    write_service_account(stranger, "http://127.0.0.1:9/token")
    info = json.loads(stranger.read_text()) | {"token_uri": google.token_uri}
    stranger.write_text(json.dumps(info))
    with pytest.raises(CalendarAuthError):
        GoogleCalendar(stranger, ORGANIZER, api_url=google.url).check()


def test_an_outage_is_unreachable_and_passes(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    calendar.check()
    google.outage(0.4)
    with pytest.raises(CalendarUnreachable, match="503"):
        calendar.put(an_invite())
    time.sleep(0.45)
    calendar.put(an_invite())
    assert len(google.events(ORGANIZER)) == 1


def test_timeouts_limits_and_a_server_that_is_gone(google: GoogleStandIn, key: Path) -> None:
    calendar = GoogleCalendar(key, ORGANIZER, api_url=google.url, timeout=0.3)
    calendar.check()
    google.stall(1.0)
    started = time.monotonic()
    with pytest.raises(CalendarUnreachable):
        calendar.check()
    assert time.monotonic() - started < 0.9
    google.stall(0)

    google.fail_next(429)
    with pytest.raises(CalendarUnreachable, match="429"):
        calendar.check()
    google.fail_next(403)
    with pytest.raises(CalendarAuthError):
        calendar.check()
    with pytest.raises(CalendarNotFound):
        GoogleCalendar(key, ORGANIZER, calendar_id="nobody@example.com", api_url=google.url).check()
    calendar.check()

    with GoogleStandIn() as gone:
        url = gone.url
    with pytest.raises(CalendarUnreachable):
        GoogleCalendar(key, ORGANIZER, api_url=url).put(an_invite())


def test_an_expired_token_is_renewed(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    calendar.check()
    google.expire_tokens()
    calendar.put(an_invite())
    assert len(google.requests_to("token")) == 2


def test_busy_times_come_from_free_busy(google: GoogleStandIn, calendar: GoogleCalendar, key: Path) -> None:
    google.add_calendar(ALICE, "America/New_York")
    google.add_event(ALICE, NINE, NINE + timedelta(hours=1))
    google.add_event(ALICE, NINE + timedelta(minutes=30), NINE + timedelta(hours=2))
    google.add_event(ALICE, NINE + timedelta(hours=3), NINE + timedelta(hours=4), transparency="transparent")
    calendar.put(an_invite(starts_at=NINE + timedelta(hours=5), ends_at=NINE + timedelta(hours=6)))
    alice = GoogleCalendar(key, ORGANIZER, calendar_id=ALICE, api_url=google.url)

    found = alice.busy(NINE + timedelta(minutes=15), NINE + timedelta(hours=8))

    assert found == [
        Busy(NINE + timedelta(minutes=15), NINE + timedelta(hours=2)),
        Busy(NINE + timedelta(hours=5), NINE + timedelta(hours=6)),
    ]
    assert all(b.starts_at.tzinfo == UTC for b in found)
    [query] = google.requests_to("calendar.freebusy.query")
    assert query.body["items"] == [{"id": ALICE}]
    with pytest.raises(CalendarNotFound):
        GoogleCalendar(key, ORGANIZER, calendar_id=BOB, api_url=google.url).busy(NINE, NINE + timedelta(hours=1))


def test_two_threads_write_at_once(google: GoogleStandIn, calendar: GoogleCalendar) -> None:
    failures: list[BaseException] = []

    def write(first: int) -> None:
        try:
            for n in range(first, first + 4):
                calendar.put(an_invite(uid=uid(n, for_candidate=False)))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in (100, 200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert len(google.events(ORGANIZER)) == 8


def test_from_settings(google: GoogleStandIn, key: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        google_service_account_file=key,
        google_calendar_organizer=ORGANIZER,
        google_api_url=google.url + "calendar/v3/",
        calendar_timezone="Europe/Berlin",
    )
    calendar = GoogleCalendar.from_settings(settings)
    calendar.put(an_invite())
    assert google.events(ORGANIZER)[0]["start"]["timeZone"] == "Europe/Berlin"
    assert GoogleCalendar.from_settings(settings, calendar_id=ALICE).calendar_id == ALICE
    assert api_endpoint("https://proxy.example.com") == "https://proxy.example.com/calendar/v3/"
    with pytest.raises(CalendarError, match="GOOGLE_CALENDAR_ORGANIZER"):
        GoogleCalendar.from_settings(Settings(_env_file=None, google_service_account_file=key))  # type: ignore[call-arg]


def test_the_standin_refuses_what_the_discovery_document_does_not_allow(
    google: GoogleStandIn, calendar: GoogleCalendar
) -> None:
    calendar.check()
    auth = {"Authorization": f"Bearer {google.tokens[0]}"}
    events = google.url + "calendar/v3/calendars/primary/events"
    good: dict[str, Any] = {
        "id": "abcdef12345",
        "summary": "Standing",
        "start": {"dateTime": "2031-03-04T09:00:00Z"},
        "end": {"dateTime": "2031-03-04T10:00:00Z"},
    }
    bad = [
        ("POST", events + "?sendUpdates=everyone", good, "sendUpdates"),
        ("POST", events + "?colour=red", good, "colour"),
        ("POST", events, good | {"summery": "typo"}, "summery"),
        ("POST", events, good | {"attendees": [{"mail": ALICE}]}, "mail"),
        ("POST", events, good | {"start": {"dateTime": "2031-03-04T09:00:00Z", "zone": "UTC"}}, "zone"),
        ("POST", events, good | {"sequence": "two"}, "sequence"),
        ("POST", events, {k: v for k, v in good.items() if k != "start"}, "start"),
        ("POST", events + "?conferenceDataVersion=one", good, "conferenceDataVersion"),
        ("GET", events + "/abcdef12345/attachments", None, "path"),
        ("PATCH", google.url + "calendar/v3/freeBusy", {}, "PATCH"),
        ("GET", google.url + "calendar/v2/calendars/primary", None, "/calendar/v3/"),
    ]
    with httpx.Client(headers=auth) as client:
        for verb, url, body, named in bad:
            answer = client.request(verb, url, json=body)
            assert answer.status_code == 400, (verb, url, answer.text)
            assert named in answer.json()["error"]["message"], answer.text
        assert len(google.invalid) == len(bad)
        assert google.events(ORGANIZER) == []

        assert client.post(events, json=good, params={"sendUpdates": "none"}).status_code == 200
        assert httpx.post(events, json=good | {"id": "abcdef99999"}).status_code == 401
    assert len(google.invalid) == len(bad)
    google.invalid.clear()
