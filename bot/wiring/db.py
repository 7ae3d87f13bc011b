"""Database engine, transactions and migrations."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

try:
    import fcntl
except ImportError:  # Windows: one process (waitress), so the thread lock is the whole queue
    fcntl = None  # type: ignore[assignment]

import models.offers
import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.reporting import upkeep
from bot.rules.ids import PREPARED

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
        self.read_engine: Engine = self.engine
        # A read whose statements all see one state (`snapshot()`): SQLite's read transactions do.
        self.snapshot_engine: Engine = self.engine
        self.writers: WriterQueue | None = None
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
            self.write_engine = self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
            file = make_url(self.url).database
            self.writers = WriterQueue(Path(f"{file}.writers") if file and file != ":memory:" else None)
        else:
            # Reads on connections of their own, in autocommit: at READ COMMITTED each statement sees
            # its own snapshot either way, so BEGIN and ROLLBACK were two round trips for nothing.
            # Unprepared unless marked (`_prepare_if_marked`): prepared, some statements get a generic
            # plan several times slower (bench/README). No threshold psycopg would reach by itself:
            # `None` would refuse the marked ones too.
            self.read_engine = create_engine(
                self.url, **kwargs, isolation_level="AUTOCOMMIT", connect_args={"prepare_threshold": 2**31 - 1}
            )
            event.listen(self.read_engine, "do_execute", _prepare_if_marked)
            # The read pool's connections, in a transaction at REPEATABLE READ: one snapshot.
            self.snapshot_engine = self.read_engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            for engine in self.engines:
                event.listen(engine, "checkout", _ping_if_idle)
                event.listen(engine, "checkin", _idle_since)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any error."""
        turn = self.writers.turn() if self.writers is not None else nullcontext()
        with turn, WriteSession(self.write_engine, expire_on_commit=False) as session, session.begin():
            upkeep.watch(session)
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with ReadSession(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read whose statements all see the database as it was at the first, whatever commits in
        between: for a report, whose counts say which values its medians are among (a plain read on
        PostgreSQL sees each commit at its next statement)."""
        with ReadSession(self.snapshot_engine, expire_on_commit=False) as session:
            yield session
            # COMMIT, not the ROLLBACK of the close: at a ROLLBACK psycopg forgets its prepared statements.
            session.commit()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def upgrade(self, revision: str = "head") -> None:
        command.upgrade(alembic_config(self.url), revision)

    @property
    def engines(self) -> tuple[Engine, ...]:
        """The pools this database's statements run on: one on SQLite, reads' and writes' on PostgreSQL
        (`write_engine` shares `engine`'s pool)."""
        return (self.engine,) if self.read_engine is self.engine else (self.engine, self.read_engine)

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()
        if self.writers is not None:
            self.writers.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an ini file: % must be escaped.
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def _prepare_if_marked(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """Runs a read marked `PREPARED` as a prepared statement, so that PostgreSQL plans it once per
    connection rather than at each run (bench/README, eighth pass), and any other read unprepared,
    even when its text is a marked one's (the search for two letters is the search for five)."""
    marked = context is not None and bool(context.execution_options.get(PREPARED))
    cursor.execute(statement, parameters, prepare=marked)
    return True  # executed here


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # Let pysqlite leave transaction control to SQLAlchemy's "begin" hook below.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class ReadSession(Session):
    """`Database.read()`'s sessions. Their hooks are listened to by the class, once: listening on
    each session costs 18 µs a read."""


class WriteSession(Session):
    """`Database.transaction()`'s sessions, whose hooks keep the report's aggregates (`upkeep.watch`)."""


def _refuse_writes(session: Session, _context: object, _instances: object) -> None:
    # A change made in a read session would be dropped at its close: refused, so the mistake shows.
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        raise RuntimeError("a read session does not write: change rows in db.transaction()")


event.listen(ReadSession, "before_flush", _refuse_writes)
for _name, _hook in upkeep.HOOKS:
    event.listen(WriteSession, _name, _hook)


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


class WriterQueue:
    """SQLite lets one writer in at a time. Its busy handler makes the others sleep and retry in
    steps that grow to 100 ms, so under 20 clients a write waited up to a second behind writers
    long finished. Here they queue instead: a lock for the threads of this process and an `flock`
    on a file beside the database for the other processes (several `serve` workers, a `dispatch`),
    each woken the moment the writer before it is done. Reentrant: a transaction opened inside
    another in the same thread is SQLite's to refuse, as before."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            fd = self._file() if self._depth == 1 else None
            try:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                self._depth -= 1

    def _file(self) -> int | None:
        if self.path is None or fcntl is None:
            return None
        # A forked worker opens its own: an flock is shared by every process holding the same open file.
        if self._fd is None or self._pid != os.getpid():
            self.close()  # the parent's copy (closing it here leaves the parent's lock alone)
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
