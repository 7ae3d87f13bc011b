"""Scale benchmark: the read paths people use every day, against a database with years of hiring in it.

Loads 50,000 candidates over eight roles on the five shipped kits, with their stage events (added,
advanced, held, reopened, rejected, hired), rounds with panels (some cancelled, some upcoming) and
200,000 scorecards with a rating per question and the indicators observed, into a temporary SQLite
file and into PostgreSQL (a scratch database created on the server `--database-url` names, dropped
at the end). Rows go in with bulk inserts (SQLAlchemy core executemany on SQLite, COPY on
PostgreSQL), not through the app. The schema comes from the app's own migrations.

Then times, in this process, what each listener does (the same service and block functions, in
the same order, in one read session per request, down to the Slack payload as a dict):

- App Home for a recruiter who also sits on panels (their rounds, their pending scorecards, the
  pipeline counts, what is waiting on them, the reports summary);
- `/candidate <query>` by full name, part of a name, email, `#id`, and a query matching nobody;
- `/candidate list` and `/candidate list <role>`;
- `/hiring report` (bot.delivery.report_dm.build, then the blocks; chart drawing left out) for every
  role and for one role.

For each: p50 and p95 in ms over `--runs` requests, and the SQL statements one request runs
(counted with a `before_cursor_execute` listener on the engine). Everything is also measured on a
dataset ten times smaller in the same run: the statement counts must not change (ratio 1.0).

    .venv/bin/python bench/scale.py [--candidates 50000] [--runs 30]
        [--database-url postgresql://postgres:postgres@127.0.0.1:5432/postgres] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from blocks.common import section
from blocks.home import home_view
from blocks.pipeline import board_blocks, choices_blocks, summary_blocks
from blocks.reports import report_blocks
from bot.reporting.home import Summary, home_summary
from bot.reporting.reports import build_report, reportable_roles
from bot.rules.candidates import find_one, fold
from bot.rules.errors import Forbidden, UserError
from bot.rules.kits import KitCatalog, load_kits
from bot.rules.permissions import Permissions, Person
from bot.rules.pipeline import candidate_view, pipeline_boards, stage_events, waiting_on_recruiters
from bot.rules.scorecards import pending_for, upcoming_for
from bot.wiring.db import Database, normalize_url
from bot.wiring.settings import SHIPPED_KITS
from handlers.commands import with_roles
from models.kit import TIMED_STAGE_KINDS, Kit, Stage, StageKind
from models.tables import Role

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HISTORY_DAYS = 730
RECRUITER = "U0REC001"  # the person whose App Home is measured: a recruiter on every role who screens too
RECRUITERS = ["U0REC001", "U0REC002", "U0REC003"]
INTERVIEWERS = [f"U0INT{i:03d}" for i in range(60)]
DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
# (title, kit, share of candidates, recruiter)
ROLES = [
    ("Backend Developer", "backend-mid", 0.22, "U0REC001"),
    ("Backend Developer (Berlin)", "backend-developer", 0.16, "U0REC002"),
    ("Senior Backend Engineer, Application", "senior-backend-application", 0.12, "U0REC001"),
    ("Senior Backend Engineer, Scalability", "senior-backend-scalability", 0.12, "U0REC003"),
    ("Code Insights Backend Engineer", "code-insights-backend", 0.10, "U0REC002"),
    ("Platform Engineer", "backend-mid", 0.12, "U0REC003"),
    ("Data Engineer", "senior-backend-scalability", 0.08, "U0REC001"),
    ("API Engineer", "backend-developer", 0.08, "U0REC002"),
]
FIRST = str.split(
    "Ana Ben Carla Dmitri Elena Farid Greta Hugo Ines Jonas Kai Lena Malik Nora Oskar Paula Quinn Rosa Samir "
    "Tara Umar Vera Wim Xenia Yusuf Zoë Amélie Björn Chloé Diego Émile Fatima Gökhan Hélène Ivan Jürgen Kenji "
    "Léa Mateo Núria Olga Pål Raphaël Søren Tomás Ulrike Valentín Weronika Yara Zoltan Aisha Bruno Camille "
    "Dario Esther Felix Giulia Hannah Ibrahim Julia Karim Laura Marco Nadia Omar Petra Rafael Sofia Theo Uma "
    "Victor Wanda Ximena Yannick Zara Adrian Beatriz Cyril Daniela Erik Flora George Hira Igor Jana Kofi Lucia"
)
LAST = str.split(
    "Alvarez Becker Costa Dubois Eriksen Fischer García Hansen Ibáñez Jansen Kowalski Lindqvist Martin Novak "
    "Olsen Petrov Quintero Rossi Schmidt Tanaka Ueda Vogel Weber Xu Yilmaz Zimmermann Ångström Bauer Çelik "
    "Dąbrowski Eklund Fernández González Horváth Ivanova Jović Keller Łukasiewicz Müller Nowak Ortega Pereira "
    "Ramos Silva Torres Urbán Varga Wagner Young Zhang Andersen Brown Clarke Davies Evans Fraser Green Hughes "
    "Irwin Jones King Lewis Moore Nash Owens Parker Reid Scott Turner Walker White Wood Wright Abbott Baker "
    "Carter Dixon Ellis Foster Grant Harris Ingram Jordan Kelly Lopez Mason Nguyen Oliver Patel Quinn Russell"
)
SOURCES = ["LinkedIn", "Referral", "Job board", "Careers page", "Conference", "Agency", None]
REJECT_REASONS = [
    "Not enough experience with distributed systems.",
    "Salary expectations far above the band.",
    "Withdrew: accepted another offer.",
    "Could not explain the trade-offs of their own design.",
    "Location does not work for the team.",
]


# ----------------------------------------------------------------------------------- the dataset


@dataclass
class Round:
    id: int
    candidate_id: int
    kit: Kit
    stage: Stage
    starts: datetime
    ends: datetime
    cancelled: bool
    outcome: str  # pass | fail | open: what happened to the candidate at this stage
    pool: list[str]
    panel: list[str] = field(default_factory=list)
    submitted: dict[str, datetime] = field(default_factory=dict)

    @property
    def happened(self) -> bool:
        return not self.cancelled and self.starts <= NOW


@dataclass
class Applicant:
    id: int
    role_id: int
    name: str
    email: str
    source: str | None
    created: datetime
    stage_key: str = ""
    status: str = "active"
    entered: datetime = NOW
    events: list[tuple[Any, ...]] = field(default_factory=list)
    purged: bool = False


@dataclass
class Dataset:
    kits: KitCatalog
    roles: list[dict[str, Any]]
    people: list[Applicant]
    rounds: list[Round]
    scorecards: int = 0


def day_time(rng: random.Random, day: datetime) -> datetime:
    """A working-hours slot on that day."""
    return day.replace(hour=rng.randint(8, 16), minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0)


def generate(candidates: int, scorecards: int, seed: int, kits: KitCatalog) -> Dataset:
    rng = random.Random(seed)
    roles: list[dict[str, Any]] = []
    pools: dict[int, list[str]] = {}
    for index, (title, kit_key, _share, recruiter) in enumerate(ROLES, start=1):
        managers = [f"U0HM{index:02d}A", f"U0HM{index:02d}B"]
        roles.append(
            {
                "id": index, "title": title, "kit_key": kit_key, "level": kits.kits[kit_key].level,
                "channel_id": f"C0ROLE{index:02d}", "hiring_manager_ids": json.dumps(managers),
                "recruiter_ids": json.dumps([recruiter]), "active": True, "created_by": "cli:bench",
                "created_at": NOW - timedelta(days=HISTORY_DAYS + 10),
            }
        )  # fmt: skip
        pools[index] = managers + rng.sample(INTERVIEWERS, 10)
    weights = [share for _, _, share, _ in ROLES]
    created = sorted(NOW - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400)) for _ in range(candidates))
    people: list[Applicant] = []
    rounds: list[Round] = []
    for cid, at in enumerate(created, start=1):
        role_id = rng.choices(range(1, len(ROLES) + 1), weights)[0]
        kit = kits.kits[ROLES[role_id - 1][1]]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        email = f"{fold(first)}.{fold(last)}{cid}@example.org".replace(" ", "")
        person = Applicant(cid, role_id, name, email, rng.choice(SOURCES), at)
        walk(rng, person, kit, pools[role_id], ROLES[role_id - 1][3], rounds)
        people.append(person)
    settle_scorecards(rng, rounds, scorecards)
    return Dataset(kits, roles, people, rounds, scorecards)


def walk(rng: random.Random, person: Applicant, kit: Kit, pool: list[str], recruiter: str, rounds: list[Round]) -> None:
    """Take a candidate through the kit from the day they were added, until a decision or today."""
    stages = kit.stages
    t = person.created
    stuck = rng.random() < 0.01  # forgotten: nobody decides, they sit in their stage
    events = person.events
    events.append((t, recruiter, "created", None, stages[0].key, None, "active", person.source))
    index = 0
    while True:
        stage = stages[index]
        entered = t
        quick = stage.kind in (StageKind.review, StageKind.offer, StageKind.references)
        dwell = timedelta(days=rng.uniform(0.3, 4) if quick else rng.uniform(2, 12))
        decide = t + dwell
        outcome_roll = rng.random()
        reject_p = 0.5 if index == 0 else 0.3
        outcome = "open" if (decide > NOW or stuck) else ("fail" if outcome_roll < reject_p else "pass")
        if stage.kind in TIMED_STAGE_KINDS:
            starts = day_time(rng, t + dwell * rng.uniform(0.3, 0.7))
            if rng.random() < 0.03:  # moved once: the first slot was cancelled
                rounds.append(round_for(rng, len(rounds) + 1, person, kit, stage, starts, True, outcome, pool))
                starts = starts + timedelta(days=1)
            pool_here = pool + ([recruiter] if stage.kind == StageKind.call else [])
            rounds.append(round_for(rng, len(rounds) + 1, person, kit, stage, starts, False, outcome, pool_here))
        person.stage_key, person.entered = stage.key, entered
        if outcome == "open":
            person.status = "active"
            return
        if rng.random() < 0.03:  # held a while: most come back, some are let go, a few stay on hold
            events.append((decide, recruiter, "hold", stage.key, stage.key, "active", "on_hold", "Waiting on visa."))
            later = decide + timedelta(days=rng.uniform(3, 45))
            fate = rng.random()
            if later > NOW or fate < 0.1:
                person.status = "on_hold"
                return
            if fate < 0.4:
                reason = "Withdrew while on hold."
                events.append((later, recruiter, "reject", stage.key, stage.key, "on_hold", "rejected", reason))
                person.status = "rejected"
                return
            events.append((later, recruiter, "reopen", stage.key, stage.key, "on_hold", "active", None))
            decide = later + timedelta(hours=rng.uniform(1, 48))
            if decide > NOW:
                person.status = "active"
                return
        if outcome == "fail":
            reason = rng.choice(REJECT_REASONS)
            events.append((decide, recruiter, "reject", stage.key, stage.key, "active", "rejected", reason))
            person.status = "rejected"
            person.purged = rng.random() < 0.005
            return
        if index + 1 == len(stages):
            events.append((decide, recruiter, "hire", stage.key, stage.key, "active", "hired", None))
            person.status = "hired"
            return
        events.append((decide, recruiter, "advance", stage.key, stages[index + 1].key, "active", "active", None))
        t = decide
        index += 1


def round_for(
    rng: random.Random,
    round_id: int,
    person: Applicant,
    kit: Kit,
    stage: Stage,
    starts: datetime,
    cancelled: bool,
    outcome: str,
    pool: list[str],
) -> Round:
    ends = starts + timedelta(minutes=stage.duration_minutes or 60)
    found = Round(round_id, person.id, kit, stage, starts, ends, cancelled, outcome, pool)
    size = rng.choices((1, 2, 3, 4), (25, 45, 25, 5))[0]
    found.panel = rng.sample(pool, size)
    return found


def settle_scorecards(rng: random.Random, rounds: list[Round], target: int) -> None:
    """Who submitted, and when: about one in thirty never does, and a scorecard due in the future is
    not in yet. Panels then grow or shrink a seat at a time in rounds long past so that exactly
    `target` scorecards exist."""

    for r in rounds:
        if not r.happened:
            continue
        for person in r.panel:
            if rng.random() < 0.03:
                continue
            at = r.ends + timedelta(hours=rng.lognormvariate(math.log(18), 0.9))
            if at <= NOW:
                r.submitted[person] = at
    total = sum(len(r.submitted) for r in rounds)
    old = [r for r in rounds if r.happened and r.ends < NOW - timedelta(days=30)]
    growable = [r for r in old if len(r.panel) < 6 and len(r.pool) > len(r.panel)]
    if total < target and len(growable) * 2 < target - total:
        raise SystemExit(f"{target:,} scorecards is too many for this many candidates; ask for fewer.")
    while total < target:
        r = rng.choice(growable)
        spare = [p for p in r.pool if p not in r.panel]
        if len(r.panel) >= 6 or not spare:
            continue
        person = rng.choice(spare)
        r.panel.append(person)
        r.submitted[person] = min(NOW, r.ends + timedelta(hours=rng.lognormvariate(math.log(18), 0.9)))
        total += 1
    shrinkable = [r for r in old if len(r.submitted) > 1]
    while total > target:
        r = rng.choice(shrinkable)
        if len(r.panel) < 2 or len(r.submitted) < 2:
            continue
        person = rng.choice(list(r.submitted))
        r.panel.remove(person)
        del r.submitted[person]
        total -= 1


RATINGS_IF = {
    "pass": (("exceeds", 25), ("meets", 55), ("below", 10), ("not_assessed", 10)),
    "fail": (("exceeds", 5), ("meets", 35), ("below", 50), ("not_assessed", 10)),
    "open": (("exceeds", 15), ("meets", 45), ("below", 30), ("not_assessed", 10)),
}
RECOMMENDATIONS_IF = {
    "pass": (("strong_yes", 25), ("yes", 55), ("no", 15), ("strong_no", 5)),
    "fail": (("strong_yes", 3), ("yes", 22), ("no", 50), ("strong_no", 25)),
    "open": (("strong_yes", 10), ("yes", 40), ("no", 35), ("strong_no", 15)),
}


def pick(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


# ---------------------------------------------------------------------------------------- rows


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def rows(data: Dataset, seed: int) -> Iterator[tuple[str, list[str], Iterator[tuple[Any, ...]]]]:
    """(table, columns, rows) in foreign-key order; ratings are generated while they are written."""
    rng = random.Random(seed + 1)
    role_cols = list(data.roles[0])
    yield "role", role_cols, iter([tuple(r[c] for c in role_cols) for r in data.roles])

    def candidates() -> Iterator[tuple[Any, ...]]:
        for p in data.people:
            name, email = (f"Purged candidate #{p.id}", f"purged-{p.id}@invalid") if p.purged else (p.name, p.email)
            purged_at = p.events[-1][0] + timedelta(days=30) if p.purged else None
            if purged_at and purged_at > NOW:
                purged_at = NOW
            yield (
                p.id, p.role_id, name, fold(name), email, None, None if p.purged else p.source,
                None if p.purged else f"https://example.org/cv/{p.id}", None, p.stage_key, p.status, p.entered,
                f"C0ROLE{p.role_id:02d}", f"{int(p.created.timestamp())}.{p.id:06d}",
                p.events[0][1], p.created, purged_at,
            )  # fmt: skip

    yield (
        "candidate",
        ["id", "role_id", "name", "name_key", "email", "slack_user_id", "source", "link", "notes", "stage_key",
         "status", "stage_entered_at", "channel_id", "thread_ts", "created_by", "created_at", "purged_at"],
        candidates(),
    )  # fmt: skip

    def stage_events() -> Iterator[tuple[Any, ...]]:
        n = 0
        for p in data.people:
            for at, actor, action, from_stage, to_stage, from_status, to_status, reason in p.events:
                n += 1
                yield (n, p.id, at, actor, action, from_stage, to_stage, from_status, to_status,
                       None if p.purged else reason)  # fmt: skip

    yield (
        "stage_event",
        ["id", "candidate_id", "at", "actor_id", "action", "from_stage", "to_stage", "from_status", "to_status",
         "reason"],
        stage_events(),
    )  # fmt: skip

    def interviews() -> Iterator[tuple[Any, ...]]:
        for r in data.rounds:
            complete = r.happened and len(r.submitted) == len(r.panel) and bool(r.panel)
            status = "cancelled" if r.cancelled else ("debriefed" if complete else "scheduled")
            debriefed = max(r.submitted.values()) if complete else None
            created = r.starts - timedelta(days=3)
            yield (r.id, r.candidate_id, r.stage.key, r.starts, r.ends, "https://meet.example.org/room", status,
                   RECRUITER, created, debriefed)  # fmt: skip

    yield (
        "interview",
        ["id", "candidate_id", "stage_key", "starts_at", "ends_at", "location", "status", "scheduled_by",
         "created_at", "debriefed_at"],
        interviews(),
    )  # fmt: skip
    yield (
        "panel_member",
        ["interview_id", "interviewer_id"],
        ((r.id, person) for r in data.rounds for person in r.panel),
    )
    card_ids: list[tuple[int, Round, str]] = []

    def scorecards() -> Iterator[tuple[Any, ...]]:
        n = 0
        for r in data.rounds:
            for person, at in sorted(r.submitted.items(), key=lambda item: item[1]):
                n += 1
                card_ids.append((n, r, person))
                # Two interviewers lean harsh, so calibration has someone to flag.
                mood = "fail" if person in ("U0INT007", "U0INT013") and rng.random() < 0.6 else r.outcome
                yield (n, r.id, person, pick(rng, RECOMMENDATIONS_IF[mood]), "Solid answers; see ratings.", at, at)

    yield (
        "scorecard",
        ["id", "interview_id", "interviewer_id", "recommendation", "notes", "submitted_at", "updated_at"],
        scorecards(),
    )

    def ratings() -> Iterator[tuple[Any, ...]]:
        n = 0
        for card_id, r, _person in card_ids:
            for key in r.stage.questions:
                question = r.kit.question(key)
                rating = pick(rng, RATINGS_IF[r.outcome])
                positive = rng.sample(question.positive, min(len(question.positive), rng.randint(0, 2)))
                negative = rng.sample(question.negative, min(len(question.negative), rng.randint(0, 1)))
                if rating == "below":
                    positive = positive[:1]
                elif rating != "not_assessed":
                    negative = negative[:0] if rng.random() < 0.7 else negative
                n += 1
                yield (n, card_id, key, rating, json.dumps(positive), json.dumps(negative))

    yield (
        "question_rating",
        ["id", "scorecard_id", "question_key", "rating", "positive_observed", "negative_observed"],
        ratings(),
    )


def chunked(items: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


JSON_COLUMNS = {"hiring_manager_ids", "recruiter_ids", "positive_observed", "negative_observed"}


def load(db: Database, data: Dataset, seed: int) -> dict[str, int]:
    """Bulk-insert the dataset: executemany through SQLAlchemy core (SQLite), COPY (PostgreSQL)."""
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        for name, columns, produced in rows(data, seed):
            n = 0
            if db.is_sqlite:
                # Core executemany, so every value goes through the column types the app writes with.
                tbl = table(name)
                for batch in chunked(produced, 20_000):
                    values = [
                        {c: (json.loads(v) if c in JSON_COLUMNS else v) for c, v in zip(columns, row, strict=True)}
                        for row in batch
                    ]
                    conn.execute(tbl.insert(), values)
                    n += len(batch)
            else:
                n = copy_rows(conn, name, columns, produced)
            counts[name] = n
        if not db.is_sqlite:
            for name in ("role", "candidate", "stage_event", "interview", "scorecard", "question_rating"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM \"{name}\"))")
                )
    if not db.is_sqlite:
        # What autovacuum would have done by the time a database holds two years of hiring: planner
        # statistics, and the visibility map that lets PostgreSQL answer from an index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return counts


def copy_rows(conn: Connection, name: str, columns: list[str], produced: Iterable[tuple[Any, ...]]) -> int:
    raw = conn.connection.driver_connection
    n = 0
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        cols = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{name}" ({cols}) FROM STDIN') as copy:
            for row in produced:
                copy.write_row(row)
                n += 1
    return n


# ----------------------------------------------------------------------------------- the requests


class NoDirectory:
    """Recruiters are configured by id here, so the Slack directory is never asked."""

    def person(self, user_id: str) -> Person | None:
        return Person(user_id, user_id)

    def usergroup_members(self, handle: str) -> frozenset[str]:
        return frozenset()


@dataclass
class App:
    db: Database
    kits: KitCatalog
    permissions: Permissions


def home(app: App, *, report: bool = True) -> Any:
    """handlers/events.py publish_home for a recruiter, up to the view as a dict."""
    with app.db.read() as session:
        upcoming = upcoming_for(session, app.kits, RECRUITER, NOW)
        pending = pending_for(session, app.kits, RECRUITER, NOW)
        boards = pipeline_boards(session, app.kits, NOW, names=False)
        waiting = waiting_on_recruiters(session, app.kits, NOW)
        summary = home_report(app, session) if report else None
    view = home_view(
        is_recruiter=True, boards=boards, waiting=waiting, upcoming=upcoming, pending=pending, report=summary
    )
    return view.to_dict()


def home_report(app: App, session: Session) -> Summary | None:
    """handlers/events.py home_report: the reports summary on the App Home."""
    try:
        roles = reportable_roles(session, app.permissions, RECRUITER)
    except Forbidden:
        return None
    return home_summary(session, app.kits, roles, NOW) if roles else None


def home_part(part: str) -> Callable[[App], Any]:
    """One of the App Home's queries alone, to see where its time goes."""

    def run(app: App) -> Any:
        with app.db.read() as session:
            if part == "rounds":
                return upcoming_for(session, app.kits, RECRUITER, NOW), pending_for(session, app.kits, RECRUITER, NOW)
            if part == "pipeline":
                return pipeline_boards(session, app.kits, NOW, names=False)
            if part == "reports":
                return home_report(app, session)
            return waiting_on_recruiters(session, app.kits, NOW)

    return run


def candidate_command(query: str) -> Callable[[App], Any]:
    """handlers/commands.py `/candidate <query>` for a recruiter (the last branch), up to the blocks as dicts."""

    def run(app: App) -> Any:
        try:
            return answer(app)
        except UserError as exc:  # what `guarded` answers with, e.g. "No candidate matches …"
            return [section(f":warning: {exc.message}").to_dict()]

    def answer(app: App) -> Any:
        with app.db.read() as session:
            found = find_one(session, query)
            if isinstance(found, list):
                return [b.to_dict() for b in choices_blocks(query, with_roles(session, found))]
            role = session.get(Role, found.role_id)
            view = candidate_view(session, app.kits, found, NOW)
            events = stage_events(session, found.id or 0)
            # The handler also asks whether the person is on the role; a recruiter sees everything anyway.
            internal = app.permissions.is_recruiter(RECRUITER) or bool(role and RECRUITER in role.recruiter_ids)
        return [b.to_dict() for b in summary_blocks(view, events, internal=internal)]

    return run


def candidate_list(role_query: str | None) -> Callable[[App], Any]:
    def run(app: App) -> Any:
        with app.db.read() as session:
            boards = pipeline_boards(session, app.kits, NOW, role_query)
        return [b.to_dict() for b in board_blocks(boards)]

    return run


def hiring_report(one_role: str | None) -> Callable[[App], Any]:
    """bot/delivery/report_dm.py: request_report, build (the data) and the blocks; drawing charts is left out."""

    def run(app: App) -> Any:
        with app.db.read() as session:
            roles = reportable_roles(session, app.permissions, RECRUITER)
            if one_role:
                roles = [r for r in roles if r.title == one_role]
            report = build_report(session, app.kits, roles, NOW)
        return [b.to_dict() for b in report_blocks(report, role_detail=bool(one_role))]

    return run


def workloads(data: Dataset) -> dict[str, Callable[[App], Any]]:
    live = [p for p in data.people if not p.purged]
    names = Counter(fold(p.name) for p in data.people)
    # Typical candidates to look up: active, at an interview stage (other stages read more: a
    # checklist, a take-home), so a request takes the same path at each size.
    typical = [p for p in live if p.status == "active" and stage_kind(data, p) == StageKind.interview]
    unique = next(p for p in reversed(typical) if names[fold(p.name)] == 1)
    return {
        "App Home (recruiter)": home,
        "  · your rounds, scorecards": home_part("rounds"),
        "  · pipeline counts": home_part("pipeline"),
        "  · waiting on you": home_part("waiting"),
        "  · reports summary": home_part("reports"),
        "App Home without reports": lambda app: home(app, report=False),
        "/candidate <full name>": candidate_command(unique.name),
        "/candidate <part of a name>": candidate_command("mar"),
        "/candidate <email>": candidate_command(typical[len(typical) // 2].email),
        "/candidate #id": candidate_command(f"#{typical[len(typical) // 3].id}"),
        "/candidate <no match>": candidate_command("nobody-by-this-name"),
        "/candidate list": candidate_list(None),
        "/candidate list <role>": candidate_list("platform"),
        "/hiring report (all roles)": hiring_report(None),
        "/hiring report <role>": hiring_report(ROLES[0][0]),
    }


def stage_kind(data: Dataset, person: Applicant) -> StageKind:
    return data.kits.kits[ROLES[person.role_id - 1][1]].stage(person.stage_key).kind


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


@dataclass
class Measured:
    p50: float
    p95: float
    statements: int
    runs: int
    error: str | None = None


def measure(app: App, request: Callable[[App], Any], runs: int, counter: StatementCounter) -> Measured:
    try:
        before = counter.count
        started = time.perf_counter()
        request(app)  # warm-up
        warm_up = (time.perf_counter() - started) * 1000
    except Exception as exc:  # a request that fails at this size is a finding, not a crash of the bench
        return Measured(math.nan, math.nan, 0, 0, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    if warm_up > 10_000:
        # Seconds per request: that one is the measurement (it read everything from disk cache
        # anyway), rather than minutes of repeats.
        return Measured(warm_up, warm_up, counter.count - before, 1)
    times: list[float] = []
    statements: set[int] = set()
    for _ in range(runs):
        before = counter.count
        started = time.perf_counter()
        request(app)
        times.append((time.perf_counter() - started) * 1000)
        statements.add(counter.count - before)
    if len(statements) != 1:
        print(f"  note: statement count varied between runs: {sorted(statements)}", file=sys.stderr)
    times.sort()
    p95 = times[max(0, math.ceil(len(times) * 0.95) - 1)]
    return Measured(statistics.median(times), p95, max(statements), len(times))


# --------------------------------------------------------------------------------------- backends


def pg_reachable(url: str) -> bool:
    try:
        engine = create_engine(normalize_url(url))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


class Backend:
    """A fresh database per dataset: a temporary SQLite file, or a scratch PostgreSQL database."""

    def __init__(self, kind: str, admin_url: str, tmp: Path) -> None:
        self.kind, self.admin_url, self.tmp = kind, normalize_url(admin_url), tmp
        self.created: list[str] = []

    def url_for(self, label: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / f'scale-{label}.db'}"
        name = f"bench_scale_{label}"
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if not self.created:
            return
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_backend(
    backend: Backend, sizes: list[tuple[str, int, int]], seed: int, runs: int, kits: KitCatalog, only: list[str]
) -> dict[str, dict[str, Measured]]:
    results: dict[str, dict[str, Measured]] = {}
    for label, candidates, scorecards in sizes:
        started = time.perf_counter()
        data = generate(candidates, scorecards, seed, kits)
        generated = time.perf_counter() - started
        db = Database(backend.url_for(label))
        db.upgrade()
        started = time.perf_counter()
        counts = load(db, data, seed)
        loaded = time.perf_counter() - started
        summary = ", ".join(f"{n:,} {t}" for t, n in counts.items())
        print(f"[{backend.kind} {label}] generated in {generated:.1f} s, loaded in {loaded:.1f} s: {summary}")
        counter = StatementCounter(db.engine)
        app = App(db, kits, Permissions([RECRUITER], [], NoDirectory()))
        results[label] = {}
        for name, request in workloads(data).items():
            if only and not any(part in name for part in only):
                continue
            m = measure(app, request, runs, counter)
            results[label][name] = m
            shown = m.error or f"p50 {m.p50:9.1f} ms  p95 {m.p95:9.1f} ms  {m.statements:3d} statements  n={m.runs}"
            print(f"  {name:<30} {shown}", flush=True)
        db.dispose()
    return results


def report_table(kind: str, results: dict[str, dict[str, Measured]], big: str, small: str, target: float) -> None:
    print(f"\n{kind}: {big} vs {small}")
    print(
        f"{'request':<30}{'p50 ms':>10}{'p95 ms':>10}{'n':>4}{'stmts':>7}{'stmt ratio':>12}{'time ratio':>12}  target"
    )
    for name, m in results[big].items():
        s = results[small][name]
        if m.error or s.error:
            print(f"{name:<30}  failed: {m.error or s.error}")
            continue
        stmt_ratio = m.statements / s.statements if s.statements else math.nan
        verdict = "met" if m.p95 < target else "MISSED"
        print(
            f"{name:<30}{m.p50:>10.1f}{m.p95:>10.1f}{m.runs:>4}{m.statements:>7}{stmt_ratio:>12.2f}"
            f"{m.p50 / s.p50:>12.2f}"
            f"  {verdict} (p95 {m.p95 / target:.2f}x of {target:.0f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=50_000)
    parser.add_argument("--scorecards", type=int, default=None, help="default: four per candidate")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per workload (after 2 warm-ups)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL server to create scratch databases on")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--only", default="", help="comma-separated parts of request names to run (default all)")
    args = parser.parse_args()
    scorecards = args.scorecards if args.scorecards is not None else args.candidates * 4
    big, small = str(args.candidates), str(args.candidates // 10)
    sizes = [(big, args.candidates, scorecards), (small, args.candidates // 10, scorecards // 10)]
    kits = load_kits([SHIPPED_KITS])
    only = [part.strip() for part in args.only.split(",") if part.strip()]
    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "postgresql" in wanted and not pg_reachable(args.database_url):
        print(f"PostgreSQL at {make_url(args.database_url).render_as_string()} is not reachable: SQLite only.")
        wanted.remove("postgresql")
    everything: dict[str, dict[str, dict[str, Measured]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in wanted:
            backend = Backend(kind, args.database_url, Path(tmp))
            try:
                everything[kind] = run_backend(backend, sizes, args.seed, args.runs, kits, only)
            finally:
                backend.drop()
    for kind, results in everything.items():
        report_table(kind, results, big, small, args.target_ms)
    if args.json:
        args.json.write_text(
            json.dumps(
                {k: {s: {n: m.__dict__ for n, m in by.items()} for s, by in r.items()} for k, r in everything.items()},
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
