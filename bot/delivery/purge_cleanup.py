"""After a purge: the candidate's card is redacted and the bot's own messages about them deleted.

Wiring: runs after the purge's transaction (a Bolt lazy listener, or the command line) with the
`PurgeResult`. The app does not store the ts of its thread replies or of the DMs it sends outside
the outbox, so it reads the thread (conversations.replies) and its DM with the candidate
(conversations.open + conversations.history) and deletes what the bot wrote, and the copies of the
files the candidate sent that the bot shared into the thread. Every Slack failure
is logged and reported in the `SlackCleanup`, never raised: the database purge already happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.common import to_dicts
from blocks.purge import purged_card_blocks, purged_card_text
from bot.delivery.posting import METADATA_TYPE
from bot.rules.purge import PurgeResult, SlackCleanup, SlackMessage

log = logging.getLogger("interview_bot.purge")

MAX_PAGES = 50
GONE = ("message_not_found", "channel_not_found", "thread_not_found")


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


def _error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None:
        return str(response.get("error") or exc)
    return type(exc).__name__


class PurgeCleaner:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def clean(self, result: PurgeResult) -> SlackCleanup:
        report = SlackCleanup()
        me = self._identity(report)
        # (channel, ts) -> what it is; collected first, deleted after, so paging is never disturbed.
        doomed: dict[tuple[str, str], str] = {}
        # Deleting a message that shares a file leaves the file: the copies are deleted themselves.
        files: list[str] = []
        if result.card is not None:
            self._redact_card(result, report)
            if me is not None:
                self._thread(result.card, me, doomed, files, report)
        for message in result.sent:
            doomed.setdefault((message.channel, message.ts), message.what)
        if result.candidate_user_id and me is not None:
            self._dms(result, me, doomed, report)
        for file_id in dict.fromkeys(files):
            self._delete_file(file_id, report)
        for (channel, ts), what in doomed.items():
            self._delete(channel, ts, what, report)
        log.info(
            "purge of candidate #%s in Slack: card %s, %s deleted, %s already gone, %s left by people, %s failed",
            result.candidate_id,
            "redacted" if report.card_redacted else "not redacted",
            report.deleted,
            report.already_gone,
            report.left_by_people,
            len(report.failures),
        )
        return report

    def _identity(self, report: SlackCleanup) -> BotIdentity | None:
        try:
            auth = self.client.auth_test()
        except Exception as exc:
            self._failed(report, "the bot's own messages could not be told apart (auth.test)", exc)
            return None
        return BotIdentity(auth.get("user_id"), auth.get("bot_id"))

    def _redact_card(self, result: PurgeResult, report: SlackCleanup) -> None:
        card = result.card
        assert card is not None
        try:
            self.client.chat_update(
                channel=card.channel,
                ts=card.ts,
                text=purged_card_text(result),
                blocks=to_dicts(purged_card_blocks(result)),
            )
            report.card_redacted = True
        except Exception as exc:
            self._failed(report, f"the card in {card.channel} ({card.ts})", exc)

    def _thread(
        self,
        card: SlackMessage,
        me: BotIdentity,
        doomed: dict[tuple[str, str], str],
        files: list[str],
        report: SlackCleanup,
    ) -> None:
        try:
            messages = self._read(self.client.conversations_replies, channel=card.channel, ts=card.ts)
        except Exception as exc:
            self._failed(report, f"the replies in the thread {card.channel} ({card.ts}) (conversations.replies)", exc)
            return
        for message in messages:
            if message.get("ts") == card.ts:
                continue
            if me.wrote(message):
                doomed[(card.channel, message["ts"])] = "thread reply"
                files.extend(f["id"] for f in message.get("files") or [] if isinstance(f, dict) and f.get("id"))
            elif message.get("subtype") != "tombstone":
                report.left_by_people += 1

    def _dms(
        self, result: PurgeResult, me: BotIdentity, doomed: dict[tuple[str, str], str], report: SlackCleanup
    ) -> None:
        try:
            opened = self.client.conversations_open(users=result.candidate_user_id)
            channel = opened["channel"]["id"]
            messages = self._read(self.client.conversations_history, channel=channel, include_all_metadata=True)
        except Exception as exc:
            self._failed(report, "the bot's direct messages with the candidate (conversations.history)", exc)
            return
        outbox_ids = set(result.outbox_ids)
        for message in messages:
            if not me.wrote(message):
                continue
            if result.user_still_candidate and not _about(message, result.candidate_id, outbox_ids):
                # They are still a candidate for another role: keep what belongs to that one.
                continue
            doomed.setdefault((channel, message["ts"]), "direct message")

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

    def _delete(self, channel: str, ts: str, what: str, report: SlackCleanup) -> None:
        try:
            self.client.chat_delete(channel=channel, ts=ts)
            report.deleted += 1
        except SlackApiError as exc:
            if exc.response.get("error") in GONE:
                report.already_gone += 1
                return
            self._failed(report, f"{what} in {channel} ({ts})", exc)
        except Exception as exc:
            self._failed(report, f"{what} in {channel} ({ts})", exc)

    def _delete_file(self, file_id: str, report: SlackCleanup) -> None:
        try:
            self.client.files_delete(file=file_id)
            report.files_deleted += 1
        except SlackApiError as exc:
            if exc.response.get("error") in ("file_not_found", "file_deleted"):
                return
            self._failed(report, f"the relayed file {file_id}", exc)
        except Exception as exc:
            self._failed(report, f"the relayed file {file_id}", exc)

    @staticmethod
    def _failed(report: SlackCleanup, what: str, exc: Exception) -> None:
        error = _error(exc)
        log.warning("purge clean-up: %s: %s", what, error)
        report.failures.append(f"{what}: {error}")


def _about(message: dict[str, Any], candidate_id: int, outbox_ids: set[int]) -> bool:
    """Whether a DM's metadata ties it to this candidacy (an outbox message, or a stage message)."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") == METADATA_TYPE:
        return payload.get("outbox_id") in outbox_ids
    return payload.get("candidate_id") == candidate_id
