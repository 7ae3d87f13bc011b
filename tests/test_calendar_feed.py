"""Calendar feeds over real HTTP: the link from the App Home, what an interviewer's and a candidate's
feed hold (and what a candidate's must never hold), which rounds are in, New link, unknown tokens."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from icalendar import Calendar
from sqlalchemy import event
from sqlmodel import select

from blocks.calendar import FEED_NEW, FEED_OPEN
from blocks.common import to_dicts
from bot.calendars.feeds import feed_ics
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.scheduling import assign_reviewers, cancel_round, schedule_round
from bot.wiring.db import Database
from handlers.home import calendar_section
from models.kit import Kit
from models.tables import CalendarFeed, Interview, PanelMember
from tests.conftest import (
    CANDIDATE,
    INTERVIEWER_1,
    INTERVIEWER_2,
    MEMBER,
    RECRUITER,
    SHIPPED_KITS,
    RunningApp,
    make_settings,
    running_app,
    services_for,
)
from tests.flows import add_candidate, all_text, make_role, schedule_round_via_card
from tests.test_outbox import MARKER, mark

SECRET_KEY = "feed-test-secret-key-0123456789abcdef"
PUBLIC_URL = "https://interviews.example.com"


@pytest.fixture
def marked_app(db: Database, slack: SlackStandIn, tmp_path: Path) -> Iterator[RunningApp]:
    """The app on a kit whose interviewer-only text all carries MARKER (tests/test_outbox.py)."""
    marked = mark(Kit, yaml.safe_load((SHIPPED_KITS / "backend-mid.yaml").read_text()))
    (tmp_path / "marked.yaml").write_text(yaml.safe_dump(marked, sort_keys=False))
    with running_app(db, slack, kits_dir=tmp_path, secret_key=SECRET_KEY, public_url=PUBLIC_URL) as app:
        yield app


@pytest.fixture
def feed_app(db: Database, slack: SlackStandIn) -> Iterator[RunningApp]:
    with running_app(db, slack, secret_key=SECRET_KEY, public_url=PUBLIC_URL) as app:
        yield app


def open_home(app: RunningApp, user: str) -> dict[str, Any]:
    app.client.event({"type": "app_home_opened", "user": user, "tab": "home"})
    app.wait_idle()  # the Home is published by the event's lazy listener
    home = app.slack.home(user)
    assert home is not None
    return home


def element(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for item in [*block.get("elements", []), block.get("accessory") or {}]:
            if item.get("action_id") == action_id:
                return dict(item)
    raise AssertionError(f"no {action_id} in the Home")


def feed_link(app: RunningApp, user: str) -> str:
    """The Home's Subscribe link, checked to be the one shown as text too."""
    home = open_home(app, user)
    url = str(element(home, FEED_OPEN)["url"])
    assert url.startswith(f"{PUBLIC_URL}/calendar/") and url.endswith(".ics")
    assert url in all_text(home)
    return url


def fetch(app: RunningApp, link: str) -> httpx.Response:
    """The link requested from the app itself (PUBLIC_URL is where people would reach it)."""
    return httpx.get(app.url + link.removeprefix(PUBLIC_URL), timeout=10)


def events(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, max-age=300"
    cal = Calendar.from_ical(response.content)
    assert str(cal["X-WR-CALNAME"]) == "Interviews" and "METHOD" not in cal
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def past_round(app: RunningApp, candidate_id: int, days_ago: int, interviewer: str = INTERVIEWER_1) -> int:
    """A round held `days_ago` days before the app's clock (scheduled the day before it)."""
    starts = app.clock.now() - timedelta(days=days_ago)
    with app.services.db.transaction() as session:
        ctx = schedule_round(
            session,
            app.services.kits,
            candidate_id=candidate_id,
            stage_key="hiring-manager-technical",
            interviewer_ids=[interviewer],
            starts_at=starts,
            duration_minutes=60,
            location="Room 4",
            actor=RECRUITER,
            now=starts - timedelta(days=1),
        )
    return ctx.interview.id or 0


def test_feeds_hold_the_right_rounds_and_no_internal_text_for_the_candidate(marked_app: RunningApp) -> None:
    app = marked_app
    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    cid = candidate.id or 0
    with app.services.db.transaction() as session:
        reviewers = [INTERVIEWER_1]
        ctx = assign_reviewers(
            session, app.services.kits, candidate_id=cid, reviewer_ids=reviewers, actor=RECRUITER, now=app.clock.now()
        )
        review = ctx.interview.id
    response = schedule_round_via_card(app, candidate, interviewers=[INTERVIEWER_1, INTERVIEWER_2])
    assert not response.text, response.text
    with app.services.db.read() as session:
        upcoming = max(session.exec(select(Interview.id)).all(), key=lambda i: i or 0) or 0
    recent = past_round(app, cid, days_ago=20)
    past_round(app, cid, days_ago=31)  # out: more than 30 days ago
    cancelled = past_round(app, cid, days_ago=-3)
    with app.services.db.transaction() as session:
        cancel_round(session, app.services.kits, cancelled, actor=RECRUITER, now=app.clock.now())

    mine = events(fetch(app, feed_link(app, INTERVIEWER_1)))
    assert sorted(mine) == sorted(f"round-{i}@interview-bot" for i in (upcoming, recent))
    ahead = mine[f"round-{upcoming}@interview-bot"]
    text = str(ahead["DESCRIPTION"])
    assert "Casey Candidate" in str(ahead["SUMMARY"]) and "You own:" in text and MARKER in text
    assert f"<@{INTERVIEWER_2}>" in text and "https://meet.example.com/abc" in str(ahead["LOCATION"])
    assert review is not None and f"round-{review}@interview-bot" not in mine  # a review is no meeting

    theirs = events(fetch(app, feed_link(app, CANDIDATE)))
    assert sorted(theirs) == sorted(f"round-{i}-candidate@interview-bot" for i in (upcoming, recent))
    told = "\n".join(str(e.get(k, "")) for e in theirs.values() for k in ("SUMMARY", "DESCRIPTION", "LOCATION"))
    assert "Your Hiring manager technical interview" in told and "Reply to the bot in Slack" in told
    for internal in (MARKER, "You own", "Panel", INTERVIEWER_1, INTERVIEWER_2, "scorecard", "thread"):
        assert internal not in told, internal
    assert sorted(events(fetch(app, feed_link(app, INTERVIEWER_2)))) == [f"round-{upcoming}@interview-bot"]
    # Someone in no round has an empty feed, not an error.
    assert events(fetch(app, feed_link(app, MEMBER))) == {}


def test_new_link_from_the_home_retires_the_old_one(feed_app: RunningApp) -> None:
    app = feed_app
    old = feed_link(app, INTERVIEWER_1)
    assert feed_link(app, INTERVIEWER_1) == old  # shown again, not replaced
    assert fetch(app, old).status_code == 200
    home = app.slack.home(INTERVIEWER_1)
    assert home is not None
    response = app.client.block_action(INTERVIEWER_1, FEED_NEW, "new", block_id="calendar_feed", view=home)
    assert response.status_code == 200 and not response.text
    app.wait_idle()
    new = str(element(app.slack.home(INTERVIEWER_1) or {}, FEED_OPEN)["url"])
    assert new != old
    gone = fetch(app, old)
    assert (gone.status_code, gone.text, gone.headers["content-type"]) == (
        404,
        "not found",
        "text/plain; charset=utf-8",
    )
    assert fetch(app, new).status_code == 200
    with app.services.db.read() as session:
        (row,) = session.exec(select(CalendarFeed)).all()
    token = new.removeprefix(f"{PUBLIC_URL}/calendar/").removesuffix(".ics")
    assert token not in (row.nonce, row.token_hash)  # only its hash is stored


def test_unknown_and_malformed_tokens_answer_as_any_unknown_path(feed_app: RunningApp) -> None:
    app = feed_app
    link = feed_link(app, INTERVIEWER_1)
    token = link.removeprefix(f"{PUBLIC_URL}/calendar/").removesuffix(".ics")
    nowhere = httpx.get(f"{app.url}/nowhere", timeout=10)
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    wrong = [f"/calendar/{flipped}.ics", "/calendar/abc.ics", f"/calendar/{token}", f"/calendar/{token}x.ics"]
    for path in [*wrong, "/calendar/.ics", f"/calendar/{token[:-1]}%27.ics", f"/calendar/x/{token}.ics"]:
        response = httpx.get(app.url + path, timeout=10)
        assert (response.status_code, response.text) == (404, nowhere.text), path
    assert httpx.post(app.url + link.removeprefix(PUBLIC_URL), timeout=10).status_code == 404


def test_feeds_need_public_url_and_a_key(db: Database, slack: SlackStandIn) -> None:
    with running_app(db, slack, secret_key=SECRET_KEY) as app:
        home = all_text(open_home(app, INTERVIEWER_1))
        assert "Calendar feeds need PUBLIC_URL" in home and "/calendar/" not in home
    # No SECRET_KEY: links are signed with the Slack signing secret, so feeds work with no setup.
    with running_app(db, slack, public_url=PUBLIC_URL) as app:
        assert events(fetch(app, feed_link(app, INTERVIEWER_1))) == {}
    # Socket Mode with neither: no link, and the Home says what is missing.
    services = services_for(make_settings(db.url, slack, slack_signing_secret=None, public_url=PUBLIC_URL))
    try:
        shown = all_text(to_dicts(calendar_section(services, INTERVIEWER_1, services.clock.now())))
    finally:
        services.close()
    assert "Calendar feeds need SECRET_KEY" in shown and "/calendar/" not in shown


def test_a_new_key_replaces_every_link_and_the_home_shows_the_working_one(db: Database, slack: SlackStandIn) -> None:
    with running_app(db, slack, public_url=PUBLIC_URL) as app:  # signed with the Slack signing secret
        before = feed_link(app, INTERVIEWER_1)
        assert fetch(app, before).status_code == 200
    with running_app(db, slack, public_url=PUBLIC_URL, secret_key=SECRET_KEY) as app:
        after = feed_link(app, INTERVIEWER_1)
        assert after != before and fetch(app, after).status_code == 200
        assert fetch(app, before).status_code == 404


def test_a_feed_of_500_rounds_is_read_in_a_few_queries(feed_app: RunningApp) -> None:
    app, services = feed_app, feed_app.services
    make_role(app)
    candidate = add_candidate(app)
    start = app.clock.now() - timedelta(days=29)
    with app.services.db.transaction() as session:
        for n in range(500):
            at = start + timedelta(hours=3 * n)
            session.add(
                Interview(
                    candidate_id=candidate.id or 0,
                    stage_key="hiring-manager-technical",
                    starts_at=at,
                    ends_at=at + timedelta(hours=1),
                    location="Room 4",
                )
            )
        session.flush()
        for interview in session.exec(select(Interview)).all():
            session.add(PanelMember(interview_id=interview.id or 0, interviewer_id=INTERVIEWER_1))
    queries: list[str] = []

    def count(*args: Any) -> None:
        queries.append(str(args[2]))

    for engine in services.db.engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        began = time.perf_counter()
        body = feed_ics(services.db, services.kits, INTERVIEWER_1, app.clock.now(), services.settings.organizer_zone)
        took = time.perf_counter() - began
    finally:
        for engine in services.db.engines:
            event.remove(engine, "before_cursor_execute", count)
    assert queries
    assert len(Calendar.from_ical(body).walk("VEVENT")) == 500
    assert len(queries) <= 8, queries
    assert took < 3, took
