"""The App Home's *scorecards overdue now* (`bot.reporting.home.overdue_seats`) against two baselines
in the same session: the statement as it was before stored deadlines (the kit's hours only) and the
same answer asked per seat (the role looked up for every seat). A history generated as
bench/scale.py's; half the seats of the open rounds get a stored deadline (`panel_member.due_at`),
so both of the shipped statement's paths are taken. Prints p50 / p95 and the ratio to the first
baseline; all three must give the same count where the baseline can (no stored deadlines).

    .venv/bin/python bench/overdue.py [--candidates 50000] [--runs 20] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# Siblings in bench/: running the script puts its folder first on sys.path.
from scale import DEFAULT_PG, Backend, pg_reachable
from scale_data import NOW, generate
from scale_load import load
from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from bot.reporting.home import overdue_seats, seat_parts
from bot.reporting.types import feedback_deadline
from bot.rules.kits import KitCatalog, load_kits
from bot.wiring.db import Database
from bot.wiring.settings import SHIPPED_KITS
from models.tables import Interview, InterviewKind, InterviewStatus, PanelMember, Role, scoring

Statement = Callable[[dict[timedelta, list[int]], datetime], Any]


def kit_hours_only(by_deadline: dict[timedelta, list[int]], now: datetime) -> Any:
    """Before stored deadlines: a seat is overdue once its role's kit's hours after the round have passed."""
    seat, submitted, role = seat_parts()
    seats = (
        select(func.count()).select_from(seat).where(seat.interview_id == col(Interview.id), scoring(seat), ~submitted)
    )
    return select(func.coalesce(func.sum(seats.scalar_subquery()), 0)).where(
        col(Interview.status) == InterviewStatus.scheduled,
        col(Interview.kind) != InterviewKind.kickoff,
        col(Interview.ends_at) < now - min(by_deadline),
        or_(*(and_(role.in_(ids), col(Interview.ends_at) < now - d) for d, ids in by_deadline.items())),
    )


def per_seat(by_deadline: dict[timedelta, list[int]], now: datetime) -> Any:
    """The shipped answer, with the kit's hours asked for every seat."""
    seat, submitted, role = seat_parts()
    past_kit = or_(*(and_(role.in_(ids), col(Interview.ends_at) < now - d) for d, ids in by_deadline.items()))
    due = col(seat.due_at)
    seats = (
        select(func.count())
        .select_from(seat)
        .where(
            seat.interview_id == col(Interview.id),
            scoring(seat),
            ~submitted,
            or_(and_(due.is_not(None), due < now), and_(due.is_(None), past_kit)),
        )
    )
    return select(func.coalesce(func.sum(seats.scalar_subquery()), 0)).where(
        col(Interview.status) == InterviewStatus.scheduled,
        col(Interview.kind) != InterviewKind.kickoff,
        col(Interview.ends_at) < now,
        role.in_([i for ids in by_deadline.values() for i in ids]),
    )


STATEMENTS: dict[str, Statement] = {"kit hours only": kit_hours_only, "per seat": per_seat, "shipped": overdue_seats}


def deadlines(session: Session, kits: KitCatalog) -> dict[timedelta, list[int]]:
    by: dict[timedelta, list[int]] = defaultdict(list)
    for role in session.exec(select(Role)):
        by[feedback_deadline(kits.kits.get(role.kit_key))].append(role.id or 0)
    return dict(by)


def time_all(db: Database, kits: KitCatalog, runs: int) -> dict[str, tuple[float, float, int]]:
    with db.read() as session:
        by = deadlines(session, kits)
        for _ in range(3):  # warm-up
            for make in STATEMENTS.values():
                session.exec(make(by, NOW)).one()
        took: dict[str, list[float]] = defaultdict(list)
        answer: dict[str, int] = {}
        for _ in range(runs):
            for name, make in STATEMENTS.items():
                started = time.perf_counter()
                answer[name] = int(session.exec(make(by, NOW)).one())
                took[name].append((time.perf_counter() - started) * 1000)
    out = {}
    for name, values in took.items():
        values.sort()
        out[name] = (statistics.median(values), values[max(0, round(0.95 * len(values)) - 1)], answer[name])
    return out


def store_deadlines(db: Database) -> None:
    """Half the seats of open rounds get a deadline, a day either side of their round's end + 48 h."""
    with db.transaction() as session:
        open_rounds = list(session.exec(select(Interview.id, Interview.ends_at).where(Interview.status == "scheduled")))
        for n, (interview_id, ends_at) in enumerate(open_rounds):
            if n % 2:
                due = ends_at + timedelta(hours=24 if n % 4 == 1 else 72)
                session.exec(
                    update(PanelMember).where(col(PanelMember.interview_id) == interview_id).values(due_at=due)
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    kits = load_kits([SHIPPED_KITS])
    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "postgresql" in wanted and not pg_reachable(args.database_url):
        print("PostgreSQL is not reachable: SQLite only.")
        wanted.remove("postgresql")
    data = generate(args.candidates, args.candidates * 4, args.seed, kits)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in wanted:
            backend = Backend(kind, args.database_url, Path(tmp))
            try:
                db = Database(backend.url_for(f"overdue{args.candidates}"))
                db.upgrade()
                load(db, data, args.seed)
                for label in ("no stored deadlines", "half the open rounds' seats with one"):
                    if label.startswith("half"):
                        store_deadlines(db)
                    print(f"[{kind} {args.candidates:,}, {label}]")
                    results = time_all(db, kits, args.runs)
                    base = results["kit hours only"][0]
                    for name, (p50, p95, answer) in results.items():
                        ratio = p50 / base if base else float("nan")
                        print(f"  {name:<15} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {ratio:5.2f}x  answer {answer:,}")
                db.dispose()
            finally:
                backend.drop()


if __name__ == "__main__":
    main()
