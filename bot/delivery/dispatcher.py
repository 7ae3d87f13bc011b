"""The outbox dispatcher: claims due rows with a lease, renders them, has them posted, records the result.

Several processes may run it against one PostgreSQL database: a row is claimed by exactly one
of them (`FOR UPDATE SKIP LOCKED`, or SQLite's single writer) and the claim expires if the
process dies, so another one picks it up.

Pacing: chat.postMessage allows about one message per second per channel (a DM is a channel), and
its 429s are per method per workspace. So a claim takes at most one row per channel and none for a
channel that has a row in flight, backing off or held; once a message is out, the other pending
rows of its channel are held for CHANNEL_INTERVAL in the database, so other instances wait too.
Posts go out one at a time from a poster thread (bot/delivery/posting.py) while this loop claims,
renders and records. Each row is rendered by the renderer its kind has in bot/delivery/kinds.py.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import func, or_, text
from sqlmodel import col, select, update

from bot.delivery import recording
from bot.delivery.kinds import RENDERERS
from bot.delivery.posting import Job, Outcome, Pacing, Poster, retry_after, status, wall_clock
from bot.delivery.rendering import Rendered, Rendering
from bot.delivery.windows import Windows
from bot.rules.errors import UserError
from bot.rules.message_kinds import CALENDAR_KINDS, SLACK_KINDS, Kind
from bot.wiring.services import Services
from models.tables import OutboxMessage, OutboxState

log = logging.getLogger("interview_bot.dispatcher")

# Backing off from 5 s, doubling up to 5 min: a row gives up after about 10 minutes of failures,
# so a Slack incident of a few minutes loses nothing.
MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=5)
# Slack: "one message per second per channel"; sends to one channel are spaced at least this far.
CHANNEL_INTERVAL = timedelta(seconds=1)
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


@dataclass
class PassResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    # Held for the reader's working hours (bot/delivery/windows.py), and gathered into a digest.
    held: int = 0
    digested: int = 0

    def __str__(self) -> str:
        text = f"sent {self.sent}, retried {self.retried}, gave up {self.dead}, skipped {self.skipped}"
        return text + "".join(
            f", {name} {count}" for name, count in (("held", self.held), ("digested", self.digested)) if count
        )

    def add(self, other: PassResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.skipped += other.skipped
        self.held += other.held
        self.digested += other.digested


class Dispatcher:
    def __init__(
        self,
        services: Services,
        client: WebClient,
        *,
        batch: int = 50,
        channel_interval: timedelta = CHANNEL_INTERVAL,
        kinds: Collection[str] | None = None,
    ) -> None:
        self.services = services
        self.client = client
        self.batch = batch
        # Only rows of these kinds (None: all): a lane (see `lanes`). Tests deliver the thread's rows
        # as they wait, and leave the round's messages to the passes they make themselves.
        self.kinds = kinds
        self.lease = timedelta(seconds=services.settings.dispatch_lease_seconds)
        # `channel_interval` zero only where nothing enforces Slack's limits and nobody waits on the
        # wall clock (a demo, tests not about pacing).
        self.pacing = Pacing(channel_interval)
        self._stop = threading.Event()
        self.poster = Poster(client, self.pacing, self.lease, self._stop)
        self.windows = Windows(services)

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
            left = self.pacing.pause_left()
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
        todo: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        done: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        poster_thread = threading.Thread(
            target=self.poster.post_all, args=(todo, done, wait_out_pauses), name="dispatch-poster", daemon=True
        )
        poster_thread.start()
        in_flight = 0
        wait = False
        unrecorded: list[Outcome] = []
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
                if self._stop.is_set() or (self.pacing.paused() and not wait_out_pauses):
                    # Claim nothing new: what is queued comes back released, and the pass ends.
                    if in_flight:
                        continue
                    break
                if in_flight > self.batch // 2:
                    continue  # enough queued: keep leases short
                if in_flight and time.monotonic() < next_claim:
                    continue  # the last claim found too few free channels: let some come free first
                wanted = self.batch - in_flight
                moment = until or self.services.clock.now()
                rows = self.claim(moment, wanted, next_pass)
                next_claim = time.monotonic() + (RECORD_EVERY if len(rows) < wanted else 0)
                for job in self._prepare(rows, result, next_pass, until):
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
            poster_thread.join()
            # Whatever the poster finished, even after an error above, is recorded.
            self._record(unrecorded + _take(done, block=False), result, next_pass)
        return result

    def claim(self, until: datetime, limit: int | None = None, skip: set[int] | None = None) -> list[OutboxMessage]:
        """Lease up to `limit` due rows, at most one per channel, only for channels that are free."""
        limit = limit or self.batch
        db = self.services.db
        wall = wall_clock()
        recent = self.pacing.held(wall)
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
            if self.kinds is not None:
                query = query.where(col(OutboxMessage.kind).in_(self.kinds))
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
            *([col(OutboxMessage.kind).in_(self.kinds)] if self.kinds is not None else []),
        ]
        with self.services.db.read() as session:
            left = session.exec(select(func.count()).select_from(OutboxMessage).where(*due)).one()
            first = session.exec(
                select(func.min(OutboxMessage.claimed_until)).where(
                    *due,
                    col(OutboxMessage.claimed_until) > wall,
                    col(OutboxMessage.claimed_until)
                    <= wall + max(self.pacing.channel_interval, timedelta(seconds=POLL)),
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

    def _prepare(
        self, rows: list[OutboxMessage], result: PassResult, next_pass: set[int], until: datetime | None = None
    ) -> list[Job]:
        """Render claimed rows; rows that no longer apply are closed here and never queued; of the
        others, those outside their reader's window are held for it (and rendered again then), and
        reminders due together are digested (`until`: the pass's, see Windows.check)."""
        lease_until = wall_clock() + self.lease
        rendering = Rendering(self.services)
        rendering.load({r.interview_id for r in rows if r.interview_id is not None})
        ready: list[tuple[OutboxMessage, Rendered]] = []
        for row in rows:
            try:
                rendered = self.render(row, rendering)
            except UserError as exc:
                rendered = None
                log.info("outbox %s skipped: %s", row.id, exc.message)
            except Exception as exc:
                log.exception("could not render outbox %s", row.id)
                next_pass.add(row.id or 0)
                self.failed(row, exc, result)
                continue
            if rendered is None:
                recording.finish(self.services.db, row, OutboxState.cancelled)
                result.skipped += 1
                continue
            ready.append((row, rendered))
        checked = self.windows.check([row for row, _ in ready], rendering, until)
        result.held += checked.held
        result.digested += checked.digested
        going = {id(row) for row in checked.send}
        return [Job(row, rendered, lease_until) for row, rendered in ready if id(row) in going]

    def _record(self, outcomes: list[Outcome], result: PassResult, next_pass: set[int]) -> None:
        sent = [o for o in outcomes if o.kind == "sent"]
        if sent:
            recording.mark_sent(self.services.db, sent, self.pacing.channel_interval)
            result.sent += len(sent)
        released = [o.job.row for o in outcomes if o.kind == "released"]
        if released:
            recording.release(self.services.db, released, self.pacing.pause_end())
        for outcome in outcomes:
            if outcome.kind == "failed" and outcome.error is not None:
                if status(outcome.error) != 429:  # a rate-limited row may go again once the pause is over
                    next_pass.add(outcome.job.row.id or 0)
                self.failed(outcome.job.row, outcome.error, result, at=outcome.at)

    def failed(self, row: OutboxMessage, exc: Exception, result: PassResult, at: datetime | None = None) -> None:
        """Record a failed post (`at`: when Slack answered): retry later, or give up and say so."""
        error = str(getattr(getattr(exc, "response", None), "get", lambda _k: None)("error") or exc)[:500]
        wall = wall_clock()
        with self.services.db.transaction() as session:
            if status(exc) == 429:
                # A rate limit is not a failed attempt: pause this dispatcher as Slack asks, then retry.
                paused_until = self.pacing.pause(retry_after(exc), since=at)
                session.exec(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row.id)
                    .values(claimed_until=paused_until, attempts=OutboxMessage.attempts - 1, last_error="ratelimited")
                )
                result.retried += 1
                return
            if row.attempts < MAX_ATTEMPTS or row.kind == Kind.dead_letter:
                # A notice that something gave up is itself never given up on: while Slack fails it waits.
                backoff = min(BASE_BACKOFF * (2 ** min(row.attempts - 1, 16)), MAX_BACKOFF)
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
        row.last_error = error  # as recorded: the notice says why
        recording.tell_dead(self.services, row, self.services.clock.now())

    def render(self, row: OutboxMessage, rendering: Rendering | None = None) -> Rendered | None:
        """The message as it should read now, or None when it no longer applies.

        `rendering` caches what was read per round, and the blocks built from it, across one claim."""
        renderer = RENDERERS.get(row.kind)
        if renderer is None:
            log.warning("outbox %s has unknown kind %s", row.id, row.kind)
            return None
        rendering = rendering or Rendering(self.services)
        if rendering.out_of_process(row):
            return None
        return renderer(rendering, row)


def lanes(services: Services, client: WebClient) -> list[Dispatcher]:
    """What a running bot ticks: Slack messages and calendar writes, each its own dispatcher, so a
    calendar server that is down holds up only calendar rows, and Slack's pauses only Slack's."""
    return [
        Dispatcher(services, client, kinds=SLACK_KINDS),
        # Calendars take writes to one person's calendar as fast as they come: no Slack pacing.
        Dispatcher(services, client, kinds=CALENDAR_KINDS, channel_interval=timedelta(0)),
    ]


def _take(done: queue.SimpleQueue[Outcome], *, block: bool) -> list[Outcome]:
    """Outcomes posted so far; with `block`, wait a little for the first one."""
    taken: list[Outcome] = []
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
