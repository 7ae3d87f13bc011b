"""The panel as the finder sees it, on both databases: the bot's own rounds (not counted twice when a
calendar holds them too, and never blocking their own move), caps, hours and notice checked in the
booking transaction, the kit's limits, and the usual panel of a stage."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from blocks.times import reason_text
from bot.rules.availability import PanelTimes, booked_spans, limits_for, not_free, suggest, usual_panel
from bot.rules.candidates import CandidateForm, create_candidate, get_candidate
from bot.rules.clashes import Clash
from bot.rules.people import set_schedule
from bot.rules.roles import add_role
from bot.rules.scheduling import reschedule_round, schedule_round
from bot.rules.slots import Availability, Limits, explain
from bot.wiring.db import Database
from models.kit import Kit
from tests.conftest import HIRING_CHANNEL, HIRING_MANAGER, INTERVIEWER_1, INTERVIEWER_2, RECRUITER, shipped_kits

# Monday 23 November 2026, 09:00 UTC (04:00 in New York).
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NY = {INTERVIEWER_1: "America/New_York", INTERVIEWER_2: "Europe/Berlin"}
STAGE = "hiring-manager-technical"


def candidates(db: Database, count: int) -> list[int]:
    kits = shipped_kits()
    with db.transaction() as session:
        role = add_role(
            session, kits, title="Times", kit_key="backend-mid", channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER],
        )  # fmt: skip
        return [
            create_candidate(
                session, kits,
                CandidateForm.parse({"name": f"C {n}", "email": f"c{n}@example.org", "role_id": role.id}),
                RECRUITER, NOW,
            ).id or 0
            for n in range(count)
        ]  # fmt: skip


def book(db: Database, candidate_id: int, starts_at: datetime, panel: list[str], **kw: object) -> int:
    with db.transaction() as session:
        ctx = schedule_round(
            session, shipped_kits(), candidate_id=candidate_id, stage_key=STAGE, interviewer_ids=panel,
            starts_at=starts_at, duration_minutes=60, location=None, actor=RECRUITER, now=NOW, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
        return ctx.interview.id or 0


def test_a_round_in_a_connected_calendar_is_counted_once_and_never_blocks_its_own_move(db: Database) -> None:
    [one] = candidates(db, 1)
    at = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wed 10:00 in New York
    round_id = book(db, one, at, [INTERVIEWER_1])
    # The calendar holds the round (written there by the bot) and a meeting of its own after it.
    times = PanelTimes(zones=NY, busy={INTERVIEWER_1: [(at, at + timedelta(hours=2))]})
    with db.read() as session:
        # Moving the round 30 minutes later: only the calendar's own meeting (16:00-17:00) is in the way.
        later = not_free(
            session, [INTERVIEWER_1], times, at + timedelta(minutes=30), 60, NOW, Limits(), besides=round_id
        )
        assert [(r.why, r.detail) for r in later] == [("busy", "2026-11-25T16:00Z/17:00Z")]
        assert (
            not_free(session, [INTERVIEWER_1], times, at - timedelta(hours=1), 50, NOW, Limits(), besides=round_id)
            == []
        )
        # For a new round, the bot's own round is what is in the way.
        new = not_free(session, [INTERVIEWER_1], times, at, 60, NOW, Limits())
        assert [(r.why, r.detail) for r in new] == [("busy", "2026-11-25T15:00Z/17:00Z")]
        assert booked_spans(session, [INTERVIEWER_1], NOW, NOW + timedelta(days=7))[INTERVIEWER_1][0][0] == round_id


def test_booking_checks_hours_caps_and_notice_but_not_the_horizon(db: Database) -> None:
    ids = candidates(db, 6)
    times = PanelTimes(zones=NY)
    with db.transaction() as session:
        set_schedule(session, INTERVIEWER_1, spec=None, max_per_day=2, max_per_week=None, actor=RECRUITER, now=NOW)
    wednesday = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 09:00 in New York, 15:00 in Berlin
    book(db, ids[0], wednesday, [INTERVIEWER_1], times=times)
    book(db, ids[1], wednesday + timedelta(hours=2), [INTERVIEWER_1], times=times)
    with pytest.raises(Clash) as third:
        book(db, ids[2], wednesday + timedelta(hours=4), [INTERVIEWER_1, INTERVIEWER_2], times=times)
    # Ivan has two that day; for Berlin, 19:00 is after hours.
    assert {(r.user_id, r.why) for r in third.value.reasons} == {
        (INTERVIEWER_1, "day_cap"),
        (INTERVIEWER_2, "outside_hours"),
    }
    with pytest.raises(Clash) as soon:
        book(db, ids[3], NOW + timedelta(hours=6), [INTERVIEWER_1], times=times)  # Mon 10:00 NY: 1 working hour away
    assert [r.why for r in soon.value.reasons] == ["notice"]
    # Five weeks ahead is beyond the suggestions, but a recruiter may book it.
    book(db, ids[4], wednesday + timedelta(days=35), [INTERVIEWER_1], times=times)
    # The override books it and says what it went over.
    with db.transaction() as session:
        ctx = schedule_round(
            session, shipped_kits(), candidate_id=ids[5], stage_key=STAGE, interviewer_ids=[INTERVIEWER_1],
            starts_at=wednesday + timedelta(hours=4), duration_minutes=60, location=None, actor=RECRUITER, now=NOW,
            times=times, anyway=True,
        )  # fmt: skip
        assert ctx.interview.id


def test_moving_a_round_does_not_count_it_against_the_cap(db: Database) -> None:
    ids = candidates(db, 1)
    times = PanelTimes(zones=NY)
    with db.transaction() as session:
        set_schedule(session, INTERVIEWER_1, spec=None, max_per_day=1, max_per_week=None, actor=RECRUITER, now=NOW)
    wednesday = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    round_id = book(db, ids[0], wednesday, [INTERVIEWER_1], times=times)
    with db.transaction() as session:
        moved = reschedule_round(
            session, shipped_kits(), round_id, starts_at=wednesday + timedelta(hours=3), duration_minutes=60,
            location=None, interviewer_ids=[INTERVIEWER_1], actor=RECRUITER, now=NOW, times=times,
        )  # fmt: skip
        assert moved.interview.starts_at == wednesday + timedelta(hours=3)


def test_suggestions_skip_the_bot_rounds_and_the_full_days(db: Database) -> None:
    ids = candidates(db, 3)
    with db.transaction() as session:
        set_schedule(session, INTERVIEWER_1, spec=None, max_per_day=1, max_per_week=None, actor=RECRUITER, now=NOW)
    tuesday = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in New York
    book(db, ids[0], tuesday, [INTERVIEWER_1])
    with db.read() as session:
        found = suggest(session, [INTERVIEWER_1], PanelTimes(zones=NY), 60, NOW, Limits(), count=40)
    days = {s.starts_at.astimezone(UTC).date().isoformat() for s in found.slots}
    assert "2026-11-24" not in days  # Ivan's one interview that day is booked
    assert min(days) == "2026-11-23"  # Monday afternoon, after four working hours of notice
    assert found.slots[0].starts_at == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 13:00 in New York


def test_the_kit_sets_buffers_notice_and_horizon_and_a_stage_its_own_buffer() -> None:
    base = Kit.model_validate(
        {"key": "k", "title": "K", "scheduling": {"buffer_minutes": 15, "notice_hours": 24, "horizon_days": 5},
         "stages": [{"key": "a", "name": "A", "kind": "interview"},
                    {"key": "b", "name": "B", "kind": "interview", "buffer_minutes": 0}]}
    )  # fmt: skip
    assert (
        Kit.model_validate(
            {"key": "d", "title": "D", "stages": [{"key": "a", "name": "A", "kind": "interview"}]}
        ).scheduling.buffer_minutes
        == 10
    )
    first = limits_for(base, base.stage("a"))
    assert (first.buffer_before, first.notice, first.horizon_days) == (timedelta(minutes=15), timedelta(hours=24), 5)
    assert limits_for(base, base.stage("b")).buffer_after == timedelta(0)
    with pytest.raises(ValueError, match="buffer_minutes"):
        Kit.model_validate({"key": "k", "title": "K", "scheduling": {"buffer_minutes": 500},
                            "stages": [{"key": "a", "name": "A", "kind": "interview"}]})  # fmt: skip


def test_the_usual_panel_is_the_latest_round_of_the_stage_in_the_role(db: Database) -> None:
    ids = candidates(db, 2)
    book(db, ids[0], datetime(2026, 11, 24, 15, 0, tzinfo=UTC), [INTERVIEWER_1])
    book(db, ids[1], datetime(2026, 11, 26, 15, 0, tzinfo=UTC), [INTERVIEWER_2, INTERVIEWER_1])
    with db.read() as session:
        role_id = get_candidate(session, ids[0]).role_id
        assert usual_panel(session, role_id, STAGE) == sorted([INTERVIEWER_1, INTERVIEWER_2])
        assert usual_panel(session, role_id, "offer") == []


def test_two_recruiters_racing_for_an_interviewers_last_slot_of_the_day_get_one_booking(db: Database) -> None:
    """Different, non-overlapping times: the cap is what is raced for, and the panel's lock holds it."""
    ids = candidates(db, 2 * 4)
    times = PanelTimes(zones=NY)
    with db.transaction() as session:
        set_schedule(session, INTERVIEWER_1, spec=None, max_per_day=1, max_per_week=None, actor=RECRUITER, now=NOW)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(candidate_id: int, starts_at: datetime, ready: threading.Barrier) -> None:
        ready.wait()
        try:
            book(db, candidate_id, starts_at, [INTERVIEWER_1], times=times)
            outcome = "booked"
        except Clash as refused:
            outcome = "refused: " + ",".join(r.why for r in refused.reasons)
        with lock:
            outcomes.append(outcome)

    for day in range(4):  # Tuesday to Friday, 10:00 and 14:00 in New York
        morning = datetime(2026, 11, 24, 15, 0, tzinfo=UTC) + timedelta(days=day)
        ready = threading.Barrier(2)
        threads = [
            threading.Thread(target=race, args=(ids[2 * day + k], morning + timedelta(hours=4 * k), ready))
            for k in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["booked"] * 4 + ["refused: day_cap"] * 4


def test_reasons_read_in_the_readers_time_naming_the_persons_own_clock() -> None:
    ines = Availability(INTERVIEWER_1, ZoneInfo("America/Los_Angeles"))
    ny = ZoneInfo("America/New_York")
    names = {INTERVIEWER_1: "Ines"}.__getitem__
    zones = {INTERVIEWER_1: ines.tz}
    # Wednesday 08:00 in New York is 05:00 for Ines.
    [early] = explain([ines], datetime(2026, 11, 25, 13, 0, tzinfo=UTC), 60, NOW)
    assert (
        reason_text(early, names, zones, ny) == "Ines is outside their working hours (Wed 05:00 in America/Los_Angeles)"
    )
    # Monday 10:00 Los Angeles is within four working hours of Monday 09:00 UTC (01:00 there).
    [soon] = explain([ines], datetime(2026, 11, 23, 18, 0, tzinfo=UTC), 60, NOW)
    assert reason_text(soon, names, zones, ny) == "Ines needs more notice: the earliest is Mon 23 Nov 16:00"
