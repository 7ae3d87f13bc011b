"""The booking page against the server's cheapest answer, through the real app over HTTP.

The app on SQLite with the Slack stand-in, a role and `--candidates` candidates without Slack, each
with an offer of six times for one interviewer (no calendar: the page's own cost, not a calendar's).
Timed per request, median and 90th percentile over the candidates, in the same run:

- **healthz**: `GET /healthz` (a database ping): the baseline;
- **page**: `GET /book/<token>`: the token looked up by its hash, the offer, candidate, role and kit
  read, the page rendered with Jinja2 and its CSP nonce;
- **pick**: `POST /book/<token>` with the form's CSRF token: the booking transaction (offer and
  panel locked, the panel's rules checked, the round, its messages and notes written) and the
  confirmation page with its `.ics`;
- **closed**: `GET` of a used link (the page that says so, nothing of the candidate).

    .venv/bin/python bench/booking.py [--candidates 40]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot.devtools.slack_standin import SlackStandIn
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.clock import ManualClock
from bot.rules.offers import make_offer
from bot.rules.people import set_schedule
from bot.rules.roles import add_role
from bot.wiring.app import build_app
from bot.wiring.server import HttpServer, WebApp
from bot.wiring.services import Services
from bot.wiring.settings import SHIPPED_KITS, Settings

SECRET = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
INTERVIEWER, RECRUITER = "U0BENCHI", "U0RECRUIT"


def timed(calls: list[Callable[[], httpx.Response]]) -> list[float]:
    out = []
    for call in calls:
        started = time.perf_counter()
        response = call()
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 500:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
    return out


def field(html: str, name: str) -> str:
    """The first value of a hidden field on the page."""
    return re.findall(rf'name="{name}" value="([^"]+)"', html)[0]


def pick(client: httpx.Client, token: str, form: dict[str, str]) -> Callable[[], httpx.Response]:
    return lambda: client.post(f"/book/{token}", data=form)


def summary(label: str, values: list[float], base: float) -> str:
    median = statistics.median(values)
    p90 = statistics.quantiles(values, n=10)[-1] if len(values) >= 10 else max(values)
    return f"| {label} | {median:.1f} | {p90:.1f} | {median / base:.1f}x |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=40)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    slack = SlackStandIn()
    slack.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=slack.url,
        database_url=f"sqlite:///{tmp / 'bench.db'}", kits_dir=SHIPPED_KITS, recruiters=RECRUITER,
    )  # fmt: skip
    services = Services.from_settings(settings, clock=ManualClock(NOW))
    services.db.upgrade()
    slack.add_channel("C0HIRING", "hiring")
    slack.add_user(RECRUITER, "rita", tz="America/New_York")
    slack.add_user(INTERVIEWER, "ines", tz="America/New_York")
    tokens = []
    with services.db.transaction() as session:
        role = add_role(session, services.kits, title="Backend", kit_key="backend-mid", channel_id="C0HIRING",
                        hiring_manager_ids=[RECRUITER], recruiter_ids=[RECRUITER])  # fmt: skip
        set_schedule(session, INTERVIEWER, spec="mon-sun 00:00-24:00", max_per_day=20, max_per_week=60,
                     actor=RECRUITER, now=NOW)  # fmt: skip
        for n in range(args.candidates):
            form = CandidateForm.parse({"name": f"Cand {n}", "email": f"c{n}@example.org", "role_id": role.id})
            candidate = create_candidate(session, services.kits, form, RECRUITER, NOW)
            first = NOW + timedelta(days=1, hours=2 * n)  # each candidate's own times: no one takes another's
            made = make_offer(
                session, services.kits, candidate_id=candidate.id or 0, stage_key="hiring-manager-technical",
                panel=[INTERVIEWER], times=[first + timedelta(minutes=15 * k) for k in range(6)], minutes=60,
                location=None, actor=RECRUITER, now=NOW,
            )  # fmt: skip
            assert made.token
            tokens.append(made.token)
    server = HttpServer(WebApp(build_app(services), services), host="127.0.0.1", port=0, threads=8)
    server.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            client.get("/healthz")  # the first request's one-time costs (templates, connections) out of the way
            client.get(f"/book/{tokens[0]}")
            health = timed([lambda: client.get("/healthz") for _ in tokens])
            pages: list[str] = []

            def page(token: str) -> Callable[[], httpx.Response]:
                def call() -> httpx.Response:
                    response = client.get(f"/book/{token}")
                    pages.append(response.text)
                    return response

                return call

            shown = timed([page(t) for t in tokens])
            forms = [{"csrf": field(html, "csrf"), "start": field(html, "start")} for html in pages]
            picks = timed([pick(client, t, f) for t, f in zip(tokens, forms, strict=True)])
            closed = timed([page(t) for t in tokens])
    finally:
        server.stop()
        services.close()
        slack.stop()
    base = statistics.median(health)
    print(f"{args.candidates} candidates, SQLite, ms per request\n")
    print("| request | median ms | p90 ms | vs healthz |\n|---|---:|---:|---:|")
    print(summary("GET /healthz (baseline)", health, base))
    print(summary("GET /book/<token> (the page)", shown, base))
    print(summary("POST /book/<token> (a pick)", picks, base))
    print(summary("GET of a used link", closed, base))


if __name__ == "__main__":
    main()
