"""The installed `interview-bot` command, run as a user would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.devtools.slack_requests import SignedSlackClient
from bot.devtools.slack_standin import SlackStandIn
from bot.wiring.db import Database
from tests.conftest import BOT_TOKEN, HIRING_MANAGER, MEMBER, SIGNING_SECRET

BIN = Path(sys.executable).parent / "interview-bot"


def run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def base_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=database_url, HOME=str(tmp_path), **extra)
    env.pop("KITS_DIR", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_without_token_stops_with_one_clear_line(tmp_path: Path, db: Database) -> None:
    result = run("serve", env=base_env(tmp_path, db.url), timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: SLACK_BOT_TOKEN is not set: it must be a bot token starting with xoxb-; "
        "see 'Create the Slack app' in README.md"
    )


@pytest.mark.parametrize(("flag", "value", "what"), [("--workers", "0", "workers"), ("--threads", "65", "threads")])
def test_serve_refuses_a_count_out_of_range_naming_it(
    tmp_path: Path, db: Database, flag: str, value: str, what: str
) -> None:
    result = run("serve", flag, value, env=base_env(tmp_path, db.url), timeout=30)
    assert result.returncode == 2
    assert f"argument {flag}: '{value}' is not a number of {what} from 1 to 64" in result.stderr


def test_serve_answers_signed_commands_and_stops_on_sigterm(tmp_path: Path, db: Database, slack: SlackStandIn) -> None:
    port = free_port()
    env = base_env(
        tmp_path,
        db.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
    )
    proc = subprocess.Popen(
        # One process, on waitress (tests/test_workers.py runs gunicorn's workers).
        [str(BIN), "serve", "--workers", "1", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "serve did not become healthy"
            time.sleep(0.2)
        client = SignedSlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        response = client.command(MEMBER, "/hiring", "help")
        assert response.status_code == 200 and "/hiring kits" in response.text
        assert client.command(MEMBER, "/hiring", "help", signature="v0=bad").status_code == 401
        assert "interview_bot_slack_requests_total" in httpx.get(f"http://127.0.0.1:{port}/metrics").text
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output
    # No --threads: four on SQLite (its one writer at a time), eight on PostgreSQL.
    threads = 4 if db.is_sqlite else 8
    assert f"interview-bot listening on http://127.0.0.1:{port} (one process of {threads} threads)" in output


def test_db_upgrade_and_role_commands(tmp_path: Path) -> None:
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}")
    upgraded = run("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database is up to date (sqlite:///")
    assert "no roles yet" in run("role", "list", env=env).stdout
    added = run(
        "role", "add", "--title", "Platform Engineer", "--kit", "senior-backend-scalability",
        "--channel", "C0PLATFORM", "--hiring-manager", HIRING_MANAGER, env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listing = run("role", "list", env=env).stdout.splitlines()
    assert listing[0].split() == [
        "ID",
        "TITLE",
        "KIT",
        "LEVEL",
        "CHANNEL",
        "HIRING",
        "MANAGERS",
        "RECRUITERS",
        "CANDIDATES",
    ]
    assert listing[1].split() == [
        "1",
        "Platform",
        "Engineer",
        "senior-backend-scalability",
        "senior",
        "C0PLATFORM",
        HIRING_MANAGER,
        "-",
        "0",
    ]
    refused = run(
        "role", "add", "--title", "X", "--kit", "nope", "--channel", "C0X1", "--hiring-manager", "U0X1", env=env
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: Unknown kit 'nope'. Available kits:")
    assert "Traceback" not in refused.stderr


def test_kits_validate_shipped(tmp_path: Path) -> None:
    result = run("kits", "validate", env=base_env(tmp_path, "sqlite://"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("5 valid, 0 with problems (0 problems)")


@pytest.mark.parametrize("kit", ["backend-mid", "senior-backend-application"])
def test_demo_plays_a_whole_hiring_loop(tmp_path: Path, kit: str) -> None:
    traffic = tmp_path / "traffic.json"
    started = time.monotonic()
    result = run("demo", "--kit", kit, "--json", str(traffic), env=base_env(tmp_path, "sqlite:///unused.db"))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30
    out = result.stdout
    assert "to hired" in out and "0 Block Kit problems" in out
    assert "Debrief: Casey Candidate" in out and "is past the" in out  # a late interviewer is escalated
    assert "Rita schedules" in result.stderr  # progress
    candidate = out[out.index("Direct messages from interview-bot to Casey") : out.index("App Home of Rita")]
    assert "is scheduled" in candidate and "Listen for" not in candidate and "Debrief" not in candidate
    calls = json.loads(traffic.read_text())
    assert {c["method"] for c in calls} >= {"chat.postMessage", "chat.update", "views.open", "views.publish"}
    assert not (tmp_path / "unused.db").exists()  # the demo keeps its database to itself


def test_demo_refuses_an_unknown_kit(tmp_path: Path) -> None:
    result = run("demo", "--kit", "nope", env=base_env(tmp_path, "sqlite:///unused.db"))
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1].startswith("error: Unknown kit 'nope'. Shipped kits: backend-developer")
    )
