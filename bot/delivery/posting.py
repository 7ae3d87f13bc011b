"""Posting the dispatcher's messages: one at a time, from a poster thread, paced as Slack asks.

chat.postMessage allows about one message per second per channel (a DM is a channel), and its
429s are per method per workspace: a 429 pauses every post until Retry-After, and nothing queued
behind it is sent before then. Each message carries its outbox id in Slack message metadata, so a
row whose earlier attempt may have reached Slack is looked for before it is sent again.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.rendering import Json, Rendered
from models.tables import OutboxMessage

log = logging.getLogger("interview_bot.dispatcher")

METADATA_TYPE = "interview_bot_outbox"
# Follow-ups (downloads, uploads, deletions) running at once, beside the posts.
FOLLOW_UP_THREADS = 2


def wall_clock() -> datetime:
    # Leases compare across processes, so they use real time even when the clock is simulated.
    return datetime.now(UTC)


@dataclass(frozen=True)
class Job:
    row: OutboxMessage
    rendered: Rendered
    lease_until: datetime


@dataclass(frozen=True)
class Outcome:
    job: Job
    kind: Literal["sent", "failed", "released", "expired"]
    at: datetime
    channel: str | None = None
    ts: str | None = None
    error: Exception | None = None


class Pacing:
    """When this process may post: not at all while a 429 pauses it, and to a channel only once
    `channel_interval` has gone by since its last message there."""

    def __init__(self, channel_interval: timedelta) -> None:
        self.channel_interval = channel_interval
        # Set by a 429: Slack asked us to slow down, so nothing is sent before then.
        self.paused_until: datetime | None = None
        # Channel -> when this process may post to it again; covers rows added after a send,
        # which the hold in the database does not.
        self._recent: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def paused(self) -> bool:
        with self._lock:
            return self.paused_until is not None and wall_clock() < self.paused_until

    def pause(self, seconds: int, since: datetime | None = None) -> datetime:
        """Pause every post until `seconds` after `since` (when Slack answered; default now)."""
        with self._lock:
            until = (since or wall_clock()) + timedelta(seconds=seconds)
            if self.paused_until is None or self.paused_until < until:
                self.paused_until = until
            return self.paused_until

    def pause_left(self) -> float:
        """Seconds until the pause is over (zero or less when there is none)."""
        with self._lock:
            return (self.paused_until - wall_clock()).total_seconds() if self.paused_until else 0.0

    def pause_end(self) -> datetime | None:
        with self._lock:
            return self.paused_until

    def held(self, wall: datetime) -> list[str]:
        """The channels this process posted to too recently to post to again at `wall`."""
        with self._lock:
            self._recent = {c: t for c, t in self._recent.items() if t > wall}
            return list(self._recent)

    def posted(self, channel: str, at: datetime) -> None:
        with self._lock:
            self._recent[channel] = at + self.channel_interval


class Poster:
    """Posts jobs one at a time, so a 429 stops the very next one. What follows a message (a relayed
    DM's files, a purge's deletions, a report's upload) runs on a follow-up thread, off the posting
    lock: a 25 MB download never holds up the other posts."""

    def __init__(self, client: WebClient, pacing: Pacing, lease: timedelta, stop: threading.Event) -> None:
        self.client = client
        self.pacing = pacing
        self.lease = lease
        self._stop = stop
        self._lock = threading.Lock()

    def post_all(
        self, todo: queue.SimpleQueue[Job | None], done: queue.SimpleQueue[Outcome], wait_out_pauses: bool
    ) -> None:
        with ThreadPoolExecutor(max_workers=FOLLOW_UP_THREADS, thread_name_prefix="dispatch-follow-up") as pool:
            while (job := todo.get()) is not None:
                try:
                    outcome = self._post(job, wait_out_pauses)
                except Exception as exc:  # never lose track of a job: the loop waits for its outcome
                    outcome = Outcome(job, "failed", wall_clock(), error=exc)
                if outcome.kind == "sent" and job.rendered.follow_up is not None:
                    pool.submit(self._finish_follow_up, outcome, done)
                else:
                    done.put(outcome)
            # Leaving the pool waits for the follow-ups still running: their outcomes are recorded too.

    def _finish_follow_up(self, sent: Outcome, done: queue.SimpleQueue[Outcome]) -> None:
        try:
            outcome = self._follow_up(sent, self._safe_until(sent.job))
        except Exception as exc:
            outcome = Outcome(sent.job, "failed", wall_clock(), error=exc)
        done.put(outcome)

    def _post(self, job: Job, wait_out_pauses: bool) -> Outcome:
        row, rendered = job.row, job.rendered
        safe_until = self._safe_until(job)
        with self._lock:
            paused_until = self.pacing.pause_end()
            if self._stop.is_set():
                return Outcome(job, "released", wall_clock())
            if paused_until is not None and wall_clock() < paused_until:
                if not wait_out_pauses or paused_until >= safe_until:
                    return Outcome(job, "released", wall_clock())
                # Holding the post lock: nothing at all is sent before Retry-After.
                if self._stop.wait((paused_until - wall_clock()).total_seconds()):
                    return Outcome(job, "released", wall_clock())
            # Too close to the end of the lease: another instance may take the row over, so leave it.
            if wall_clock() >= safe_until:
                return Outcome(job, "expired", wall_clock())
            if not rendered.post:
                return Outcome(job, "sent", wall_clock())
            if rendered.update_ts is None and row.attempts > 1:
                # An earlier attempt may have reached Slack before its process died: look before resending.
                found = self.already_sent(row, rendered)
                if found is not None:
                    return Outcome(job, "sent", wall_clock(), channel=found[0], ts=found[1])
            try:
                response = self._send(row, rendered)
            except Exception as exc:  # Slack and network errors alike: recorded and retried by the loop
                at = wall_clock()
                if status(exc) == 429:
                    self.pacing.pause(retry_after(exc), since=at)  # before the next post is even considered
                return Outcome(job, "failed", at, error=exc)
            at = wall_clock()
            self.pacing.posted(row.target, at)
            return Outcome(job, "sent", at, channel=response.get("channel"), ts=response.get("ts"))

    def _safe_until(self, job: Job) -> datetime:
        """When work on `job` must stop: a quarter of a lease before it runs out, after which
        another instance may take the row over."""
        return job.lease_until - self.lease / 4

    def _send(self, row: OutboxMessage, rendered: Rendered) -> Any:
        if rendered.update_ts is not None:
            # Editing in place is idempotent: a retry only writes the same state again.
            return self.client.chat_update(
                channel=rendered.channel, ts=rendered.update_ts, text=rendered.text, blocks=rendered.blocks
            )
        return self.client.chat_postMessage(
            channel=rendered.channel,
            thread_ts=rendered.thread_ts,
            text=rendered.text,
            blocks=rendered.blocks,
            metadata={"event_type": METADATA_TYPE, "event_payload": metadata_payload(row)},
            unfurl_links=False,
        )

    def _follow_up(self, sent: Outcome, safe_until: datetime) -> Outcome:
        """Once a message is in, what has to follow it (a relayed DM's files, then a ✅ on the DM). A
        failure retries the row, which finds the message (already_sent) and does only what is left."""
        follow_up = sent.job.rendered.follow_up
        if follow_up is None:
            return sent
        try:
            through = follow_up(self.client, safe_until)
        except Exception as exc:  # Slack, network and download errors alike: retried by the loop
            at = wall_clock()
            if status(exc) == 429:
                self.pacing.pause(retry_after(exc), since=at)
            return Outcome(sent.job, "failed", at, error=exc)
        # Out of lease with work left: the row is taken again once it runs out, and goes on.
        return sent if through else Outcome(sent.job, "expired", wall_clock())

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


def metadata_payload(row: OutboxMessage) -> Json:
    """The one metadata scheme of the bot's messages: the outbox row it came from (to find it again
    on a retry) and, where there is one, the candidate it is about (to find their messages on a purge)."""
    payload: Json = {"outbox_id": row.id}
    if row.candidate_id is not None:
        payload["candidate_id"] = row.candidate_id
    return payload


def status(exc: Exception) -> int | None:
    return getattr(getattr(exc, "response", None), "status_code", None)


def retry_after(exc: Exception) -> int:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        return max(1, int(headers.get("Retry-After", 1) or 1))
    except (TypeError, ValueError):
        return 1
