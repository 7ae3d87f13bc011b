"""Scale benchmark: the read paths people use every day, against a database with years of hiring in it.

Loads 50,000 candidates over eight roles on the five shipped kits, with their stage events (added,
advanced, held, reopened, rejected, hired), rounds with panels (some cancelled, some upcoming) and
200,000 scorecards with a rating per question and the indicators observed, into a temporary SQLite
file and into PostgreSQL (a scratch database created on the server `--database-url` names, dropped
at the end). Rows go in with bulk inserts (SQLAlchemy core executemany on SQLite, COPY on
PostgreSQL), not through the app. The schema comes from the app's own migrations.
`bench/scale_data.py` generates the history and `bench/scale_load.py` writes it.

Then times, in this process, what each listener does (the same service and block functions, in
the same order, in one read session per request, down to the Slack payload as a dict):

- App Home for a recruiter who also sits on panels (their rounds, their pending scorecards, the
  pipeline counts, what is waiting on them, the reports summary);
- `/candidate <query>` by full name, part of a name, email, `#id`, and a query matching nobody;
- `/candidate list` and `/candidate list <role>`;
- `/hiring report` (bot.delivery.report_dm.build, then the blocks; chart drawing left out) for every
  role and for one role.

For each: p50 and p95 in ms over `--runs` requests, and the SQL statements one request runs
(counted with a `before_cursor_execute` listener on the engines). Everything is also measured on a
dataset ten times smaller in the same run: the statement counts must not change (ratio 1.0).

    .venv/bin/python bench/scale.py [--candidates 50000] [--runs 30]
        [--database-url postgresql://postgres:postgres@127.0.0.1:5432/postgres] [--backends sqlite,postgresql]
        [--keep PATH]

`--keep PATH` leaves the large dataset's SQLite database at PATH, so the figures can be checked
with the command line: `DATABASE_URL=sqlite:///PATH interview-bot report --out DIR`.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Siblings in bench/: running the script puts its folder first on sys.path.
from scale_data import NOW, RECRUITER, ROLES, Applicant, Dataset, generate
from scale_load import keep, load
from scratch import scratch_database
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

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
from bot.rules.pipeline import candidate_summary, pipeline_boards, waiting_on_recruiters
from bot.rules.scorecards import pending_for, upcoming_for
from bot.wiring.db import Database, normalize_url
from bot.wiring.settings import SHIPPED_KITS
from handlers.commands.lookup import with_roles
from models.kit import StageKind
from models.tables import Role

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"


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
    """handlers/home.py publish for a recruiter, up to the view as a dict."""
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
    """handlers/home.py home_report: the reports summary on the App Home."""
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
    """handlers/commands/candidate.py `/candidate <query>` for a recruiter (the last branch), up to the
    blocks as dicts."""

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
            view, events = candidate_summary(session, app.kits, found, NOW)
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
        with app.db.snapshot() as session:  # as report_dm builds it: one state of the history
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
    unique = next((p for p in reversed(typical) if names[fold(p.name)] == 1), None)
    if unique is None:
        raise SystemExit(
            f"{len(data.people):,} candidates are too few: none is active at an interview stage with a name of its "
            "own, to look up. The smaller dataset is a tenth of --candidates: give --candidates 3000 or more."
        )
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
    def __init__(self, engines: tuple[Engine, ...]) -> None:
        self.count = 0
        for engine in engines:
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
    """A fresh database per dataset (bench/scratch.py), all dropped by `drop()`."""

    def __init__(self, kind: str, admin_url: str, tmp: Path) -> None:
        self.server_url = "" if kind == "sqlite" else admin_url
        self.kind, self.tmp = kind, tmp
        self.created = ExitStack()

    def url_for(self, label: str) -> str:
        return self.created.enter_context(scratch_database(self.server_url, self.tmp, f"scale-{label}"))

    def drop(self) -> None:
        self.created.close()


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
        counter = StatementCounter(db.engines)
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
    parser.add_argument("--keep", type=Path, help="leave the large dataset's SQLite database here, for the CLI")
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
    if args.keep and "sqlite" not in wanted:
        parser.error("--keep keeps the SQLite database: run with the sqlite backend")
    everything: dict[str, dict[str, dict[str, Measured]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in wanted:
            backend = Backend(kind, args.database_url, Path(tmp))
            try:
                everything[kind] = run_backend(backend, sizes, args.seed, args.runs, kits, only)
            finally:
                backend.drop()
            if kind == "sqlite" and args.keep:
                keep(Path(tmp) / f"scale-{big}.db", args.keep)
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
