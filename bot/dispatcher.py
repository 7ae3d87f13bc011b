"""The outbox dispatcher (SPEC 4, 8): claims due rows with a lease, sends them, records the result.

Several processes may run it against one PostgreSQL database: a row is claimed by exactly one
of them (`FOR UPDATE SKIP LOCKED`, or SQLite's single writer) and the claim expires if the
process dies, so another one picks it up. Each message carries its outbox id in Slack message
metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy import or_
from sqlmodel import col, select, update

from blocks.common import to_dicts
from blocks.messages import (
    briefing_message,
    cancelled_message,
    dead_letter_message,
    debrief_blocks,
    escalation_message,
    prep_message,
    rescheduled_message,
    scorecard_request,
)
from bot.errors import UserError
from bot.line import LINE_KINDS, render_line
from bot.rounds import Kind, RoundContext, load_round
from bot.scorecards import debrief_for, submitted_by
from bot.services import Services
from models.tables import InterviewStatus, OutboxMessage, OutboxState

log = logging.getLogger("interview_bot.dispatcher")

MAX_ATTEMPTS = 5
BASE_BACKOFF = timedelta(seconds=5)
METADATA_TYPE = "interview_bot_outbox"
THREAD_KINDS = (Kind.escalation_thread, Kind.debrief_thread)


@dataclass
class PassResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retried {self.retried}, gave up {self.dead}, skipped {self.skipped}"


@dataclass(frozen=True)
class Rendered:
    channel: str
    text: str
    blocks: list[Block]
    thread_ts: str | None = None


def wall_clock() -> datetime:
    # Leases compare across processes, so they use real time even when the clock is simulated.
    return datetime.now(UTC)


class Dispatcher:
    def __init__(self, services: Services, client: WebClient, *, batch: int = 50) -> None:
        self.services = services
        self.client = client
        self.batch = batch
        self.lease = timedelta(seconds=services.settings.dispatch_lease_seconds)
        # Set by a 429: Slack asked us to slow down, so nothing is sent before then.
        self.paused_until: datetime | None = None

    def tick(self) -> None:
        """One scheduled pass; never raises, so the scheduler keeps ticking."""
        try:
            result = self.run_once()
            if result.sent or result.dead or result.retried:
                log.info("dispatch: %s", result)
        except Exception:
            log.exception("dispatch pass failed")

    def run_once(self, until: datetime | None = None) -> PassResult:
        """Send everything due up to `until` (default: now)."""
        until = until or self.services.clock.now()
        result = PassResult()
        while not self.paused():
            rows = self.claim(until)
            for index, row in enumerate(rows):
                if self.paused():
                    self.release(rows[index:])
                    break
                self.deliver(row, result)
            if len(rows) < self.batch:
                break
        return result

    def paused(self) -> bool:
        return self.paused_until is not None and wall_clock() < self.paused_until

    def release(self, rows: list[OutboxMessage]) -> None:
        """Hand back claimed rows unsent (not an attempt), to be taken again after the pause."""
        with self.services.db.transaction() as session:
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([r.id for r in rows]), OutboxMessage.state == OutboxState.pending)
                .values(claimed_until=self.paused_until, attempts=OutboxMessage.attempts - 1)
            )

    def claim(self, until: datetime) -> list[OutboxMessage]:
        db = self.services.db
        wall = wall_clock()
        with db.transaction() as session:
            query = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.state == OutboxState.pending,
                    OutboxMessage.due_at <= until,
                    or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < wall),
                )
                .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
                .limit(self.batch)
            )
            if not db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            ids = list(session.exec(query))
            if not ids:
                return []
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .values(claimed_until=wall + self.lease, attempts=OutboxMessage.attempts + 1)
            )
            return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))))

    def deliver(self, row: OutboxMessage, result: PassResult) -> None:
        try:
            rendered = self.render(row)
        except UserError as exc:
            rendered = None
            log.info("outbox %s skipped: %s", row.id, exc.message)
        if rendered is None:
            self.finish(row, OutboxState.cancelled)
            result.skipped += 1
            return
        if row.attempts > 1:
            # An earlier attempt may have reached Slack before its process died: look before resending.
            found = self.already_sent(row, rendered)
            if found is not None:
                self.finish(row, OutboxState.sent, channel=found[0], ts=found[1])
                result.sent += 1
                return
        try:
            response = self.client.chat_postMessage(
                channel=rendered.channel,
                thread_ts=rendered.thread_ts,
                text=rendered.text,
                blocks=to_dicts(rendered.blocks),
                metadata={"event_type": METADATA_TYPE, "event_payload": {"outbox_id": row.id}},
                unfurl_links=False,
            )
        except SlackApiError as exc:
            self.failed(row, exc, result)
            return
        except Exception as exc:  # network errors: retried like Slack errors
            self.failed(row, exc, result)
            return
        self.finish(row, OutboxState.sent, channel=response.get("channel"), ts=response.get("ts"))
        result.sent += 1

    def failed(self, row: OutboxMessage, exc: Exception, result: PassResult) -> None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        error = str(getattr(getattr(exc, "response", None), "get", lambda _k: None)("error") or exc)[:500]
        wall = wall_clock()
        with self.services.db.transaction() as session:
            if status == 429:
                retry_after = int(exc.response.headers.get("Retry-After", 1) or 1)  # type: ignore[attr-defined]
                # A rate limit is not a failed attempt: pause this dispatcher as Slack asks, then retry.
                self.paused_until = wall + timedelta(seconds=retry_after)
                session.exec(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row.id)
                    .values(
                        claimed_until=self.paused_until, attempts=OutboxMessage.attempts - 1, last_error="ratelimited"
                    )
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
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_TYPE
                and metadata.get("event_payload", {}).get("outbox_id") == row.id
            ):
                return channel, message["ts"]
        return None

    def tell_recruiter(self, row: OutboxMessage, error: str) -> None:
        if row.kind == Kind.dead_letter or row.interview_id is None:
            return
        try:
            with self.services.db.read() as session:
                ctx = load_round(session, self.services.kits, row.interview_id)
            recruiter = ctx.candidate.created_by or ctx.interview.scheduled_by
            blocks = dead_letter_message(row.kind, row.target, row.attempts, error)
            text = f"{'<@' + recruiter + '> ' if recruiter else ''}a message could not be delivered"
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

    def finish(self, row: OutboxMessage, state: str, *, channel: str | None = None, ts: str | None = None) -> None:
        with self.services.db.transaction() as session:
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.state) == OutboxState.pending)
                .values(state=state, claimed_until=None, sent_channel=channel, sent_ts=ts, sent_at=wall_clock())
            )

    def render(self, row: OutboxMessage) -> Rendered | None:
        """The message as it should read now, or None when it no longer applies."""
        if row.kind in LINE_KINDS:
            # Between a candidate and the hiring team: no round, the text travels in the row.
            line = render_line(self.services, row)
            if line is None:
                return None
            return Rendered(line.channel, line.text, line.blocks, line.thread_ts)
        if row.interview_id is None:
            return None
        with self.services.db.read() as session:
            ctx = load_round(session, self.services.kits, row.interview_id)
            done = submitted_by(session, row.interview_id)
            debrief = (
                debrief_for(session, self.services.kits, row.interview_id)
                if row.kind
                in (
                    Kind.debrief,
                    Kind.debrief_thread,
                )
                else None
            )
        status = ctx.interview.status
        kind = row.kind
        if kind in (Kind.cancelled,):
            return self._dm(
                row, f"Cancelled: {ctx.stage.name}", cancelled_message(ctx, to_candidate=self._to_candidate(ctx, row))
            )
        if status == InterviewStatus.cancelled:
            return None
        if kind == Kind.rescheduled:
            return self._dm(
                row, f"Moved: {ctx.stage.name}", rescheduled_message(ctx, to_candidate=self._to_candidate(ctx, row))
            )
        if kind in (Kind.prep, Kind.prep_reminder):
            if status != InterviewStatus.scheduled:
                return None
            return self._dm(row, f"Your {ctx.stage.name}", prep_message(ctx, reminder=kind == Kind.prep_reminder))
        if kind == Kind.briefing:
            if status != InterviewStatus.scheduled:
                return None
            return self._dm(row, f"Briefing: {ctx.stage.name} with {ctx.candidate.name}", briefing_message(ctx))
        if kind in (Kind.scorecard_request, Kind.scorecard_reminder):
            if status != InterviewStatus.scheduled or row.target in done:
                return None
            reminder = kind == Kind.scorecard_reminder
            return self._dm(row, f"Scorecard for {ctx.candidate.name}", scorecard_request(ctx, reminder=reminder))
        if kind in (Kind.escalation, Kind.escalation_thread):
            missing = [u for u in ctx.panel if u not in done]
            if status != InterviewStatus.scheduled or not missing:
                return None
            blocks = escalation_message(ctx, missing)
            if kind == Kind.escalation_thread:
                return self._thread(ctx, f"Feedback overdue for {ctx.candidate.name}", blocks)
            return self._dm(row, f"Feedback overdue for {ctx.candidate.name}", blocks)
        if kind in (Kind.debrief, Kind.debrief_thread) and debrief is not None:
            if kind == Kind.debrief_thread:
                return self._thread(ctx, f"Debrief: {ctx.candidate.name}", debrief_blocks(debrief, with_actions=False))
            return self._dm(row, f"Debrief: {ctx.candidate.name}", debrief_blocks(debrief, with_actions=True))
        log.warning("outbox %s has unknown kind %s", row.id, kind)
        return None

    @staticmethod
    def _to_candidate(ctx: RoundContext, row: OutboxMessage) -> bool:
        return row.target == ctx.candidate.slack_user_id

    @staticmethod
    def _dm(row: OutboxMessage, text: str, blocks: list[Block]) -> Rendered:
        return Rendered(channel=row.target, text=text, blocks=blocks)

    @staticmethod
    def _thread(ctx: RoundContext, text: str, blocks: list[Block]) -> Rendered | None:
        if not ctx.candidate.channel_id:
            return None
        return Rendered(channel=ctx.candidate.channel_id, thread_ts=ctx.candidate.thread_ts, text=text, blocks=blocks)
