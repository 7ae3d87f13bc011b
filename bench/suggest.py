"""The schedule form's suggestion update against its opening, through the real app over HTTP.

A four-person panel, each with their own CalDAV calendar on a real Radicale (`--events` busy events
over the next two weeks, one of them weekly) behind a loopback proxy that adds `--latency` seconds
to every request, as a calendar across the internet does. Timed, each `--runs` times, from the
signed request to the stand-in receiving the app's answer:

- **open**: the card's *Schedule interview* button to `views.open` (today's form: the budget);
  both listeners ack at once and do their work after the ack, whose time is printed too;
- **update, cold**: picking the panel to `views.update`, nothing cached (every calendar asked);
- **update, warm**: the same within the minute the answers are kept;
- **update, one at a time**: cold, with the calendars asked one after another (a pool of one):
  what asking them in parallel saves.

    .venv/bin/python bench/suggest.py [--runs 10] [--events 100] [--latency 0.15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from icalendar import Calendar, Event

from blocks.candidate import SCHEDULE, button_value
from bot.calendars.freebusy import FreeBusy
from bot.devtools.form_actions import pick_panel
from bot.devtools.radicale import Radicale
from bot.devtools.slack_requests import SignedSlackClient
from bot.devtools.slack_standin import SlackStandIn
from bot.devtools.slow_proxy import Proxy
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.clock import ManualClock
from bot.rules.roles import add_role
from bot.wiring.app import build_app
from bot.wiring.server import HttpServer, WebApp
from bot.wiring.services import Services
from bot.wiring.settings import SHIPPED_KITS, Settings
from models.tables import CalendarConnection

SECRET = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PANEL = {
    "U0BENCHA": "Europe/Berlin",
    "U0BENCHB": "Europe/London",
    "U0BENCHC": "America/New_York",
    "U0BENCHD": "Europe/Lisbon",
}
RECRUITER = "U0RECRUIT"


def fill(radicale: Radicale, url: str, user: str, events: int, seed: int) -> None:
    rng = random.Random(seed)
    calendar = radicale.calendar(url, user)
    for n in range(events):
        cal = Calendar()
        event = Event()
        start = NOW + timedelta(minutes=rng.randrange(0, 14 * 24 * 60, 15))
        event.add("uid", f"{user}-{n}@bench")
        event.add("summary", "Busy")
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=rng.choice((30, 45, 60))))
        if n == 0:
            event.add("rrule", {"freq": "weekly", "count": 8})
        cal.add_component(event)
        calendar.save_event(cal.to_ical().decode())


def timed(runs: int, act: Callable[[], None], before: Callable[[], None] = lambda: None) -> list[float]:
    took = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        act()
        took.append(time.perf_counter() - started)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-suggest-"))
    radicale = Radicale(tmp / "radicale").start()
    slack = SlackStandIn()
    slack.start()
    proxies = []
    try:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=slack.url,
            database_url=f"sqlite:///{tmp / 'bench.db'}", kits_dir=SHIPPED_KITS, recruiters=RECRUITER,
            secret_key="bench-secret-key-0123456789",
        )  # fmt: skip
        services = Services.from_settings(settings, clock=ManualClock(NOW))
        services.db.upgrade()
        slack.add_channel("C0HIRING", "hiring")
        slack.add_user(RECRUITER, "rita", tz="America/New_York")
        slack.add_user("U0MANAGER", "hank")
        with services.db.transaction() as session:
            role = add_role(
                session, services.kits, title="Backend", kit_key="backend-mid", channel_id="C0HIRING",
                hiring_manager_ids=["U0MANAGER"], recruiter_ids=[RECRUITER],
            )  # fmt: skip
            form = CandidateForm.parse({"name": "Casey Candidate", "email": "casey@example.org", "role_id": role.id})
            candidate = create_candidate(session, services.kits, form, RECRUITER, NOW)
            value = button_value(candidate)
        for n, (user, zone) in enumerate(PANEL.items()):
            slack.add_user(user, user.lower(), tz=zone)
            url = radicale.make_calendar(user.lower(), "pw")
            fill(radicale, url, user.lower(), args.events, n)
            proxy = Proxy(radicale.url)
            proxy.delay = args.latency
            proxies.append(proxy)
            with services.db.transaction() as session:
                session.add(
                    CalendarConnection(
                        user_id=user, provider="caldav", url=proxy.url(url.split(str(radicale.port), 1)[1]),
                        username=user.lower(), secret=services.vault.encrypt("pw"), connected_at=NOW,
                    )
                )  # fmt: skip
        server = HttpServer(WebApp(build_app(services), services), host="127.0.0.1", port=0, threads=8)
        server.start()
        client = SignedSlackClient(f"http://127.0.0.1:{server.port}", SECRET, trigger_ids=slack.trigger_id)
        panel = list(PANEL)

        def open_form() -> None:
            before = len(slack.calls_to("views.open"))
            client.block_action(RECRUITER, SCHEDULE, value, block_id="candidate_card", channel_id="C0HIRING",
                                message_ts="1.000100")  # fmt: skip
            slack.wait_for(lambda: len(slack.calls_to("views.open")) > before, timeout=10)

        acks: list[float] = []
        post = client.interaction

        def timed_post(payload: dict[str, Any], **kw: Any) -> httpx.Response:
            started = time.perf_counter()
            answer = post(payload, **kw)
            acks.append(time.perf_counter() - started)
            return answer

        client.interaction = timed_post  # type: ignore[method-assign]

        def update() -> None:
            pick_panel(client, slack, RECRUITER, panel)

        def cold() -> None:
            for user in panel:
                services.freebusy.forget(user)

        open_form()  # warm up: imports, the first connections, the zones read from Slack
        update()
        opened = timed(args.runs, open_form)
        acks.clear()
        cold_runs = timed(args.runs, update, cold)
        cold_acks = list(acks)
        warm_runs = timed(args.runs, update)
        services.__dict__["freebusy"] = FreeBusy(settings, services.vault, services.db, workers=1)
        serial_runs = timed(args.runs, update, cold)
        asked = sum(p.requests for p in proxies)
        server.stop()
    finally:
        for proxy in proxies:
            proxy.close()
        slack.stop()
        radicale.stop()
    base = statistics.median(opened)
    print(f"panel of {len(PANEL)}, {args.events} events each, {args.latency * 1000:.0f} ms per calendar request, "
          f"{args.runs} runs (calendar requests made: {asked})")  # fmt: skip
    print(f"{'what':<26} {'median ms':>10} {'max ms':>8}  ratio to opening")
    for name, runs in (("open (the budget)", opened), ("update, cold", cold_runs), ("update, warm", warm_runs),
                       ("update, one at a time", serial_runs)):  # fmt: skip
        median = statistics.median(runs)
        print(f"{name:<26} {median * 1000:>10.1f} {max(runs) * 1000:>8.1f}  {median / base:.2f}x")
    print(f"the update's ack (Slack's 3 s): median {statistics.median(cold_acks) * 1000:.1f} ms, "
          f"max {max(cold_acks) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
