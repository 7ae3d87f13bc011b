"""The hiring report: every figure computed on a seeded history whose answers are worked
out by hand below, on SQLite and PostgreSQL; then the same report in Slack (a DM with the charts
uploaded through files upload v2) and as the HTML page of `interview-bot report`.

The history (T0 = 1 October 2026, 09:00 UTC; kit `report-kit`: Screen → Technical → Final, 48 h
feedback deadline; questions `design` (+ Names trade-offs, + Asks about scale, − Ignores failure)
and `code` (+ Tests first, − No tests)):

Role Backend (#1, hiring manager HIRING_MANAGER)
  c1 added T0; → Technical T0+2d; → Final T0+5d; hired T0+9d
  c2 added T0+1d; → Technical T0+2d; rejected T0+6d
  c3 added T0+1d; rejected at Screen T0+4d
  c4 added T0+3d; → Technical T0+7d; on hold T0+8d
  c5 added T0+10d; at Screen (its round was cancelled)
  c6 added T0+10d; → Technical T0+11d; → Final T0+13d; hired T0+15d
Role Platform (#2, another hiring manager)
  b1 added T0; rejected at Screen T0+2d

Rounds, panel (recommendation; design, code ratings; hours from the end to the scorecard):
  R1 c1 Technical, ends T0+3d:  I1 yes (meets, exceeds) 2 h · I2 strong yes (exceeds, exceeds) 30 h
                                · H no (below, meets) 50 h
  R2 c2 Technical, ends T0+3d:  I1 no (below, below) 4 h · I2 no (below, n/a) 20 h · H strong no (below, below) 60 h
  R3 c3 Screen, ends T0+2d:     I1 no 1 h · H strong no 10 h (no questions)
  R4 c4 Technical, ends T0+7.5d: I1 yes (meets, meets) 6 h · H no (below, n/a) 72 h
  R5 c6 Technical, ends T0+12d: I1 strong yes (exceeds, exceeds) 3 h · H yes (meets, meets) 47 h
  R6 c1 Final, ends T0+7d:      I2 yes (design meets) 10 h
  R7 c6 Final, ends T0+14d:     I2, nothing submitted: overdue now
  R8 c5 Screen, cancelled
"""

from __future__ import annotations

import base64
import re
import struct
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

import bot.delivery.dispatcher as dispatcher_module
from bot.delivery import report_dm as report_dm_module
from bot.delivery.report_dm import ReportRequest
from bot.devtools.slack_standin import SlackStandIn
from bot.reporting.data import by_role, load_data
from bot.reporting.home import home_summary
from bot.reporting.reports import build_report, parse_report_args
from bot.reporting.types import Report, percentile
from bot.rules.kits import KitCatalog, load_kits
from bot.rules.message_kinds import Kind
from bot.rules.purge import purge_candidate
from bot.wiring.db import Database
from models.tables import (
    Candidate,
    Interview,
    OutboxMessage,
    PanelMember,
    QuestionRating,
    Role,
    Scorecard,
    StageEvent,
)
from tests.conftest import (
    CANDIDATE,
    HIRING_CHANNEL,
    HIRING_MANAGER,
    INTERVIEWER_1,
    INTERVIEWER_2,
    LISTENER_WORKERS,
    MEMBER,
    RECRUITER,
    RunningApp,
    running_app,
)
from tests.flows import all_text, dispatch, open_new_candidate

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HARSH = "U0HARSH"
KIT = """
key: report-kit
title: Report test kit
feedback_due_hours: 48
questions:
  - key: design
    kind: competency
    title: System design
    prompt: Design a URL shortener.
    positive: [Names trade-offs, Asks about scale]
    negative: [Ignores failure]
  - key: code
    kind: competency
    title: Coding
    prompt: Write a rate limiter.
    positive: [Tests first]
    negative: [No tests]
stages:
  - {key: screen, name: Screen, kind: call, duration_minutes: 30}
  - {key: tech, name: Technical, kind: interview, duration_minutes: 60, questions: [design, code]}
  - {key: final, name: Final, kind: interview, duration_minutes: 60, questions: [design]}
"""
NAMES = ["Cara One", "Cody Two", "Cleo Three", "Cruz Four", "Cyan Five", "Cato Six", "Bea Platform"]


def d(days: float) -> datetime:
    return T0 + timedelta(days=days)


@pytest.fixture
def kits_path(tmp_path: Path) -> Path:
    folder = tmp_path / "kits"
    folder.mkdir()
    (folder / "report-kit.yaml").write_text(KIT, encoding="utf-8")
    return folder


@pytest.fixture
def kits(kits_path: Path) -> KitCatalog:
    catalog = load_kits([kits_path])
    assert not catalog.problems, catalog.problems
    return catalog


def seed(db: Database) -> dict[str, int]:
    """The history in the module docstring; returns candidate ids by short name."""
    ids: dict[str, int] = {}
    with db.transaction() as session:
        backend = Role(
            title="Backend", kit_key="report-kit", channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER], recruiter_ids=[RECRUITER], created_at=T0,
        )  # fmt: skip
        platform = Role(
            title="Platform", kit_key="report-kit", channel_id=HIRING_CHANNEL,
            hiring_manager_ids=["U0OTHERHM"], recruiter_ids=[RECRUITER], created_at=T0,
        )  # fmt: skip
        session.add_all([backend, platform])
        session.flush()
        # (name, role, added, [(day, action, from, to, from status, to status)], stage now, status now)
        people: list[tuple[str, Role, float, list[tuple[float, str, str, str, str, str]], str, str]] = [
            ("c1", backend, 0, [(2, "advance", "screen", "tech", "active", "active"),
                                (5, "advance", "tech", "final", "active", "active"),
                                (9, "hire", "final", "final", "active", "hired")], "final", "hired"),
            ("c2", backend, 1, [(2, "advance", "screen", "tech", "active", "active"),
                                (6, "reject", "tech", "tech", "active", "rejected")], "tech", "rejected"),
            ("c3", backend, 1, [(4, "reject", "screen", "screen", "active", "rejected")], "screen", "rejected"),
            ("c4", backend, 3, [(7, "advance", "screen", "tech", "active", "active"),
                                (8, "hold", "tech", "tech", "active", "on_hold")], "tech", "on_hold"),
            ("c5", backend, 10, [], "screen", "active"),
            ("c6", backend, 10, [(11, "advance", "screen", "tech", "active", "active"),
                                 (13, "advance", "tech", "final", "active", "active"),
                                 (15, "hire", "final", "final", "active", "hired")], "final", "hired"),
            ("b1", platform, 0, [(2, "reject", "screen", "screen", "active", "rejected")], "screen", "rejected"),
        ]  # fmt: skip
        for index, (short, role, added, events, stage, status) in enumerate(people):
            candidate = Candidate(
                role_id=role.id, name=NAMES[index], name_key=NAMES[index].lower(), email=f"{short}@example.org",
                stage_key=stage, status=status, stage_entered_at=d(added), created_by=RECRUITER, created_at=d(added),
            )  # fmt: skip
            session.add(candidate)
            session.flush()
            assert candidate.id is not None
            ids[short] = candidate.id
            session.add(
                StageEvent(candidate_id=candidate.id, at=d(added), actor_id=RECRUITER, action="created",
                           to_stage="screen", to_status="active", reason="Referral")
            )  # fmt: skip
            for day, action, from_stage, to_stage, from_status, to_status in events:
                session.add(
                    StageEvent(candidate_id=candidate.id, at=d(day), actor_id=RECRUITER, action=action,
                               from_stage=from_stage, to_stage=to_stage, from_status=from_status, to_status=to_status,
                               reason="Because" if action in ("hold", "reject") else None)
                )  # fmt: skip
        # (candidate, stage, ends, status, [(interviewer, recommendation, design, code, hours,
        #   design +, design −, code +, code −)])
        rounds: list[tuple[str, str, float, str, list[tuple[Any, ...]]]] = [
            ("c1", "tech", 3, "debriefed", [
                (INTERVIEWER_1, "yes", "meets", "exceeds", 2, ["Names trade-offs"], [], [], []),
                (INTERVIEWER_2, "strong_yes", "exceeds", "exceeds", 30, ["Names trade-offs"], [], [], []),
                (HARSH, "no", "below", "meets", 50, [], ["Ignores failure"], [], [])]),
            ("c2", "tech", 3, "debriefed", [
                (INTERVIEWER_1, "no", "below", "below", 4, [], ["Ignores failure"], [], ["No tests"]),
                (INTERVIEWER_2, "no", "below", "not_assessed", 20, [], [], [], []),
                (HARSH, "strong_no", "below", "below", 60, [], ["Ignores failure"], [], [])]),
            ("c3", "screen", 2, "debriefed", [
                (INTERVIEWER_1, "no", None, None, 1, [], [], [], []),
                (HARSH, "strong_no", None, None, 10, [], [], [], [])]),
            ("c4", "tech", 7.5, "debriefed", [
                (INTERVIEWER_1, "yes", "meets", "meets", 6, ["Names trade-offs"], [], [], []),
                (HARSH, "no", "below", "not_assessed", 72, [], [], [], [])]),
            ("c6", "tech", 12, "debriefed", [
                (INTERVIEWER_1, "strong_yes", "exceeds", "exceeds", 3, [], [], ["Tests first"], []),
                (HARSH, "yes", "meets", "meets", 47, [], [], [], [])]),
            ("c1", "final", 7, "debriefed", [
                (INTERVIEWER_2, "yes", "meets", None, 10, ["Names trade-offs"], [], [], [])]),
            ("c6", "final", 14, "scheduled", [(INTERVIEWER_2,)]),
            ("c5", "screen", 11, "cancelled", [(INTERVIEWER_1,)]),
        ]  # fmt: skip
        for short, stage, ends, status, panel in rounds:
            interview = Interview(
                candidate_id=ids[short], stage_key=stage, starts_at=d(ends) - timedelta(hours=1), ends_at=d(ends),
                status=status, scheduled_by=RECRUITER, created_at=d(ends) - timedelta(days=1),
            )  # fmt: skip
            session.add(interview)
            session.flush()
            assert interview.id is not None
            for member in panel:
                session.add(PanelMember(interview_id=interview.id, interviewer_id=member[0]))
                if len(member) == 1:
                    continue
                who, recommendation, design, code, waited, dpos, dneg, cpos, cneg = member
                at = d(ends) + timedelta(hours=waited)
                card = Scorecard(
                    interview_id=interview.id, interviewer_id=who, recommendation=recommendation,
                    notes=f"Notes about {NAMES[0]}", submitted_at=at, updated_at=at + timedelta(hours=1),
                )  # fmt: skip
                session.add(card)
                session.flush()
                assert card.id is not None
                for key, rating, pos, neg in (("design", design, dpos, dneg), ("code", code, cpos, cneg)):
                    if rating is not None:
                        session.add(
                            QuestionRating(scorecard_id=card.id, question_key=key, rating=rating,
                                           positive_observed=pos, negative_observed=neg)
                        )  # fmt: skip
    return ids


def report_for(db: Database, kits: KitCatalog, role_ids: list[int] | None = None, since: date | None = None) -> Report:
    with db.read() as session:
        roles = [r for r in session.exec(_roles()) if role_ids is None or r.id in role_ids]
        return build_report(session, kits, roles, NOW, since=since)


def _roles() -> Any:
    from sqlmodel import col, select

    return select(Role).order_by(col(Role.id))


def approx(value: float | None) -> Any:
    return pytest.approx(value, abs=1e-9)


# ----------------------------------------------------------------------------- the figures, by hand


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1, 1, 2, 3, 4], 0.9) == approx(3.6)  # position 3.6: 3 + 0.6 × (4 − 3)
    assert percentile([3, 5, 5, 9], 0.5) == approx(5.0)


def test_every_figure_matches_the_hand_worked_answers(db: Database, kits: KitCatalog) -> None:
    seed(db)
    report = report_for(db, kits)
    backend = report.section("Backend")
    overall = report.overall

    # Funnel: entered 6 → 4 → 2 → 2 hired; rejections at Screen (c3) and Technical (c2); c4 held at
    # Technical; c5 still at Screen.
    stages = {s.key: s for s in backend.stages}
    assert [(s.entered, s.passed) for s in backend.stages] == [(6, 4), (4, 2), (2, 2)]
    assert [round(s.pass_rate or 0, 4) for s in backend.stages] == [0.6667, 0.5, 1.0]
    assert [(s.rejected_here, s.on_hold_here, s.in_stage) for s in backend.stages] == [(1, 0, 1), (1, 1, 0), (0, 0, 0)]
    # Time in stage. Screen: c1 2, c2 1, c3 3, c4 4, c6 1 → [1, 1, 2, 3, 4]; Technical: c1 3, c2 4,
    # c6 2 (c4's stay is open); Final: c1 4, c6 2.
    assert (stages["screen"].time_in_stage.n, stages["screen"].time_in_stage.median) == (5, 2.0)
    assert stages["screen"].time_in_stage.p90 == approx(3.6)
    assert (stages["tech"].time_in_stage.n, stages["tech"].time_in_stage.median) == (3, 3.0)
    assert stages["tech"].time_in_stage.p90 == approx(3.8)
    assert (stages["final"].time_in_stage.median, stages["final"].time_in_stage.p90) == (approx(3.0), approx(3.8))

    # Totals and time to decision: c1 9, c2 5, c3 3, c6 5 days → median 5, p90 5 + 0.7 × 4 = 7.8.
    t = backend.totals
    assert (t.added, t.interviewed, t.hired, t.rejected, t.on_hold, t.active) == (6, 5, 2, 2, 1, 1)
    assert t.hire_rate == 0.5
    assert (t.to_decision.n, t.to_decision.median, t.to_decision.p90) == (4, 5.0, approx(7.8))
    # Overall adds b1 (rejected after 2 days): [2, 3, 5, 5, 9] → p90 5 + 0.6 × 4 = 7.4; 2 of 5 hired.
    o = overall.totals
    assert (o.added, o.interviewed, o.hired, o.rejected, o.hire_rate) == (7, 5, 2, 3, 0.4)
    assert (o.to_decision.median, o.to_decision.p90) == (5.0, approx(7.4))
    assert overall.stages == [] and report.section("Platform").totals.added == 1

    # Turnaround (48 h deadline). I1: [2, 4, 1, 6, 3] → median 3, all 5 within. I2: [30, 20, 10] →
    # median 20, 3 within, R7 overdue → 3 of 4. H: [50, 60, 10, 72, 47] → median 50, 2 of 5.
    turnaround = {r.interviewer_id: r for r in backend.turnaround}
    assert [r.interviewer_id for r in backend.turnaround] == [INTERVIEWER_2, HARSH, INTERVIEWER_1]
    assert (turnaround[INTERVIEWER_1].median_hours, turnaround[INTERVIEWER_1].share_within) == (3.0, 1.0)
    i2 = turnaround[INTERVIEWER_2]
    assert (i2.submitted, i2.median_hours, i2.within_deadline, i2.overdue_now, i2.share_within) == (3, 20, 3, 1, 0.75)
    harsh = turnaround[HARSH]
    assert (harsh.median_hours, harsh.within_deadline, harsh.due, harsh.share_within) == (50, 2, 5, 0.4)
    assert overall.turnaround == backend.turnaround

    # Calibration, per candidate against everyone else who scored them. H: c1 2 − mean(3, 4, 3),
    # c2 1 − 2, c3 1 − 2, c4 2 − 3, c6 3 − 4 → −16/15 over 5: flagged harsher. I1: 0, .5, 1, 1, 1
    # → 0.7, under the 0.75 gap: no flag. I2: c1 3.5 − 2.5, c2 2 − 1.5 → 0.75, but 2 candidates.
    calibration = {c.interviewer_id: c for c in backend.calibration}
    h = calibration[HARSH]
    assert (h.compared, h.scorecards, h.flag) == (5, 5, "harsher than the panel")
    assert h.recommendation_gap == approx(-16 / 15)
    assert h.recommendations == {"no": 2, "strong_no": 2, "yes": 1}
    assert h.panel_recommendations == {"yes": 3, "strong_yes": 2, "no": 3}
    # Ratings: c1 1.5 − 2.6, c2 1 − 1, c4 1 − 2, c6 2 − 3 (c3 has none) → −3.1 / 4.
    assert h.rating_gap == approx(-0.775)
    assert h.ratings == {"below": 4, "meets": 3}
    i1 = calibration[INTERVIEWER_1]
    assert (i1.compared, i1.recommendation_gap, i1.flag) == (5, approx(0.7), None)
    i2c = calibration[INTERVIEWER_2]
    assert (i2c.compared, i2c.recommendation_gap, i2c.flag) == (2, approx(0.75), None)
    assert backend.calibration[0].interviewer_id == HARSH  # flagged first

    # Question signal. design: 11 rated of 11; of the 9 with a decision, all agree but H's "below"
    # for c1 (hired) → 8 of 9. code: 8 of 10 rated (two n/a); 7 with a decision, all agree.
    questions = {q.key: q for q in backend.questions}
    design, code = questions["design"], questions["code"]
    assert (design.asked, design.rated, design.agreeing, design.decided, design.flag) == (11, 11, 8, 9, None)
    assert (code.asked, code.rated, code.share_rated, code.agreeing, code.decided) == (10, 8, 0.8, 7, 7)
    indicators = {i.text: i for i in design.indicators}
    # Names trade-offs: R1 ×2, R4, R6 → 4 of 11; decided R1 ×2 and R6, all hires.
    trade = indicators["Names trade-offs"]
    assert (trade.observed, trade.asked, trade.agreeing, trade.decided, trade.flag) == (4, 11, 3, 3, None)
    assert (indicators["Asks about scale"].observed, indicators["Asks about scale"].flag) == (0, "never observed")
    # Ignores failure: H on c1 (hired: disagrees), I1 and H on c2 (rejected: agree).
    fail = indicators["Ignores failure"]
    assert (fail.positive, fail.observed, fail.agreeing, fail.decided) == (False, 3, 2, 3)
    code_indicators = {i.text: (i.observed, i.agreeing, i.decided) for i in code.indicators}
    assert code_indicators == {"Tests first": (1, 1, 1), "No tests": (1, 1, 1)}


def test_app_home_summary_counts_in_sql_what_the_full_report_counts(db: Database, kits: KitCatalog) -> None:
    seed(db)
    report = report_for(db, kits)
    with db.read() as session:
        summary = home_summary(session, kits, list(session.exec(_roles())), NOW)
    for headline, section in [(summary.overall, report.overall), *zip(summary.roles, report.roles, strict=True)]:
        t = section.totals
        assert headline.title == section.title
        assert (headline.added, headline.hired, headline.rejected) == (t.added, t.hired, t.rejected)
        assert (headline.active, headline.on_hold, headline.hire_rate) == (t.active, t.on_hold, t.hire_rate)
    assert summary.overdue_now == sum(r.overdue_now for r in report.overall.turnaround) == 1
    assert (summary.overall.added, summary.overall.hired, summary.overall.rejected) == (7, 2, 3)


def test_since_keeps_the_cohort_and_the_rounds_held_since(db: Database, kits: KitCatalog) -> None:
    seed(db)
    # 11 October: c5 and c6 were added that day; R5 and R7 ended after it (R8 was cancelled).
    report = report_for(db, kits, since=date(2026, 10, 11))
    backend = report.section("Backend")
    assert [(s.entered, s.passed) for s in backend.stages] == [(2, 1), (1, 1), (1, 1)]
    assert (backend.totals.added, backend.totals.hired, backend.totals.to_decision.median) == (2, 1, 5.0)
    turnaround = {r.interviewer_id: (r.submitted, r.median_hours, r.overdue_now) for r in backend.turnaround}
    assert turnaround == {INTERVIEWER_1: (1, 3.0, 0), HARSH: (1, 47.0, 0), INTERVIEWER_2: (0, None, 1)}
    assert {c.interviewer_id: c.compared for c in backend.calibration} == {INTERVIEWER_1: 1, HARSH: 1}
    assert report.section("Platform").totals.added == 0


def test_a_cohort_reads_its_candidates_and_those_of_its_rounds_and_no_other(db: Database, kits: KitCatalog) -> None:
    """From 8 October: c5 and c6 were added since; R4 (c4), R6 (c1) and a Platform round of b1's ended
    since, so c1, c4 and b1 are read for their rounds; c2 and c3 are not read at all (before, every
    candidate was). One role's rows are the same whether read alone or split from every role's."""
    ids = seed(db)
    with db.transaction() as session:
        session.add(
            Interview(candidate_id=ids["b1"], stage_key="screen", starts_at=d(8), ends_at=d(8) + timedelta(hours=1),
                      status="debriefed", scheduled_by=RECRUITER, created_at=d(7))
        )  # fmt: skip
    with db.snapshot() as session:
        role_ids = [r.id for r in session.exec(select(Role)) if r.id is not None]
        data = load_data(session, role_ids, d(7))
    assert {c.id for c in data.candidates} == {ids["c5"], ids["c6"]}
    assert set(data.everyone) == {ids["c1"], ids["c4"], ids["c5"], ids["c6"], ids["b1"]}
    with db.snapshot() as session:
        # One role's rounds are found through its candidates, every role's by when they ended.
        backend = next(r.id for r in session.exec(select(Role)) if r.title == "Backend" and r.id is not None)
        alone, part = load_data(session, [backend], d(7)), by_role(data, role_ids)[backend]
    # The same rows, in whatever order the database gave these two (no figure depends on it).
    assert sorted(alone.candidates) == sorted(part.candidates) and sorted(map(repr, alone.answers)) == sorted(
        map(repr, part.answers)
    )
    assert {k: sorted(v) for k, v in alone.panels.items()} == {k: sorted(v) for k, v in part.panels.items()}
    assert replace(alone, candidates=[], answers=[], panels={}) == replace(part, candidates=[], answers=[], panels={})
    turnaround = report_for(db, kits, since=d(7).date()).section("Backend").turnaround
    # R4: I1 6 h, H 72 h; R5: I1 3 h, H 47 h; R6: I2 10 h; R7: I2 overdue.
    assert {r.interviewer_id: (r.submitted, r.median_hours, r.overdue_now) for r in turnaround} == {
        INTERVIEWER_1: (2, 4.5, 0),
        HARSH: (2, 59.5, 0),
        INTERVIEWER_2: (1, 10.0, 1),
    }


def test_purged_candidates_keep_their_counts_and_no_figure_names_anyone(db: Database, kits: KitCatalog) -> None:
    ids = seed(db)
    before = report_for(db, kits)
    with db.transaction() as session:
        purge_candidate(session, kits, ids["c3"], actor=RECRUITER, now=NOW)
    after = report_for(db, kits)
    assert after.section("Backend").stages == before.section("Backend").stages
    assert after.section("Backend").totals == before.section("Backend").totals
    assert after.section("Backend").calibration == before.section("Backend").calibration


def test_report_arguments_are_parsed_or_refused_with_the_fix() -> None:
    assert parse_report_args("") == (None, None)
    assert parse_report_args("Backend Developer --since 2026-10-01") == ("Backend Developer", date(2026, 10, 1))
    assert parse_report_args("--since=2026-10-01") == (None, date(2026, 10, 1))
    for text, problem in [
        ("--since", "`--since` needs a date"),
        ("--since 2026-13-01", "'2026-13-01' is not a date; write it as YYYY-MM-DD"),
        ("--until 2026-01-01", "`--until` is not an option"),
    ]:
        with pytest.raises(Exception) as caught:
            parse_report_args(text)
        assert problem in str(caught.value)


# ------------------------------------------------------------------------------ in Slack, and HTML


@pytest.fixture
def report_app(db: Database, slack: SlackStandIn, kits_path: Path) -> Iterator[RunningApp]:
    slack.add_user(HARSH, "hal", real_name="Hal Harsh")
    with running_app(db, slack, kits_dir=kits_path) as app:
        app.clock.set(NOW)
        yield app


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def shares(app: RunningApp, user_id: str) -> list[dict[str, Any]]:
    """The messages sharing files in `user_id`'s DM with the bot."""
    return [m for m in app.slack.dm_messages(user_id) if m.get("files")]


def report_dm(app: RunningApp, user_id: str, count: int = 1) -> dict[str, Any]:
    """The `count`-th report shared in `user_id`'s DM, once the listeners have handed the request
    over, the report pool has built and queued it and the outbox has delivered it."""
    app.wait_idle()
    shared = shares(app, user_id)
    assert len(shared) >= count
    return shared[count - 1]


def report_rows(app: RunningApp) -> list[OutboxMessage]:
    with app.services.db.read() as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == Kind.report)))


def text_of(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks if isinstance(b.get("text"), dict))


def test_hiring_report_in_slack_and_html_agree(report_app: RunningApp, tmp_path: Path) -> None:
    app = report_app
    seed(app.services.db)
    response = app.client.command(RECRUITER, "/hiring", "report Backend")
    assert response.status_code == 200
    assert "direct message" in response.json()["text"]
    share = report_dm(app, RECRUITER)
    shown = text_of(share["blocks"])
    # The same hand-worked figures as above, as the recruiter reads them.
    for figure in [
        "*6* added · *5* interviewed · *2* hired · *2* rejected · *1* active · *1* on hold",
        "Hire rate (of those decided): 50% · Time to decision: median 5.0 d, 90th percentile 7.8 d (n=4)",
        "*Screen*: 6 entered → 4 passed (67%) · 1 rejected here · 1 in stage · 0 on hold · "
        "time in stage median 2.0 d, 90th percentile 3.6 d (n=5)",
        "*Technical*: 4 entered → 2 passed (50%)",
        f"<@{INTERVIEWER_2}>: median 20 h · 3 of 4 within 48 h (75%) · *1 overdue now*",
        f"<@{HARSH}>: median 50 h · 2 of 5 within 48 h (40%)",
        f"<@{HARSH}>: recommendations -1.07, ratings -0.78 against the panel over 5 candidates · "
        ":warning: *harsher than the panel*",
        "*System design*: rated 11 of 11 (100%) · agrees with the decision 8 of 9 (89%)",
        "_Asks about scale_: observed 0 of 11 · agrees 0 of 0 · :warning: never observed",
    ]:
        assert figure in shown, f"{figure!r} not in\n{shown}"
    for name in NAMES:
        assert name not in shown
    # Three charts went up with files upload v2 into the same message, as real PNGs.
    files = {f.filename: f for f in app.slack.files()}
    assert set(files) == {"funnel.png", "time-in-stage.png", "turnaround.png"}
    assert {f["name"] for f in share["files"]} == set(files)
    for uploaded in files.values():
        width, height = png_size(uploaded.content or b"")
        assert width == 900 and height >= 200
        assert uploaded.channels == [app.slack.calls_to("files.completeUploadExternal")[0].args["channel_id"]]
        assert uploaded.channels[0].startswith("D")
    assert len(app.slack.calls_to("files.getUploadURLExternal")) == 3

    # The HTML page from the command line shows the same figures.
    from bot.cli import main

    env = {"DATABASE_URL": app.services.db.url, "KITS_DIR": str(app.services.settings.kits_path)}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        patch.delenv("SLACK_BOT_TOKEN", raising=False)
        assert main(["report", "--role", "backend", "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    cells = re.sub(r"\s+", " ", page)
    for row in [
        "<td>Screen</td><td>6</td><td>4</td><td>67%</td><td>1</td><td>1</td><td>0</td><td>2.0 d</td><td>3.6 d</td>",
        "<td>Technical</td><td>4</td><td>2</td><td>50%</td><td>1</td><td>0</td><td>1</td><td>3.0 d</td><td>3.8 d</td>",
        f"<td>{INTERVIEWER_2}</td><td>3</td><td>20 h</td><td>3 of 4</td><td>75%</td><td>1</td>",
        f"<td>{HARSH}</td><td>5</td><td>5</td><td>-1.07</td><td>-0.78</td>",
        "harsher than the panel",
        "<td>6</td><td>5</td><td>2</td><td>2</td><td>1</td><td>1</td><td>50%</td><td>5.0 d</td><td>7.8 d</td>",
    ]:
        assert row in cells, row
    assert cells.count('src="data:image/png;base64,') == 3  # funnel, time in stage, turnaround
    for name in NAMES:
        assert name not in page


def test_reports_are_for_recruiters_and_hiring_managers(report_app: RunningApp) -> None:
    app = report_app
    seed(app.services.db)
    for person in (MEMBER, CANDIDATE, INTERVIEWER_1):
        answer = app.client.command(person, "/hiring", "report").json()["text"]
        assert "Reports are for recruiters and hiring managers" in answer, (person, answer)
    # The hiring manager of Backend sees Backend, and only Backend.
    answer = app.client.command(HIRING_MANAGER, "/hiring", "report Platform").json()["text"]
    assert "No role you can report on matches 'Platform'" in answer and "Backend (#1)" in answer
    app.client.command(HIRING_MANAGER, "/hiring", "report")
    shown = text_of(report_dm(app, HIRING_MANAGER)["blocks"])
    assert (
        "Hiring report: All roles"
        in app.slack.calls_to("files.completeUploadExternal")[0].args["blocks"][0]["text"]["text"]
    )
    assert "*6* added" in shown and "*Backend*" in shown and "Platform" not in shown
    bad = app.client.command(RECRUITER, "/hiring", "report --since 2026-13-01").json()["text"]
    assert "'2026-13-01' is not a date; write it as YYYY-MM-DD" in bad
    assert len(app.slack.calls_to("files.completeUploadExternal")) == 1


def test_app_home_shows_the_headline_and_sends_the_full_report(report_app: RunningApp) -> None:
    app = report_app
    seed(app.services.db)
    app.client.event({"type": "app_home_opened", "user": RECRUITER, "tab": "home"})
    app.slack.wait_for(lambda: app.slack.home(RECRUITER) is not None)
    shown = text_of(app.slack.home(RECRUITER)["blocks"])  # type: ignore[index]
    assert "*Reports*" in shown and "*7* added · *2* hired · *3* rejected" in shown
    assert "Hire rate (of those decided): 40% · Scorecards overdue now: *1*" in shown
    assert "*Backend*: 6 added" in shown
    app.client.block_action(RECRUITER, "report_send", "all", view=app.slack.home(RECRUITER))
    assert "Hiring report: All roles" in text_of(report_dm(app, RECRUITER)["blocks"])
    # Interviewers who manage no role see no Reports section.
    app.client.event({"type": "app_home_opened", "user": INTERVIEWER_1, "tab": "home"})
    app.slack.wait_for(lambda: app.slack.home(INTERVIEWER_1) is not None)
    assert "*Reports*" not in text_of(app.slack.home(INTERVIEWER_1)["blocks"])  # type: ignore[index]


# ------------------------------------------------------------------ through the outbox, off the listeners


def test_a_report_slack_refuses_is_retried_and_arrives_once(
    report_app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    app = report_app
    seed(app.services.db)
    app.slack.fail_next("files.completeUploadExternal", error="internal_error", status=500)
    app.client.command(RECRUITER, "/hiring", "report Backend")
    app.wait_idle()  # built, queued, and tried once: Slack refused the share
    (row,) = report_rows(app)
    assert (row.state, row.attempts, row.target, row.last_error) == ("pending", 1, RECRUITER, "internal_error")
    assert shares(app, RECRUITER) == []
    # The row carries the report as built: nothing is built again to send it.
    assert row.payload["text"] == "Hiring report: Backend" and row.payload["blocks"]
    charts = {c["filename"]: base64.b64decode(c["png"]) for c in row.payload["charts"]}
    assert set(charts) == {"funnel.png", "time-in-stage.png", "turnaround.png"}
    assert all(png_size(png)[0] == 900 for png in charts.values())

    assert dispatch(app) == "sent 1, retried 0, gave up 0, skipped 0"
    (share,) = shares(app, RECRUITER)
    assert "Hiring report: Backend" in text_of(share["blocks"])
    assert {f["name"] for f in share["files"]} == set(charts)
    assert [f.content for f in app.slack.files() if f.completed] == list(charts.values())
    (row,) = report_rows(app)
    # Sent, and the figures and charts it carried are gone from the database.
    assert (row.state, row.attempts, row.payload) == ("sent", 2, {})
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert len(shares(app, RECRUITER)) == 1


def test_a_share_whose_answer_was_lost_is_not_shared_again(
    report_app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    app = report_app
    seed(app.services.db)
    client = app.services.slack
    complete = client.files_completeUploadExternal
    lost: list[bool] = []

    def share_then_lose_the_answer(**kwargs: Any) -> Any:
        answer = complete(**kwargs)
        if not lost:  # Slack shared the report, but its answer never arrived
            lost.append(True)
            raise ConnectionResetError("connection reset by peer")
        return answer

    monkeypatch.setattr(client, "files_completeUploadExternal", share_then_lose_the_answer)
    app.client.command(RECRUITER, "/hiring", "report Backend")
    app.wait_idle()
    (row,) = report_rows(app)
    assert (row.state, row.attempts) == ("pending", 1) and len(shares(app, RECRUITER)) == 1
    # The retry finds the share in the DM by its marker and shares nothing again.
    assert dispatch(app) == "sent 1, retried 0, gave up 0, skipped 0"
    assert len(shares(app, RECRUITER)) == 1
    assert len(app.slack.calls_to("files.completeUploadExternal")) == 1
    assert len(app.slack.calls_to("files.getUploadURLExternal")) == 3
    assert app.slack.calls_to("conversations.history")
    (row,) = report_rows(app)
    assert (row.state, row.attempts, row.payload) == ("sent", 2, {})


def test_a_report_without_charts_is_one_post_and_a_failed_build_says_so(
    report_app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = report_app
    with app.services.db.transaction() as session:
        session.add(Role(title="Empty", kit_key="report-kit", channel_id=HIRING_CHANNEL, recruiter_ids=[RECRUITER]))
    app.client.command(RECRUITER, "/hiring", "report")
    app.wait_idle()
    (message,) = app.slack.dm_messages(RECRUITER)
    assert message["text"] == "Hiring report: All roles" and "files" not in message
    assert message["metadata"]["event_payload"]["outbox_id"] == report_rows(app)[0].id
    assert app.slack.calls_to("files.getUploadURLExternal") == []

    def broken(services: Any, request: ReportRequest) -> Report:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(report_dm_module, "build", broken)
    app.client.command(RECRUITER, "/hiring", "report")
    app.wait_idle()  # the failure is logged on the report pool; the pool goes on
    # The person was told a report is coming: they hear it is not, with nothing of the error.
    assert len(report_rows(app)) == 2 and len(app.slack.dm_messages(RECRUITER)) == 2
    failed = app.slack.dm_messages(RECRUITER)[-1]
    assert "could not build your hiring report" in failed["text"] and "database" not in all_text(failed)


def test_a_slow_report_build_does_not_delay_a_modal(report_app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> None:
    app = report_app
    with app.services.db.transaction() as session:
        session.add(Role(title="Backend", kit_key="report-kit", channel_id=HIRING_CHANNEL, recruiter_ids=[RECRUITER]))
    release = threading.Event()
    built_on: list[str] = []
    build = report_dm_module.build

    def slow_build(services: Any, request: ReportRequest) -> Report:
        built_on.append(threading.current_thread().name)
        release.wait(10)
        return build(services, request)

    monkeypatch.setattr(report_dm_module, "build", slow_build)
    # More reports than Bolt has lazy listeners: built there, they would hold every one of them.
    asked = LISTENER_WORKERS + 1
    try:
        for _ in range(asked):
            assert "direct message" in app.client.command(RECRUITER, "/hiring", "report").json()["text"]
        view = open_new_candidate(app)  # views.open, answered while the first report is still building
        assert view["callback_id"] == "candidate_new"
        app.listeners.wait_idle(timeout=2)  # every lazy listener handed its report over and returned
        assert not release.is_set() and built_on == ["report_0"]
        assert app.slack.dm_messages(RECRUITER) == []
    finally:
        release.set()
    app.wait_idle()
    assert [m["text"] for m in app.slack.dm_messages(RECRUITER)] == ["Hiring report: All roles"] * asked
    assert set(built_on) == {"report_0"} and len(built_on) == asked
