"""The booking page (`/book/<token>`) for a candidate without Slack: in a real headless browser
(Debian's chromium driven by Playwright: times in the browser's zone with JavaScript, in the
organizer's without, a pick booked with its invite to download), and over plain HTTP on both
databases: closed links say which and nothing else, forms without their CSRF cookie book nothing,
a replayed post books once, and two candidates racing for one interviewer's time get one booking."""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.devtools.slack_standin import SlackStandIn
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.offers import decline, make_offer
from bot.rules.roles import add_role
from bot.wiring.db import Database
from models.offers import Offer, OfferStatus
from models.tables import Interview
from tests.conftest import HIRING_CHANNEL, HIRING_MANAGER, INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp
from tests.conftest import running_app as start_app
from tests.flows import add_candidate, all_text, dispatch, dms, make_role, replies
from tests.test_availability import STAGE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
ORGANIZER_ZONE = "Europe/Berlin"
# Tuesday and Wednesday, 09:00 for INTERVIEWER_1 (Los Angeles): 18:00 in Berlin, 02:00 the next day in Tokyo.
TUESDAY = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
WEDNESDAY = TUESDAY + timedelta(days=1)
ROOM = "https://meet.example.com/room-7"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: .ci/run installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def app(db: Database, slack: SlackStandIn) -> Iterator[RunningApp]:
    """The running app with an organizer zone of its own (not UTC), so the page's zone shows."""
    with start_app(db, slack, calendar_timezone=ORGANIZER_ZONE) as running:
        yield running


def link(app: RunningApp, candidate_id: int, times: list[datetime], location: str | None = ROOM) -> tuple[str, int]:
    """An offer for a candidate without Slack: (the booking page's token, the offer's id)."""
    with app.services.db.transaction() as session:
        made = make_offer(
            session, app.services.kits, candidate_id=candidate_id, stage_key=STAGE, panel=[INTERVIEWER_1],
            times=times, minutes=60, location=location, actor=RECRUITER, now=app.clock.now(),
        )  # fmt: skip
    assert made.token is not None
    return made.token, made.offer.id or 0


def people(app: RunningApp, *names: str) -> list[int]:
    """Candidates without a Slack user (no thread: these tests are about the page)."""
    kits = app.services.kits
    with app.services.db.transaction() as session:
        role = add_role(session, kits, title="Backend", kit_key="backend-mid", channel_id=HIRING_CHANNEL,
                        hiring_manager_ids=[HIRING_MANAGER])  # fmt: skip
        return [
            create_candidate(
                session, kits,
                CandidateForm.parse({"name": name, "email": f"{name.split()[0].lower()}@example.org",
                                     "role_id": role.id}),
                RECRUITER, app.clock.now(),
            ).id or 0
            for name in names
        ]  # fmt: skip


def internal_words(app: RunningApp) -> list[str]:
    """What only interviewers may see: the panel's ids and names, the stage's question titles."""
    kit = app.services.kits.get("backend-mid")
    assert kit is not None
    titles = [kit.question(k).title for k in kit.stage(STAGE).questions]
    return [INTERVIEWER_1, INTERVIEWER_2, "Ines", "ines", *titles]


def bookings(app: RunningApp) -> list[Interview]:
    with app.services.db.read() as session:
        return list(session.exec(select(Interview)).all())


def offer_status(app: RunningApp, offer_id: int) -> str:
    with app.services.db.read() as session:
        offer = session.get(Offer, offer_id)
        assert offer is not None
        return offer.status


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the app logged (the test's own HTTP client logs the URLs it asks for)."""
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


# In a real browser, on SQLite (what the databases do is tested over HTTP below, on both).


def sqlite_only(app: RunningApp) -> None:
    if not app.services.db.is_sqlite:
        pytest.skip("about the page in a browser: run on SQLite only")


def test_a_candidate_without_slack_books_a_time_on_the_page_in_a_browser(
    app: RunningApp, browser: object, caplog: pytest.LogCaptureFixture
) -> None:
    sqlite_only(app)
    caplog.set_level(logging.DEBUG)
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    make_role(app)
    candidate = add_candidate(app)  # no Slack user: the offer is a link for the recruiter to send
    token, offer_id = link(app, candidate.id or 0, [TUESDAY, WEDNESDAY])
    url = f"{app.url}/book/{token}"

    # Without JavaScript: the times in the organizer's zone, and the page says which.
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    page.goto(url)
    assert page.locator("ul.times button").all_inner_texts() == [
        "Tue 24 Nov, 18:00-19:00 (CET)",
        "Wed 25 Nov, 18:00-19:00 (CET)",
    ]
    body = page.inner_text("body")
    assert "Times are in Europe/Berlin." in body
    assert "Hi Casey" in body and "Hiring manager technical interview" in body and "60 minutes" in body
    assert ROOM in body and "A conversation with the hiring manager" in body  # the prep guide's opening
    html = page.content()
    assert not [word for word in internal_words(app) if word in html]
    plain.close()

    # With JavaScript, in Tokyo: the browser's zone.
    tokyo = browser.new_context(timezone_id="Asia/Tokyo")
    page = tokyo.new_page()
    page.goto(url)
    buttons = page.locator("ul.times button")
    assert buttons.all_inner_texts() == ["Wed 25 Nov, 02:00-03:00 (GMT+9)", "Thu 26 Nov, 02:00-03:00 (GMT+9)"]
    assert "Times are in Asia/Tokyo." in page.inner_text("body")
    buttons.first.click()
    page.get_by_role("heading", name="Booked: your Hiring manager technical interview").wait_for()
    assert "Wed 25 Nov, 02:00-03:00 (GMT+9)" in page.inner_text("body")
    invite = page.locator("#invite")
    assert invite.get_attribute("download") == "interview.ics"
    href = invite.get_attribute("href") or ""
    assert href.startswith("data:text/calendar;base64,")
    ics = base64.b64decode(href.split(",", 1)[1])
    with page.expect_download() as download:
        invite.click()
    assert Path(download.value.path()).read_bytes() == ics  # the browser saves that same file

    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstart") == TUESDAY
    assert "Hiring manager technical interview" in str(event.get("summary"))
    assert str(event.get("location")) == ROOM
    text = ics.decode("utf-8").replace("\r\n ", "")  # unfolded (RFC 5545, 3.1)
    assert not [word for word in internal_words(app) if word in text]
    assert "@example" not in text  # no one's e-mail
    told = str(event.get("description"))
    assert "Reply to your recruiter" in told and "Slack" not in told  # the candidate has none

    [booked] = bookings(app)
    assert booked.starts_at == TUESDAY and booked.candidate_id == candidate.id
    assert offer_status(app, offer_id) == OfferStatus.booked
    app.wait_idle()
    app.slack.wait_for(lambda: any("picked" in all_text(m) for m in replies(app, candidate)))
    offered_note = next(all_text(m) for m in replies(app, candidate) if "offered" in all_text(m))
    assert "2 times for *Hiring manager technical interview*, to pick from on the booking page" in offered_note
    note = next(all_text(m) for m in replies(app, candidate) if "picked" in all_text(m))
    assert "*Casey Candidate* picked one of the offered times on the booking page: *Hiring manager technical" in note
    assert "<@the candidate" not in note  # no Slack user: named as text

    # The link again: booked already, and nothing of the candidate.
    page.goto(url)
    assert page.get_by_role("heading").first.inner_text() == "A time was already booked with this link"
    assert "Casey" not in page.content() and not page.get_by_role("button").count()
    tokyo.close()
    assert len(bookings(app)) == 1
    assert token not in server_log(caplog)


# Over HTTP, on both databases.


def test_every_response_keeps_the_link_to_itself(app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> None:
    [one] = people(app, "Dana Doe")
    token, _ = link(app, one, [TUESDAY])
    with httpx.Client(base_url=app.url) as client:
        opened = client.get(f"/book/{token}")
        unknown = client.get("/book/" + "A" * 32)
        refused = client.post(f"/book/{token}", data={"start": iso(TUESDAY)})
        head = client.head(f"/book/{token}")
        again = client.get(f"/book/{token}")
        put = client.put(f"/book/{token}", content=b"")
        monkeypatch.setattr(app.services.settings, "public_url", "https://interviews.example.com")
        secure = client.get(f"/book/{token}")
    assert put.status_code == 405 and put.headers["allow"] == "GET, HEAD, POST"
    assert "; Secure" in secure.headers["set-cookie"]  # served over https
    for response in (opened, unknown, refused, head, put):
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert opened.status_code == 200 and head.status_code == 200 and not head.content
    nonce = re.search(r"script-src 'nonce-([^']+)'", opened.headers["content-security-policy"])
    assert nonce and f'<script nonce="{nonce.group(1)}">' in opened.text
    assert nonce.group(1) not in again.headers["content-security-policy"]  # a nonce per response
    assert csrf_of(again.text) == csrf_of(opened.text)  # the browser's cookie kept: other tabs' forms work
    cookie = opened.headers["set-cookie"]
    assert cookie.startswith("book_csrf=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/book/" in cookie and "Secure" not in cookie  # the test's URL is http://
    assert '<html lang="en">' in opened.text and "Dana" in opened.text


def test_unknown_expired_and_declined_links_say_which_and_nothing_else(app: RunningApp) -> None:
    first, second = people(app, "Erin Example", "Frank Fictional")
    expiring, _ = link(app, first, [TUESDAY])
    declining, declined_id = link(app, second, [TUESDAY])
    with app.services.db.transaction() as session:
        decline(session, declined_id, "Mornings, please", now=app.clock.now())
    with httpx.Client(base_url=app.url) as client:
        for path in ("/book/" + "x" * 32, "/book/short", "/book/", "/book/a/b"):
            unknown = client.get(path)
            assert unknown.status_code == 404 and "This link is not valid" in unknown.text
        said = client.get(f"/book/{declining}")
        assert said.status_code == 410 and "You already told us none of these times work" in said.text
        csrf = csrf_of(client.get(f"/book/{expiring}").text)
        app.clock.advance(timedelta(hours=49))  # the kit's offers last 48 hours
        expired = client.get(f"/book/{expiring}")
        late = client.post(f"/book/{expiring}", data={"csrf": csrf, "start": iso(TUESDAY)})
        for response in (expired, late):
            assert response.status_code == 410
            assert "This link has expired; ask your recruiter for new times" in response.text
        for response in (unknown, said, expired, late):
            assert "set-cookie" not in response.headers
            for secret in ("Erin", "Frank", "Hiring manager", "Mornings", "Backend"):
                assert secret not in response.text
    assert bookings(app) == []


def test_only_times_still_to_come_are_shown_and_a_past_one_is_not_booked(app: RunningApp) -> None:
    [one] = people(app, "Lee Later")
    token, offer_id = link(app, one, [TUESDAY, WEDNESDAY])
    with httpx.Client(base_url=app.url) as client:
        csrf = csrf_of(client.get(f"/book/{token}").text)
        app.clock.set(TUESDAY + timedelta(minutes=5))  # the offer lasts until Wednesday 09:00 UTC
        later = client.get(f"/book/{token}")
        late = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(TUESDAY)})
    assert later.status_code == 200 and "Wed 25 Nov" in later.text and "Tue 24 Nov" not in later.text
    assert late.status_code == 409 and "That time was just taken" in late.text
    assert "Wed 25 Nov" in late.text and "Tue 24 Nov" not in late.text
    assert bookings(app) == [] and offer_status(app, offer_id) == OfferStatus.open


def test_a_post_without_its_csrf_cookie_or_with_another_books_nothing(app: RunningApp) -> None:
    [one] = people(app, "Gale Guest")
    token, offer_id = link(app, one, [TUESDAY])
    with httpx.Client(base_url=app.url) as client:
        csrf = csrf_of(client.get(f"/book/{token}").text)
        with httpx.Client(base_url=app.url) as other:  # another site's form: no cookie
            forged = other.post(f"/book/{token}", data={"csrf": csrf, "start": iso(TUESDAY)})
        wrong = client.post(f"/book/{token}", data={"csrf": csrf[:-2] + "xy", "start": iso(TUESDAY)})
        missing = client.post(f"/book/{token}", data={"start": iso(TUESDAY)})
        as_json = client.post(f"/book/{token}", json={"csrf": csrf, "start": iso(TUESDAY)})
        huge = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(TUESDAY), "pad": "x" * 20000})
        not_offered = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(TUESDAY + timedelta(hours=1))})
    for response in (forged, wrong, missing):
        assert response.status_code == 403 and "This form has expired; reload the page" in response.text
        assert "Gale" not in response.text
    assert as_json.status_code == 415 and huge.status_code == 413
    assert not_offered.status_code == 400 and "Pick one of the times below." in not_offered.text
    assert bookings(app) == [] and offer_status(app, offer_id) == OfferStatus.open


def test_a_replayed_post_books_once(app: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    [one] = people(app, "Hana Hopeful")
    token, offer_id = link(app, one, [TUESDAY, WEDNESDAY])
    with httpx.Client(base_url=app.url) as client:
        csrf = csrf_of(client.get(f"/book/{token}").text)
        first = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(WEDNESDAY)})
        again = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(WEDNESDAY)})
        other = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(TUESDAY)})
    assert first.status_code == 200 and "Booked: your Hiring manager technical interview" in first.text
    assert "Wed 25 Nov, 18:00-19:00 (CET)" in first.text and ROOM in first.text
    for replay in (again, other):
        assert replay.status_code == 410 and "A time was already booked with this link" in replay.text
        assert "Hana" not in replay.text
    [booked] = bookings(app)
    assert booked.starts_at == WEDNESDAY and offer_status(app, offer_id) == OfferStatus.booked
    assert token not in server_log(caplog)


def test_a_failure_is_logged_without_the_link_and_books_nothing(
    app: RunningApp, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    [one] = people(app, "Kim Known")
    token, offer_id = link(app, one, [TUESDAY])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("calendars on fire")

    monkeypatch.setattr(app.services, "panel_times", broken)
    with httpx.Client(base_url=app.url) as client:
        csrf = csrf_of(client.get(f"/book/{token}").text)
        failed = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(TUESDAY)})
    assert failed.status_code == 500 and "Nothing was booked" in failed.text and "Kim" not in failed.text
    assert "calendars on fire" in server_log(caplog) and token not in server_log(caplog)
    assert bookings(app) == [] and offer_status(app, offer_id) == OfferStatus.open


def test_two_candidates_posting_one_interviewers_time_at_once_get_one_booking(app: RunningApp) -> None:
    ids = people(app, "Ira Initial", "Jo Joiner")
    links = [link(app, candidate_id, [TUESDAY, WEDNESDAY])[0] for candidate_id in ids]
    clients = [httpx.Client(base_url=app.url) for _ in links]
    forms = [csrf_of(c.get(f"/book/{t}").text) for c, t in zip(clients, links, strict=True)]
    ready = threading.Barrier(len(links))
    answers: dict[int, httpx.Response] = {}

    def post(n: int) -> None:
        ready.wait()
        answers[n] = clients[n].post(f"/book/{links[n]}", data={"csrf": forms[n], "start": iso(TUESDAY)})

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(links))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    taken = next(a for a in answers.values() if a.status_code == 409)
    assert "That time was just taken" in taken.text
    # Only what is still free for them: Wednesday, not Tuesday.
    assert "Wed 25 Nov, 18:00-19:00 (CET)" in taken.text and "Tue 24 Nov" not in taken.text
    [booked] = bookings(app)
    assert booked.starts_at == TUESDAY


def test_none_of_these_work_on_the_page_reaches_the_recruiters(app: RunningApp) -> None:
    make_role(app)
    candidate = add_candidate(app)  # no Slack user: the page is their way in
    token, offer_id = link(app, candidate.id or 0, [TUESDAY, WEDNESDAY])
    with httpx.Client(base_url=app.url) as client:
        csrf = csrf_of(client.get(f"/book/{token}").text)
        empty = client.post(f"/book/{token}", data={"csrf": csrf, "none": "1", "note": "   "})
        sent = client.post(f"/book/{token}", data={"csrf": csrf, "none": "1", "note": "Thursday after 14:00"})
        again = client.get(f"/book/{token}")
    assert empty.status_code == 400 and "Say which days and times would work" in empty.text
    assert 'name="start"' in empty.text  # the times are still there to pick
    assert sent.status_code == 200 and "your recruiter will send you new times" in sent.text
    assert offer_status(app, offer_id) == OfferStatus.declined and bookings(app) == []
    assert again.status_code == 410 and "You already told us none of these times work" in again.text
    app.wait_idle()
    dispatch(app)
    assert "> Thursday after 14:00" in all_text(replies(app, candidate)[-1])
    assert any("Thursday after 14:00" in text for text in dms(app, RECRUITER))


def test_the_page_confirmation_lets_the_candidate_move_the_round_until_the_cutoff(app: RunningApp) -> None:
    make_role(app)
    candidate = add_candidate(app)
    token, _ = link(app, candidate.id or 0, [TUESDAY, WEDNESDAY])
    with httpx.Client(base_url=app.url) as client:
        csrf = csrf_of(client.get(f"/book/{token}").text)
        booked = client.post(f"/book/{token}", data={"csrf": csrf, "start": iso(TUESDAY)})
        found = re.search(r'id="move" href="([^"]+)"', booked.text)
        assert booked.status_code == 200 and found, booked.text
        move = found.group(1)
        manage = client.get(move)
        assert manage.status_code == 200 and "Need a different time?" in manage.text
        assert "Tue 24 Nov, 18:00-19:00 (CET)" in manage.text  # as booked, in the organizer's zone
        asked = client.post(move, data={"csrf": csrf_of(manage.text), "move": "1"}, follow_redirects=False)
        assert asked.status_code == 303 and asked.headers["location"].startswith("/book/")
        fresh = client.get(asked.headers["location"])
        assert fresh.status_code == 200 and "Until you pick, your interview stays on" in fresh.text
        starts = re.findall(r'name="start" value="([^"]+)"', fresh.text)
        assert len(starts) == 6 and iso(TUESDAY) not in starts  # new times, not the booked one
        moved = client.post(asked.headers["location"], data={"csrf": csrf_of(fresh.text), "start": starts[-1]})
        assert moved.status_code == 200 and "Moved: your Hiring manager technical interview" in moved.text
        [round_] = bookings(app)
        assert iso(round_.starts_at) == starts[-1]
        again = re.search(r'id="move" href="([^"]+)"', moved.text)
        assert again  # one move used of two: still movable
        # Within a day of the round: too close to move here, and nothing changes.
        app.clock.set(round_.starts_at - timedelta(hours=23))
        late = client.get(again.group(1))
        assert "less than 24 hours away" in late.text and "write to your recruiter" in late.text
        refused = client.post(again.group(1), data={"csrf": csrf_of(fresh.text), "move": "1"})
        assert refused.status_code == 409 and "less than 24 hours away" in refused.text
    with app.services.db.read() as session:
        assert len(session.exec(select(Offer)).all()) == 2  # the first and the move: no third
    assert [b.starts_at for b in bookings(app)] == [round_.starts_at]
    app.wait_idle()
    assert any("moved the round" in all_text(r) for r in replies(app, candidate))
