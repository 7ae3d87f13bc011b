"""What keeping the report's aggregates costs a write: stage changes (`change_stage`, hold then
reopen, one transaction each) on a history generated as bench/scale.py's, with the aggregates
kept (bot/reporting/upkeep.py watching the session) and without, interleaved so both see the same
machine. Prints the p50 of each and the difference.

    .venv/bin/python bench/upkeep.py [--candidates 2000] [--changes 200] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

# Siblings in bench/: running the script puts its folder first on sys.path.
from scale_data import NOW, RECRUITER, generate
from scale_load import load
from scratch import scratch_database
from sqlmodel import select

from bot.rules.kits import load_kits
from bot.rules.pipeline import change_stage
from bot.wiring import db as wiring_db
from bot.wiring.db import Database
from bot.wiring.settings import SHIPPED_KITS
from models.tables import Candidate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (a scratch database is made)")
    args = parser.parse_args()
    kits = load_kits([SHIPPED_KITS])
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(args.database_url, Path(tmp), "upkeep") as url,
    ):
        db = Database(url)
        db.upgrade()
        load(db, generate(args.candidates, args.candidates * 4, 6, kits), 6)
        with db.read() as session:
            ids = list(session.exec(select(Candidate.id).where(Candidate.status == "active").limit(args.changes)))
        watch = wiring_db.upkeep.watch
        times: dict[str, list[float]] = {"kept": [], "not kept": []}
        for index in range(args.changes):
            labels = ["kept", "not kept"] if index % 2 else ["not kept", "kept"]
            for label in labels:
                wiring_db.upkeep.watch = watch if label == "kept" else (lambda session: None)  # type: ignore[assignment]
                for action in ("hold", "reopen"):
                    started = time.perf_counter()
                    with db.transaction() as session:
                        change_stage(session, kits, ids[index % len(ids)] or 0, action, RECRUITER, NOW, reason="Bench")
                    times[label].append((time.perf_counter() - started) * 1000)
        wiring_db.upkeep.watch = watch  # type: ignore[assignment]
        kept, bare = (statistics.median(times[k]) for k in ("kept", "not kept"))
        print(
            f"{db.engine.dialect.name}: stage change p50 {kept:.2f} ms with the aggregates kept, {bare:.2f} ms without"
        )
        print(f"  difference {kept - bare:+.2f} ms ({kept / bare:.2f}x)")
        db.dispose()


if __name__ == "__main__":
    main()
