"""bot/wiring/db.py: what the engine promises besides running statements."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.wiring import db as db_module
from bot.wiring.db import Database
from models.tables import Role


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
    separate = Database(db.url)  # its own pool, so the dropped connection is the one it hands out next
    try:
        with separate.engine.connect() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
        # Idle long enough to be pinged (any time at all, here): the ping finds it dead, the pool
        # hands out a new connection, and the request never sees the dropped one.
        monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
        with separate.read() as session:
            assert session.exec(select(Role)).all() == []
            again = session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert again != backend
    finally:
        separate.dispose()
