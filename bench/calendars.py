"""Calendar writes and feeds, in real wall-clock time, against a real Radicale on loopback.

1. Calendar rows per second: `--rounds` scheduled rounds, each with one interviewer of `--people`
   whose CalDAV calendar is connected, so scheduling queued one `calendar_event` row per round. The
   calendar lane of the dispatcher (`bot.delivery.dispatcher.lanes`) sends them with 1 and with 3
   dispatchers (threads of this process, each its own Dispatcher as separate instances would be),
   each run on a fresh database and fresh calendars. Baseline, in the same run: the same events
   PUT by a bare `caldav` client in a loop (`CalDavCalendar.put`, no database), one thread and three.
2. The feed: `GET /calendar/<token>.ics` over HTTP (waitress, the real WebApp) for an interviewer
   with `--feed-rounds` rounds, against `GET /healthz` on the same server (a request that reads
   nothing), and against building the same `.ics` in-process from invites already in memory.

    .venv/bin/python bench/calendars.py [--rounds 300] [--people 30] [--feed-rounds 500]
        [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from scratch import scratch_database
from sqlmodel import func, select

from bot.calendars import ics
from bot.calendars.caldav_calendar import CalDavCalendar
from bot.calendars.feeds import feed_invites, feed_link
from bot.delivery.dispatcher import Dispatcher
from bot.devtools.radicale import Radicale
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.invites import Invite
from bot.rules.message_kinds import CALENDAR_KINDS, Kind
from bot.rules.roles import add_role
from bot.rules.scheduling import schedule_round
from bot.wiring.app import build_app
from bot.wiring.server import HttpServer, WebApp
from bot.wiring.services import Services
from bot.wiring.settings import SHIPPED_KITS, Settings
from models.tables import CalendarConnection, OutboxMessage

TOKEN = "xoxb-bench"
SIGNING = "0123456789abcdef0123456789abcdef"
RECRUITER = "U0BENCHREC"
CHANNEL = "C0BENCH"


def services_for(url: str, slack: SlackStandIn, **extra: object) -> Services:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN, slack_signing_secret=SIGNING, slack_api_url=slack.url, database_url=url,
        kits_dir=SHIPPED_KITS, recruiters=RECRUITER, secret_key="bench-secret", **extra,
    )  # fmt: skip
    services = Services.from_settings(settings)
    services.db.upgrade()
    return services


def seed(services: Services, radicale: Radicale, rounds: int, people: list[str], *, connect: bool) -> None:
    """`rounds` rounds over the next weeks, round n with people[n % len(people)] on its panel."""
    now = datetime.now(UTC)
    with services.db.transaction() as session:
        if connect:
            for user in people:
                url = radicale.make_calendar(user.lower())
                session.add(
                    CalendarConnection(
                        user_id=user, provider="caldav", url=url, username=user.lower(),
                        secret=services.vault.encrypt("app-password"), connected_at=now,
                    )
                )  # fmt: skip
        session.flush()
        role = add_role(
            session, services.kits, title="Bench", kit_key="backend-mid", channel_id=CHANNEL,
            hiring_manager_ids=[RECRUITER], recruiter_ids=[RECRUITER],
        )  # fmt: skip
        for n in range(rounds):
            form = CandidateForm.parse({"name": f"Bench {n}", "email": f"bench{n}@example.org", "role_id": role.id})
            candidate = create_candidate(session, services.kits, form, RECRUITER, now)
            schedule_round(
                session, services.kits, candidate_id=candidate.id or 0, stage_key="hiring-manager-technical",
                interviewer_ids=[people[n % len(people)]], starts_at=now + timedelta(days=1, hours=n % 200),
                duration_minutes=60, location=None, actor=RECRUITER, now=now,
            )  # fmt: skip


def dispatcher_run(
    database: Callable[[str], str], tmp: Path, slack: SlackStandIn, args: argparse.Namespace, workers: int
) -> float:
    radicale = Radicale(tmp / f"radicale-d{workers}").start()
    try:
        services = services_for(database(f"d{workers}"), slack)
        people = [f"U0P{i:05d}" for i in range(args.people)]
        seed(services, radicale, args.rounds, people, connect=True)
        dispatchers = [
            Dispatcher(services, services.slack, kinds=CALENDAR_KINDS, channel_interval=timedelta(0))
            for _ in range(workers)
        ]
        started = time.perf_counter()
        threads = [threading.Thread(target=d.run_until_idle) for d in dispatchers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        with services.db.read() as session:
            sent = session.exec(
                select(func.count()).where(OutboxMessage.kind == Kind.calendar_event, OutboxMessage.state == "sent")
            ).one()
        assert sent == args.rounds, f"{sent} of {args.rounds} calendar rows sent"
        events = sum(len(radicale.calendar(radicale.url + f"{u.lower()}/", u.lower()).children()) for u in people)
        services.close()
        return args.rounds / seconds if events else 0.0
    finally:
        radicale.stop()


def bare_run(tmp: Path, args: argparse.Namespace, workers: int) -> float:
    radicale = Radicale(tmp / f"radicale-b{workers}").start()
    try:
        calendars = [
            CalDavCalendar(radicale.make_calendar(f"b{i}"), f"b{i}", "app-password") for i in range(args.people)
        ]
        now = datetime.now(UTC)

        def invite(n: int) -> Invite:
            starts_at = now + timedelta(days=1, hours=n % 200)
            return Invite(
                uid=f"bench-{n}@interview-bot", sequence=0, title=f"Round {n}", description="Bench",
                starts_at=starts_at, ends_at=starts_at + timedelta(minutes=60), location=None, cancelled=False,
            )  # fmt: skip

        invites = [(calendars[n % len(calendars)], invite(n)) for n in range(args.rounds)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda pair: pair[0].put(pair[1]), invites))
        return args.rounds / (time.perf_counter() - started)
    finally:
        radicale.stop()


def timed_gets(client: httpx.Client, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def feed_run(database: Callable[[str], str], tmp: Path, slack: SlackStandIn, args: argparse.Namespace) -> None:
    radicale = Radicale(tmp / "radicale-feed").start()
    services = services_for(database("feed"), slack, public_url="http://127.0.0.1")
    person = "U0FEEDPERSON"
    seed(services, radicale, args.feed_rounds, [person], connect=False)
    radicale.stop()
    server = HttpServer(WebApp(build_app(services), services), host="127.0.0.1", port=0)
    server.start()
    try:
        now = datetime.now(UTC)
        link = feed_link(services.db, services.vault, services.settings.public_url or "", person, now)
        path = link.split("/calendar/", 1)[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as client:
            body = client.get(f"/calendar/{path}").content
            events = body.count(b"BEGIN:VEVENT")
            assert events == args.feed_rounds, events
            feed = timed_gets(client, f"/calendar/{path}", args.runs)
            health = timed_gets(client, "/healthz", args.runs)
        invites = feed_invites(services.db, services.kits, person, now)
        build = []
        for _ in range(args.runs):
            started = time.perf_counter()
            ics.calendar(invites, tz=services.settings.organizer_zone, stamp=now, method=None, name="Interviews")
            build.append((time.perf_counter() - started) * 1000)
    finally:
        server.stop()
        services.close()
    p50 = statistics.median
    print(f"\nfeed of {events} rounds ({len(body) // 1024} KiB), {args.runs} requests each, p50 ms:")
    print(f"  GET /calendar/<token>.ics   {p50(feed):8.1f}")
    print(f"  GET /healthz (baseline)     {p50(health):8.1f}   feed / healthz = {p50(feed) / p50(health):.1f}x")
    print(f"  .ics build only (baseline)  {p50(build):8.1f}   feed / build   = {p50(feed) / p50(build):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--feed-rounds", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to make fresh databases on")
    args = parser.parse_args()
    slack = SlackStandIn()
    slack.start()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as created:
        tmp = Path(folder)

        def database(name: str) -> str:
            """A fresh database for one run, dropped at the end of all of them."""
            return created.enter_context(scratch_database(args.database_url, tmp, name))

        print(f"calendar rows: {args.rounds} rounds, {args.people} connected CalDAV calendars (Radicale)")
        for workers in (1, 3):
            bare = bare_run(tmp, args, workers)
            rate = dispatcher_run(database, tmp, slack, args, workers)
            print(
                f"  {workers} dispatcher(s): {rate:7.1f} rows/s   bare caldav PUTs, {workers} thread(s): "
                f"{bare:7.1f}/s   ratio {rate / bare:.2f}"
            )
        feed_run(database, tmp, slack, args)
    slack.stop()


if __name__ == "__main__":
    main()
