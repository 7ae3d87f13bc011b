"""The outbox dispatcher (SPEC 4, 8): claims due rows with a lease, sends them, records the result.

Several processes may run it against one PostgreSQL database: a row is claimed by exactly one
of them (`FOR UPDATE SKIP LOCKED`, or SQLite's single writer) and the claim expires if the
process dies, so another one picks it up. Each message carries its outbox id in Slack message
metadata.

Pacing: chat.postMessage allows about one message per second per channel (a DM is a channel), and
its 429s are per method per workspace. So a claim takes at most one row per channel and none for a
channel that has a row in flight, backing off or held; once a message is out, the other pending
rows of its channel are held for CHANNEL_INTERVAL in the database, so other instances wait too.
Posts go out one at a time from a poster thread while this loop claims, renders and records: a 429
pauses every post until Retry-After, and nothing queued behind it is sent before then.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy import bindparam, func, or_, text
from sqlmodel import col, select, update

from blocks.common import to_dicts
from blocks.messages import (
    briefing_message,
    cancelled_message,
    dead_letter_message,
    debrief_blocks,
    escalation_message,
    line_dead_letter_message,
    prep_message,
    promise_message,
    rescheduled_message,
    scorecard_request,
    take_home_message,
    take_home_missing_message,
)
from bot.delivery.line_files import follow_relay
from bot.rules.assignments import received_at
from bot.rules.errors import UserError
from bot.rules.line import render_line
from bot.rules.message_kinds import LINE_KINDS, Kind
from bot.rules.message_plan import promise_hours
from bot.rules.promises import decided_since
from bot.rules.rounds import RoundContext, load_round
from bot.rules.scorecards import Debrief, debrief_for, submitted_by
from bot.wiring.services import Services
from models.tables import Candidate, Interview, InterviewStatus, OutboxMessage, OutboxState, Role, Scorecard

log = logging.getLogger("interview_bot.dispatcher")

MAX_ATTEMPTS = 5
BASE_BACKOFF = timedelta(seconds=5)
# Slack: "one message per second per channel"; sends to one channel are spaced at least this far.
CHANNEL_INTERVAL = timedelta(seconds=1)
METADATA_TYPE = "interview_bot_outbox"
THREAD_KINDS = (Kind.escalation_thread, Kind.debrief_thread)
# PostgreSQL advisory lock taken by every claim, so two instances never both find a channel free.
CLAIM_LOCK = 0x0B07_D15C
# A claim reads this many rows per row it may take, to find that many distinct free channels.
SCAN_FACTOR = 4
# Posts are recorded in groups, at least this often (seconds).
RECORD_EVERY = 0.1
# With nothing to claim, look again this often (seconds) while other instances are still sending,
# and give up after this long without any of them sending.
POLL = 0.2
PROGRESS_GRACE = 3.0

Json = dict[str, Any]


@dataclass
class PassResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retried {self.retried}, gave up {self.dead}, skipped {self.skipped}"

    def add(self, other: PassResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.skipped += other.skipped


@dataclass(frozen=True)
class Rendered:
    channel: str
    text: str
    blocks: list[Json]
    thread_ts: str | None = None


@dataclass(frozen=True)
class _Job:
    row: OutboxMessage
    rendered: Rendered
    lease_until: datetime


@dataclass(frozen=True)
class _Outcome:
    job: _Job
    kind: Literal["sent", "failed", "released", "expired"]
    at: datetime
    channel: str | None = None
    ts: str | None = None
    error: Exception | None = None


@dataclass
class _Round:
    """What rendering needs to know about one round, read once per claim."""

    ctx: RoundContext
    done: list[str]
    debrief: Debrief | None = None
    blocks: dict[tuple[str, bool], tuple[str, list[Json]]] = field(default_factory=dict)


def wall_clock() -> datetime:
    # Leases compare across processes, so they use real time even when the clock is simulated.
    return datetime.now(UTC)


class Dispatcher:
    def __init__(
        self,
        services: Services,
        client: WebClient,
        *,
        batch: int = 50,
        channel_interval: timedelta = CHANNEL_INTERVAL,
    ) -> None:
        self.services = services
        self.client = client
        self.batch = batch
        # Zero only where nothing enforces Slack's limits and nobody waits on the wall clock (a demo).
        self.channel_interval = channel_interval
        self.lease = timedelta(seconds=services.settings.dispatch_lease_seconds)
        # Set by a 429: Slack asked us to slow down, so nothing is sent before then.
        self.paused_until: datetime | None = None
        # Channel -> when this process may post to it again; covers rows added after a send,
        # which the hold in the database does not.
        self._recent: dict[str, datetime] = {}
        self._lock = threading.Lock()
        # One post at a time, so a 429 stops the very next one.
        self._post_lock = threading.Lock()
        self._stop = threading.Event()

    def tick(self) -> None:
        """What the scheduler runs; never raises, so it keeps ticking."""
        try:
            result = self.run_until_idle()
            if result.sent or result.dead or result.retried:
                log.info("dispatch: %s", result)
        except Exception:
            log.exception("dispatch pass failed")

    def run_until_idle(self, until: datetime | None = None) -> PassResult:
        """Send everything due up to `until` (default: now, read again at each claim), waiting for
        channels to come free and for each 429's Retry-After (a pause of the whole workspace)."""
        total = PassResult()
        while True:
            total.add(self._pass(until, wait_out_pauses=True))
            with self._lock:
                left = (self.paused_until - wall_clock()).total_seconds() if self.paused_until else 0.0
            if left <= 0 or self._stop.wait(left):
                return total

    def stop(self) -> None:
        """For good, at shutdown: a running pass ends soon, claims nothing more and releases what it queued."""
        self._stop.set()

    def run_once(self, until: datetime | None = None) -> PassResult:
        """One pass: like :meth:`run_until_idle`, but a 429 ends it. A row that fails is tried again next pass."""
        return self._pass(until, wait_out_pauses=False)

    def _pass(self, until: datetime | None, *, wait_out_pauses: bool) -> PassResult:
        result = PassResult()
        next_pass: set[int] = set()  # rows that failed in this pass: tried again in the next one
        todo: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        done: queue.SimpleQueue[_Outcome] = queue.SimpleQueue()
        poster = threading.Thread(
            target=self._post_all, args=(todo, done, wait_out_pauses), name="dispatch-poster", daemon=True
        )
        poster.start()
        in_flight = 0
        wait = False
        unrecorded: list[_Outcome] = []
        oldest = next_claim = 0.0
        progress: list[float] = []
        try:
            while True:
                outcomes = _take(done, block=wait and in_flight > 0)
                in_flight -= len(outcomes)
                if outcomes and not unrecorded:
                    oldest = time.monotonic()
                unrecorded += outcomes
                # One transaction records many posts; until then their rows stay claimed, so busy.
                if unrecorded and (
                    not in_flight or len(unrecorded) >= self.batch // 2 or time.monotonic() - oldest >= RECORD_EVERY
                ):
                    self._record(unrecorded, result, next_pass)
                    unrecorded = []
                wait = True
                if self._stop.is_set() or (self.paused() and not wait_out_pauses):
                    # Claim nothing new: what is queued comes back released, and the pass ends.
                    if in_flight:
                        continue
                    break
                if in_flight > self.batch // 2:
                    continue  # enough queued: keep leases short
                if in_flight and time.monotonic() < next_claim:
                    continue  # the last claim found too few free channels: let some come free first
                wanted = self.batch - in_flight
                rows = self.claim(until or self.services.clock.now(), wanted, next_pass)
                next_claim = time.monotonic() + (RECORD_EVERY if len(rows) < wanted else 0)
                for job in self._prepare(rows, result, next_pass):
                    todo.put(job)
                    in_flight += 1
                if rows:
                    wait = False
                    continue
                if in_flight:
                    continue
                pause = self._next_free(until or self.services.clock.now(), next_pass, progress)
                if pause is None or self._stop.wait(pause):
                    break
        finally:
            todo.put(None)
            poster.join()
            # Whatever the poster finished, even after an error above, is recorded.
            self._record(unrecorded + _take(done, block=False), result, next_pass)
        return result

    def paused(self) -> bool:
        with self._lock:
            return self.paused_until is not None and wall_clock() < self.paused_until

    def _pause(self, seconds: int, since: datetime | None = None) -> datetime:
        """Pause every post until `seconds` after `since` (when Slack answered; default now)."""
        with self._lock:
            until = (since or wall_clock()) + timedelta(seconds=seconds)
            if self.paused_until is None or self.paused_until < until:
                self.paused_until = until
            return self.paused_until

    def release(self, rows: list[OutboxMessage]) -> None:
        """Hand back claimed rows unsent (not an attempt), to be taken again after the pause."""
        with self.services.db.transaction() as session:
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([r.id for r in rows]), col(OutboxMessage.state) == OutboxState.pending)
                .values(claimed_until=self.paused_until, attempts=OutboxMessage.attempts - 1)
            )

    def claim(self, until: datetime, limit: int | None = None, skip: set[int] | None = None) -> list[OutboxMessage]:
        """Lease up to `limit` due rows, at most one per channel, only for channels that are free."""
        limit = limit or self.batch
        db = self.services.db
        wall = wall_clock()
        with self._lock:
            self._recent = {c: t for c, t in self._recent.items() if t > wall}
            recent = list(self._recent)
        with db.transaction() as session:
            if not db.is_sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
            # In flight, backing off, paused or held after a send, here or in another instance.
            busy = select(OutboxMessage.target).where(
                OutboxMessage.state == OutboxState.pending, col(OutboxMessage.claimed_until) > wall
            )
            query = (
                select(OutboxMessage.id, OutboxMessage.target)
                .where(
                    OutboxMessage.state == OutboxState.pending,
                    OutboxMessage.due_at <= until,
                    or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < wall),
                    col(OutboxMessage.target).not_in(busy),
                )
                .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
                .limit(limit * SCAN_FACTOR)
            )
            if recent:
                query = query.where(col(OutboxMessage.target).not_in(recent))
            if skip:
                query = query.where(col(OutboxMessage.id).not_in(skip))
            if not db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            first: dict[str, int | None] = {}
            for row_id, target in session.exec(query):
                first.setdefault(target, row_id)
                if len(first) == limit:
                    break
            ids = list(first.values())
            if not ids:
                return []
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .values(claimed_until=wall + self.lease, attempts=OutboxMessage.attempts + 1)
            )
            rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
            return sorted(rows, key=lambda r: (r.due_at, r.id or 0))

    def _next_free(self, until: datetime, skip: set[int], progress: list[float]) -> float | None:
        """How long to wait before claiming again, or None when this pass is done.

        Waits for due rows held by pacing (here or in another instance), and, while other instances
        are sending (`progress`: due rows left and when that count last changed), for rows behind
        their channels. Rows only behind a retry's backoff are left to a later pass."""
        wall = wall_clock()
        due = [
            col(OutboxMessage.state) == OutboxState.pending,
            col(OutboxMessage.due_at) <= until,
            *([col(OutboxMessage.id).not_in(skip)] if skip else []),
        ]
        with self.services.db.read() as session:
            left = session.exec(select(func.count()).select_from(OutboxMessage).where(*due)).one()
            first = session.exec(
                select(func.min(OutboxMessage.claimed_until)).where(
                    *due,
                    col(OutboxMessage.claimed_until) > wall,
                    col(OutboxMessage.claimed_until) <= wall + max(self.channel_interval, timedelta(seconds=POLL)),
                )
            ).one()
        if not left:
            return None
        if first is not None:
            return max(0.0, (first - wall).total_seconds()) + 0.001
        now = time.monotonic()
        if not progress or progress[0] != left:
            progress[:] = [left, now]
        return POLL if now - progress[1] < PROGRESS_GRACE else None

    def _prepare(self, rows: list[OutboxMessage], result: PassResult, next_pass: set[int]) -> list[_Job]:
        """Render claimed rows; rows that no longer apply are closed here and never queued."""
        lease_until = wall_clock() + self.lease
        rounds = self._load_rounds({r.interview_id for r in rows if r.interview_id is not None})
        jobs: list[_Job] = []
        for row in rows:
            try:
                rendered = self.render(row, rounds)
            except UserError as exc:
                rendered = None
                log.info("outbox %s skipped: %s", row.id, exc.message)
            except Exception as exc:
                log.exception("could not render outbox %s", row.id)
                next_pass.add(row.id or 0)
                self.failed(row, exc, result)
                continue
            if rendered is None:
                self.finish(row, OutboxState.cancelled)
                result.skipped += 1
                continue
            jobs.append(_Job(row, rendered, lease_until))
        return jobs

    def _load_rounds(self, ids: set[int]) -> dict[int, _Round]:
        """Every round a claim needs, in a handful of queries rather than several per round."""
        rounds: dict[int, _Round] = {}
        if not ids:
            return rounds
        with self.services.db.read() as session:
            # Loaded into the session, so load_round's own lookups by id are answered without a query.
            interviews = session.exec(select(Interview).where(col(Interview.id).in_(ids))).all()
            candidates = session.exec(
                select(Candidate).where(col(Candidate.id).in_({i.candidate_id for i in interviews}))
            ).all()
            session.exec(select(Role).where(col(Role.id).in_({c.role_id for c in candidates}))).all()
            done: dict[int, list[str]] = {}
            for interview_id, interviewer_id in session.exec(
                select(Scorecard.interview_id, Scorecard.interviewer_id)
                .where(col(Scorecard.interview_id).in_(ids))
                .order_by(col(Scorecard.submitted_at))
            ):
                done.setdefault(interview_id, []).append(interviewer_id)
            for interview in interviews:
                interview_id = interview.id or 0
                try:
                    ctx = load_round(session, self.services.kits, interview_id)
                except UserError:
                    continue  # render() meets the same error for each of its rows
                rounds[interview_id] = _Round(ctx, done.get(interview_id, []))
        return rounds

    def _post_all(
        self, todo: queue.SimpleQueue[_Job | None], done: queue.SimpleQueue[_Outcome], wait_out_pauses: bool
    ) -> None:
        while (job := todo.get()) is not None:
            try:
                outcome = self._post(job, wait_out_pauses)
            except Exception as exc:  # never lose track of a job: the loop waits for its outcome
                outcome = _Outcome(job, "failed", wall_clock(), error=exc)
            done.put(outcome)

    def _post(self, job: _Job, wait_out_pauses: bool) -> _Outcome:
        row, rendered = job.row, job.rendered
        safe_until = job.lease_until - self.lease / 4
        with self._post_lock:
            with self._lock:
                paused_until = self.paused_until
            if self._stop.is_set():
                return _Outcome(job, "released", wall_clock())
            if paused_until is not None and wall_clock() < paused_until:
                if not wait_out_pauses or paused_until >= safe_until:
                    return _Outcome(job, "released", wall_clock())
                # Holding the post lock: nothing at all is sent before Retry-After.
                if self._stop.wait((paused_until - wall_clock()).total_seconds()):
                    return _Outcome(job, "released", wall_clock())
            # Too close to the end of the lease: another instance may take the row over, so leave it.
            if wall_clock() >= safe_until:
                return _Outcome(job, "expired", wall_clock())
            if row.attempts > 1:
                # An earlier attempt may have reached Slack before its process died: look before resending.
                found = self.already_sent(row, rendered)
                if found is not None:
                    sent = _Outcome(job, "sent", wall_clock(), channel=found[0], ts=found[1])
                    return self._after_relay(sent, safe_until)
            try:
                response = self.client.chat_postMessage(
                    channel=rendered.channel,
                    thread_ts=rendered.thread_ts,
                    text=rendered.text,
                    blocks=rendered.blocks,
                    metadata={"event_type": METADATA_TYPE, "event_payload": {"outbox_id": row.id}},
                    unfurl_links=False,
                )
            except Exception as exc:  # Slack and network errors alike: recorded and retried by the loop
                at = wall_clock()
                if _status(exc) == 429:
                    self._pause(_retry_after(exc), since=at)  # before the next post is even considered
                return _Outcome(job, "failed", at, error=exc)
            at = wall_clock()
            with self._lock:
                self._recent[row.target] = at + self.channel_interval
            return self._after_relay(
                _Outcome(job, "sent", at, channel=response.get("channel"), ts=response.get("ts")), safe_until
            )

    def _after_relay(self, sent: _Outcome, safe_until: datetime) -> _Outcome:
        """Once a candidate's relayed DM is in the thread: its files follow, then a ✅ on the DM. A
        failure retries the row, which finds the message (already_sent) and sends only what is left."""
        job = sent.job
        if job.row.kind != Kind.line_relay:
            return sent
        try:
            through = follow_relay(
                self.services, self.client, job.row, job.rendered.channel, job.rendered.thread_ts, safe_until
            )
        except Exception as exc:  # Slack, network and download errors alike: retried by the loop
            at = wall_clock()
            if _status(exc) == 429:
                self._pause(_retry_after(exc), since=at)
            return _Outcome(job, "failed", at, error=exc)
        # Out of lease with files left: the row is taken again once it runs out, and goes on.
        return sent if through else _Outcome(job, "expired", wall_clock())

    def _record(self, outcomes: list[_Outcome], result: PassResult, next_pass: set[int]) -> None:
        sent = [o for o in outcomes if o.kind == "sent"]
        if sent:
            self._finish_sent(sent)
            result.sent += len(sent)
        released = [o.job.row for o in outcomes if o.kind == "released"]
        if released:
            self.release(released)
        for outcome in outcomes:
            if outcome.kind == "failed" and outcome.error is not None:
                if _status(outcome.error) != 429:  # a rate-limited row may go again once the pause is over
                    next_pass.add(outcome.job.row.id or 0)
                self.failed(outcome.job.row, outcome.error, result, at=outcome.at)

    def _finish_sent(self, sent: list[_Outcome]) -> None:
        """Mark rows sent, and hold the other pending rows of their channels until they may be posted to."""
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        mark = (
            table.update()
            .where(table.c.id == bindparam("row_id"), table.c.state == OutboxState.pending)
            .values(
                state=OutboxState.sent,
                claimed_until=None,
                sent_channel=bindparam("channel"),
                sent_ts=bindparam("ts"),
                sent_at=bindparam("at"),
            )
        )
        free_at = max(o.at for o in sent) + self.channel_interval
        with self.services.db.transaction() as session:
            session.connection().execute(
                mark, [{"row_id": o.job.row.id, "channel": o.channel, "ts": o.ts, "at": o.at} for o in sent]
            )
            session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.state) == OutboxState.pending,
                    col(OutboxMessage.target).in_({o.job.row.target for o in sent}),
                    or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < free_at),
                )
                .values(claimed_until=free_at)
            )

    def failed(self, row: OutboxMessage, exc: Exception, result: PassResult, at: datetime | None = None) -> None:
        """Record a failed post (`at`: when Slack answered): retry later, or give up and tell the recruiter."""
        error = str(getattr(getattr(exc, "response", None), "get", lambda _k: None)("error") or exc)[:500]
        wall = wall_clock()
        with self.services.db.transaction() as session:
            if _status(exc) == 429:
                # A rate limit is not a failed attempt: pause this dispatcher as Slack asks, then retry.
                paused_until = self._pause(_retry_after(exc), since=at)
                session.exec(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row.id)
                    .values(claimed_until=paused_until, attempts=OutboxMessage.attempts - 1, last_error="ratelimited")
                )
                result.retried += 1
                return
            if row.attempts < MAX_ATTEMPTS:
                backoff = BASE_BACKOFF * (2 ** (row.attempts - 1))
                session.exec(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row.id)
                    .values(claimed_until=wall + backoff, last_error=error)
                )
                result.retried += 1
                return
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id)
                .values(state=OutboxState.dead, claimed_until=None, last_error=error)
            )
        result.dead += 1
        log.warning(
            "outbox %s (%s to %s) is dead after %s attempts: %s", row.id, row.kind, row.target, row.attempts, error
        )
        self.tell_recruiter(row, error)

    def already_sent(self, row: OutboxMessage, rendered: Rendered) -> tuple[str, str] | None:
        """(channel, ts) of a message Slack already has for this outbox row, found by its metadata."""
        try:
            channel = rendered.channel
            if channel.startswith(("U", "W")):
                channel = self.client.conversations_open(users=channel)["channel"]["id"]
            oldest = f"{(row.created_at - timedelta(minutes=1)).timestamp():.6f}"
            if rendered.thread_ts:
                page = self.client.conversations_replies(
                    channel=channel, ts=rendered.thread_ts, oldest=oldest, include_all_metadata=True, limit=200
                )
            else:
                page = self.client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=200
                )
        except SlackApiError as exc:
            log.warning("could not check whether outbox %s was already sent: %s", row.id, exc.response.get("error"))
            return None
        message: Json
        for message in page.get("messages", []):
            metadata: Json = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_TYPE
                and metadata.get("event_payload", {}).get("outbox_id") == row.id
            ):
                return channel, message["ts"]
        return None

    def tell_recruiter(self, row: OutboxMessage, error: str) -> None:
        if row.kind in LINE_KINDS:
            self._tell_line_sender(row, error)
            return
        if row.kind == Kind.dead_letter or row.interview_id is None:
            return
        try:
            with self.services.db.read() as session:
                ctx = load_round(session, self.services.kits, row.interview_id)
            recruiter = ctx.candidate.created_by or ctx.interview.scheduled_by
            blocks = dead_letter_message(row.kind, row.target, row.attempts, error)
            text = f"{'<@' + recruiter + '> ' if recruiter else ''}a message could not be delivered"
            with self._post_lock:
                if ctx.candidate.channel_id and ctx.candidate.thread_ts:
                    self.client.chat_postMessage(
                        channel=ctx.candidate.channel_id,
                        thread_ts=ctx.candidate.thread_ts,
                        text=text,
                        blocks=to_dicts(blocks),
                    )
                elif recruiter:
                    self.client.chat_postMessage(channel=recruiter, text=text, blocks=to_dicts(blocks))
        except Exception:
            log.exception("could not tell the recruiter about dead outbox row %s", row.id)

    def _tell_line_sender(self, row: OutboxMessage, error: str) -> None:
        """A message on the line to a candidate gave up: the recruiter who wrote it (or, for a
        candidate's DM that never reached the thread, the candidate's recruiter) hears it by DM,
        since the thread may be what failed."""
        try:
            with self.services.db.read() as session:
                candidate = session.get(Candidate, row.candidate_id) if row.candidate_id is not None else None
            if candidate is None or candidate.purged_at is not None:
                return
            by = (row.payload or {}).get("by")
            recruiter = by if isinstance(by, str) and by else candidate.created_by
            if not recruiter:
                return
            what = "the candidate's message" if row.kind == Kind.line_relay else "your message"
            blocks = line_dead_letter_message(what, candidate, row.attempts, error)
            with self._post_lock:
                self.client.chat_postMessage(
                    channel=recruiter, text=f"{what.capitalize()} could not be delivered", blocks=to_dicts(blocks)
                )
        except Exception:
            log.exception("could not tell anyone about dead outbox row %s", row.id)

    def finish(self, row: OutboxMessage, state: str, *, channel: str | None = None, ts: str | None = None) -> None:
        with self.services.db.transaction() as session:
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.state) == OutboxState.pending)
                .values(state=state, claimed_until=None, sent_channel=channel, sent_ts=ts, sent_at=wall_clock())
            )

    def render(self, row: OutboxMessage, rounds: dict[int, _Round] | None = None) -> Rendered | None:
        """The message as it should read now, or None when it no longer applies.

        `rounds` caches what was read per round, and the blocks built from it, across one claim."""
        if row.kind in LINE_KINDS:
            # Between a candidate and the hiring team: no round, the text travels in the row.
            line = render_line(self.services, row)
            if line is None:
                return None
            return Rendered(line.channel, line.text, to_dicts(line.blocks), line.thread_ts)
        if row.interview_id is None:
            return None
        rounds = {} if rounds is None else rounds
        state = rounds.get(row.interview_id)
        if state is None:
            with self.services.db.read() as session:
                ctx = load_round(session, self.services.kits, row.interview_id)
                state = rounds[row.interview_id] = _Round(ctx, submitted_by(session, row.interview_id))
        if row.kind in (Kind.debrief, Kind.debrief_thread) and state.debrief is None:
            with self.services.db.read() as session:
                state.debrief = debrief_for(session, self.services.kits, row.interview_id)
        ctx, done, debrief = state.ctx, state.done, state.debrief
        status = ctx.interview.status
        kind = row.kind
        to_candidate = row.target == ctx.candidate.slack_user_id

        def dm(text: str, blocks: Callable[[], list[Block]]) -> Rendered:
            return Rendered(row.target, *self._blocks(state, kind, to_candidate, text, blocks))

        if kind in (Kind.cancelled,):
            return dm(f"Cancelled: {ctx.title}", lambda: cancelled_message(ctx, to_candidate=to_candidate))
        if status == InterviewStatus.cancelled:
            return None
        if kind == Kind.rescheduled:
            return dm(f"Moved: {ctx.title}", lambda: rescheduled_message(ctx, to_candidate=to_candidate))
        if kind in (Kind.prep, Kind.prep_reminder):
            if status != InterviewStatus.scheduled:
                return None
            return dm(f"Your {ctx.title}", lambda: prep_message(ctx, reminder=kind == Kind.prep_reminder))
        if kind == Kind.briefing:
            if status != InterviewStatus.scheduled:
                return None
            return dm(f"Briefing: {ctx.title} with {ctx.candidate.name}", lambda: briefing_message(ctx))
        if kind in (Kind.scorecard_request, Kind.scorecard_reminder):
            if status != InterviewStatus.scheduled or row.target in done:
                return None
            reminder = kind == Kind.scorecard_reminder
            return dm(f"Scorecard for {ctx.candidate.name}", lambda: scorecard_request(ctx, reminder=reminder))
        if kind in (Kind.escalation, Kind.escalation_thread):
            missing = [u for u in ctx.panel if u not in done]
            if status != InterviewStatus.scheduled or not missing:
                return None
            text = f"Feedback overdue for {ctx.candidate.name}"
            if kind == Kind.escalation_thread:
                return self._thread(
                    ctx, *self._blocks(state, kind, False, text, lambda: escalation_message(ctx, missing))
                )
            return dm(text, lambda: escalation_message(ctx, missing))
        if kind in (Kind.take_home_brief, Kind.take_home_reminder, Kind.take_home_missing):
            # Once the work is in (or the assignment cancelled), nobody needs nudging.
            with self.services.db.read() as session:
                arrived = received_at(session, ctx.interview) is not None
            if arrived or status != InterviewStatus.scheduled:
                return None
            if kind == Kind.take_home_missing:
                return dm(f"Nothing yet from {ctx.candidate.name}", lambda: take_home_missing_message(ctx))
            reminder = kind == Kind.take_home_reminder
            return dm(f"Your {ctx.stage.name}", lambda: take_home_message(ctx, reminder=reminder))
        if kind == Kind.promise:
            # Kept by any decision since the round ended; a cancelled round promised nothing.
            with self.services.db.read() as session:
                kept = decided_since(session, ctx.candidate.id or 0, ctx.interview.ends_at)
            hours = promise_hours(ctx)
            if kept or hours is None or status == InterviewStatus.cancelled:
                return None
            due = ctx.interview.ends_at + timedelta(hours=hours)
            return dm(f"Answer promised to {ctx.candidate.name}", lambda: promise_message(ctx, hours, due))
        if kind in (Kind.debrief, Kind.debrief_thread) and debrief is not None:
            text = f"Debrief: {ctx.candidate.name}"
            if kind == Kind.debrief_thread:
                built = self._blocks(state, kind, False, text, lambda: debrief_blocks(debrief, with_actions=False))
                return self._thread(ctx, *built)
            return dm(text, lambda: debrief_blocks(debrief, with_actions=True))
        log.warning("outbox %s has unknown kind %s", row.id, kind)
        return None

    @staticmethod
    def _blocks(
        state: _Round, kind: str, to_candidate: bool, text: str, build: Callable[[], list[Block]]
    ) -> tuple[str, list[Json]]:
        # Messages of one kind about one round read the same for everyone on the same side.
        key = (kind, to_candidate)
        if key not in state.blocks:
            state.blocks[key] = (text, to_dicts(build()))
        return state.blocks[key]

    @staticmethod
    def _thread(ctx: RoundContext, text: str, blocks: list[Json]) -> Rendered | None:
        if not ctx.candidate.channel_id:
            return None
        return Rendered(channel=ctx.candidate.channel_id, thread_ts=ctx.candidate.thread_ts, text=text, blocks=blocks)


def _take(done: queue.SimpleQueue[_Outcome], *, block: bool) -> list[_Outcome]:
    """Outcomes posted so far; with `block`, wait a little for the first one."""
    taken: list[_Outcome] = []
    if block:
        try:
            taken.append(done.get(timeout=0.5))
        except queue.Empty:
            return taken
    while True:
        try:
            taken.append(done.get_nowait())
        except queue.Empty:
            return taken


def _status(exc: Exception) -> int | None:
    return getattr(getattr(exc, "response", None), "status_code", None)


def _retry_after(exc: Exception) -> int:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        return max(1, int(headers.get("Retry-After", 1) or 1))
    except (TypeError, ValueError):
        return 1
