"""A hiring report in the DM of the person who asked: built and queued by bot/delivery/report_dm.py,
posted from what its row carries, never rebuilt here.

With charts, the report is one file share (files upload v2: files.getUploadURLExternal, the bytes,
files.completeUploadExternal) carrying the report's blocks, so figures and charts are one message;
that is the row's follow-up, with no chat.postMessage of its own. Without charts it is a plain post.

A share carries no message metadata, so the Poster cannot look for it on a retry as it does for a
post. Instead its first block has a block id made from the row's reference: a retry reads the DM's
history first and shares nothing when that block is already there (the answer to the share was lost,
or the process died before recording it). Slack makes a share visible asynchronously, so a retry
within moments of a share whose answer was lost could still miss it; the backoff before a retry
(5 s at least) makes that unlikely, not impossible.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.posting import status, wall_clock
from bot.delivery.rendering import Json, Rendered, Rendering
from bot.reporting.charts import Chart
from models.tables import OutboxMessage

log = logging.getLogger("interview_bot.reports")

# Slack's limit on a file's alt text.
MAX_ALT = 1000


@dataclass(frozen=True)
class ReportFile:
    """One chart as its row carries it."""

    png: bytes
    filename: str
    title: str
    alt: str


def report_payload(ref: str, text: str, blocks: list[Json], charts: list[Chart]) -> Json:
    """What a report row carries to be posted without rebuilding: erased once sent (Kind.report is
    transient). `ref` tells this report's share apart from any other in the DM."""
    return {
        "ref": ref,
        "text": text,
        "blocks": blocks,
        "charts": [
            {
                "png": base64.b64encode(c.png).decode("ascii"),
                "filename": c.filename,
                "title": c.title,
                "alt": c.alt[:MAX_ALT],
            }
            for c in charts
        ],
    }


def report_files(payload: Json) -> list[ReportFile]:
    return [
        ReportFile(base64.b64decode(str(c["png"])), str(c["filename"]), str(c["title"]), str(c["alt"]))
        for c in payload.get("charts") or []
    ]


def marker(ref: str) -> str:
    return f"report-{ref}"[:255]  # Slack's limit on a block id


def report(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """The report to `row.target`'s DM; None when the row carries none (nothing left to send)."""
    payload = row.payload or {}
    blocks: list[Json] = list(payload.get("blocks") or [])
    if not blocks:
        return None
    text = str(payload.get("text") or "Hiring report")
    files = report_files(payload)
    if not files:
        return Rendered(row.target, text, blocks)
    ref = str(payload.get("ref") or row.id)
    blocks[0] = {**blocks[0], "block_id": marker(ref)}

    def follow_up(client: WebClient, until: datetime) -> bool:
        return share_report(client, row, blocks, files, marker(ref), until)

    return Rendered(row.target, text, blocks, follow_up=follow_up, post=False)


def share_report(
    client: WebClient, row: OutboxMessage, blocks: list[Json], files: list[ReportFile], mark: str, until: datetime
) -> bool:
    """Upload the charts into the person's DM with the report's blocks on the share, unless an
    earlier attempt already did. False when `until` came first (the row is taken again)."""
    if wall_clock() >= until:
        return False
    dm = client.conversations_open(users=row.target)["channel"]["id"]
    if row.attempts > 1 and already_shared(client, dm, row, mark):
        log.info("report (outbox %s) was already shared in %s; not sharing it again", row.id, dm)
        return True
    client.files_upload_v2(
        channel=dm,
        file_uploads=[{"content": f.png, "filename": f.filename, "title": f.title, "alt_txt": f.alt} for f in files],
        blocks=json.dumps(blocks),
    )
    return True


def already_shared(client: WebClient, dm: str, row: OutboxMessage, mark: str) -> bool:
    """Whether the DM holds a message whose first block is this report's marker. When the history
    cannot be read (a missing scope, say), the report is shared: twice is better than never. A 429
    is raised, so the row waits as Slack asks."""
    oldest = f"{(row.created_at - timedelta(minutes=1)).timestamp():.6f}"
    try:
        page = client.conversations_history(channel=dm, oldest=oldest, limit=200)
    except SlackApiError as exc:
        if status(exc) == 429:
            raise
        log.warning("could not check whether report (outbox %s) was shared: %s", row.id, exc.response.get("error"))
        return False
    message: dict[str, Any]
    for message in page.get("messages", []):
        first: object = (message.get("blocks") or [{}])[0]
        if isinstance(first, dict) and first.get("block_id") == mark:
            return True
    return False
