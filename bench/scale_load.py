"""The generated history as table rows, bulk-loaded into a database migrated by the app: SQLAlchemy core
executemany on SQLite, COPY on PostgreSQL, not through the app. Ratings and recommendations are drawn
while they are written."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

# A sibling in bench/: running the script puts its folder first on sys.path.
from scale_data import NOW, RATINGS_IF, RECOMMENDATIONS_IF, RECRUITER, Dataset, Round, pick
from sqlalchemy import Connection, Table, text
from sqlmodel import SQLModel

from bot.reporting.upkeep import backfill
from bot.rules.candidates import fold
from bot.wiring.db import Database


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
        # The rows went in around the app, so the report's aggregates (which the app keeps current
        # in its write transactions) are built as migration 0015 builds them for an existing database.
        started = time.perf_counter()
        backfill(conn)
        print(f"  report aggregates backfilled in {time.perf_counter() - started:.1f} s", flush=True)
        for name in ("report_count", "report_value"):
            counts[name] = conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
    if not db.is_sqlite:
        # What autovacuum would have done by the time a database holds two years of hiring: planner
        # statistics, and the visibility map that lets PostgreSQL answer from an index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            # And the load's writes flushed now, not by a checkpoint in the middle of the timings.
            conn.execute(text("CHECKPOINT"))
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


def keep(source: Path, target: Path) -> None:
    """Copy the database with SQLite's backup API (whatever is still in its WAL included)."""
    target.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    print(f"kept the large dataset at {target}; the report from it:")
    print(f"  DATABASE_URL=sqlite:///{target.resolve()} .venv/bin/interview-bot report --out DIR")
