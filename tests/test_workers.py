"""`interview-bot serve --workers 2 --threads 3`: two gunicorn workers on one SQLite file answer signed requests
and both send scheduled messages, each exactly once."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, update

from bot.devtools.slack_requests import SignedSlackClient
from bot.devtools.slack_standin import SlackStandIn
from bot.wiring.db import Database
from models.tables import OutboxMessage
from tests.conftest import BOT_TOKEN, MEMBER, SIGNING_SECRET
from tests.test_cli import BIN, free_port
from tests.test_reliability import FAR, deliveries, dispatch_env, seed_messages

TICKING = re.compile(r"\[(\d+)\] interview_bot: worker \d+: dispatcher ticking(.*)")
HELD = FAR - timedelta(days=1)


def test_two_workers_share_one_sqlite_file_answer_and_send_each_message_once(
    tmp_path: Path, db: Database, slack: SlackStandIn
) -> None:
    if not db.is_sqlite:
        pytest.skip("several processes on PostgreSQL are what several instances already do")
    # Two messages to each of 100 people, held until both workers tick: a claim takes one row per
    # person and 50 at most, so both workers' dispatchers take part.
    ids = seed_messages(db, slack, 200, users=100)
    with db.transaction() as session:
        session.exec(update(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).values(due_at=HELD))
    port = free_port()
    env = dispatch_env(db, slack, tmp_path) | {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN}
    proc = subprocess.Popen(
        [str(BIN), "serve", "--workers", "2", "--threads", "3", "--port", str(port), "--host", "127.0.0.1"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while len([line for line in list(lines) if TICKING.search(line)]) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.1)

        def ask(_n: int) -> tuple[int, str]:
            client = SignedSlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET)
            try:
                response = client.command(MEMBER, "/hiring", "help")
                return response.status_code, response.text
            finally:
                client.close()

        # Eight clients at once, more than the workers' six threads: the rest wait their turn, none is refused.
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(16)))
        assert all(status == 200 and "/hiring kits" in text for status, text in answers)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        with db.transaction() as session:
            session.exec(update(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).values(due_at=datetime.now(UTC)))
        slack.wait_for(lambda: len(deliveries(slack)) >= len(ids), timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=5)
    output = "".join(lines)
    assert proc.returncode == 0, output
    assert f"interview-bot listening on http://127.0.0.1:{port} (2 workers of 3 threads)" in output
    delivered = deliveries(slack)
    assert sorted(delivered) == sorted(ids) and set(delivered.values()) == {1}
    # Each worker ticked its own dispatcher and sent some; the sweep and pruning ran in one only.
    ticking = TICKING.findall(output)
    assert len({pid for pid, _ in ticking}) == 2
    assert [jobs for _, jobs in ticking].count(", with the sweep and pruning") == 1
    senders = set(re.findall(r"\[(\d+)\] interview_bot.dispatcher: dispatch: sent [1-9]", output))
    assert senders == {pid for pid, _ in ticking}, output
