"""The Slack clean-up after a purge: a job, not a message. Its row posts nothing; its follow-up
(bot/delivery/purge_cleanup.py) does the work, on the dispatcher's follow-up thread."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.delivery.purge_cleanup import PurgeCleaner
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.purge_job import CleanupJob
from models.tables import OutboxMessage


def purge_cleanup(r: Rendering, row: OutboxMessage) -> Rendered | None:
    if CleanupJob.from_payload(row.payload) is None:
        return None  # nothing to go on: its payload is gone

    def follow_up(client: WebClient, until: datetime) -> bool:
        return PurgeCleaner(r.services, client, row).run(until)

    return Rendered(channel=row.target, post=False, follow_up=follow_up)
