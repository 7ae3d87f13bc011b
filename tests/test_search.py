"""The candidate search's index (migration 0017): it finds exactly what a scan of every row finds,
through adds, renames, new emails, purges and deletes, and the database really reads it."""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, delete, event, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.rules.candidates import CandidateForm, create_candidate, find_candidates, fold
from bot.rules.errors import UserError
from bot.rules.line import candidate_for_thread
from bot.rules.purge import find_for_purge, purge_candidate
from bot.rules.roles import add_role
from bot.wiring.db import Database, alembic_config, normalize_url
from models.tables import Candidate, CandidateStatus
from tests.conftest import shipped_kits

KITS = shipped_kits()
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NAMES = ["Zoë Ångström", "Zoltan Kovacs", "100% Real_Name", "Casey Candidate", "Mcasey Ortiz", "O'Brien-Smith",
         "Ana Back\\slash", "Łukasz Żółw", "Casey", "Jean-Luc Picard", "Ann Lee", "Lee Ann",
         'Robert "Bob" Tables']  # fmt: skip
# LIKE's wildcards and escape, FTS5's query syntax, quotes, accents, case, too short for trigrams.
NEEDLES = ["casey", "CASEY", "case", "ase", "zoe", "zo", "ång", "angst", "100%", "real_name", "rea__name", "o'brien",
           "back\\slash", "łuk", "żółw", "example.org", "c1@ex", "@EXAMPLE", "ann lee", "ann", "lee", "-luc",
           "picard x", "  casey  ", "nobody", "ex", "a", '"bob"', 'bob" t', "* OR casey", "casey*",
           "NEAR(casey)"]  # fmt: skip


def seed(db: Database) -> list[int]:
    with db.transaction() as session:
        role = add_role(
            session, KITS, title="Backend", kit_key="backend-mid", channel_id="C0HIRING", hiring_manager_ids=["U0HM"]
        )
        ids = []
        for i, name in enumerate(NAMES):
            email = f"C{i}@Example.org" if i % 2 else f"c{i}.{fold(name).split()[0]}@example.org"
            form = CandidateForm.parse({"name": name, "email": email, "role_id": role.id})
            ids.append(create_candidate(session, KITS, form, "U0REC", NOW).id or 0)
    return ids


def scanned(db: Database, needle: str) -> set[int]:
    """The reference: every candidate read into Python and matched by hand."""
    key = fold(needle)
    with db.read() as session:
        rows = session.exec(select(Candidate)).all()
    found = {c.id or 0 for c in rows if c.purged_at is None and key and (key in c.name_key or key in c.email.lower())}
    exact = {c.id or 0 for c in rows if c.purged_at is None and c.name_key == key}
    return exact or found


def searched(db: Database, needle: str) -> set[int]:
    with db.read() as session:
        return {c.id or 0 for c in find_candidates(session, needle, limit=1_000)}


def assert_same(db: Database) -> None:
    for needle in NEEDLES:
        assert searched(db, needle) == scanned(db, needle), needle


def test_the_indexed_search_finds_what_a_scan_finds(db: Database) -> None:
    ids = seed(db)
    assert_same(db)
    assert searched(db, "casey") == {ids[8]}  # the exact name wins
    assert searched(db, "case") == {ids[3], ids[4], ids[8]}  # in the middle of a word too
    rnd = random.Random(3)
    with db.transaction() as session:
        for candidate_id in rnd.sample(ids, 4):
            candidate = session.get(Candidate, candidate_id)
            assert candidate is not None
            candidate.name = f"Renamed {candidate.name.split()[0]} Lee"
            candidate.name_key = fold(candidate.name)
        moved = session.get(Candidate, ids[3])
        assert moved is not None
        moved.email = "casey.new@elsewhere.test"
    assert "elsewhere" not in {fold(n) for n in NEEDLES}
    assert searched(db, "elsewhere") == {ids[3]}
    assert_same(db)
    with db.transaction() as session:
        purge_candidate(session, KITS, ids[9], "U0REC", NOW)
        purge_candidate(session, KITS, ids[0], "U0REC", NOW)
        # A row with no history, added and deleted outright.
        bare = Candidate(role_id=1, name="Deleted Casey", name_key="deleted casey", email="d@x.test", stage_key="s")
        session.add(bare)
        session.flush()
        assert searched(db, "deleted") == set()  # not committed yet
    assert searched(db, "deleted") == {bare.id}
    with db.transaction() as session:
        session.exec(delete(Candidate).where(col(Candidate.id) == bare.id))  # type: ignore[call-overload]
        session.get(Candidate, ids[1]).status = CandidateStatus.rejected  # type: ignore[union-attr]
    assert searched(db, "picard") == searched(db, "deleted") == set()
    assert_same(db)


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, params))

    for engine in db.engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in db.engines:
            event.remove(engine, "before_cursor_execute", record)


def plan(db: Database, needle: str) -> str:
    with statements(db) as seen:
        searched(db, needle)
    return explain(db, *next(s for s in seen if "FROM candidate" in s[0]))


def explain(db: Database, statement: str, params: Any) -> str:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if not db.is_sqlite:
            # At this size reading the table is still cheaper; from about 10,000 candidates the
            # planner takes the indexes unasked (bench/search.py shows it at 50,000).
            cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"{'EXPLAIN QUERY PLAN' if db.is_sqlite else 'EXPLAIN'} {statement}", params)
        return "\n".join(str(row[-1] if db.is_sqlite else row[0]) for row in cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()


def scans(found: str) -> list[str]:
    """SQLite's plan lines that read the whole candidate table."""
    return [line for line in found.splitlines() if line.split(" ")[:2] == ["SCAN", "candidate"]]


def test_the_database_reads_the_index(db: Database) -> None:
    seed(db)
    rnd = random.Random(5)
    words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(4, 9))) for _ in range(4_000)]
    rows = [{"role_id": 1, "name": f"{a} {b}", "name_key": f"{a} {b}", "email": f"{b}@{a}.test", "stage_key": "s",
             "status": "active", "stage_entered_at": NOW, "created_at": NOW}
            for a, b in itertools.pairwise(words)]  # fmt: skip
    with db.transaction() as session:
        session.execute(insert(Candidate), rows)
    # As autovacuum would: statistics, and PostgreSQL's new index entries out of GIN's pending list.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE candidate"))
    found = plan(db, "casey")
    if db.is_sqlite:
        assert "VIRTUAL TABLE INDEX" in found and not scans(found), found
        assert not scans(plan(db, "100%"))  # LIKE's wildcards are plain characters in a phrase
        assert scans(plan(db, "zo"))  # too short for trigrams: the scan, as before
    else:
        assert "ix_candidate_name_trgm" in found and "ix_candidate_email_trgm" in found, found
    assert searched(db, "casey") == scanned(db, "casey") and searched(db, "lee") == scanned(db, "lee")


def test_the_candidate_of_a_thread_is_found_by_its_index(db: Database) -> None:
    ids = seed(db)
    with db.transaction() as session:
        for n, candidate_id in enumerate(ids):
            candidate = session.get(Candidate, candidate_id)
            assert candidate is not None
            candidate.channel_id, candidate.thread_ts = "C0HIRING", f"1790000000.{n:06d}"
    with db.read() as session, statements(db) as seen:
        assert candidate_for_thread(session, "C0HIRING", "1790000000.000004") == ids[4]
    assert "ix_candidate_thread" in explain(db, *seen[-1])


def test_candidates_are_looked_up_by_email_through_its_index(db: Database) -> None:
    """A new candidate's duplicate check and the command line's purge by email compare lower(email):
    ix_candidate_email_lower serves both (without it they read every candidate)."""
    ids = seed(db)
    with db.read() as session:
        role_id = session.exec(select(Candidate.role_id)).first()
    with db.transaction() as session, statements(db) as seen:
        form = CandidateForm.parse({"name": "Casey Again", "email": "C1@EXAMPLE.org", "role_id": role_id})
        with pytest.raises(UserError, match="already in the Backend pipeline"):
            create_candidate(session, KITS, form, "U0REC", NOW)
        assert find_for_purge(session, "c1@example.ORG").id == ids[1]
    lookups = [s for s in seen if "lower(candidate.email) =" in s[0]]
    assert len(lookups) == 2
    for statement, params in lookups:
        assert "ix_candidate_email_lower" in explain(db, statement, params)


def test_a_database_from_before_the_index_gets_it_filled(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade("0016")
    ids = seed(db)
    db.upgrade()
    with db.engine.connect() as conn:
        triggers = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).scalars()
        assert list(triggers) == [f"candidate_search_{t}" for t in ("delete", "insert", "update")]
    assert searched(db, "casey") == {ids[8]} and "VIRTUAL TABLE INDEX" in plan(db, "casey")
    assert_same(db)
    command.downgrade(alembic_config(db.url), "0016")
    db.dispose()
    # As a database that cannot have the index: the app, started on it, scans.
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    assert searched(db, "case") == {ids[3], ids[4], ids[8]} and scans(plan(db, "casey"))
    assert_same(db)
    db.dispose()


def test_an_sqlite_without_the_trigram_tokenizer_migrates_and_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    connect = sqlite3.connect

    def old_sqlite(database: str, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if database == ":memory:":  # the migration's probe: as an SQLite before 3.34 answers it
            raise sqlite3.OperationalError("no such tokenizer: trigram")
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", old_sqlite)
    db = Database(f"sqlite:///{tmp_path / 'plain.db'}")
    db.upgrade()
    assert "no FTS5 trigram tokenizer" in caplog.text
    ids = seed(db)
    assert searched(db, "case") == {ids[3], ids[4], ids[8]} and scans(plan(db, "casey"))
    assert_same(db)
    db.dispose()


def test_a_postgresql_role_that_may_not_add_pg_trgm_migrates_and_scans(caplog: pytest.LogCaptureFixture) -> None:
    """A role that may create tables in its schema but not extensions in the database (CREATE on the
    database is what a trusted extension asks)."""
    if "TEST_DATABASE_URL" not in os.environ:
        pytest.skip("needs a PostgreSQL server (TEST_DATABASE_URL)")
    admin_url = normalize_url(os.environ["TEST_DATABASE_URL"])
    name, role = f"interview_bot_plain_{uuid.uuid4().hex[:8]}", f"plain_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'plain'"))
    owner = create_engine(make_url(admin_url).set(database=name), isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
    owner.dispose()
    db = Database(make_url(admin_url).set(database=name, username=role, password="plain").render_as_string(False))
    try:
        db.upgrade()
        assert "pg_trgm cannot be created" in caplog.text and "plain'" not in caplog.text
        ids = seed(db)
        assert searched(db, "case") == {ids[3], ids[4], ids[8]}
        assert_same(db)
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()
