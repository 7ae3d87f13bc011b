"""Finding a time in Slack, through the real app: picking the panel updates the schedule form with
the times that suit it (from their hours, the bot's rounds and a real Radicale calendar), picking
one fills in the date and time, a typed time that does not suit someone is answered naming them
and why (with the override noted in the thread), rescheduling offers the same, `/interview times`
lists them, and a calendar that does not answer is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar, Event
from sqlmodel import select

from blocks.candidate import ADVANCE, SCHEDULE
from blocks.times import SUGGESTED
from bot.devtools import form_actions
from bot.devtools.radicale import Radicale
from models.tables import CalendarConnection, Interview, PersonRecord
from tests.conftest import INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    all_text,
    click_card,
    click_for_view,
    make_role,
    replies,
    said,
    schedule_values,
    wait_replies,
)
from tests.test_calendar_sync import calendar_app, connect

__all__ = ["calendar_app"]  # the fixture, shared

ANYWAY = {"anyway": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}}


def pick_panel(app: RunningApp, view: dict[str, Any], panel: list[str]) -> dict[str, Any]:
    del view  # the open one
    return form_actions.pick_panel(app.client, app.slack, RECRUITER, panel)


def act_in_view(
    app: RunningApp, view: dict[str, Any], action: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    del view
    return form_actions.act_in_view(app.client, app.slack, RECRUITER, action, values)


options = form_actions.suggestions


def sqlite_only(app: RunningApp) -> None:
    """The form's part; what the databases do (bookings, locks, caps) is in tests/test_availability.py."""
    if not app.services.db.is_sqlite:
        pytest.skip("about the Slack form: run on SQLite only")


def opened_form(app: RunningApp, email: str) -> tuple[Any, dict[str, Any]]:
    candidate = add_candidate(app, email=email, name=f"Cand {email[:4]}")
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    return candidate, click_for_view(app, RECRUITER, candidate, SCHEDULE)


def test_picking_the_panel_suggests_times_and_picking_one_fills_the_form(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    _candidate, view = opened_form(app, "anna@example.org")
    assert "Pick the interviewers to see the times" in all_text(view["blocks"])
    updated = pick_panel(app, view, [INTERVIEWER_1, INTERVIEWER_2])
    offered = options(updated)
    assert 0 < len(offered) <= 25
    # Monday 09:00 UTC: with four working hours of notice, Ines (Los Angeles) is free from 13:00 her
    # time, when Ivan's day (Sao Paulo) is over; they first meet on Tuesday, 09:00 for Ines and 14:00
    # for Ivan, which the recruiter reads as 12:00 New York time.
    first = offered[0]
    assert first["value"] == "2026-11-24T17:00Z"
    assert first["text"]["text"] == "Tue 24 Nov, 12:00-13:00"
    assert first["description"]["text"] == "Ines Interviewer Tue 09:00, Ivan Interviewer Tue 14:00"
    # Picking it fills the date and time (in new blocks, so Slack shows the values).
    values = {SUGGESTED: {SUGGESTED: {"type": "static_select", "selected_option": first}}}
    action = {"type": "static_select", "action_id": SUGGESTED, "block_id": SUGGESTED, "selected_option": first}
    filled = act_in_view(app, updated, action, values)
    blocks = {b.get("block_id"): b for b in filled["blocks"]}
    assert blocks["date~1"]["element"]["initial_date"] == "2026-11-24"
    assert blocks["time~1"]["element"]["initial_time"] == "12:00"
    submitted = schedule_values(interviewers=[INTERVIEWER_1, INTERVIEWER_2], date="2026-11-24", time="12:00")
    submitted["date~1"], submitted["time~1"] = submitted.pop("date"), submitted.pop("time")
    assert not app.client.view_submission(RECRUITER, filled, submitted).text
    with app.services.db.read() as session:
        booked = session.exec(select(Interview)).one()
    assert booked.starts_at.replace(tzinfo=UTC) == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    # The next form for the same panel no longer offers it.
    _, second = opened_form(app, "bert@example.org")
    assert "2026-11-24T17:00Z" not in [o["value"] for o in options(pick_panel(app, second, [INTERVIEWER_1]))]


def test_a_typed_time_that_does_not_suit_someone_is_answered_and_can_be_overridden(app: RunningApp) -> None:
    make_role(app)
    candidate, view = opened_form(app, "cleo@example.org")
    # 08:00 in New York is 05:00 for Ines in Los Angeles.
    refused = app.client.view_submission(
        RECRUITER, view, schedule_values(interviewers=[INTERVIEWER_1], date="2026-11-25", time="08:00")
    ).json()
    assert refused["response_action"] == "errors"
    error = refused["errors"]["time"]
    assert "Ines Interviewer is outside their working hours (Wed 05:00 in America/Los_Angeles)" in error
    assert "Schedule anyway" in error
    with app.services.db.read() as session:
        assert session.exec(select(Interview)).all() == []
    values = {**schedule_values(interviewers=[INTERVIEWER_1], date="2026-11-25", time="08:00"), **ANYWAY}
    assert not app.client.view_submission(RECRUITER, view, values).text
    wait_replies(app, candidate, 3)
    assert "Scheduled anyway: <@U0INTONE> is outside their working hours." in all_text(replies(app, candidate)[-1])


def test_a_connected_calendar_blocks_its_busy_times_and_one_that_does_not_answer_is_named(
    calendar_app: RunningApp, radicale: Radicale
) -> None:
    app = calendar_app
    sqlite_only(app)
    make_role(app)
    url = connect(app, radicale, INTERVIEWER_1)
    # Ines is busy Monday 13:00-15:00 in Los Angeles (21:00-23:00 UTC).
    cal = Calendar()
    event = Event()
    event.add("uid", "standup@example.org")
    event.add("summary", "Planning")
    event.add("dtstart", datetime(2026, 11, 23, 21, 0, tzinfo=UTC))
    event.add("dtend", datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    cal.add_component(event)
    radicale.calendar(url, INTERVIEWER_1.lower()).save_event(cal.to_ical().decode())
    _, view = opened_form(app, "dora@example.org")
    offered = [o["value"] for o in options(pick_panel(app, view, [INTERVIEWER_1]))]
    assert offered[0] == "2026-11-23T23:15Z"  # after the meeting and its 10-minute buffer
    # A typed time over it is refused, naming the busy time in the recruiter's zone.
    refused = app.client.view_submission(
        RECRUITER, view, schedule_values(interviewers=[INTERVIEWER_1], date="2026-11-23", time="16:00")
    ).json()
    assert "Ines Interviewer is busy 16:00-18:00" in refused["errors"]["time"]
    # Ivan's calendar is down: he is named, and his times still come from his hours and rounds.
    with app.services.db.transaction() as session:
        session.add(
            CalendarConnection(
                user_id=INTERVIEWER_2, provider="caldav", url="http://127.0.0.1:9/ivan/calendar/",
                username="ivan", secret=app.services.vault.encrypt("x"), connected_at=app.clock.now(),
            )
        )  # fmt: skip
    _, other = opened_form(app, "emil@example.org")
    updated = pick_panel(app, other, [INTERVIEWER_2])
    assert "Ivan Interviewer's calendar did not answer" in all_text(updated["blocks"])
    assert options(updated)


def test_rescheduling_offers_the_panel_times_at_once(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    candidate, view = opened_form(app, "finn@example.org")
    assert not app.client.view_submission(RECRUITER, view, schedule_values(interviewers=[INTERVIEWER_1])).text
    response = app.client.command(RECRUITER, "/interview", f"reschedule #{candidate.id}")
    assert response.status_code == 200
    app.slack.wait_for(lambda: any(v["callback_id"] == "interview_reschedule" for v in app.slack.open_views(RECRUITER)))
    moving = app.slack.open_views(RECRUITER)[-1]
    assert options(moving)[0]["value"] == "2026-11-23T21:00Z"  # Ines's first free time
    # Half an hour later than it is: the round does not stand in its own way.
    assert json.loads(moving["private_metadata"])["interview_id"]
    values = schedule_values(interviewers=[INTERVIEWER_1], time="14:30")
    del values["stage"]
    assert not app.client.view_submission(RECRUITER, moving, values).text


def test_interview_times_lists_the_usual_panel_times_or_says_how_to_name_one(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    _first, view = opened_form(app, "gail@example.org")
    second = add_candidate(app, email="hugo@example.org", name="Hugo Second")
    click_card(app, RECRUITER, second, ADVANCE)
    wait_replies(app, second, 2)
    before = len(app.slack.calls_to("chat.postEphemeral"))
    assert said(app.client.command(RECRUITER, "/interview", f"times #{second.id}", channel_id="C0GENERAL")) == ""
    app.slack.wait_for(lambda: len(app.slack.calls_to("chat.postEphemeral")) > before)
    assert "No one has interviewed for" in all_text(app.slack.calls_to("chat.postEphemeral")[-1].args)
    # Once a round is booked for the stage, its panel is the usual one.
    values = schedule_values(interviewers=[INTERVIEWER_1, INTERVIEWER_2])
    assert not app.client.view_submission(RECRUITER, view, values).text
    before = len(app.slack.calls_to("chat.postEphemeral"))
    app.client.command(RECRUITER, "/interview", f"times #{second.id}", channel_id="C0GENERAL")
    app.slack.wait_for(lambda: len(app.slack.calls_to("chat.postEphemeral")) > before)
    listed = all_text(app.slack.calls_to("chat.postEphemeral")[-1].args)
    assert "Free times for Hugo Second" in listed and "<@U0INTONE>" in listed and "<@U0INTTWO>" in listed
    assert "Tuesday 24 November" in listed and "12:00-13:00" in listed
    # Naming people instead.
    before = len(app.slack.calls_to("chat.postEphemeral"))
    app.client.command(RECRUITER, "/interview", f"times #{second.id} <@{INTERVIEWER_2}|ivan>", channel_id="C0GENERAL")
    app.slack.wait_for(lambda: len(app.slack.calls_to("chat.postEphemeral")) > before)
    named = all_text(app.slack.calls_to("chat.postEphemeral")[-1].args)
    assert "<@U0INTTWO>" in named and "<@U0INTONE>" not in named


def test_zones_come_from_the_person_table_asked_of_slack_once_a_day_and_on_a_profile_change(
    app: RunningApp,
) -> None:
    sqlite_only(app)
    make_role(app)
    app.services.permissions.directory.ttl = 0  # only the table may spare a users.info call

    def asked(user: str) -> int:
        return sum(1 for c in app.slack.calls_to("users.info") if c.args.get("user") == user)

    app.services.zones_of([INTERVIEWER_1, INTERVIEWER_2])
    before = asked(INTERVIEWER_1)
    assert before >= 1
    assert app.services.zones_of([INTERVIEWER_1, INTERVIEWER_2]) == {
        INTERVIEWER_1: "America/Los_Angeles",
        INTERVIEWER_2: "America/Sao_Paulo",
    }
    assert asked(INTERVIEWER_1) == before  # stored: Slack is not asked again that day
    with app.services.db.read() as session:
        stored = session.get(PersonRecord, INTERVIEWER_1)
        assert stored is not None and stored.tz == "America/Los_Angeles"
    # Ines moves to Lisbon: Slack says so in a user_change event, and the next form uses it.
    profile = {"id": INTERVIEWER_1, "tz": "Europe/Lisbon", "profile": {"email": "ines@example.com"}}
    assert app.client.event({"type": "user_change", "user": profile}).status_code == 200
    assert app.services.zones_of([INTERVIEWER_1]) == {INTERVIEWER_1: "Europe/Lisbon"}
    with app.services.db.read() as session:
        moved = session.get(PersonRecord, INTERVIEWER_1)
        assert moved is not None and moved.email == "ines@example.com"
    # A day later Slack is asked again (and says Los Angeles: the stand-in was not told).
    app.clock.advance(timedelta(days=1, minutes=1))
    assert app.services.zones_of([INTERVIEWER_1]) == {INTERVIEWER_1: "America/Los_Angeles"}
    assert asked(INTERVIEWER_1) == before + 1
