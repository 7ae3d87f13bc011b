"""The candidate search (`/candidate <query>`, bot/rules/candidates.py) with and without its index
(migration 0017), in-process, on the same candidates; and the candidate of a card's thread (0018).

Two databases get the same `--candidates` rows (and one tenth of them, to show how each grows): one
migrated to 0016 (the search scans every row, as before), one to head (SQLite: the FTS5 trigram
table; PostgreSQL: the pg_trgm indexes). Timed: `find_candidates` in a read session, the median of
`--runs`, for an exact full name, a part of one, a part of an email, and a query nobody matches.

    .venv/bin/python bench/search.py [--candidates 50000] [--runs 50] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from scratch import scratch_database
from sqlalchemy import insert, text
from sqlmodel import Session, func, select

from bot.rules.candidates import find_candidates, fold
from bot.rules.kits import load_kits
from bot.rules.line import candidate_for_thread
from bot.rules.roles import add_role
from bot.wiring.db import Database
from bot.wiring.settings import SHIPPED_KITS
from models.tables import Candidate

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHANNEL = "C0HIRING"
QUERIES = {
    "exact name": "Casey Candidate",
    "first name": "casey",
    "part of a name": "ndid",
    "part of an email": "candidate@ex",
    "no match": "nobody",
}
# Not a search: the candidate of the last card's thread (Reply to candidate), by migration 0018's
# index, which the 0016 database lacks as well.
THREAD = "thread of a card"
SYLLABLES = ["an", "be", "ca", "do", "el", "fi", "ga", "ho", "is", "ju", "ka", "lo", "ma", "ne", "or", "pa", "ri", "sa"]


def add_candidates(session: Session, role_id: int, names: list[str]) -> None:
    """Candidates with these names straight into the table (no stage events: the search reads none)."""
    first = session.exec(select(func.count()).select_from(Candidate)).one()
    rows = [
        {"role_id": role_id, "name": n, "name_key": fold(n), "email": f"{fold(n).replace(' ', '.')}@example.org",
         "stage_key": "recruiter-screen", "status": "active", "stage_entered_at": NOW, "created_at": NOW,
         "channel_id": CHANNEL, "thread_ts": thread(first + i)}
        for i, n in enumerate(names)
    ]  # fmt: skip
    for start in range(0, len(rows), 5_000):
        session.execute(insert(Candidate), rows[start : start + 5_000])


def thread(n: int) -> str:
    """The n-th candidate's card in the hiring channel (a Slack message ts)."""
    return f"{1_790_000_000 + n}.000100"


def other_names(count: int) -> list[str]:
    """Made-up names none of the queries match (no 'y', no 'casey', no 'nobody')."""
    rng = random.Random(11)

    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()

    return [f"{word()} {word()}" for _ in range(count)]


def analyze(db: Database) -> None:
    """The planner's statistics (and, on PostgreSQL, GIN's pending entries merged), as autovacuum would."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE candidate"))


def fill(db: Database, count: int) -> None:
    with db.transaction() as session:
        kits = load_kits([SHIPPED_KITS])
        role = add_role(
            session, kits, title="Backend", kit_key="backend-mid", channel_id="C0H", hiring_manager_ids=["U0HM"]
        )
        add_candidates(session, role.id or 0, [*other_names(count - 1), "Casey Candidate"])
    analyze(db)


def card(session: Session, ts: str) -> list[int]:
    return [candidate_for_thread(session, CHANNEL, ts)]


def timed(db: Database, query: str, runs: int, search: Callable[[Session, str], Sequence[object]]) -> tuple[float, int]:
    times = []
    found = 0
    for _ in range(runs):
        started = time.perf_counter()
        with db.read() as session:
            found = len(search(session, query))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default: SQLite files)")
    args = parser.parse_args()
    results: dict[tuple[int, str], dict[str, tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in (args.candidates // 10, args.candidates):
            for revision in ("0016", "head"):
                with scratch_database(args.database_url, Path(tmp), f"search_{revision}_{count}") as url:
                    db = Database(url)
                    db.upgrade(revision)
                    fill(db, count)
                    for name, query in {**QUERIES, THREAD: thread(count - 1)}.items():
                        # On the 0016 database the app's own search finds no index and scans, as before.
                        search = card if name == THREAD else find_candidates
                        timed(db, query, 3, search)  # warm the cache and the pool
                        results.setdefault((count, name), {})[revision] = timed(db, query, args.runs, search)
                    db.dispose()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"On {backend}, median of {args.runs} runs (ms), before the indexes (migration 0016) and at head:")
    print(f"{'candidates':>11}  {'query':<18}{'scan':>8}{'index':>8}{'scan/index':>12}{'found':>7}")
    for (count, name), by in results.items():
        (scan, found), (index, found_too) = by["0016"], by["head"]
        assert found == found_too, (count, name, found, found_too)
        print(f"{count:>11,}  {name:<18}{scan:>8.2f}{index:>8.2f}{scan / index:>11.1f}x{found:>7}")
    for name in [*QUERIES, THREAD]:
        small, large = results[(args.candidates // 10, name)], results[(args.candidates, name)]
        print(
            f"10x the candidates, {name}: scan {large['0016'][0] / small['0016'][0]:.1f}x, "
            f"index {large['head'][0] / small['head'][0]:.1f}x"
        )


if __name__ == "__main__":
    main()
