"""bot/wiring/db.py: what the engine promises besides running statements."""

from __future__ import annotations

import fcntl
import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, event, text
from sqlmodel import Session, col, select

from bot.rules.candidates import CandidateForm, create_candidate, find_candidates
from bot.rules.pipeline import candidate_summary, candidate_view, stage_events
from bot.rules.roles import add_role
from bot.wiring import db as db_module
from bot.wiring.db import Database
from models.tables import Role
from tests.conftest import shipped_kits

KITS = shipped_kits()


def role(title: str) -> Role:
    return Role(title=title, kit_key="backend-mid", channel_id="C0HIRING", created_by="U0TEST")


def test_a_read_session_refuses_to_write_and_writes_nothing(db: Database) -> None:
    with db.read() as session:
        session.add(role("Backend"))
        with pytest.raises(RuntimeError, match="does not write"):
            session.flush()
    with db.transaction() as session:
        session.add(role("Frontend"))
    with db.read() as session:
        assert [r.title for r in session.exec(select(Role))] == ["Frontend"]
        found = session.exec(select(Role)).one()
        found.title = "Renamed"
        with pytest.raises(RuntimeError, match="does not write"):
            session.flush()
    with db.read() as session:
        assert session.exec(select(Role.title)).all() == ["Frontend"]


def test_sqlite_runs_wal_without_an_fsync_per_commit(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite's settings")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("a file has no server to drop a connection")
    separate = Database(db.url)  # its own pools, so the dropped connection is the one it hands out next
    try:
        # Reads and writes have a pool each: a connection dropped in either is replaced.
        for engine, session_of in ((separate.read_engine, separate.read), (separate.engine, separate.transaction)):
            with engine.connect() as conn:
                backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with db.engine.connect() as admin:
                assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
            # Idle long enough to be pinged (any time at all, here): the ping finds it dead, the pool
            # hands out a new connection, and the request never sees the dropped one.
            monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
            with session_of() as session:
                assert session.exec(select(Role)).all() == []
                again = session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()
            assert again != backend
            monkeypatch.undo()
    finally:
        separate.dispose()


def test_postgresql_reads_run_in_autocommit_unprepared_and_see_each_commit(db: Database) -> None:
    """No BEGIN and ROLLBACK around a read (two round trips); no prepared statements unless marked,
    as generic plans are worse for some (bench/README); and a read sees what was committed before it."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL's read pool")
    sent: list[str] = []
    event.listen(db.read_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with db.transaction() as session:
        session.add(role("Backend"))
    with db.read() as session:
        for _ in range(8):  # psycopg's default would prepare a statement at its fifth run
            assert session.exec(select(Role.title).where(Role.id > bindparam("n")), params={"n": 0}).all() == [
                "Backend"
            ]
            raw = session.connection().connection.dbapi_connection
            assert raw is not None and raw.autocommit  # type: ignore[attr-defined]
            assert not raw.info.transaction_status  # type: ignore[attr-defined]  # IDLE: no transaction open
        assert prepared_statements(session) == {}
    assert not [s for s in sent if s.strip().upper() in ("BEGIN", "ROLLBACK")]
    with db.transaction() as session:
        session.exec(select(Role)).one().title = "Platform"
    with db.read() as session:
        assert session.exec(select(Role.title)).all() == ["Platform"]


def test_postgresql_prepares_the_reads_marked_prepared_and_no_other(db: Database) -> None:
    """A candidate's summary reads through statements planned once per connection, and the search
    for a needle too short for the trigram indexes is planned at each run even though its text is
    the prepared search's (a generic plan through the indexes is twice as slow for it)."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL's prepared statements")
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with db.transaction() as session:
        added = add_role(
            session, KITS, title="Backend", kit_key="backend-mid", channel_id="C0HIRING", hiring_manager_ids=["U0HM"]
        )
        form = CandidateForm.parse({"name": "Casey Jones", "email": "casey@example.org", "role_id": added.id})
        create_candidate(session, KITS, form, "U0REC", now)
    with db.read() as session:
        for needle in ("casey", "ca", "jones", "c", "ca"):
            found = find_candidates(session, needle)
            assert [c.name for c in found] == ["Casey Jones"], needle
        candidate_view(session, KITS, found[0], now)
        assert [e.action for e in stage_events(session, found[0].id or 0)] == ["created"]
        assert [e.action for e in candidate_summary(session, KITS, found[0], now)[1]] == ["created"]
        runs = prepared_statements(session)

    def kind(sql: str) -> str:
        if "FROM candidate" in sql:
            return "search"
        if "FROM role" in sql:
            return "summary" if "JOIN stage_event" in sql else "role and next round"
        return "stage events" if "FROM stage_event" in sql else sql

    # The two searches of three letters or more; not the three shorter ones.
    assert sorted((kind(sql), n) for sql, n in runs.items()) == [
        ("role and next round", 1),
        ("search", 2),
        ("stage events", 1),
        ("summary", 1),
    ], runs


def test_a_snapshot_sees_one_state_and_leaves_the_read_pool_as_it_was(db: Database) -> None:
    """`snapshot()` reads the database as it was at its first statement, whatever commits after; on
    PostgreSQL it hands its connection back in autocommit with its prepared statements kept."""
    titles = select(Role.title).order_by(col(Role.title))
    with db.transaction() as session:
        session.add(role("Backend"))
    with db.snapshot() as session:
        assert session.exec(titles).all() == ["Backend"]
        with db.transaction() as other:
            other.add(role("Frontend"))
        assert session.exec(titles).all() == ["Backend"]  # not the commit made since
        with pytest.raises(RuntimeError, match="does not write"):
            session.add(role("Platform"))
            session.flush()
        session.expunge_all()
    with db.snapshot() as session:
        assert session.exec(titles).all() == ["Backend", "Frontend"]
    if db.is_sqlite:
        return
    with db.read() as session:
        find_candidates(session, "backend")  # a marked read: prepared on this connection
        held = session.connection().connection.dbapi_connection
    with db.snapshot() as session:
        assert session.connection().connection.dbapi_connection is held  # the read pool's
        assert session.connection().exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
        assert session.connection().exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
    with db.read() as session:
        raw = session.connection().connection.dbapi_connection
        assert raw is held and raw.autocommit  # type: ignore[attr-defined]
        assert session.connection().exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
        assert len(prepared_statements(session)) == 1  # kept: the snapshot ended in COMMIT, not ROLLBACK


def prepared_statements(session: Session) -> dict[str, int]:
    """The statements prepared on the session's connection, with how often each was run."""
    rows = session.connection().exec_driver_sql(
        "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements"
    )
    return {sql: runs for sql, runs in rows}


def _turn_after(database: Database, held: Any, waited: Any) -> None:
    """In a forked child (as a pre-fork `serve` worker is): how long its turn to write took, once
    the parent holds one."""
    database.engine.dispose(close=False)  # the parent's connections stay the parent's (SQLAlchemy's advice)
    # No busy handler: had the queue let it in while the parent writes, SQLite would refuse at once.
    event.listen(database.engine, "connect", lambda conn, _record: conn.execute("PRAGMA busy_timeout=0"))
    assert held.wait(20)
    started = time.monotonic()
    with database.transaction() as session:
        waited.value = time.monotonic() - started
        session.add(role("Child"))


def test_sqlite_writers_queue_across_processes_at_a_file_beside_the_database(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    database.upgrade()
    assert database.writers is not None and database.writers.path == tmp_path / "queue.db.writers"
    with database.transaction() as session:  # the queue's file is open before the fork
        session.add(role("First"))
    fork = multiprocessing.get_context("fork")
    held, waited = fork.Event(), fork.Value("d", -1.0)
    child = fork.Process(target=_turn_after, args=(database, held, waited))
    child.start()
    with database.transaction() as session:
        session.add(role("Parent"))
        session.flush()
        # Another process finds the file locked while this transaction is open...
        with open(database.writers.path, "rb") as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # ... and so does the forked copy of this Database: it opens the file anew (an flock belongs
        # to the open file, which the fork shares, so the copy's would not keep it out).
        held.set()
        time.sleep(0.5)
    child.join(20)
    assert child.exitcode == 0
    assert waited.value >= 0.4, f"the child wrote after {waited.value:.2f} s, while the parent held its turn"
    with database.read() as session:
        assert sorted(session.exec(select(Role.title))) == ["Child", "First", "Parent"]
    database.dispose()
