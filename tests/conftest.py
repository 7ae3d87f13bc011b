"""Fixtures: a migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the Slack Web API stand-in, and the real app serving HTTP on a free port.

Each pytest-xdist worker is its own process with its own session: its own SQLite file (under
its own temporary directory) or PostgreSQL database, and its own parsed kits."""

from __future__ import annotations

import functools
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, col, select

from bot.delivery.dispatcher import Dispatcher
from bot.devtools.radicale import Radicale
from bot.devtools.slack_requests import SignedSlackClient
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.clock import ManualClock
from bot.rules.kits import KitCatalog, load_kits
from bot.rules.message_kinds import Kind
from bot.wiring.app import build_app
from bot.wiring.db import Database, normalize_url
from bot.wiring.server import HttpServer, WebApp
from bot.wiring.services import Services
from bot.wiring.settings import SHIPPED_KITS, Settings
from models.tables import OutboxMessage, OutboxState

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
HIRING_CHANNEL = "C0HIRING"
RECRUITER = "U0RECRUIT"
HIRING_MANAGER = "U0MANAGER"
INTERVIEWER_1 = "U0INTONE"
INTERVIEWER_2 = "U0INTTWO"
MEMBER = "U0MEMBER"
CANDIDATE = "U0GUEST"

P = ParamSpec("P")
T = TypeVar("T")

# Threads of Bolt's lazy listeners in the app the tests run (ListenerPool).
LISTENER_WORKERS = 5


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers more than cores. Much of the suite waits rather than computes (a real
    30 s Slack outage, leases running out, dispatcher processes, calendar servers): the extra
    workers fill those waits (on 2 cores with PostgreSQL: 3 workers 318 s, 4 workers 241 s)."""
    return (os.cpu_count() or 1) + 2


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per backend for the whole run; tests empty it between them."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        Database(url).upgrade()
        yield url
        return
    admin_url = normalize_url(os.environ["TEST_DATABASE_URL"])
    name = f"interview_bot_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    Database(url).upgrade()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    empty(database)
    yield database
    database.dispose()


def empty(database: Database) -> None:
    """Every table emptied (children first) and, on PostgreSQL, every id sequence back to 1.
    DELETE rather than TRUNCATE: on tables this small TRUNCATE costs 118 ms a test (new files for
    18 tables and their indexes), DELETE a few."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        if not database.is_sqlite:
            conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """A real CalDAV server (one per test process), anyone welcome; each test makes its own calendars."""
    server = Radicale(tmp_path_factory.mktemp("radicale")).start()
    yield server
    server.stop()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    standin.start()
    standin.add_channel(HIRING_CHANNEL, "hiring-backend")
    standin.add_channel("C0GENERAL", "general")
    standin.add_user(RECRUITER, "rita", real_name="Rita Recruiter", email="rita@example.com")
    standin.add_user(HIRING_MANAGER, "hank", real_name="Hank Manager", email="hank@example.com")
    standin.add_user(INTERVIEWER_1, "ines", real_name="Ines Interviewer", tz="America/Los_Angeles", tz_offset=-28800)
    standin.add_user(INTERVIEWER_2, "ivan", real_name="Ivan Interviewer", tz="America/Sao_Paulo", tz_offset=-10800)
    standin.add_user(MEMBER, "mo", real_name="Mo Member")
    standin.add_user(CANDIDATE, "casey", real_name="Casey Candidate", is_restricted=True, email="casey@example.org")
    yield standin
    standin.stop()
    # Every payload the app sent must have passed Slack's own limits.
    standin.assert_no_violations()


def make_settings(database_url: str, slack: SlackStandIn, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.url,
        "database_url": database_url,
        "kits_dir": SHIPPED_KITS,
        "recruiters": RECRUITER,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@functools.cache
def shipped_kits() -> KitCatalog:
    """The shipped kits, parsed once per test process: nothing changes a catalog once loaded."""
    return load_kits([SHIPPED_KITS])


def services_for(settings: Settings, *, clock: ManualClock | None = None, reports: Executor | None = None) -> Services:
    """`Services.from_settings`, with the shipped kits already parsed when those are the ones asked for."""
    kits = shipped_kits() if settings.kits_path == SHIPPED_KITS else None
    return Services.from_settings(settings, clock=clock, kits=kits, reports=reports)


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener executor (or the report pool), counting the work in flight so a test can wait
    for its lazy listeners to finish (and then assert that something did not happen)."""

    def __init__(self, max_workers: int = LISTENER_WORKERS, thread_name_prefix: str = "lazy-listener") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._busy = 0
        self._changed = threading.Condition()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._changed:
            self._busy += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: object) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 10) -> None:
        """Until everything submitted so far has finished. Bolt submits a request's lazy listeners
        before it answers the request, so after an answer this covers that request's work."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._busy == 0, timeout):
                raise AssertionError(f"{self._busy} listener(s) still running after {timeout} s")


# What lazy listeners used to post at once: a test waiting for a message delivers these.
AT_ONCE = (
    Kind.card,
    Kind.thread_note,
    Kind.next_step,
    Kind.report,
    Kind.purge_cleanup,
    Kind.dead_letter,
    Kind.line_notice,
)


@dataclass
class RunningApp:
    services: Services
    server: HttpServer
    slack: SlackStandIn
    client: SignedSlackClient
    clock: ManualClock
    listeners: ListenerPool
    # Services.reports: where the reports the listeners hand over are built and queued.
    reports: ListenerPool

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def wait_idle(self) -> None:
        """Until every lazy listener started so far, and every report they handed over, has finished
        and what they and the acks queued for Slack now (cards, thread notes, DMs, reports due by
        the app's clock) has been delivered."""
        while True:
            self.listeners.wait_idle()
            self.reports.wait_idle()  # after the listeners: they are what hands reports over
            if not self.deliver():
                return

    def deliver(self) -> int:
        """One unpaced dispatcher pass over the thread's rows (and the other writes lazy listeners
        used to make) due by the app's clock; how many went out. The round's messages are left to
        the dispatcher passes a test makes itself, to count them."""
        with self.services.db.read() as session:
            # Most waits find nothing to send: one query, not a dispatcher pass with its threads.
            due = session.exec(
                select(OutboxMessage.id)
                .where(
                    col(OutboxMessage.state) == OutboxState.pending,
                    col(OutboxMessage.kind).in_(AT_ONCE),
                    col(OutboxMessage.due_at) <= self.clock.now(),
                )
                .limit(1)
            ).first()
        if due is None:
            return 0
        dispatcher = Dispatcher(self.services, self.services.slack, channel_interval=timedelta(0), kinds=AT_ONCE)
        return dispatcher.run_once(self.clock.now()).sent


@pytest.fixture
def app(db: Database, slack: SlackStandIn) -> Iterator[RunningApp]:
    with running_app(db, slack) as running:
        yield running


@contextmanager
def running_app(db: Database, slack: SlackStandIn, **settings_overrides: object) -> Iterator[RunningApp]:
    """The real app on a free port, against the stand-in, with a clock the test moves."""
    clock = ManualClock(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    reports = ListenerPool(max_workers=1, thread_name_prefix="report")
    services = services_for(make_settings(db.url, slack, **settings_overrides), clock=clock, reports=reports)
    listeners = ListenerPool()
    server = HttpServer(WebApp(build_app(services, listener_executor=listeners), services), host="127.0.0.1", port=0)
    server.start()
    client = SignedSlackClient(f"http://127.0.0.1:{server.port}", SIGNING_SECRET, trigger_ids=slack.trigger_id)
    running = RunningApp(services, server, slack, client, clock, listeners, reports)
    # Cards, thread notes and DMs go through the outbox: waiting for one delivers what is due.
    slack.while_waiting = running.deliver
    yield running
    slack.while_waiting = None
    client.close()
    server.stop()
    # What a test left running finishes here, not during the next test.
    listeners.shutdown(wait=True)
    services.close()


@pytest.fixture
def kits_dir() -> Path:
    return SHIPPED_KITS
