"""Holds, on a real Radicale: while an offer is open (a kit with `scheduling.holds`), its times sit
in the connected interviewer's calendar as tentative "[Hold]" events with nothing of the candidate;
another offer for the same interviewer does not propose them; the candidate's pick is not blocked by
its own holds (which the calendar reports busy), and releases them; an expired offer's are removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.devtools.radicale import Radicale
from bot.rules.availability import PanelTimes, limits_for, suggest
from bot.rules.holds import HOLD_TITLE
from bot.rules.offers import offered
from bot.wiring.scheduler import sweep
from models.offers import Offer, OfferStatus
from models.tables import Interview
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RunningApp
from tests.flows import all_text, card
from tests.test_calendar_sync import calendar_app, connect, ics_files, send_all, stored
from tests.test_find_time import sqlite_only
from tests.test_lifecycle import leave_by_modal
from tests.test_offer_answers import offered as offer_in_slack
from tests.test_offers import _picks, click

__all__ = ["calendar_app"]


@pytest.fixture
def holding_app(calendar_app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> RunningApp:
    sqlite_only(calendar_app)
    kits = calendar_app.services.kits.kits
    kit = kits["backend-mid"]
    monkeypatch.setitem(
        kits, "backend-mid", kit.model_copy(update={"scheduling": kit.scheduling.model_copy(update={"holds": True})})
    )
    return calendar_app


def held(radicale: Radicale, url: str) -> list[tuple[datetime, str, str]]:
    events = [e for cal in stored(radicale, url, INTERVIEWER_1.lower()) for e in cal.walk("VEVENT")]
    return sorted(
        (e.decoded("dtstart").astimezone(UTC), str(e["summary"]), str(e["status"]))
        for e in events
        if str(e["summary"]) == HOLD_TITLE
    )


def test_an_offers_times_are_held_and_released_by_the_pick(holding_app: RunningApp, radicale: Radicale) -> None:
    app = holding_app
    url = connect(app, radicale, INTERVIEWER_1)
    candidate, message = offer_in_slack(app)
    send_all(app)
    with app.services.db.read() as session:
        offer = session.exec(select(Offer)).one()
    times = offered(offer)
    holds = held(radicale, url)
    assert [h[0] for h in holds] == times and {h[2] for h in holds} == {"TENTATIVE"}
    texts = "".join(cal.to_ical().decode() for cal in stored(radicale, url, INTERVIEWER_1.lower()))
    assert candidate.name not in texts and "Hiring manager" not in texts and "casey" not in texts.lower()
    # Held: another offer for the same interviewer does not propose those times.
    kit = app.services.kits.kits["backend-mid"]
    limits = limits_for(kit, kit.stage(offer.stage_key))
    calendars = app.services.panel_times([INTERVIEWER_1, INTERVIEWER_2], limits)
    with app.services.db.read() as session:
        found = suggest(session, [INTERVIEWER_1, INTERVIEWER_2], calendars, 60, app.clock.now(), limits, count=100)
        free = {s.starts_at for s in found.slots}
        assert not free & set(times)
        # ...though without the holds they would be.
        unheld = suggest(session, [INTERVIEWER_1, INTERVIEWER_2], PanelTimes(zones=calendars.zones, picking=offer.id),
                         60, app.clock.now(), limits, count=100)  # fmt: skip
        assert set(times) <= {s.starts_at for s in unheld.slots}
    # The pick is not blocked by its own holds (the calendar reports them busy), and releases them.
    click(app, message, _picks(message)[2])
    updated = next(m for m in app.slack.dm_messages(CANDIDATE) if m["ts"] == message["ts"])
    assert "Booked" in all_text(updated), all_text(updated)
    send_all(app)
    assert held(radicale, url) == []
    with app.services.db.read() as session:
        interview = session.exec(select(Interview)).one()
    assert interview.starts_at == times[2]
    # The round itself is in the calendar at the picked time; the card shows it; the candidate's
    # invite is for that time and names nothing internal.
    [event] = [e for cal in stored(radicale, url, INTERVIEWER_1.lower()) for e in cal.walk("VEVENT")]
    assert event.decoded("dtstart").astimezone(UTC) == times[2] and str(event["status"]) == "CONFIRMED"
    with app.services.db.read() as session:
        fresh = session.get(type(candidate), candidate.id)
    assert fresh is not None and f"<!date^{int(times[2].timestamp())}^" in all_text(card(app, fresh))
    (invite,) = ics_files(app, CANDIDATE)
    (mine,) = invite.walk("VEVENT")
    assert mine.decoded("dtstart").astimezone(UTC) == times[2]
    assert INTERVIEWER_1 not in invite.to_ical().decode() and "You own" not in str(mine["description"])


def test_a_rejected_candidates_holds_are_released_by_the_sweep(holding_app: RunningApp, radicale: Radicale) -> None:
    app = holding_app
    url = connect(app, radicale, INTERVIEWER_1)
    offer_in_slack(app)
    send_all(app)
    assert len(held(radicale, url)) == 6
    leave_by_modal(app, "reject")
    sweep(app.services)  # the scheduler's, every minute
    send_all(app)
    assert held(radicale, url) == []
    with app.services.db.read() as session:
        assert session.exec(select(Offer)).one().status == OfferStatus.expired


def test_an_expired_offers_holds_are_removed(holding_app: RunningApp, radicale: Radicale) -> None:
    app = holding_app
    url = connect(app, radicale, INTERVIEWER_1)
    offer_in_slack(app)
    send_all(app)
    assert len(held(radicale, url)) == 6
    app.clock.advance(timedelta(hours=48))
    send_all(app)
    assert held(radicale, url) == []
