"""After a purge: the candidate's card is redacted and the bot's own messages about them deleted.

The purge queues this as an outbox job (kind purge_cleanup, bot/rules/purge_job.py); the dispatcher
runs it as the follow-up of a row that posts nothing (bot/delivery/renderers/purge.py). The app
does not store the ts of every message it sent, so the job reads the thread (conversations.replies)
and its DM with the candidate (conversations.open + conversations.history) and deletes what the bot
wrote there, the copies of the files the candidate sent that the bot shared into the thread, and
the outbox messages already sent (DMs to the panel, debriefs), all but the cancellation notices the
purge itself sent. Each step is recorded in the row's payload in its own transaction, so a retry
does only what is left; a Slack failure other than "already gone" is raised, and the row retried
with backoff until it goes dead (and the recruiters are told). Last, the person who purged gets a
DM saying what was cleaned up. The row's payload (the candidate's Slack user id with it) is erased
when it is recorded done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.common import to_dicts
from blocks.purge import purge_done_blocks, purge_done_text, purged_card_blocks, purged_card_text
from bot.delivery.posting import METADATA_TYPE, metadata_payload
from bot.rules.purge_job import (
    CleanupJob,
    Found,
    Progress,
    SlackMessage,
    notices_pending,
    record_progress,
    scrub_targets,
)
from bot.wiring.services import Services
from models.tables import OutboxMessage

log = logging.getLogger("interview_bot.purge")

MAX_PAGES = 50
# Slack errors meaning the thing is gone already: nothing left to do about it.
GONE = ("message_not_found", "channel_not_found", "thread_not_found")
FILE_GONE = ("file_not_found", "file_deleted")
USER_GONE = ("user_not_found", "channel_not_found")


@dataclass(frozen=True)
class BotIdentity:
    user_id: str | None
    bot_id: str | None

    def wrote(self, message: dict[str, Any]) -> bool:
        if message.get("subtype") == "tombstone":
            return False
        return bool(
            (self.bot_id and message.get("bot_id") == self.bot_id)
            or (self.user_id and message.get("user") == self.user_id)
        )


class Stopped(Exception):
    """The row is no longer pending (done by another instance meanwhile): nothing more to do here."""


class PurgeCleaner:
    """One run of a purge_cleanup row's job, from where the last run left off."""

    def __init__(self, services: Services, client: WebClient, row: OutboxMessage) -> None:
        self.services = services
        self.client = client
        self.row = row
        self.job = CleanupJob.from_payload(row.payload)
        self.progress = Progress.from_payload(row.payload)

    def run(self, until: datetime) -> bool:
        """Do what is left; False when `until` came first (the next claim goes on). A Slack error
        other than "already gone" is raised: the row is retried."""
        if self.job is None:
            return True  # erased: done (or purged of its own payload) already
        steps: tuple[Callable[[CleanupJob, datetime], bool], ...] = (
            self._redact_card,
            self._find,
            self._delete_files,
            self._delete_messages,
            self._tell,
            self._scrub,
        )
        try:
            for step in steps:
                if _late(until) or not step(self.job, until):
                    return False
        except Stopped:
            return True
        log.info(
            "purge of candidate #%s cleaned up in Slack: %s",
            self.job.summary.candidate_id,
            "; ".join(self.progress.lines()),
        )
        return True

    def _record(self) -> None:
        with self.services.db.transaction() as session:
            if not record_progress(session, self.row.id or 0, self.progress):
                raise Stopped

    def _redact_card(self, job: CleanupJob, until: datetime) -> bool:
        card = job.card
        if card is None or self.progress.card is not None:
            return True
        try:
            self.client.chat_update(
                channel=card.channel,
                ts=card.ts,
                text=purged_card_text(job.summary),
                blocks=to_dicts(purged_card_blocks(job.summary)),
            )
            self.progress.card = "redacted"
        except SlackApiError as exc:
            if exc.response.get("error") not in GONE:
                raise
            self.progress.card = "gone"
        self._record()
        return True

    def _find(self, job: CleanupJob, until: datetime) -> bool:
        """Everything to delete, found once and recorded before any of it is deleted."""
        if self.progress.found is not None:
            return True
        auth = self.client.auth_test()
        me = BotIdentity(auth.get("user_id"), auth.get("bot_id"))
        found = Found([], [], 0)
        if job.card is not None:
            self._thread(job.card, me, found)
        in_thread = {m.key for m in found.messages}
        found.messages.extend(m for m in job.sent if m.key not in in_thread)
        if job.user_id is not None:
            self._dms(job, me, found)
        found.files.extend(job.files)
        found.files = list(dict.fromkeys(found.files))
        self.progress.found = found
        self._record()
        return True

    def _thread(self, card: SlackMessage, me: BotIdentity, found: Found) -> None:
        try:
            messages = self._read(self.client.conversations_replies, channel=card.channel, ts=card.ts)
        except SlackApiError as exc:
            if exc.response.get("error") not in GONE:
                raise
            return
        for message in messages:
            if message.get("ts") == card.ts:
                continue
            if me.wrote(message):
                found.messages.append(SlackMessage(card.channel, message["ts"], "thread reply"))
                found.files.extend(f["id"] for f in message.get("files") or [] if isinstance(f, dict) and f.get("id"))
            elif message.get("subtype") != "tombstone":
                found.left_by_people += 1

    def _dms(self, job: CleanupJob, me: BotIdentity, found: Found) -> None:
        try:
            channel = self.client.conversations_open(users=job.user_id)["channel"]["id"]
            messages = self._read(self.client.conversations_history, channel=channel, include_all_metadata=True)
        except SlackApiError as exc:
            if exc.response.get("error") not in USER_GONE:
                raise
            return
        keys = {m.key for m in found.messages}
        for message in messages:
            if not me.wrote(message):
                continue
            outbox_id, candidate_id = _metadata(message)
            if outbox_id in job.keep:
                continue  # a cancellation notice the purge sent them: it stays
            if outbox_id is not None and candidate_id is None and outbox_id not in job.outbox_ids:
                continue  # about no candidacy (the notice that they are none, sent since the purge)
            if job.user_still_candidate and not (
                outbox_id in job.outbox_ids or candidate_id == job.summary.candidate_id
            ):
                continue  # they are still a candidate for another role: what belongs to that one stays
            shared = [f["id"] for f in message.get("files") or [] if isinstance(f, dict) and f.get("id")]
            if shared and not message.get("text") and not message.get("blocks"):
                found.files.extend(shared)  # an invite's share goes with its file
                continue
            dm = SlackMessage(channel, message["ts"], "direct message")
            if dm.key not in keys:
                keys.add(dm.key)
                found.messages.append(dm)

    def _read(self, method: Callable[..., Any], **kwargs: Any) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = method(limit=200, cursor=cursor, **kwargs)
            messages.extend(page.get("messages") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return messages

    def _delete_files(self, job: CleanupJob, until: datetime) -> bool:
        assert self.progress.found is not None
        for file_id in self.progress.found.files:
            if file_id in self.progress.files:
                continue
            if _late(until):
                return False
            try:
                self.client.files_delete(file=file_id)
                self.progress.files[file_id] = "deleted"
            except SlackApiError as exc:
                if exc.response.get("error") not in FILE_GONE:
                    raise
                self.progress.files[file_id] = "gone"
            self._record()
        return True

    def _delete_messages(self, job: CleanupJob, until: datetime) -> bool:
        assert self.progress.found is not None
        for message in self.progress.found.messages:
            if message.key in self.progress.messages:
                continue
            if _late(until):
                return False
            try:
                self.client.chat_delete(channel=message.channel, ts=message.ts)
                self.progress.messages[message.key] = "deleted"
            except SlackApiError as exc:
                if exc.response.get("error") not in GONE:
                    raise
                self.progress.messages[message.key] = "gone"
            self._record()
        return True

    def _tell(self, job: CleanupJob, until: datetime) -> bool:
        """The job's own output: a DM to who purged, saying what was cleaned up."""
        if job.tell is None or self.progress.told:
            return True
        try:
            self.client.chat_postMessage(
                channel=job.tell,
                text=purge_done_text(job.summary, self.progress),
                blocks=to_dicts(purge_done_blocks(job.summary, self.progress)),
                metadata={"event_type": METADATA_TYPE, "event_payload": metadata_payload(self.row)},
            )
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429 or status >= 500:
                raise
            # They cannot be written to (left, deactivated): the clean-up itself is done all the same.
            log.warning(
                "purge clean-up (outbox %s): could not tell %s: %s", self.row.id, job.tell, exc.response.get("error")
            )
        self.progress.told = True
        self._record()
        return True

    def _scrub(self, job: CleanupJob, until: datetime) -> bool:
        if self.progress.scrubbed:
            return True
        with self.services.db.transaction() as session:
            if notices_pending(session, job):
                # Their address would stay behind: this row is taken again once they are out (they
                # go first when the dispatcher takes rows in order; not when this job runs at once).
                return False
            self.progress.scrubbed = True
            if not record_progress(session, self.row.id or 0, self.progress):
                raise Stopped
            scrub_targets(session, self.row.id or 0, job)
        return True


def _late(until: datetime) -> bool:
    return datetime.now(UTC) >= until


def _metadata(message: dict[str, Any]) -> tuple[int | None, int | None]:
    """(outbox id, candidate id) from a bot message's metadata (bot/delivery/posting.py), if it has them."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    outbox_id, candidate_id = payload.get("outbox_id"), payload.get("candidate_id")
    return (
        outbox_id if isinstance(outbox_id, int) and metadata.get("event_type") == METADATA_TYPE else None,
        candidate_id if isinstance(candidate_id, int) else None,
    )
