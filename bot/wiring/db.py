"""Database engine, transactions and migrations."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

import models.offers
import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.reporting import upkeep

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    """Use the PostgreSQL driver we ship (psycopg 3) for a plain postgresql:// URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, object] = {}
        if self.is_sqlite:
            # A file has no server to drop a connection: no ping before each checkout (a statement each).
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(self.url, **kwargs)
        self.write_engine: Engine = self.engine
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
            self.write_engine = self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        else:
            event.listen(self.engine, "checkout", _ping_if_idle)
            event.listen(self.engine, "checkin", _idle_since)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any error."""
        with Session(self.write_engine, expire_on_commit=False) as session, session.begin():
            upkeep.watch(session)
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            event.listen(session, "before_flush", _refuse_writes)
            yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def upgrade(self, revision: str = "head") -> None:
        command.upgrade(alembic_config(self.url), revision)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an ini file: % must be escaped.
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # Let pysqlite leave transaction control to SQLAlchemy's "begin" hook below.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _refuse_writes(session: Session, _context: object, _instances: object) -> None:
    # A change made in a read session would be dropped at its close: refused, so the mistake shows.
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        raise RuntimeError("a read session does not write: change rows in db.transaction()")


# A pooled connection unused this long is pinged before it is handed out (the server may have
# closed it); one in steady use is not, which spares a round trip per request.
IDLE_PING_SECONDS = 10.0


def _idle_since(_dbapi_connection: object, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: object) -> None:
    idle = record.info.get("idle_since")
    if idle is None or time.monotonic() - idle < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as exc:
        # The pool drops this connection and hands out a fresh one instead.
        raise DisconnectionError() from exc


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the lock up front so concurrent writers queue (busy_timeout) instead of
    # failing when a read lock cannot be upgraded mid-transaction.
    conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))
