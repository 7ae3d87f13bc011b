"""Ack latency and throughput of the app against a bare Bolt app on the same server stack.

Signed slash commands (`/candidate <name>`, a read) and scorecard submissions (a write) at 1 and
20 concurrent clients, against:
- the app (waitress, Bolt with process_before_response=True, SQLite, the Slack stand-in);
- a bare Bolt app with the default runner (ack polled from a thread pool);
- a bare Bolt app with process_before_response=True.
Everything runs in this process on loopback; ratios compare runs made side by side. The app's
database holds `--candidates` candidates (default 50,000, the scale of bench/scale.py), of which the
command's query matches one.

    .venv/bin/python bench/ack.py [--requests 400] [--workers N] [--threads T] [--database-url postgresql://…]
                                  [--candidates 50000] [--repeat K]

With `--workers N` each target runs in its own processes on gunicorn's pre-fork server instead: the
app as `interview-bot serve --workers N --threads T --no-dispatcher`, the bare Bolt apps on the same
gunicorn setup (gthread, T threads a worker: `--threads`, default `serve`'s), with the clients and
the Slack stand-in in this process.
With `--database-url` the app's database is a scratch PostgreSQL database on that server (dropped
after the run) instead of a SQLite file. With `--repeat K` each workload runs K times for each
target, the targets in turn, and each figure is the median of the K (the ratios of each run are
printed too): one run's ratios move by 10–20% on this shared machine.

The submissions go seat by seat: a round's ten panelists, then the next round's, so at 20 clients
two rounds (two candidates) take ten submissions each at once, and each round's take turns at its
row lock. `--writes spread` sends each submission to the next round instead, so concurrent
submissions are for different candidates.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cputime
import httpx
from scratch import scratch_database
from search import add_candidates, analyze, other_names
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlmodel import func, select
from waitress import create_server

from blocks.scorecard import paginate, scorecard_view
from bot.cli_serve import default_threads
from bot.devtools.slack_requests import SignedSlackClient, answer_scorecard
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.clock import ManualClock
from bot.rules.roles import add_role
from bot.rules.scheduling import schedule_round
from bot.rules.scorecards import round_questions
from bot.wiring.app import build_app
from bot.wiring.db import Database
from bot.wiring.server import HttpServer, WebApp
from bot.wiring.services import Services
from bot.wiring.settings import SHIPPED_KITS, Settings
from models.tables import Scorecard

SECRET = "0123456789abcdef0123456789abcdef"
PANEL = [f"U0BENCH{i:03d}" for i in range(10)]  # the largest panel a round may have


def serve_wsgi(app: Any, threads: int) -> tuple[Any, int]:
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    return server, int(server.effective_port)


def bare_bolt(process_before_response: bool, api_url: str) -> App:
    # Bolt looks up its own identity once (auth.test): the stand-in answers it, as for the app.
    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-bench", base_url=api_url),
        process_before_response=process_before_response,
    )

    @app.command("/candidate")
    def command(ack: Any) -> None:
        ack(text="Casey Candidate")

    @app.view("scorecard_submit")
    def view(ack: Any) -> None:
        ack(response_action="clear")

    return app


def our_app(
    tmp: Path, slack: SlackStandIn, threads: int, rounds: int, url: str, others: int
) -> tuple[HttpServer, dict[str, Any]]:
    services, scorecard = our_data(tmp, slack, rounds, url, others)
    server = HttpServer(WebApp(build_app(services), services), host="127.0.0.1", port=0, threads=threads)
    server.start()
    return server, scorecard


def our_data(tmp: Path, slack: SlackStandIn, rounds: int, url: str, others: int = 0) -> tuple[Services, dict[str, Any]]:
    """The app's database with a role and `rounds` rounds of the largest panel (each with its own
    candidate), and each round's scorecard to submit: every seat takes one real submission; and
    `others` more candidates in the table, that the searched name does not match."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
        database_url=url,
        kits_dir=SHIPPED_KITS,
        recruiters="U0RECRUIT",
    )
    services = Services.from_settings(settings, clock=ManualClock(now))
    services.db.upgrade()
    for user in [*PANEL, "U0RECRUIT", "U0MANAGER"]:
        slack.add_user(user, user.lower())
    slack.add_channel("C0HIRING", "hiring")
    with services.db.transaction() as session:
        role = add_role(
            session, services.kits, title="Backend", kit_key="backend-mid", channel_id="C0HIRING",
            hiring_manager_ids=["U0MANAGER"], recruiter_ids=["U0RECRUIT"],
        )  # fmt: skip
        contexts = []
        for n in range(rounds):
            name = "Casey Candidate" if n == 0 else f"Round {n} Candidate"
            form = CandidateForm.parse({"name": name, "email": f"c{n}@example.org", "role_id": role.id})
            candidate = create_candidate(session, services.kits, form, "U0RECRUIT", now)
            candidate.thread_ts = f"1.{n:06d}"
            contexts.append(schedule_round(
                session, services.kits, candidate_id=candidate.id or 0, stage_key="hiring-manager-technical",
                interviewer_ids=PANEL, starts_at=now + timedelta(hours=1), duration_minutes=60, location=None,
                actor="U0RECRUIT", now=now, anyway=True,  # the same panel at one time, for each
            ))  # fmt: skip
        add_candidates(session, role.id or 0, other_names(others))
    analyze(services.db)
    services.clock.set(now + timedelta(hours=3))  # type: ignore[attr-defined]
    views = []
    for ctx in contexts:
        # One page: the whole scorecard is submitted and stored.
        (page,) = paginate(round_questions(ctx))
        view = scorecard_view(
            page, interview_id=ctx.interview.id or 0, candidate_name=ctx.candidate.name, stage_name=ctx.stage.name,
            answers={}, recommendation=None, notes=None,
        ).to_dict()  # fmt: skip
        views.append((view, answer_scorecard(view, rating="meets", pick=1, recommendation="yes", notes="Good.")))
    return services, {"views": views}


def load(
    port: int, request: Callable[[SignedSlackClient, int], httpx.Response], clients: int, total: int, pid: int | None
) -> dict:
    """`pid`: the target's server process (with `--workers`), whose processor time is then reported."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = total // clients

    def worker(index: int) -> None:
        nonlocal errors
        client = SignedSlackClient(f"http://127.0.0.1:{port}", SECRET)
        mine: list[float] = []
        for n in range(per_client):
            started = time.perf_counter()
            response = request(client, index * per_client + n)
            mine.append(time.perf_counter() - started)
            if response.status_code != 200:
                with lock:
                    errors += 1
        client.close()
        with lock:
            latencies.extend(mine)

    for warm in range(10):
        request(SignedSlackClient(f"http://127.0.0.1:{port}", SECRET), 10_000 + warm)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    before = (cputime.used(pid), cputime.own()) if pid else None
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    out = {
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "rps": len(latencies) / elapsed,
        "errors": errors,
    }
    after = cputime.used(pid) if pid else None
    if before and before[0] is not None and after is not None:  # ms a request: the target's, this process's
        out["server_cpu_ms"] = (after - before[0]) / len(latencies) * 1000
        out["client_cpu_ms"] = (cputime.own() - before[1]) / len(latencies) * 1000
    return out


def spread(runs: dict[str, dict[str, list[dict]]], name: str) -> str:
    """Each run's p50 ratio at 1 client and throughput ratio at 20, when there are several runs."""
    one, twenty = runs[f"{name} @1"], runs[f"{name} @20"]
    if len(one["app"]) < 2:
        return ""
    p50 = [a["p50_ms"] / b["p50_ms"] for a, b in zip(one["app"], one["bolt pbr"], strict=True)]
    rps = [a["rps"] / b["rps"] for a, b in zip(twenty["app"], twenty["bolt pbr"], strict=True)]
    return f" (runs: {', '.join(f'{r:.2f}' for r in p50)}; throughput at 20: {', '.join(f'{r:.2f}' for r in rps)})"


def serve_bolt_prefork(port: int, workers: int, threads: int, api_url: str, process_before_response: bool) -> None:
    """A bare Bolt app on gunicorn as `interview-bot serve --workers N --threads T` runs (gthread)."""
    from gunicorn.app.base import BaseApplication

    class Bare(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {"bind": f"127.0.0.1:{port}", "workers": workers, "worker_class": "gthread",
                               "threads": threads, "loglevel": "warning"}.items():  # fmt: skip
                self.cfg.set(key, value)

        def load(self) -> Any:
            return SlackRequestHandler(bare_bolt(process_before_response, api_url))

    Bare().run()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server on port {port} exited"
        try:
            if httpx.post(f"http://127.0.0.1:{port}/slack/events", timeout=1).status_code in (401, 415):
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listening on {port}")


def prefork_targets(
    tmp: Path, slack: SlackStandIn, workers: int, threads: int, rounds: int, url: str, others: int
) -> tuple[dict[str, int], list[Any], dict]:
    """The app under `interview-bot serve --workers N` and the bare Bolt apps under the same gunicorn setup."""
    services, scorecard = our_data(tmp, slack, rounds, url, others)
    services.close()
    env = {**os.environ, "DATABASE_URL": services.settings.database_url, "SLACK_BOT_TOKEN": "xoxb-bench",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.url, "KITS_DIR": str(SHIPPED_KITS),
           "RECRUITERS": "U0RECRUIT"}  # fmt: skip
    ports = {name: free_port() for name in ("app", "bolt default", "bolt pbr")}
    bin_dir = Path(sys.executable).parent
    procs = [
        subprocess.Popen([str(bin_dir / "interview-bot"), "serve", "--workers", str(workers), "--threads", str(threads),
                          "--host", "127.0.0.1",
                          "--port", str(ports["app"]), "--no-dispatcher"], env=env, cwd=tmp,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        *(subprocess.Popen([sys.executable, __file__, "--serve-bolt", str(ports[name]), "--workers", str(workers),
                            "--threads", str(threads),
                            "--api-url", slack.url, *(["--pbr"] if name == "bolt pbr" else [])],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
          for name in ("bolt default", "bolt pbr")),
    ]  # fmt: skip
    for port, proc in zip(ports.values(), procs, strict=True):
        wait_listening(port, proc)
    return ports, procs, scorecard


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per run (default 400)")
    parser.add_argument("--workers", type=int, default=0, help="serve on gunicorn, N workers (0: waitress)")
    parser.add_argument("--threads", type=int, help="threads a worker, as `serve --threads` (default: serve's)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server for the app (default: SQLite)")
    parser.add_argument(
        "--candidates", type=int, default=50_000, help="candidates in the app's database (default 50,000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each workload and target, interleaved; medians (default 1)"
    )
    parser.add_argument(
        "--writes", choices=("panel", "spread"), default="panel",
        help="submissions a round's panel at a time (default), or each to the next round",
    )  # fmt: skip
    parser.add_argument("--serve-bolt", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--pbr", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.threads = args.threads or default_threads(args.database_url or "sqlite:")
    if args.serve_bolt:
        serve_bolt_prefork(args.serve_bolt, args.workers, args.threads, args.api_url, args.pbr)
        return
    # Each of the app's submissions (two runs and their warm-ups) is a seat's first: never a refusal.
    rounds = (2 * args.repeat * (args.requests + 10)) // len(PANEL) + 1
    others = max(0, args.candidates - rounds)
    seats: dict[str, Iterator[int]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        SlackStandIn() as slack,
        scratch_database(args.database_url, Path(tmp), "ack") as url,
    ):
        closing: list[Callable[[], object]] = []
        if args.workers:
            targets, procs, scorecard = prefork_targets(
                Path(tmp), slack, args.workers, args.threads, rounds, url, others
            )
            closing += [p.terminate for p in procs] + [p.wait for p in procs]
            pids = {target: proc.pid for target, proc in zip(targets, procs, strict=True)}
        else:
            ours, scorecard = our_app(Path(tmp), slack, args.threads, rounds, url, others)
            default_server, default_port = serve_wsgi(SlackRequestHandler(bare_bolt(False, slack.url)), args.threads)
            pbr_server, pbr_port = serve_wsgi(SlackRequestHandler(bare_bolt(True, slack.url)), args.threads)
            targets = {"app": ours.port, "bolt default": default_port, "bolt pbr": pbr_port}
            closing += [ours.stop, default_server.close, pbr_server.close]
            pids = {}  # the servers share this process: its time is not theirs to tell apart

        def read(client: SignedSlackClient, _n: int) -> httpx.Response:
            return client.command("U0RECRUIT", "/candidate", "casey")

        def write(client: SignedSlackClient, n: int) -> httpx.Response:
            seat = next(seats.setdefault(client.base_url, itertools.count()))
            if args.writes == "spread":
                round_index, person = seat % rounds, seat // rounds % len(PANEL)
            else:
                round_index, person = seat // len(PANEL) % rounds, seat % len(PANEL)
            view, values = scorecard["views"][round_index]
            return client.view_submission(PANEL[person], view, values)

        runs: dict[str, dict[str, list[dict]]] = {}
        try:
            for name, request in (("read /candidate <name>", read), ("write scorecard", write)):
                for clients in (1, 20):
                    # The targets take turns, so a change in the machine's load falls on all of them.
                    for _ in range(args.repeat):
                        for target, port in targets.items():
                            key = f"{name} @{clients}"
                            runs.setdefault(key, {}).setdefault(target, []).append(
                                load(port, request, clients, args.requests, pids.get(target))
                            )
        finally:
            for close in closing:
                close()
        database = Database(url)
        with database.read() as session:
            stored = session.exec(select(func.count()).select_from(Scorecard)).one()
        database.dispose()
    results = {
        key: {
            target: {m: (sum if m == "errors" else statistics.median)(r[m] for r in rs) for m in rs[0]}
            for target, rs in by.items()
        }
        for key, by in runs.items()
    }
    served = (
        f"gunicorn, {args.workers} workers of {args.threads} threads"
        if args.workers
        else f"waitress, {args.threads} threads, in this process"
    )
    backend = "PostgreSQL" if args.database_url else "SQLite"
    order = "each to the next round" if args.writes == "spread" else "a round's panel at a time"
    print(f"served by {served}, the app on {backend} with {rounds + others:,} candidates; scorecards stored: {stored}")
    print(f"submissions: {order}")
    if args.repeat > 1:
        print(f"each figure the median of {args.repeat} runs; ratios also per run (the targets ran in turn)")
    cpu = "  cpu ms/req: server, bench" if pids else ""
    print(f"{'workload':<28}{'target':<14}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>9}{'errors':>8}{cpu}")
    for key, by_target in results.items():
        for target, r in by_target.items():
            used = f"{r['server_cpu_ms']:>12.2f}{r['client_cpu_ms']:>8.2f}" if "server_cpu_ms" in r else ""
            print(f"{key:<28}{target:<14}{r['p50_ms']:>8.2f}{r['p95_ms']:>8.2f}{r['rps']:>9.0f}{r['errors']:>8}{used}")
    print()
    for name in ("read /candidate <name>", "write scorecard"):
        one, twenty = results[f"{name} @1"], results[f"{name} @20"]
        p50_ratio = one["app"]["p50_ms"] / one["bolt pbr"]["p50_ms"]
        print(f"{name}: p50 at 1 client = {p50_ratio:.2f}x bare Bolt (process_before_response){spread(runs, name)}")
        print(
            f"{name}: throughput at 20 clients = {twenty['app']['rps'] / twenty['bolt pbr']['rps']:.2f}x bare Bolt "
            f"(process_before_response), {twenty['app']['rps'] / twenty['bolt default']['rps']:.2f}x its default "
            f"runner; app p95 {twenty['app']['p95_ms']:.0f} ms"
        )
    print(
        json.dumps({k: {t: {m: round(v, 2) for m, v in r.items()} for t, r in by.items()} for k, by in results.items()})
    )


if __name__ == "__main__":
    main()
