"""Nothing interviewer-only reaches the candidate through an offer: on a kit whose interviewer-only
text all carries MARKER (tests/test_outbox.py), the offer DM, the confirmation, the offer to move the
round and the *None of these work* form carry none of it, nor the panel's names; nor do the booking
page, its confirmation and the `.ics` it offers."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
from icalendar import Calendar

from blocks.candidate import OFFER_TIMES
from blocks.offers import OFFER_MOVE, OFFER_NONE
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp
from tests.flows import all_text, click_for_view, dms, make_role, new_view, views_opened
from tests.test_booking_page import csrf_of
from tests.test_calendar_feed import marked_app
from tests.test_find_time import sqlite_only
from tests.test_offer_answers import confirmation, new_offer, offered, offers_shown
from tests.test_offer_form import PANEL, advanced, refresh, submit
from tests.test_offers import _picks, click
from tests.test_outbox import MARKER

__all__ = ["marked_app"]

INTERNAL = (MARKER, INTERVIEWER_1, INTERVIEWER_2, "Ines", "Ivan", "scorecard")


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(e for b in message["blocks"] for e in b.get("elements", []) if e.get("action_id") == action_id)


def test_nothing_interviewer_only_in_what_an_offer_shows_the_candidate(marked_app: RunningApp) -> None:
    app = marked_app
    sqlite_only(app)
    kit = app.services.kits.kits["backend-mid"]
    assert MARKER in (kit.stages[1].interviewer_guide or "")
    _candidate, message = offered(app)
    before = views_opened(app, CANDIDATE)
    click(app, message, button(message, OFFER_NONE))
    form = new_view(app, CANDIDATE, before)
    click(app, message, _picks(message)[0])
    booked = confirmation(app, message)
    count = offers_shown(app)
    click(app, booked, button(booked, OFFER_MOVE))
    moving = new_offer(app, count)
    shown = [all_text(message), all_text(form["blocks"]), all_text(booked), all_text(moving), *dms(app, CANDIDATE)]
    assert len(shown) >= 5 and "Please pick a time" in shown[0]
    assert [(n, word) for n, text in enumerate(shown) for word in INTERNAL if word in text] == []


def test_nothing_interviewer_only_on_the_booking_page_or_its_invite(marked_app: RunningApp) -> None:
    """The same kit, for a candidate without Slack: the link from the offer form, the page, the
    confirmation and the `.ics` it offers."""
    app = marked_app
    sqlite_only(app)
    make_role(app)
    candidate = advanced(app)  # no Slack user: the link is the only way
    click_for_view(app, RECRUITER, candidate, OFFER_TIMES)
    answer = json.loads(submit(app, refresh(app, PANEL), None, None).text)
    link = all_text(answer["view"]["blocks"]).split("```")[1]
    url = app.url + link[link.index("/book/") :]  # PUBLIC_URL is https://interviews.example.com
    with httpx.Client() as client:
        page = client.get(url)
        csrf = csrf_of(page.text)
        start = re.findall(r'name="start" value="([^"]+)"', page.text)[0]
        # The cookie is Secure (PUBLIC_URL is https), so sent by hand over the test's plain HTTP.
        booked = client.post(url, data={"csrf": csrf, "start": start}, headers={"Cookie": f"book_csrf={csrf}"})
    assert page.status_code == 200 and booked.status_code == 200 and "Booked" in booked.text
    [data] = re.findall(r'href="data:text/calendar;base64,([^"]+)"', booked.text)
    invite = Calendar.from_ical(base64.b64decode(data)).to_ical().decode().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in invite
    shown = {"page": page.text, "confirmation": booked.text, "invite": invite}
    assert [(what, word) for what, text in shown.items() for word in INTERNAL if word in text] == []
