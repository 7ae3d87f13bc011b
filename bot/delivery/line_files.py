"""The Slack side of a relayed DM once its message is in the thread (the dispatcher calls it): the
files the candidate sent follow it one by one, then a ✅ on their DM tells them it was passed on.

A file is fetched by its id alone: files.info says where to download it, never a URL from the event
(which anyone able to forge one could point anywhere). The download carries the bot token, so it
goes over HTTPS (or to the Slack API's own origin: a proxy, the stand-in), follows redirects only
within the same origin, and stops at MAX_FILE_BYTES. Each file through is recorded in the row's
payload in its own transaction, so a retry after a failure sends only the rest.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.common import to_dicts
from blocks.line import file_note_blocks, too_large_text, unavailable_text
from bot.rules.line import (
    MAX_FILE_BYTES,
    SharedFile,
    files_done,
    mark_file_relayed,
    relay_files,
    relayed_dm,
    relaying,
)
from bot.wiring.services import Services
from models.tables import OutboxMessage

log = logging.getLogger("interview_bot.line")

RELAYED_REACTION = "white_check_mark"
DOWNLOAD_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# One download may take at most this long in all, however slowly the bytes trickle in.
DOWNLOAD_MAX_SECONDS = 120.0
MAX_REDIRECTS = 3
# files.info errors meaning the file is gone for good: said in the thread, not retried.
GONE = ("file_not_found", "file_deleted")


class DownloadError(Exception):
    """A file could not be fetched this time; the row is retried."""


class TooLarge(Exception):
    """A file over MAX_FILE_BYTES: named in the thread, never relayed."""


class Unavailable(Exception):
    """Slack has no downloadable copy of the file (deleted, or a link to an external file)."""


def follow_relay(
    services: Services, client: WebClient, row: OutboxMessage, channel: str, thread_ts: str | None, until: datetime
) -> bool:
    """Send a relayed DM's files not yet through into its thread, then add the ✅ to the DM. False
    when `until` (the end of the row's lease, near enough) came first: the next claim goes on. A
    Slack or download error is raised, and the row retried."""
    done = files_done(row)
    for shared in relay_files(row):
        if shared.id in done:
            continue
        if datetime.now(UTC) >= until:
            return False
        with services.db.read() as session:
            if not relaying(session, row.id or 0):
                return True  # purged meanwhile: nothing more goes out, not even the ✅
        outcome = _relay_file(services, client, shared, channel, thread_ts)
        with services.db.transaction() as session:
            if not mark_file_relayed(session, row.id or 0, shared.id, outcome):
                return True
    confirm_relay(client, row)
    return True


def _relay_file(services: Services, client: WebClient, shared: SharedFile, channel: str, thread_ts: str | None) -> str:
    """Upload one file into the thread, or say there why it cannot be; how it went."""
    try:
        info = client.files_info(file=shared.id)["file"]
    except SlackApiError as exc:
        if exc.response.get("error") not in GONE:
            raise
        _note(client, channel, thread_ts, unavailable_text(shared))
        return "unavailable"
    size = info.get("size")
    actual = SharedFile(shared.id, shared.name, size if isinstance(size, int) else None)
    try:
        if actual.too_large:
            raise TooLarge  # not downloaded at all
        content = download(download_url(info, services.settings.slack_api_url), client.token or "")
    except Unavailable:
        _note(client, channel, thread_ts, unavailable_text(shared))
        return "unavailable"
    except TooLarge:
        if not shared.too_large:  # the relayed message already said so when the event's size did
            known = actual if actual.too_large else SharedFile(shared.id, shared.name)
            _note(client, channel, thread_ts, too_large_text([known], MAX_FILE_BYTES))
        return "too_large"
    name = str(info.get("name") or shared.name)[:255] or shared.id
    client.files_upload_v2(
        channel=channel, thread_ts=thread_ts, content=content, filename=name, title=str(info.get("title") or name)
    )
    return "uploaded"


def download_url(info: dict[str, object], api_url: str) -> str:
    """Where files.info says the file is, if the bot token may be sent there."""
    url = info.get("url_private_download")
    if info.get("is_external") or not isinstance(url, str) or not url:
        raise Unavailable
    target, api = httpx.URL(url), httpx.URL(api_url)
    if target.scheme == "https" or _origin(target) == _origin(api):
        return url
    raise DownloadError(f"refusing to send the bot token to {target.scheme}://{target.host}")


def download(url: str, token: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, with the bot token; TooLarge past `limit`, DownloadError on anything else."""
    current = httpx.URL(url)
    start = _origin(current)
    deadline = time.monotonic() + DOWNLOAD_MAX_SECONDS
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(timeout=DOWNLOAD_TIMEOUT, follow_redirects=False) as http:
            for _ in range(MAX_REDIRECTS + 1):
                with http.stream("GET", current, headers=headers) as response:
                    if response.is_redirect:
                        current = response.url.join(response.headers.get("location", ""))
                        if _origin(current) != start:
                            # The token must not follow a redirect to somewhere else.
                            raise DownloadError(f"the download of {start[1]} was redirected to another host")
                        continue
                    if response.status_code != 200:
                        raise DownloadError(f"the download failed: HTTP {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise TooLarge
                    data = bytearray()
                    for chunk in response.iter_bytes():
                        data += chunk
                        if len(data) > limit:
                            raise TooLarge
                        if time.monotonic() > deadline:
                            raise DownloadError("the download took too long")
                    return bytes(data)
    except httpx.HTTPError as exc:
        raise DownloadError(f"the download failed: {type(exc).__name__}") from exc
    raise DownloadError("the download was redirected too many times")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _note(client: WebClient, channel: str, thread_ts: str | None, text: str) -> None:
    client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=text, blocks=to_dicts(file_note_blocks(text)), unfurl_links=False
    )


def confirm_relay(client: WebClient, row: OutboxMessage) -> None:
    """A ✅ on the candidate's DM: it was passed on. Never fails the row: the relay is done."""
    dm = relayed_dm(row)
    if dm is None:
        return
    try:
        client.reactions_add(channel=dm[0], timestamp=dm[1], name=RELAYED_REACTION)
    except SlackApiError as exc:
        error = exc.response.get("error")
        # A retry after the reaction went on already.
        level = logging.INFO if error == "already_reacted" else logging.WARNING
        log.log(level, "could not confirm relayed message (outbox %s) to the candidate: %s", row.id, error)
    except Exception:
        log.warning("could not confirm relayed message (outbox %s) to the candidate", row.id, exc_info=True)
