"""The line between a candidate and the hiring team (bot/rules/line.py): a candidate's DM relayed
into their thread, a recruiter's reply to the candidate, and the thread's copy of that reply.

About no round: the text travels in the row's payload. Once the candidate is purged there is
nothing left to say, so none of these goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from blocks.common import section, to_dicts
from blocks.line import (
    NOT_A_CANDIDATE,
    relay_blocks,
    relay_text,
    reply_blocks,
    reply_note_blocks,
    reply_note_text,
    reply_text,
)
from bot.delivery.line_files import follow_relay
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.line import MAX_FILE_BYTES, SharedFile, relay_files
from bot.rules.message_kinds import Kind
from models.tables import Candidate, OutboxMessage, Role


@dataclass(frozen=True)
class _Line:
    """A line row's candidate, their role, and what the row carries."""

    candidate: Candidate
    role: Role
    payload: dict[str, Any]
    text: str
    files: list[SharedFile]


def _line(r: Rendering, row: OutboxMessage) -> _Line | None:
    """None once the candidate is purged, or when the row has nothing left to say."""
    with r.services.db.read() as session:
        candidate = session.get(Candidate, row.candidate_id) if row.candidate_id is not None else None
        if candidate is None or candidate.purged_at is not None:
            return None
        role = session.get(Role, candidate.role_id)
    payload = row.payload or {}
    text = str(payload.get("text") or "")
    files = relay_files(row) if row.kind == Kind.line_relay else []
    if not (text or files) or role is None:
        return None
    return _Line(candidate, role, payload, text, files)


def relay(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """The candidate's DM in their thread; its files follow it once it is in."""
    line = _line(r, row)
    if line is None or not line.candidate.channel_id:
        return None
    candidate, text, files = line.candidate, line.text, line.files
    channel, thread_ts = line.candidate.channel_id, line.candidate.thread_ts
    others = [str(t) for t in line.payload.get("others") or []]
    following = [f for f in files if not f.too_large]
    too_large = [f for f in files if f.too_large]
    blocks = relay_blocks(candidate, text, others, following, too_large, MAX_FILE_BYTES)

    def follow_up(client: WebClient, until: datetime) -> bool:
        return follow_relay(r.services, client, row, channel, thread_ts, until)

    fallback = relay_text(candidate, text, len(files))
    return Rendered(channel, fallback, to_dicts(blocks), thread_ts, follow_up)


def reply(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """A recruiter's message, to the candidate."""
    line = _line(r, row)
    if line is None:
        return None
    kit = r.services.kits.kits.get(line.role.kit_key)
    by = str(line.payload.get("by") or "")
    blocks = reply_blocks(line.text, by, line.role.title, kit.company if kit else None)
    return Rendered(row.target, reply_text(line.text), to_dicts(blocks))


def reply_thread(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """The thread's record of what a recruiter sent the candidate."""
    line = _line(r, row)
    if line is None or not line.candidate.channel_id:
        return None
    candidate, text, channel = line.candidate, line.text, line.candidate.channel_id
    by = str(line.payload.get("by") or "")
    note = reply_note_blocks(candidate, text, by)
    return Rendered(channel, reply_note_text(candidate, text, by), to_dicts(note), candidate.thread_ts)


def notice(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """To someone who wrote to the bot without being a candidate, once."""
    return Rendered(row.target, NOT_A_CANDIDATE, to_dicts([section(NOT_A_CANDIDATE)]))
