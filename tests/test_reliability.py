"""Nothing lost, nothing twice: replays, double submissions, Slack faults,
several dispatchers on one database, and dispatchers killed while they send."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select, update

import bot.delivery.dispatcher as dispatcher_module
from bot.calendars.secrets import Vault
from bot.delivery.posting import METADATA_TYPE
from bot.devtools.radicale import Radicale
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.message_kinds import Kind, outbox_row
from bot.rules.roles import add_role
from bot.rules.scheduling import schedule_round
from bot.slack.client import dispatcher_client
from bot.wiring.db import Database
from bot.wiring.settings import SHIPPED_KITS
from models.tables import CalendarConnection, Candidate, Interview, OutboxMessage, ProcessedEvent, Role
from tests.conftest import (
    BOT_TOKEN,
    CANDIDATE,
    HIRING_CHANNEL,
    HIRING_MANAGER,
    INTERVIEWER_1,
    MEMBER,
    RECRUITER,
    RunningApp,
    make_settings,
    services_for,
    shipped_kits,
)
from tests.flows import (
    add_candidate,
    card_button,
    make_role,
    new_candidate_values,
    open_new_candidate,
    reload,
    unpaced_dispatcher,
)

BIN = Path(sys.executable).parent / "interview-bot"
FAR = datetime(2030, 1, 1, tzinfo=UTC)
# Dispatchers killed mid-send (each run also has to start a process and wait out its leases).
KILLS = 6
# Messages three dispatchers share out (enough that each takes part many times over).
MANY = 600
CALENDAR_KEY = "reliability-calendar-key"


def test_event_retries_take_effect_once(app: RunningApp) -> None:
    event = {"type": "app_home_opened", "user": MEMBER, "tab": "home"}
    for retry in (None, 1, 2):
        response = app.client.event(event, event_id="Ev0HOME1", retry_num=retry)
        assert response.status_code == 200
    app.slack.wait_for("views.publish")
    app.wait_idle()
    assert len(app.slack.calls_to("views.publish")) == 1
    app.client.event(event, event_id="Ev0HOME2")
    app.slack.wait_for(lambda: len(app.slack.calls_to("views.publish")) == 2)


def test_a_failed_first_try_runs_again_on_retry(app: RunningApp) -> None:
    calls: list[int] = []

    def flaky(ack: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first delivery fails")
        ack()  # type: ignore[operator]

    app.server.app.bolt.event("member_joined_channel")(flaky)
    event = {"type": "member_joined_channel", "user": MEMBER, "channel": HIRING_CHANNEL}
    assert app.client.event(event, event_id="Ev0FLAKY").status_code == 500
    assert app.client.event(event, event_id="Ev0FLAKY", retry_num=1).status_code == 200
    assert app.client.event(event, event_id="Ev0FLAKY", retry_num=2).status_code == 200
    assert len(calls) == 2
    with app.services.db.read() as session:
        assert session.get(ProcessedEvent, "event:Ev0FLAKY") is not None


def test_double_submitted_modal_and_replayed_click_change_state_once(app: RunningApp) -> None:
    make_role(app)
    view = open_new_candidate(app)
    values = new_candidate_values(email="twice@example.org")
    responses: list[int] = []

    def submit(retry: int | None) -> None:
        headers = {"X-Slack-Retry-Num": str(retry)} if retry else None
        responses.append(app.client.view_submission(RECRUITER, view, values, headers=headers).status_code)

    threads = [threading.Thread(target=submit, args=(r,)) for r in (None, None, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert responses == [200, 200, 200]
    with app.services.db.read() as session:
        assert session.exec(select(func.count()).select_from(Candidate)).one() == 1
    candidate = add_candidate(app, email="click@example.org")
    button = card_button(app, candidate, "candidate_advance")
    for retry in (None, 1):
        headers = {"X-Slack-Retry-Num": str(retry)} if retry else None
        app.client.block_action(
            RECRUITER, "candidate_advance", button["value"], channel_id=HIRING_CHANNEL,
            message_ts=candidate.thread_ts, headers=headers,
        )  # fmt: skip
    app.slack.wait_for(lambda: bool(app.slack.ephemerals(RECRUITER)))
    assert reload(app, candidate).stage_key == "hiring-manager-technical"


def seed_messages(db: Database, slack: SlackStandIn, count: int, users: int = 50) -> list[int]:
    """A round and `count` due messages to `users` people, written as the app would."""
    kits = shipped_kits()
    now = datetime.now(UTC)
    people = [f"U0LOAD{i:04d}" for i in range(users)]
    for person in people:
        slack.add_user(person, person.lower())
    with db.transaction() as session:
        role = add_role(
            session, kits, title="Load", kit_key="backend-mid", channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER],
        )  # fmt: skip
        form = CandidateForm.parse({"name": "Lou Load", "email": "lou@example.org", "role_id": role.id})
        candidate = create_candidate(session, kits, form, RECRUITER, now)
        candidate.slack_user_id = CANDIDATE
        ctx = schedule_round(
            session, kits, candidate_id=candidate.id or 0, stage_key="hiring-manager-technical",
            interviewer_ids=[INTERVIEWER_1], starts_at=now + timedelta(days=30), duration_minutes=60,
            location=None, actor=RECRUITER, now=now,
        )  # fmt: skip
        # Only the load messages are due: the round's own are pushed out of the way.
        for row in session.exec(select(OutboxMessage)):
            row.due_at = FAR
            session.add(row)
        for i in range(count):
            # An urgent kind: sent whatever the hour, so processes on the wall clock send them at once.
            session.add(
                outbox_row(Kind.line_notice, people[i % users], candidate.id, ctx.interview.id, now, now, f"load{i}")
            )
    with db.read() as session:
        return list(session.exec(select(OutboxMessage.id).where(OutboxMessage.due_at < FAR)))


def seed_calendar_rounds(db: Database, radicale: Radicale, rounds: int, people: int = 5) -> dict[str, str]:
    """`rounds` more rounds whose interviewers have connected CalDAV calendars: one calendar row each
    is due. Returns each person's calendar URL."""
    kits = shipped_kits()
    now = datetime.now(UTC)
    urls = {f"U0CAL{i:04d}": "" for i in range(people)}
    with db.transaction() as session:
        for person in urls:
            urls[person] = radicale.make_calendar(person.lower())
            session.add(
                CalendarConnection(
                    user_id=person, provider="caldav", url=urls[person], username=person.lower(),
                    secret=Vault(CALENDAR_KEY).encrypt("app-password"), connected_at=now,
                )
            )  # fmt: skip
        session.flush()
        role = session.exec(select(Role)).first()
        assert role is not None
        for n in range(rounds):
            form = CandidateForm.parse({"name": f"Cal {n}", "email": f"cal{n}@example.org", "role_id": role.id})
            candidate = create_candidate(session, kits, form, RECRUITER, now)
            schedule_round(
                session, kits, candidate_id=candidate.id or 0, stage_key="hiring-manager-technical",
                interviewer_ids=[list(urls)[n % people]], starts_at=now + timedelta(days=30, hours=n),
                duration_minutes=60, location=None, actor=RECRUITER, now=now,
            )  # fmt: skip
        # Of these rounds, only their calendar rows are due.
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.kind) != Kind.calendar_event, col(OutboxMessage.created_at) == now)
            .values(due_at=FAR)
        )
    return urls


def deliveries(slack: SlackStandIn) -> Counter[int]:
    """How many times Slack accepted each outbox message."""
    seen: Counter[int] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        metadata = call.args.get("metadata") or {}
        if call.error is None and metadata.get("event_type") == METADATA_TYPE:
            seen[metadata["event_payload"]["outbox_id"]] += 1
    return seen


def dispatch_env(db: Database, slack: SlackStandIn, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=db.url,
        SLACK_API_URL=slack.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        KITS_DIR=str(SHIPPED_KITS),
        DISPATCH_LEASE_SECONDS="2",
        HOME=str(tmp_path),
    )
    return env


def test_slack_faults_lose_nothing_and_retry_after_is_honoured(
    db: Database, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_messages(db, slack, 120)
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    services = services_for(make_settings(db.url, slack))
    dispatcher = unpaced_dispatcher(services, dispatcher_client(services.settings))
    slack.failure_rate("chat.postMessage", 0.15, seed=7)
    passes = 0
    while passes < 200:
        passes += 1
        if passes in (2, 5):
            slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1, times=2)
        dispatcher.run_once(FAR - timedelta(days=1))
        with db.read() as session:
            left = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state == "pending", OutboxMessage.due_at < FAR)
            ).one()
        if not left:
            break
        time.sleep(0.05)
    slack.failure_rate("chat.postMessage", 0)
    delivered = deliveries(slack)
    assert sorted(delivered) == sorted(ids) and set(delivered.values()) == {1}
    with db.read() as session:
        states = Counter(session.exec(select(OutboxMessage.state).where(OutboxMessage.due_at < FAR)))
    assert states == Counter({"sent": len(ids)})
    # After every 429 nothing was sent until Retry-After had passed.
    calls = slack.calls_to("chat.postMessage")
    for index, call in enumerate(calls):
        if call.error == "ratelimited":
            later = [c for c in calls[index + 1 :] if c.error != "ratelimited"]
            assert not later or later[0].time - call.time >= 0.95


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="several instances need PostgreSQL")
def test_three_dispatchers_on_one_postgresql_deliver_each_message_once(
    db: Database, slack: SlackStandIn, tmp_path: Path
) -> None:
    if db.is_sqlite:
        pytest.skip("this test is about PostgreSQL")
    ids = seed_messages(db, slack, MANY)
    env = dispatch_env(db, slack, tmp_path)
    procs = [
        subprocess.Popen([str(BIN), "dispatch", "--until", (FAR - timedelta(days=1)).isoformat()], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    sent = [int(out.split()[1].rstrip(",")) for out, _ in outputs]
    # All three took part. Their counts may add up to more than MANY: a row whose lease ran out
    # while its post was on the way is found in Slack by the next claimer, which counts it too.
    assert sum(sent) >= MANY and all(n > 0 for n in sent), sent
    delivered = deliveries(slack)
    assert len(delivered) == len(ids) and set(delivered.values()) == {1}


@pytest.mark.slow
def test_killed_dispatchers_lose_nothing_and_send_nothing_twice(
    db: Database, slack: SlackStandIn, tmp_path: Path, radicale: Radicale
) -> None:
    if db.is_sqlite:
        # Several dispatcher processes over one database, killed at random: PostgreSQL, as in
        # production with several instances (SQLite serves one embedded process; its leases are the
        # same code, driven by the other dispatcher tests). Once keeps the suite under 5 minutes.
        pytest.skip("this test is about several processes on PostgreSQL")
    ids = seed_messages(db, slack, 400)
    calendars = seed_calendar_rounds(db, radicale, 20)
    env = dispatch_env(db, slack, tmp_path)
    env["SECRET_KEY"] = CALENDAR_KEY
    until = (FAR - timedelta(days=1)).isoformat()
    rng = random.Random(20261123)
    kills = 0
    # Messages Slack accepted from a dispatcher killed before it recorded them: sending them
    # again is what would send twice.
    posted_unrecorded: set[int] = set()
    # Kills are timed at random: under a loaded machine the first KILLS may all land between
    # sends, so it goes on killing (up to three times as many) until one lands between a post and
    # its record.
    while kills < KILLS or (not posted_unrecorded and kills < 3 * KILLS):
        proc = subprocess.Popen([str(BIN), "dispatch", "--until", until], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        # Kill once it is sending, at a random point.
        before = len(slack.calls_to("chat.postMessage"))
        deadline = time.monotonic() + 20
        while len(slack.calls_to("chat.postMessage")) == before and proc.poll() is None:
            assert time.monotonic() < deadline, "the dispatcher never started sending"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        posted_unrecorded |= claimed(db) & set(deliveries(slack))
        if len(deliveries(slack)) == len(ids):
            break
        wait_out_claims(db)  # the dead process's leases (and its channels' holds) run out
    # Killed while sending, not only between sends.
    assert posted_unrecorded, f"none of {kills} kills came between a post and its record"
    final = subprocess.run(
        [str(BIN), "dispatch", "--until", until], env=env, capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr
    delivered = deliveries(slack)
    assert sorted(delivered) == sorted(ids)
    assert [i for i, n in delivered.items() if n > 1] == []
    with db.read() as session:
        assert set(session.exec(select(OutboxMessage.state).where(OutboxMessage.due_at < FAR))) == {"sent"}
    # The calendars too: every round's event there, once (each person has 4 of the 20).
    for person, url in calendars.items():
        uids = [str(e.icalendar_component["uid"]) for e in radicale.calendar(url, person.lower()).events()]
        assert len(uids) == len(set(uids)) == 4, person


def claimed(db: Database) -> set[int]:
    """Pending messages that some dispatcher claimed (each claim counts an attempt) and did not record."""
    with db.read() as session:
        rows = session.exec(
            select(OutboxMessage.id).where(OutboxMessage.state == "pending", OutboxMessage.attempts > 0)
        )
        return {row for row in rows if row is not None}


def wait_out_claims(db: Database) -> None:
    """Sleep until no pending message is claimed or held: every lease and channel hold has run out."""
    with db.read() as session:
        last = session.exec(select(func.max(OutboxMessage.claimed_until)).where(OutboxMessage.state == "pending")).one()
    if last is not None:
        time.sleep(max(0.0, (last - datetime.now(UTC)).total_seconds()) + 0.05)


def test_migrations_upgrade_a_populated_first_revision(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from bot.wiring.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    revisions = [r.revision for r in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()]
    first = revisions[-1]
    database.upgrade(first)
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO role (id, title, kit_key, level, channel_id, hiring_manager_ids, recruiter_ids, active, "
                "created_at) VALUES (1, 'Old role', 'backend-mid', 'mid', 'C0OLD', '[\"U0HM\"]', '[]', 1, "
                "'2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO candidate (id, role_id, name, name_key, email, stage_key, status, stage_entered_at, "
                "created_at) VALUES (1, 1, 'Old Olga', 'old olga', 'olga@example.org', 'resume-screen', 'active', "
                "'2026-01-02 00:00:00', '2026-01-02 00:00:00')"
            )
        )
    database.upgrade("head")
    with database.read() as session:
        candidate = session.get(Candidate, 1)
        assert candidate is not None and candidate.name == "Old Olga"
        assert candidate.stage_entered_at == datetime(2026, 1, 2, tzinfo=UTC)
        assert session.exec(select(func.count()).select_from(Interview)).one() == 0
