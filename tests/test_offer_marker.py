"""Nothing interviewer-only reaches the candidate through an offer: on a kit whose interviewer-only
text all carries MARKER (tests/test_outbox.py), the offer DM, the confirmation, the offer to move the
round and the *None of these work* form carry none of it, nor the panel's names."""

from __future__ import annotations

from typing import Any

from blocks.offers import OFFER_MOVE, OFFER_NONE
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RunningApp
from tests.flows import all_text, dms, new_view, views_opened
from tests.test_calendar_feed import marked_app
from tests.test_find_time import sqlite_only
from tests.test_offer_answers import confirmation, new_offer, offered, offers_shown
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
