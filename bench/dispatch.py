"""Dispatcher throughput under Slack's posting limits, in real wall-clock time.

10,000 due outbox messages to 2,000 users (5 each, every user's messages one after another in due
order: the worst case for a dispatcher that does not pace), sent by the dispatcher in a child
process (`Dispatcher.run_until_idle`, what the `serve` tick runs)
against the Slack stand-in in this process. Each message belongs to a real scheduled round (one
round per two users, who are its panel) and renders from it: briefings, scorecard requests and
reminders, escalations and reschedule notices.

Runs, each on a fresh database with the same messages:
- limited: the stand-in enforces one message per second per channel (a DM is a channel) and a
  workspace token bucket (`--workspace-rate` per second, `--workspace-burst` at once, default one
  second's worth), both answered with HTTP 429, `ratelimited` and `Retry-After` in whole seconds;
- unlimited: the same stand-in with no limits, the dispatcher's own ceiling on this machine.

"What the limits allow" is computed for these messages: with the bucket full at the start, the
last message cannot go out before max((most to one channel - 1) / per-channel rate,
(messages - burst) / workspace rate) seconds. That is a lower bound on the time (so an upper bound
on the rate): the percentages below are conservative. Rates run from the child's call of
`run_until_idle` to Slack's acceptance of the last message. Duplicates are counted from the messages
the stand-in holds, by the outbox id in their metadata. CPU is the child's `time.process_time()`
around `run_until_idle` (all its threads; with SQLite that includes every query, with PostgreSQL not
the server's share).

    .venv/bin/python bench/dispatch.py [--messages 10000] [--users 2000] [--per-channel-rate 1]
        [--workspace-rate 100] [--workspace-burst 100] [--database-url URL] [--dispatchers 1]
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scratch import scratch_database
from sqlmodel import func, select, update

from bot.delivery.posting import METADATA_TYPE
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.message_kinds import Kind, outbox_row
from bot.rules.roles import add_role
from bot.rules.scheduling import schedule_round
from bot.wiring.db import Database
from bot.wiring.services import Services
from bot.wiring.settings import SHIPPED_KITS, Settings
from models.tables import OutboxMessage, PersonRecord

TOKEN = "xoxb-bench-dispatch"
CHANNEL = "C0BENCH"
RECRUITER = "U0RECRUIT"
FAR = datetime(2035, 1, 1, tzinfo=UTC)
# What a panelist of a scheduled round can be sent; a user's n-th message is the n-th kind (then again, tagged).
KINDS = (Kind.briefing, Kind.scorecard_request, Kind.scorecard_reminder, Kind.escalation, Kind.rescheduled)


@dataclass(frozen=True)
class Limits:
    per_channel: float | None
    workspace_rate: float | None
    workspace_burst: float


def users_of(count: int) -> list[str]:
    return [f"U0B{i:06d}" for i in range(count)]


def seed(url: str, messages: int, users: list[str]) -> dict[str, int]:
    """One round per two users (their panel) and `messages` due now, each user's in a row."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,
        database_url=url,
        kits_dir=SHIPPED_KITS,
        recruiters=RECRUITER,
    )
    services = Services.from_settings(settings)
    services.db.upgrade()
    now = datetime.now(UTC)
    panels = [users[i : i + 2] for i in range(0, len(users), 2)]
    round_of: dict[str, int] = {}
    candidate_of: dict[str, int] = {}
    with services.db.transaction() as session:
        role = add_role(
            session, services.kits, title="Bench", kit_key="backend-mid", channel_id=CHANNEL,
            hiring_manager_ids=[RECRUITER], recruiter_ids=[RECRUITER],
        )  # fmt: skip
        for n, panel in enumerate(panels):
            form = CandidateForm.parse({"name": f"Bench {n}", "email": f"bench{n}@example.org", "role_id": role.id})
            candidate = create_candidate(session, services.kits, form, RECRUITER, now)
            ctx = schedule_round(
                session, services.kits, candidate_id=candidate.id or 0, stage_key="hiring-manager-technical",
                interviewer_ids=panel, starts_at=now + timedelta(days=30), duration_minutes=60, location=None,
                actor=RECRUITER, now=now,
            )  # fmt: skip
            for user in panel:
                round_of[user] = ctx.interview.id or 0
                candidate_of[user] = candidate.id or 0
        # Only the bench's messages are due: the rounds' own are moved out of the way.
        session.exec(update(OutboxMessage).values(due_at=FAR))
        # Everyone works around the clock, so no message waits for working hours whatever the hour
        # the bench runs at (the window check itself still runs for every claim).
        for user in users:
            session.add(PersonRecord(user_id=user, tz="UTC", hours="mon-sun 00:00-24:00", updated_at=now))
        per_user = Counter(users[i * len(users) // messages] for i in range(messages))
        for user in users:
            for n in range(per_user[user]):
                kind = KINDS[n % len(KINDS)]
                session.add(outbox_row(kind, user, candidate_of[user], round_of[user], now, now, f"bench{n}"))
    services.db.dispose()
    return dict(per_user)


def allowed_seconds(per_user: dict[str, int], limits: Limits) -> float:
    """The earliest the last message can be accepted under `limits`, from a start with a full bucket."""
    total = sum(per_user.values())
    bounds = [0.0]
    if limits.per_channel:
        bounds.append((max(per_user.values()) - 1) / limits.per_channel)
    if limits.workspace_rate:
        bounds.append(max(0.0, total - limits.workspace_burst) / limits.workspace_rate)
    return max(bounds)


def child_command() -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child"]


def run(name: str, args: argparse.Namespace, tmp: Path, limits: Limits | None, dispatchers: int = 1) -> dict[str, Any]:
    users = users_of(args.users)
    with scratch_database(args.database_url, tmp, name) as url:
        started_seed = time.perf_counter()
        per_user = seed(url, args.messages, users)
        seeded = time.perf_counter() - started_seed
        with SlackStandIn() as slack:
            slack.add_channel(CHANNEL, "bench")
            for user in [*users, RECRUITER]:
                slack.add_user(user, user.lower())
            if limits is not None:
                slack.rate_limits(
                    per_channel=limits.per_channel,
                    workspace_rate=limits.workspace_rate,
                    workspace_burst=limits.workspace_burst,
                )
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "DISPATCH_"))}
            env.update(
                DATABASE_URL=url, SLACK_API_URL=slack.url, SLACK_BOT_TOKEN=TOKEN, KITS_DIR=str(SHIPPED_KITS),
                PYTHONPATH=str(Path(__file__).resolve().parent.parent),
            )  # fmt: skip
            children = [
                subprocess.Popen(child_command(), env=env, stdout=subprocess.PIPE, text=True)
                for _ in range(dispatchers)
            ]
            reports = [json.loads(child.communicate(timeout=3600)[0]) for child in children]
            assert all(child.returncode == 0 for child in children), reports
            posts = slack.calls_to("chat.postMessage")
            held = Counter(
                message["metadata"]["event_payload"]["outbox_id"]
                for user in users
                for message in slack.dm_messages(user)
                if (message.get("metadata") or {}).get("event_type") == METADATA_TYPE
            )
            slack.assert_no_violations()
        database = Database(url)
        with database.read() as session:
            states = Counter(
                session.exec(select(OutboxMessage.state).where(OutboxMessage.due_at < FAR))  # type: ignore[arg-type]
            )
            expected = session.exec(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.due_at < FAR)
            ).one()
        database.dispose()
    accepted = sorted(c.time for c in posts if c.error is None)
    refused = [c for c in posts if c.error == "ratelimited"]
    start = min(r["started"] for r in reports)
    elapsed = accepted[-1] - start
    cpu = sum(r["cpu"] for r in reports)
    delivered = len(held)
    result: dict[str, Any] = {
        "run": name,
        "dispatchers": dispatchers,
        "messages": expected,
        "delivered": delivered,
        "duplicates": sum(n - 1 for n in held.values()),
        "states": dict(states),
        "seconds": elapsed,
        "rate": delivered / elapsed,
        "cpu_ms_per_message": cpu / max(1, delivered) * 1000,
        "cpu_share": cpu / max(r["wall"] for r in reports),
        "posts": len(posts),
        "429s": len(refused),
        "channel_429s": channel_429s(refused, posts),
        "seed_seconds": seeded,
        "passes": [r["result"] for r in reports],
    }
    if limits is not None:
        ideal = allowed_seconds(per_user, limits)
        result.update(allowed_seconds=ideal, allowed_rate=expected / ideal if ideal else math.inf)
    return result


def channel_429s(refused: list[Any], posts: list[Any]) -> int:
    """How many 429s were the per-channel rule: an accepted post to the same channel in the second before."""
    accepted: dict[str, list[float]] = {}
    for call in posts:
        if call.error is None:
            accepted.setdefault(call.args.get("channel"), []).append(call.time)
    count = 0
    for call in refused:
        times = accepted.get(call.args.get("channel"), [])
        index = bisect.bisect_right(times, call.time)
        count += bool(index and call.time - times[index - 1] < 1.0)
    return count


def child() -> None:
    """One dispatcher process: run_once over everything due, then report timing and CPU as JSON."""
    from bot.delivery.dispatcher import Dispatcher
    from bot.slack.client import dispatcher_client

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = Services.from_settings(settings)
    dispatcher = Dispatcher(services, dispatcher_client(settings))
    started, cpu, wall = time.time(), time.process_time(), time.perf_counter()
    result = dispatcher.run_until_idle(FAR - timedelta(days=1))
    report = {
        "started": started,
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "result": str(result),
    }
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="due messages (default 10,000)")
    parser.add_argument("--users", type=int, default=2_000, help="users they go to, one DM each (default 2,000)")
    parser.add_argument(
        "--per-channel-rate", type=float, default=1.0, help="messages per second per channel (Slack: 1)"
    )
    parser.add_argument("--workspace-rate", type=float, default=100.0, help="workspace bucket refill per second")
    parser.add_argument("--workspace-burst", type=float, default=None, help="workspace bucket size (default: 1 s)")
    parser.add_argument("--database-url", help="PostgreSQL server to create scratch databases on (default SQLite)")
    parser.add_argument("--dispatchers", type=int, default=1, help="dispatcher processes in the limited run")
    parser.add_argument("--skip-unlimited", action="store_true", help="only the limited run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    if args.users % 2 or args.messages < args.users:
        parser.error("--users must be even and at most --messages")
    burst = args.workspace_burst if args.workspace_burst is not None else args.workspace_rate
    limits = Limits(args.per_channel_rate, args.workspace_rate, burst)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run("limited", args, Path(tmp), limits, args.dispatchers))
        if not args.skip_unlimited:
            results.append(run("unlimited", args, Path(tmp), None))
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{args.messages} messages to {args.users} users on {backend}; limits: {limits.per_channel}/s per channel, "
        f"workspace bucket {limits.workspace_rate}/s, burst {limits.workspace_burst:g}"
    )
    header = f"{'run':<11}{'procs':>6}{'seconds':>9}{'msg/s':>8}{'CPU ms/msg':>11}{'posts':>7}{'429s':>6}"
    print(header + f"{'ch 429s':>8}{'dups':>6}{'lost':>6}")
    for r in results:
        print(
            f"{r['run']:<11}{r['dispatchers']:>6}{r['seconds']:>9.1f}{r['rate']:>8.1f}"
            f"{r['cpu_ms_per_message']:>11.2f}{r['posts']:>7}{r['429s']:>6}{r['channel_429s']:>8}"
            f"{r['duplicates']:>6}{r['messages'] - r['delivered']:>6}"
        )
    limited = results[0]
    print(
        f"\nthe limits allow {limited['allowed_rate']:.1f} msg/s ({limited['allowed_seconds']:.1f} s); delivered "
        f"{limited['rate']:.1f} msg/s = {limited['rate'] / limited['allowed_rate']:.1%} of that  [target >= 95%]"
    )
    print(f"duplicates: {limited['duplicates']}  [target 0]")
    if len(results) > 1:
        unlimited = results[1]
        print(
            f"unlimited stand-in: {unlimited['rate']:.1f} msg/s; limited / unlimited = "
            f"{limited['rate'] / unlimited['rate']:.2f}x; limits' ceiling / unlimited = "
            f"{limited['allowed_rate'] / unlimited['rate']:.2f}x"
        )
    if args.json:
        print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
