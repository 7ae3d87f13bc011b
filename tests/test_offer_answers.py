"""An offer answered without a pick, through the real app: *None of these work* asks the candidate
which times would suit, relays their words into the thread and to the recruiters, and turns the
offer into a thanks; an offer left to expire is noted in the thread and told to the recruiters (and
nothing is said of an offer answered in time); a click on an answered or expired offer says so and
changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from blocks.candidate import ADVANCE
from blocks.offers import OFFER_MOVE, OFFER_NONE
from bot.devtools.slack_requests import select_value, text_value, users_value
from bot.wiring.scheduler import sweep
from models.offers import Offer, OfferStatus
from models.tables import Interview
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    all_text,
    click_card,
    command_for_view,
    dispatch,
    dms,
    make_role,
    new_view,
    replies,
    views_opened,
    wait_replies,
)
from tests.test_find_time import sqlite_only
from tests.test_offers import STAGE, _picks, click, offer_dm


def offered(app: RunningApp) -> tuple[Any, dict[str, Any]]:
    make_role(app)
    candidate = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    view = command_for_view(app, RECRUITER, "/interview", f"offer #{candidate.id}")
    values = {"stage": select_value(STAGE), "interviewers": users_value([INTERVIEWER_1, INTERVIEWER_2])}
    assert not app.client.view_submission(RECRUITER, view, values).text
    message = offer_dm(app)
    wait_replies(app, candidate, 3)
    return candidate, message


def none_button(message: dict[str, Any]) -> dict[str, Any]:
    return next(e for b in message["blocks"] for e in b.get("elements", []) if e.get("action_id") == OFFER_NONE)


def test_none_of_these_work_relays_the_candidates_words(app: RunningApp) -> None:
    sqlite_only(app)
    candidate, message = offered(app)
    before = views_opened(app, CANDIDATE)
    click(app, message, none_button(message))
    form = new_view(app, CANDIDATE, before)
    # Nothing said: answered on the field, nothing changes.
    refused = app.client.view_submission(CANDIDATE, form, {"note": text_value("   ")})
    assert "Say which days and times" in refused.json()["errors"]["note"]
    answer = app.client.view_submission(CANDIDATE, form, {"note": text_value("Thursday afternoons, after 14:00")})
    assert answer.status_code == 200 and not answer.text
    app.wait_idle()
    with app.services.db.read() as session:
        offer = session.exec(select(Offer)).one()
    assert offer.status == OfferStatus.declined and offer.note == "Thursday afternoons, after 14:00"
    thanked = next(m for m in app.slack.dm_messages(CANDIDATE) if m["ts"] == message["ts"])
    assert "passed the times that suit you" in all_text(thanked) and not _picks(thanked)
    wait_replies(app, candidate, 4)
    relayed = all_text(replies(app, candidate)[-1])
    assert "said none of the times" in relayed and "> Thursday afternoons, after 14:00" in relayed
    dispatch(app)
    assert any("none of the times" in text and "Thursday afternoons" in text for text in dms(app, RECRUITER))
    # The old buttons, clicked afterwards: told so, nothing booked.
    before_dms = len(app.slack.dm_messages(CANDIDATE))
    click(app, message, _picks(message)[0])
    app.slack.wait_for(lambda: len(app.slack.dm_messages(CANDIDATE)) > before_dms)
    assert "already said none of these times work" in all_text(app.slack.dm_messages(CANDIDATE)[-1])
    with app.services.db.read() as session:
        assert session.exec(select(Interview)).all() == []


def test_an_offer_left_to_expire_is_noted_and_closed(app: RunningApp) -> None:
    sqlite_only(app)
    candidate, message = offered(app)
    app.clock.advance(timedelta(hours=47, minutes=59))
    dispatch(app)
    assert not any("expired" in text for text in dms(app, RECRUITER))
    app.clock.advance(timedelta(minutes=1))
    dispatch(app)
    wait_replies(app, candidate, 4)
    assert "expired without a pick" in all_text(replies(app, candidate)[-1])
    assert any("expired without a pick" in text for text in dms(app, RECRUITER))
    before = len(app.slack.dm_messages(CANDIDATE))
    click(app, message, _picks(message)[0])
    app.slack.wait_for(lambda: len(app.slack.dm_messages(CANDIDATE)) > before)
    assert "These times have expired" in all_text(app.slack.dm_messages(CANDIDATE)[-1])
    sweep(app.services)  # the scheduler's: the record says so too
    with app.services.db.read() as session:
        assert session.exec(select(Offer)).one().status == OfferStatus.expired
        assert session.exec(select(Interview)).all() == []


def test_an_offer_picked_in_time_is_not_said_to_expire(app: RunningApp) -> None:
    sqlite_only(app)
    candidate, message = offered(app)
    click(app, message, _picks(message)[0])
    wait_replies(app, candidate, 4)
    app.clock.advance(timedelta(hours=49))
    dispatch(app)
    app.wait_idle()
    assert not any("expired" in all_text(r) for r in replies(app, candidate))
    assert not any("expired" in text for text in dms(app, RECRUITER))


def move_button(message: dict[str, Any]) -> dict[str, Any] | None:
    found = [e for b in message["blocks"] for e in b.get("elements", []) if e.get("action_id") == OFFER_MOVE]
    return found[0] if found else None


def confirmation(app: RunningApp, message: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in app.slack.dm_messages(CANDIDATE) if m["ts"] == message["ts"])


def new_offer(app: RunningApp, before: int) -> dict[str, Any]:
    dispatch(app)
    app.slack.wait_for(lambda: sum(1 for m in app.slack.dm_messages(CANDIDATE) if _picks(m)) > before)
    return [m for m in app.slack.dm_messages(CANDIDATE) if _picks(m)][-1]


def offers_shown(app: RunningApp) -> int:
    return sum(1 for m in app.slack.dm_messages(CANDIDATE) if _picks(m))


def test_the_candidate_moves_their_round_twice_and_then_is_sent_to_their_recruiter(app: RunningApp) -> None:
    sqlite_only(app)
    candidate, message = offered(app)
    click(app, message, _picks(message)[0])
    booked = confirmation(app, message)
    button = move_button(booked)
    assert button is not None and "Booked" in all_text(booked)
    with app.services.db.read() as session:
        first = session.exec(select(Interview)).one()
    for move in (1, 2):
        count = offers_shown(app)
        click(app, booked, button)
        again = new_offer(app, count)
        assert "Please pick a new time" in all_text(again) and "stays on" in all_text(again)
        times = _picks(again)
        assert len(times) == 6
        with app.services.db.read() as session:
            now_at = session.exec(select(Interview)).one().starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert not [b for b in times if b["value"].endswith(now_at)]  # new times, not the booked one
        click(app, again, times[-1])
        booked = confirmation(app, again)
        assert "Moved" in all_text(booked)
        with app.services.db.read() as session:
            moved = session.exec(select(Interview)).one()  # the same round, moved
        assert moved.id == first.id and moved.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") == times[-1]["value"][2:]
        button = move_button(booked) or button
        # After the second move, the confirmation no longer offers it.
        assert (move_button(booked) is None) == (move == 2)
    notes = [all_text(r) for r in replies(app, candidate)]
    assert sum("asked to move" in n for n in notes) == 2
    assert sum("moved the round" in n for n in notes) == 2
    before = len(app.slack.dm_messages(CANDIDATE))
    click(app, booked, button)  # an old confirmation's button
    app.slack.wait_for(lambda: len(app.slack.dm_messages(CANDIDATE)) > before)
    told = all_text(app.slack.dm_messages(CANDIDATE)[-1])
    assert "moved this round 2 times already" in told and "your recruiter" in told


def test_past_the_cutoff_the_candidate_is_sent_to_their_recruiter(app: RunningApp) -> None:
    sqlite_only(app)
    _candidate, message = offered(app)
    click(app, message, _picks(message)[0])
    booked = confirmation(app, message)
    button = move_button(booked)
    assert button is not None
    with app.services.db.read() as session:
        starts_at = session.exec(select(Interview)).one().starts_at
    app.clock.set(starts_at - timedelta(hours=23, minutes=59))
    before, count = len(app.slack.dm_messages(CANDIDATE)), offers_shown(app)
    click(app, booked, button)
    app.slack.wait_for(lambda: len(app.slack.dm_messages(CANDIDATE)) > before)
    told = all_text(app.slack.dm_messages(CANDIDATE)[-1])
    assert "less than 24 hours away" in told and "your recruiter" in told
    dispatch(app)
    assert offers_shown(app) == count
