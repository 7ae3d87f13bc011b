"""The report from its aggregates equals the report from the raw rows (bot.reporting.data and
figures, the reference), figure by figure, on a generated history (holds, reopenings, cancelled
rounds, kickoffs, scorecards early and late, open rounds past their deadline) and after what
changes it through the app's own rules: stage changes, scorecards submitted and edited, purges, a
round moved and one cancelled. And the migration's backfill builds the same aggregates the writes
kept."""

from __future__ import annotations

import contextlib
import random
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import col, func, select

from bot.delivery import report_dm
from bot.delivery.report_dm import ReportRequest
from bot.reporting import aggregates as aggregates_module
from bot.reporting import reports as reports_module
from bot.reporting import upkeep
from bot.reporting.data import by_role, load_data
from bot.reporting.figures import build_section
from bot.reporting.home import home_summary
from bot.reporting.reports import build_report
from bot.reporting.rows import load_rows
from bot.reporting.tally import Rows
from bot.reporting.types import Report, Section
from bot.reporting.upkeep import backfill
from bot.rules import thread_notes
from bot.rules.errors import UserError
from bot.rules.kits import KitCatalog, load_kits
from bot.rules.pipeline import change_stage
from bot.rules.purge import purge_candidate
from bot.rules.scorecards import Answer, submit_scorecard
from bot.wiring.db import Database
from models.tables import Candidate, Interview, PanelMember, QuestionRating, Role, Scorecard, StageEvent
from tests.conftest import HIRING_CHANNEL, RECRUITER
from tests.test_reports import KIT

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PEOPLE = [f"U0PANEL{i}" for i in range(6)]
STAGES = ["screen", "tech", "final"]
QUESTIONS = {"screen": [], "tech": ["design", "code"], "final": ["design"]}
INDICATORS = {
    "design": (["Names trade-offs", "Asks about scale"], ["Ignores failure"]),
    "code": (["Tests first"], ["No tests"]),
}


@pytest.fixture
def kits(tmp_path: Path) -> KitCatalog:
    (tmp_path / "report-kit.yaml").write_text(KIT, encoding="utf-8")
    return load_kits([tmp_path])


def answers(rng: random.Random, stage: str) -> dict[str, Answer]:
    out = {}
    for key in QUESTIONS[stage]:
        positive, negative = INDICATORS[key]
        out[key] = Answer(
            rng.choice(["below", "meets", "exceeds", "not_assessed"]),
            [t for t in positive if rng.random() < 0.4],
            [t for t in negative if rng.random() < 0.3],
        )
    return out


def generate(db: Database, rng: random.Random, candidates: int) -> None:
    """Candidates walking the kit (advance, hold, reopen, reject, hire) with rounds and scorecards."""
    with db.transaction() as session:
        roles = [
            Role(title=title, kit_key="report-kit", channel_id=HIRING_CHANNEL, recruiter_ids=[RECRUITER], created_at=T0)
            for title in ("Backend", "Platform")
        ]
        session.add_all(roles)
        session.flush()
        for n in range(candidates):
            added = T0 + timedelta(days=rng.uniform(0, 40), seconds=rng.random())
            candidate = Candidate(
                role_id=rng.choice(roles).id, name=f"C {n}", name_key=f"c {n}", email=f"c{n}@example.org",
                stage_key="screen", status="active", stage_entered_at=added, created_at=added,
            )  # fmt: skip
            session.add(candidate)
            session.flush()
            at, stage, status = added, 0, "active"
            session.add(
                StageEvent(candidate_id=candidate.id, at=at, action="created", to_stage="screen", to_status="active")
            )
            for _ in range(rng.randint(0, 6)):
                at += timedelta(days=rng.uniform(0.2, 6), microseconds=rng.randint(0, 999_999))
                action = rng.choice(["advance", "advance", "hold", "reject", "reopen"])
                to_stage, to_status = stage, status
                if action == "advance" and status == "active":
                    to_stage, to_status = (stage + 1, status) if stage < 2 else (stage, "hired")
                elif action == "hold" and status == "active":
                    to_status = "on_hold"
                elif action == "reject" and status in ("active", "on_hold"):
                    to_status = "rejected"
                elif action == "reopen" and status in ("on_hold", "rejected"):
                    to_status = "active"
                else:
                    continue
                session.add(
                    StageEvent(candidate_id=candidate.id, at=at, action="hire" if to_status == "hired" else action,
                               from_stage=STAGES[stage], to_stage=STAGES[to_stage], from_status=status,
                               to_status=to_status)
                )  # fmt: skip
                if STAGES[stage] != "screen" or rng.random() < 0.5:
                    add_round(session, rng, candidate.id, STAGES[stage], at - timedelta(hours=rng.uniform(2, 30)))
                stage, status = to_stage, to_status
            candidate.stage_key, candidate.status = STAGES[stage], status
            if status == "active" and rng.random() < 0.6:
                # Still open: scheduled, some of the panel done, maybe past its deadline already.
                add_round(
                    session, rng, candidate.id, STAGES[stage], NOW - timedelta(hours=rng.uniform(1, 120)), "scheduled"
                )


def add_round(
    session: Any, rng: random.Random, candidate_id: int, stage: str, ends: datetime, status: str = ""
) -> None:
    kind = "kickoff" if rng.random() < 0.08 else "round"
    status = status or rng.choice(["debriefed"] * 4 + ["cancelled"])
    interview = Interview(
        candidate_id=candidate_id, stage_key=stage, starts_at=ends - timedelta(hours=1), ends_at=ends,
        status=status, kind=kind, created_at=ends - timedelta(days=2),
    )  # fmt: skip
    session.add(interview)
    session.flush()
    panel = rng.sample(PEOPLE, rng.randint(2, 4))
    if rng.random() < 0.3:
        # A trainee shadowing: on the panel, owing no scorecard (and refused one by change()).
        session.add(PanelMember(interview_id=interview.id, interviewer_id=panel.pop(), training="shadow"))
    for person in panel:
        # Some with a deadline in their working days (kept since messages keep hours), some from before.
        due = ends + timedelta(hours=rng.uniform(6, 80)) if rng.random() < 0.5 else None
        session.add(PanelMember(interview_id=interview.id, interviewer_id=person, due_at=due))
        if status == "scheduled" and rng.random() < 0.5:
            continue
        submitted = ends + timedelta(hours=rng.uniform(-2, 90))
        card = Scorecard(
            interview_id=interview.id, interviewer_id=person, notes="Notes.", submitted_at=submitted,
            updated_at=submitted, recommendation=rng.choice(["strong_no", "no", "yes", "strong_yes"]),
        )  # fmt: skip
        session.add(card)
        session.flush()
        for key, answer in answers(rng, stage).items():
            session.add(
                QuestionRating(scorecard_id=card.id, question_key=key, rating=answer.rating,
                               positive_observed=answer.positive, negative_observed=answer.negative)
            )  # fmt: skip


def change(db: Database, kits: KitCatalog, rng: random.Random) -> None:
    """What people do to the history: through the app's rules, one transaction each."""
    with db.read() as session:
        candidates = list(session.exec(select(Candidate.id).order_by(col(Candidate.id))))
        open_rounds = list(
            session.exec(select(Interview).where(Interview.status == "scheduled", Interview.kind == "round"))
        )
    for candidate_id in rng.sample(candidates, 12):
        try:
            with db.transaction() as session:
                action = rng.choice(["advance", "advance", "hold", "reject", "reopen"])
                change_stage(session, kits, candidate_id, action, RECRUITER, NOW, reason="Because")
        except UserError:
            pass
    for interview in open_rounds[::2]:
        with db.read() as session:
            panel = list(
                session.exec(select(PanelMember.interviewer_id).where(PanelMember.interview_id == interview.id))
            )
        for person in panel:
            # An edit when they submitted already, a first submission when not (the last one ends the round).
            try:
                with db.transaction() as session:
                    submit_scorecard(
                        session, kits, interview.id or 0, person, answers(rng, interview.stage_key),
                        rng.choice(["no", "yes", "strong_yes"]), "Edited notes.", NOW,
                    )  # fmt: skip
            except UserError:
                pass
            if rng.random() < 0.3:
                break
    for candidate_id in rng.sample(candidates, 3):
        with db.transaction() as session:
            purge_candidate(session, kits, candidate_id, actor=RECRUITER, now=NOW)
    with db.transaction() as session:
        rounds = list(
            session.exec(select(Interview).where(Interview.status != "cancelled").order_by(col(Interview.id)))
        )
        rounds[0].ends_at += timedelta(days=3, seconds=17)
        rounds[-1].status = "cancelled"


def reference(db: Database, kits: KitCatalog) -> Report:
    """The report as it was computed before the aggregates: every row of the scope, in Python."""
    with db.read() as session:
        roles = list(session.exec(select(Role).order_by(col(Role.id))))
        data = load_data(session, [r.id for r in roles if r.id], None)
        kit_of = {r.id: kits.kits.get(r.kit_key) for r in roles}
        overall = build_section("All roles", None, None, data, kit_of, NOW)
        part = by_role(data, [r.id for r in roles if r.id])
        sections = [build_section(r.title, r, kit_of[r.id], part[r.id or 0], kit_of, NOW) for r in roles]
    return Report(generated_at=NOW, since=None, overall=overall, roles=sections)


def fast(db: Database, kits: KitCatalog) -> Report:
    with db.read() as session:
        roles = list(session.exec(select(Role).order_by(col(Role.id))))
        report = build_report(session, kits, roles, NOW)
    return replace(
        report, overall=replace(report.overall, pools=()), roles=[replace(s, pools=()) for s in report.roles]
    )


def comparable(section: Section) -> Section:
    """The section with calibration gaps to 9 places: they are sums of per-candidate floats, added in
    another order by the aggregates (and sorted by person, as their order follows those floats)."""
    calibration = sorted(
        (
            replace(c, recommendation_gap=_round(c.recommendation_gap), rating_gap=_round(c.rating_gap))
            for c in section.calibration
        ),
        key=lambda c: c.interviewer_id,
    )
    return replace(section, calibration=calibration)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 9)


def assert_same(db: Database, kits: KitCatalog) -> None:
    expected, got = reference(db, kits), fast(db, kits)
    assert [s.title for s in got.roles] == [s.title for s in expected.roles]
    for mine, theirs in [(got.overall, expected.overall), *zip(got.roles, expected.roles, strict=True)]:
        a, b = comparable(mine), comparable(theirs)
        for figure in ("totals", "stages", "turnaround", "calibration", "questions"):
            assert getattr(a, figure) == getattr(b, figure), f"{mine.title}: {figure}"
        assert a == b


def aggregates(db: Database) -> tuple[list[Any], list[Any]]:
    with db.engine.connect() as conn:
        counts = [
            (*r[:5], round(r[5], 9))
            for r in conn.execute(text("SELECT role_id, name, key, bucket, n, total FROM report_count WHERE n <> 0"))
        ]
        values = list(conn.execute(text("SELECT candidate_id, role_id, name, key, bucket, value FROM report_value")))
    return sorted(counts), sorted(values)


def assert_backfill_agrees(db: Database) -> None:
    """The aggregates the writes kept are those the migration's backfill counts from the history."""
    kept = aggregates(db)
    with db.engine.begin() as conn:
        backfill(conn)
    assert aggregates(db) == kept


def seats_of(session: Any, round_id: int | None) -> tuple[list[PanelMember], set[str], set[str]]:
    """A round's seats, the people who owe it a scorecard (no shadows) and those who sent one."""
    seats = list(session.exec(select(PanelMember).where(PanelMember.interview_id == round_id)))
    done = set(session.exec(select(Scorecard.interviewer_id).where(Scorecard.interview_id == round_id)))
    return seats, {m.interviewer_id for m in seats if m.training is None}, done


def add_twin(session: Any, interview: Interview, seats: list[PanelMember]) -> int:
    """A second round of the candidate at the same time with the same seats (and no scorecards)."""
    twin = Interview(**interview.model_dump(exclude={"id"}))
    session.add(twin)
    session.flush()
    session.add_all(PanelMember(**{**m.model_dump(), "interview_id": twin.id}) for m in seats)
    return twin.id or 0


def test_every_figure_from_the_aggregates_equals_the_figure_from_the_rows(db: Database, kits: KitCatalog) -> None:
    rng = random.Random(21)
    generate(db, rng, 45)
    assert_same(db, kits)
    change(db, kits, rng)
    assert_same(db, kits)
    # Some of everything was exercised: purged candidates, edited scorecards, overdue ones.
    report = reference(db, kits)
    with db.read() as session:
        assert len(list(session.exec(select(Candidate).where(col(Candidate.purged_at).is_not(None))))) == 3
        edited = session.exec(select(Scorecard).where(col(Scorecard.notes) == "Edited notes.")).all()
        assert any(card.submitted_at < NOW for card in edited)
    assert sum(t.overdue_now for t in report.overall.turnaround) > 0
    # The App Home counts the same overdue seats (stored deadlines, kit hours, no shadows).
    with db.read() as session:
        summary = home_summary(session, kits, list(session.exec(select(Role))), NOW)
    assert summary.overdue_now == sum(t.overdue_now for t in report.overall.turnaround)
    assert report.overall.totals.hired and report.overall.totals.rejected
    assert all(s.stages[1].time_in_stage.n > 3 for s in report.roles)

    # The migration's backfill counts the same history to the same aggregates.
    assert_backfill_agrees(db)


def test_a_database_from_before_the_aggregates_gets_them_by_its_migration(
    tmp_path: Path, kits: KitCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade("0014")
    # Written by the app as it was: nothing kept the aggregates (they did not exist).
    monkeypatch.setattr("bot.wiring.db.upkeep.watch", lambda session: None)
    generate(db, random.Random(7), 15)
    monkeypatch.undo()
    db.upgrade()
    assert aggregates(db)[0]
    assert_same(db, kits)
    db.dispose()


def test_a_submission_reads_its_candidates_rows_once_and_keeps_the_same_figures(
    db: Database, kits: KitCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first scorecard is a candidate's only change: what the candidate counted for before is its
    rows at commit without the new scorecard, so the rows are read once. The round's last scorecard
    also ends the round (a second change, in a later flush): the rows are read then, without the
    scorecard flushed already, and again at commit. An edit changes rows: read before and after."""
    generate(db, random.Random(5), 30)
    with db.read() as session:
        rounds = list(session.exec(select(Interview).where(Interview.status == "scheduled", Interview.kind == "round")))
        owed = {}
        for r in rounds:
            _, scoring, done = seats_of(session, r.id)
            owed[r.id] = sorted(scoring - done)
    interview = next(r for r in rounds if len(owed[r.id]) >= 2)
    with db.transaction() as session:
        # A twin round at the same time with the same seats: each seat's wait is counted twice, the
        # same value, and a submission to the first round takes one copy of the two away.
        add_twin(session, interview, seats_of(session, interview.id)[0])
    assert_same(db, kits)
    reads: list[list[int]] = []
    real = upkeep.load_rows

    def counted(conn: Any, ids: Any = (), span: Any = None, **kwargs: Any) -> Any:
        reads.append(list(ids))
        return real(conn, ids, span, **kwargs)

    monkeypatch.setattr(upkeep, "load_rows", counted)
    rng = random.Random(9)

    def submit(person: str) -> None:
        with db.transaction() as session:
            submit_scorecard(
                session, kits, interview.id or 0, person, answers(rng, interview.stage_key), "yes", "Notes.", NOW
            )  # fmt: skip

    *first, last = owed[interview.id]
    for person in first:
        reads.clear()
        submit(person)
        assert reads == [[interview.candidate_id]]
        assert_same(db, kits)
    reads.clear()
    submit(first[0])  # an edit: its old ratings go, the scorecard changes
    assert reads == [[interview.candidate_id]] * 2
    assert_same(db, kits)
    reads.clear()
    submit(last)  # the round ends
    assert reads == [[interview.candidate_id]] * 2
    assert_same(db, kits)
    with db.read() as session:
        assert session.get(Interview, interview.id).status == "debriefed"  # type: ignore[union-attr]
    assert_backfill_agrees(db)


def test_a_candidates_rows_read_together_on_postgresql_are_the_rows_read_apart(db: Database) -> None:
    """On PostgreSQL the four reads of candidates' counted rows go as one statement (a round trip,
    not four), unless they lock (FOR UPDATE has no UNION); on SQLite, with no round trips, they stay
    four. Both ways give the same rows, by ids (a write's recount) and by a span of ids (the backfill)."""
    generate(db, random.Random(3), 12)
    with db.read() as session:
        ids = sorted(session.exec(select(Candidate.id)).all())
    sent: list[str] = []
    with db.engine.connect() as conn:
        # SELECTs only: SQLite's connection also sends its BEGIN.
        event.listen(conn, "before_cursor_execute", lambda *a: sent.extend([a[2]] if a[2].startswith("SELECT") else []))
        together = [load_rows(conn, ids), load_rows(conn, span=(ids[0], ids[-1]))]
        statements = len(sent)
        apart = [load_rows(conn, ids, lock=True), load_rows(conn, span=(ids[0], ids[-1]), lock=True)]
        conn.rollback()
    assert statements == (8 if db.is_sqlite else 2)
    assert len(sent) == statements + 8

    def unordered(rows: list[Rows]) -> list[Rows]:
        # The candidates and their events come in order; the rest are only counted.
        return [
            replace(r, rounds=sorted(r.rounds), scorecards=sorted(r.scorecards), ratings=sorted(r.ratings, key=repr),
                    seats=sorted(r.seats, key=repr))
            for r in rows
        ]  # fmt: skip

    assert len(together[0]) == len(ids)
    assert sum(len(r.ratings) for r in together[0]) > 0 and sum(len(r.seats) for r in together[0]) > 0
    assert [unordered(t) for t in together] == [unordered(a) for a in apart]
    assert together[0][0].events == apart[0][0].events


def test_a_submission_locks_its_round_and_candidate_once_on_postgresql(db: Database, kits: KitCatalog) -> None:
    """The round's load locks the round and its candidate in one statement and notes it: the upkeep
    does not lock the candidate again, and reads its rows in one statement (an edit's before its
    change too). Two submissions at once still take turns (the test below)."""
    if db.is_sqlite:
        pytest.skip("row locks are PostgreSQL's (SQLite has one writer at a time)")
    generate(db, random.Random(5), 20)
    with db.read() as session:
        rounds = list(session.exec(select(Interview).where(Interview.status == "scheduled", Interview.kind == "round")))
        interview, person = next(
            (r, min(s - d)) for r in rounds for _, s, d in [seats_of(session, r.id)] if len(s - d) > 1
        )
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    rng = random.Random(2)
    try:
        for edit in (False, True):
            sent.clear()
            with db.transaction() as session:
                submit_scorecard(
                    session, kits, interview.id or 0, person, answers(rng, interview.stage_key), "yes", "Notes.", NOW
                )  # fmt: skip
            locks = [s for s in sent if "FOR UPDATE" in s]
            assert len(locks) == 1 and "FOR UPDATE OF interview, candidate" in locks[0], locks
            assert len([s for s in sent if "UNION ALL" in s]) == (2 if edit else 1)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert_same(db, kits)


@pytest.mark.parametrize("first_is", ["new", "edit"])
def test_two_submissions_for_one_candidate_at_once_take_turns_and_keep_the_same_figures(
    db: Database, kits: KitCatalog, monkeypatch: pytest.MonkeyPatch, first_is: str
) -> None:
    """Scorecards for two rounds of one candidate, submitted at once: the second waits for the
    first's commit (on PostgreSQL the candidate's row lock, taken at the first flush; on SQLite the
    writers' queue), since each scorecard's calibration counts against the other's. Had the second
    gone ahead, each would have counted against the rows without the other. The first is a new
    scorecard (its candidate locked by a statement of its own) or an edit (locked by the read of
    its rows); the second is new."""
    generate(db, random.Random(5), 30)
    with db.transaction() as session:
        for interview in session.exec(
            select(Interview).where(Interview.status == "scheduled", Interview.kind == "round").order_by(Interview.id)
        ):
            seats, scoring, done = seats_of(session, interview.id)
            if done and scoring - done:
                break
        else:
            raise AssertionError("no open round with scorecards in and out")
        person = sorted(done if first_is == "edit" else scoring - done)[0]
        twin_id = add_twin(session, interview, seats)
    paused, go = threading.Event(), threading.Event()
    real = thread_notes.scorecard_note

    def note(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "first":
            paused.set()  # its scorecard is flushed: the candidate is locked (PostgreSQL)
            assert go.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(thread_notes, "scorecard_note", note)
    failures: list[BaseException] = []

    def submit(round_id: int) -> None:
        try:
            with db.transaction() as session:
                submit_scorecard(
                    session, kits, round_id, person, answers(random.Random(round_id), interview.stage_key),
                    "strong_yes" if round_id == twin_id else "no", "Notes.", NOW,
                )  # fmt: skip
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    first = threading.Thread(target=submit, args=(interview.id,), name="first")
    second = threading.Thread(target=submit, args=(twin_id,), name="second")
    first.start()
    try:
        assert paused.wait(10)
        second.start()
        second.join(0.5)
        assert second.is_alive(), "the second submission did not wait for the first"
    finally:
        go.set()
        first.join(10)
        second.join(10)
    assert not failures
    assert_same(db, kits)
    assert_backfill_agrees(db)


@pytest.mark.parametrize("cohort", [False, True], ids=["history", "cohort"])
def test_a_report_reads_one_state_of_the_history_while_others_write(
    db: Database, kits: KitCatalog, monkeypatch: pytest.MonkeyPatch, cohort: bool
) -> None:
    """The report's counts and the values its medians are found among come from one snapshot:
    writes committed while it is built change nothing in it. (On PostgreSQL a plain read sees the
    latest commit at each statement, so the counts could place a median among values they never
    counted.) Built as `/hiring report` builds it, for the whole history and for a cohort."""
    generate(db, random.Random(21), 45)
    with db.read() as session:
        role_ids = tuple(r for r in session.exec(select(Role.id).order_by(col(Role.id))) if r is not None)
        candidate_ids = list(session.exec(select(Candidate.id).order_by(col(Candidate.id))))
    services: Any = SimpleNamespace(db=db, kits=kits, clock=SimpleNamespace(now=lambda: NOW))
    request = ReportRequest(RECRUITER, role_ids, (T0 + timedelta(days=20)).date() if cohort else None, False)
    before = report_dm.build(services, request)
    fetch, load = aggregates_module.Builder.fetch, reports_module.load_data
    writes: list[str] = []

    def write_first(what: str) -> None:
        if not writes:  # other transactions commit once the report has read its first rows
            writes.append(what)
            change(db, kits, random.Random(5))
            for candidate_id in candidate_ids:  # every open candidate decided: durations added
                with contextlib.suppress(UserError), db.transaction() as session:
                    change_stage(session, kits, candidate_id, "reject", RECRUITER, NOW, reason="Closed")
            with db.transaction() as session:  # every round ended earlier: each turnaround changed
                for interview in session.exec(select(Interview)):
                    interview.ends_at -= timedelta(minutes=50)

    def fetch_after_writes(builder: Any, ids: Any) -> None:
        write_first("between the counts and the values")
        fetch(builder, ids)

    def load_after_writes(session: Any, ids: Any, start: Any) -> Any:
        write_first("between the pools' rows and the cohort's")
        return load(session, ids, start)

    monkeypatch.setattr(aggregates_module.Builder, "fetch", fetch_after_writes)
    monkeypatch.setattr(reports_module, "load_data", load_after_writes)
    during = report_dm.build(services, request)
    assert writes, "the writes ran while the report was built"
    monkeypatch.undo()
    sections = [comparable(s) for s in [during.overall, *during.roles]]
    assert sections == [comparable(s) for s in [before.overall, *before.roles]]
    after = report_dm.build(services, request)
    assert [comparable(s) for s in [after.overall, *after.roles]] != sections  # the writes changed it


def test_a_cohort_from_before_the_history_is_counted_from_the_aggregates(
    db: Database, kits: KitCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--since` a day no later than the first candidate added and the first round ended keeps
    every row: the report then comes from the aggregates, with the figures the rows give for that
    cohort. A day later, the cohort is counted from its rows again."""
    generate(db, random.Random(21), 45)
    with db.read() as session:
        roles = list(session.exec(select(Role).order_by(col(Role.id))))
        first = session.exec(select(func.min(Candidate.created_at))).one()  # its rounds end later
    ids = [r.id for r in roles if r.id]
    kit_of = {r.id: kits.kits.get(r.kit_key) for r in roles}
    since = first.date()  # the midnight before the first candidate was added
    read_rows: list[Any] = []
    load = reports_module.load_data
    monkeypatch.setattr(reports_module, "load_data", lambda *args: read_rows.append(args) or load(*args))
    with db.snapshot() as session:
        fast_report = build_report(session, kits, roles, NOW, since=since)
        start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
        rows = load(session, ids, start)
        expected = [
            build_section("All roles", None, None, rows, kit_of, NOW),
            *(build_section(r.title, r, kit_of[r.id], by_role(rows, ids)[r.id or 0], kit_of, NOW) for r in roles),
        ]
        assert not read_rows  # from the aggregates
        later = build_report(session, kits, roles, NOW, since=since + timedelta(days=1))
    assert len(read_rows) == 1  # a day later: from the rows
    assert fast_report.since == since
    got = [fast_report.overall, *fast_report.roles]
    assert [comparable(replace(s, pools=())) for s in got] == [comparable(s) for s in expected]
    assert later.overall.totals.added < fast_report.overall.totals.added
