"""Offering a candidate times (the rules; the Slack DM and the booking page build on them), on both
databases: times spread over days, an offer answered once (picked, declined or expired), a pick
booked through the recruiters' path, and two candidates racing for one interviewer's time, 20
times: one booking each time, the other told the time was just taken with what is left."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from blocks.candidate import ADVANCE
from blocks.offers import OFFER_PICK
from bot.devtools.slack_requests import select_value, text_value, users_value
from bot.rules.availability import PanelTimes, suggest
from bot.rules.offers import (
    OfferClosed,
    TimeTaken,
    decline,
    expire_offers,
    in_their_day,
    make_offer,
    offered,
    pick,
    spread,
)
from bot.rules.people import set_schedule
from bot.rules.slots import Limits
from bot.wiring.db import Database
from models.offers import Offer, OfferStatus
from models.tables import Candidate, Interview
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp, shipped_kits
from tests.flows import (
    add_candidate,
    all_text,
    click_card,
    command_for_view,
    dispatch,
    make_role,
    replies,
    wait_replies,
)
from tests.test_availability import NOW, NY, STAGE, candidates

NEW_YORK = ZoneInfo("America/New_York")


def an_offer(db: Database, candidate_id: int, starts: list[datetime], panel: list[str] | None = None) -> int:
    with db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        candidate.slack_user_id = candidate.slack_user_id or f"U0CAND{candidate_id:04d}"  # offers reach them in Slack
        session.add(candidate)
        offer = make_offer(
            session, shipped_kits(), candidate_id=candidate_id, stage_key=STAGE,
            panel=panel or [INTERVIEWER_1], times=starts, minutes=60, location=None, actor=RECRUITER, now=NOW,
        )  # fmt: skip
        return offer.offer.id or 0


def test_six_times_over_at_least_three_days(db: Database) -> None:
    with db.read() as session:
        found = suggest(session, [INTERVIEWER_1, INTERVIEWER_2], PanelTimes(zones=NY), 60, NOW, Limits(), count=100)
    chosen = spread(found.slots, 6, 3, NEW_YORK)
    days = [s.starts_at.astimezone(NEW_YORK).date() for s in chosen]
    assert len(chosen) == 6 and len(set(days)) == 3 and days == sorted(days)
    assert all(days.count(d) == 2 for d in set(days))
    # A real choice within a day: the two times of a day do not overlap.
    same_day = [(a, b) for a, b in itertools.pairwise(chosen) if a.starts_at.date() == b.starts_at.date()]
    assert same_day and all(a.ends_at <= b.starts_at for a, b in same_day)
    # A day with one time only: the next day is taken in.
    few = [found.slots[0], *[s for s in found.slots if s.starts_at.date() != found.slots[0].starts_at.date()]]
    assert len({s.starts_at.astimezone(NEW_YORK).date() for s in spread(few, 6, 3, NEW_YORK)}) >= 3
    assert spread([], 6, 3, NEW_YORK) == []


def test_times_inside_the_candidates_own_day(db: Database) -> None:
    with db.read() as session:
        found = suggest(session, [INTERVIEWER_1, INTERVIEWER_2], PanelTimes(zones=NY), 60, NOW, Limits(), count=100)
    # New York and Berlin meet 14:00-16:00 UTC: 23:00-01:00 in Tokyo, none of it a Tokyo day time;
    # all of it inside a New Yorker's day; in Karachi (19:00-21:00) only what ends by 20:00.
    assert in_their_day(found.slots, ZoneInfo("Asia/Tokyo")) == []
    assert in_their_day(found.slots, NEW_YORK) == found.slots
    karachi = ZoneInfo("Asia/Karachi")
    evening = in_their_day(found.slots, karachi)
    assert evening and all(s.ends_at.astimezone(karachi).strftime("%H:%M") <= "20:00" for s in evening)
    assert len(evening) < len(found.slots)


def test_an_offer_is_picked_once_and_then_closed(db: Database) -> None:
    [one] = candidates(db, 1)
    tuesday = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    offer_id = an_offer(db, one, [tuesday + timedelta(days=1), tuesday])
    with db.transaction() as session:
        ctx = pick(session, shipped_kits(), offer_id, tuesday, actor="U0CANDIDATE", now=NOW, times=PanelTimes(zones=NY))
        assert ctx.interview.starts_at == tuesday and ctx.panel == [INTERVIEWER_1]
    with db.read() as session:
        stored = session.get(Offer, offer_id)
        assert stored is not None and stored.status == OfferStatus.booked and stored.interview_id == ctx.interview.id
        assert offered(stored) == [tuesday, tuesday + timedelta(days=1)]  # in time order
    # A double click, or the other time afterwards: nothing more is booked.
    for again in (tuesday, tuesday + timedelta(days=1)):
        with pytest.raises(OfferClosed, match="already picked"), db.transaction() as session:
            pick(session, shipped_kits(), offer_id, again, actor="U0CANDIDATE", now=NOW)
    with pytest.raises(OfferClosed), db.transaction() as session:
        decline(session, offer_id, "Mornings please", now=NOW)
    with db.read() as session:
        assert len(session.exec(select(Interview)).all()) == 1


def test_an_offer_expires_and_none_of_these_keeps_the_candidates_words(db: Database) -> None:
    first, second = candidates(db, 2)
    tuesday = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    late = an_offer(db, first, [tuesday])
    with pytest.raises(OfferClosed, match="expired"), db.transaction() as session:
        pick(session, shipped_kits(), late, tuesday, actor="U0CANDIDATE", now=NOW + timedelta(hours=48))
    with db.transaction() as session:
        assert [o.id for o in expire_offers(session, NOW + timedelta(hours=47))] == []
        assert [o.id for o in expire_offers(session, NOW + timedelta(hours=48))] == [late]
    with db.read() as session:
        assert session.get(Offer, late).status == OfferStatus.expired  # type: ignore[union-attr]
    declined = an_offer(db, second, [tuesday])
    with pytest.raises(Exception, match="Say which days"), db.transaction() as session:
        decline(session, declined, "  ", now=NOW)
    with db.transaction() as session:
        decline(session, declined, "Thursday afternoons work", now=NOW)
    with db.read() as session:
        row = session.get(Offer, declined)
        assert row is not None and row.status == OfferStatus.declined and row.note == "Thursday afternoons work"
    with pytest.raises(OfferClosed, match="none of these"), db.transaction() as session:
        pick(session, shipped_kits(), declined, tuesday, actor="U0CANDIDATE", now=NOW)


def test_a_bad_offer_is_refused_naming_the_field(db: Database) -> None:
    [one] = candidates(db, 1)
    for times, panel, field in (
        ([], [INTERVIEWER_1], "time"),
        ([NOW - timedelta(hours=1)], [INTERVIEWER_1], "time"),
        ([NOW + timedelta(days=1)], [], "interviewers"),
    ):
        with pytest.raises(Exception) as refused, db.transaction() as session:
            make_offer(
                session, shipped_kits(), candidate_id=one, stage_key=STAGE, panel=panel, times=times,
                minutes=60, location=None, actor=RECRUITER, now=NOW,
            )  # fmt: skip
        assert getattr(refused.value, "field", None) == field
    with db.read() as session:
        assert session.exec(select(Offer)).all() == []


def test_two_candidates_racing_for_one_interviewers_time_get_one_booking_twenty_times(db: Database) -> None:
    ids = candidates(db, 40)
    with db.transaction() as session:  # this is about the race, not the interviewer's load
        set_schedule(session, INTERVIEWER_1, spec="mon-sun 00:00-24:00", max_per_day=20, max_per_week=60,
                     actor=RECRUITER, now=NOW)  # fmt: skip
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(offer_id: int, starts_at: datetime, ready: threading.Barrier) -> None:
        ready.wait()
        try:
            with db.transaction() as session:
                pick(session, shipped_kits(), offer_id, starts_at, actor="U0CANDIDATE", now=NOW,
                     times=PanelTimes(zones=NY))  # fmt: skip
            outcome = "booked"
        except TimeTaken as taken:
            outcome = "taken, left " + ",".join(t.strftime("%H:%M") for t in taken.left)
        with lock:
            outcomes.append(outcome)

    for n in range(20):
        at = datetime(2026, 11, 24, 17, 0, tzinfo=UTC) + timedelta(hours=2 * n)  # a buffer apart
        spare = at + timedelta(days=14)
        offers = [an_offer(db, ids[2 * n + k], [at, spare]) for k in range(2)]
        ready = threading.Barrier(2)
        threads = [threading.Thread(target=race, args=(offer_id, at, ready)) for offer_id in offers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes.count("booked") == 20
    # The other is told at once, with the offer's other time still free for them.
    first = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    spares = [(first + timedelta(hours=2 * n, days=14)).strftime("%H:%M") for n in range(20)]
    assert [o for o in outcomes if o != "booked"] == [f"taken, left {spare}" for spare in spares]
    with db.read() as session:
        assert len(session.exec(select(Interview)).all()) == 20
        assert sorted(o.status for o in session.exec(select(Offer))) == ["booked"] * 20 + ["open"] * 20


def offer_dm(app: RunningApp) -> dict[str, Any]:
    dispatch(app)  # the offer is a DM of the outbox, sent by the dispatcher
    app.slack.wait_for(lambda: any(_picks(m) for m in app.slack.dm_messages(CANDIDATE)))
    return next(m for m in reversed(app.slack.dm_messages(CANDIDATE)) if _picks(m))


def _picks(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for b in message.get("blocks", [])
        for e in b.get("elements", [])
        if str(e.get("action_id", "")).startswith(OFFER_PICK)
    ]


def click(app: RunningApp, message: dict[str, Any], button: dict[str, Any], user: str = CANDIDATE) -> None:
    dm = app.slack._dm_ids[CANDIDATE]  # the stand-in's DM channel with the candidate
    response = app.client.block_action(
        user, button["action_id"], button["value"], block_id="offer", channel_id=dm, message_ts=message["ts"]
    )
    assert response.status_code == 200, response.text
    app.wait_idle()


def test_the_candidate_picks_an_offered_time_in_slack_and_the_round_is_booked(app: RunningApp) -> None:
    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    view = command_for_view(app, RECRUITER, "/interview", f"offer #{candidate.id}")
    values = {"stage": select_value(STAGE), "interviewers": users_value([INTERVIEWER_1, INTERVIEWER_2]),
              "location": text_value("https://meet.example.com/casey")}  # fmt: skip
    assert not app.client.view_submission(RECRUITER, view, values).text
    message = offer_dm(app)
    buttons = _picks(message)
    # Six times over three days, labelled in the candidate's zone (New York); nothing internal.
    assert len(buttons) == 6
    labels = [b["text"]["text"] for b in buttons]
    assert labels[0] == "Tue 24 Nov, 12:00-13:00 (EST)"
    assert len({label[:10] for label in labels}) == 3
    assert "Interviewer" not in all_text(message)
    wait_replies(app, candidate, 3)
    assert "offered *Casey Candidate* 6 times" in all_text(replies(app, candidate)[-1])
    click(app, message, buttons[0])
    with app.services.db.read() as session:
        booked = session.exec(select(Interview)).one()
    assert booked.starts_at == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    updated = next(m for m in app.slack.dm_messages(CANDIDATE) if m["ts"] == message["ts"])
    assert "Booked: your *Hiring manager technical" in all_text(updated)
    wait_replies(app, candidate, 4)
    picked = all_text(replies(app, candidate)[-1])
    assert "*Casey Candidate* picked one of the offered times: *Hiring manager technical interview* on" in picked
    # A second click, on the same or another time: told, nothing more booked.
    before = len(app.slack.dm_messages(CANDIDATE))
    click(app, message, buttons[1])
    app.slack.wait_for(lambda: len(app.slack.dm_messages(CANDIDATE)) > before)
    assert "A time was already picked" in all_text(app.slack.dm_messages(CANDIDATE)[-1])
    with app.services.db.read() as session:
        assert len(session.exec(select(Interview)).all()) == 1
