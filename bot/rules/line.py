"""The line between a candidate and the hiring team.

A candidate writes to the bot in its DM: the message, and any files sent with it, are relayed into
their candidate thread, and a ✅ on their DM tells them it was passed on. A recruiter answers from
the thread (a button or the message shortcut, then a modal): the text goes to the candidate as a DM
from the bot and the thread records who sent what. Nothing else that is said in the thread ever
reaches the candidate.

Every message here is to someone other than the person acting, so each is an outbox row,
written in the transaction that decides it, with its text in the row's payload (a purge empties
it). These are the rules, plain Python over the database; bot/delivery/renderers/line.py renders
a row when the dispatcher sends it, and bot/delivery/line_files.py makes the files follow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.rules.candidates import OPEN_STATUSES
from bot.rules.errors import NotFound, UserError
from bot.rules.idempotency import AlreadyDone, once
from bot.rules.ids import is_row_id
from bot.rules.message_kinds import LINE_KINDS, Kind, outbox_row
from bot.rules.permissions import Permissions
from models.tables import Candidate, Interview, OutboxMessage, OutboxState, Role, StageEvent

REPLY_MAX = 3000
# A candidate hired or rejected can still answer a recruiter who wrote to them (closing the loop)
# for this long after that message; otherwise only open candidacies are relayed.
REPLY_WINDOW = timedelta(days=14)
# A DM with files is a `message` event of this subtype; every other subtype (edits, joins) is not relayed.
FILE_SHARE = "file_share"
# Slack sends at most 10 files with one message; more in a forged event are ignored.
MAX_FILES = 10
FILE_ID = re.compile(r"F[A-Z0-9]{2,30}")
FILE_NAME_MAX = 255
DM_CHANNEL = re.compile(r"D[A-Z0-9]{2,30}")
# Larger files are not downloaded: the thread names them and asks the recruiter to get them by email.
MAX_FILE_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class SharedFile:
    """A file a candidate sent with their DM, as the event described it. Only its id is used to fetch
    it (through files.info); name and size are for the thread to say what follows."""

    id: str
    name: str
    size: int | None = None

    @property
    def too_large(self) -> bool:
        return self.size is not None and self.size > MAX_FILE_BYTES

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "size": self.size}


def shared_files(raw: object) -> list[SharedFile]:
    """The files of a `file_share` message event; entries without a Slack file id are dropped."""
    files: list[SharedFile] = []
    for entry in raw if isinstance(raw, list) else []:
        file_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(file_id, str) or not FILE_ID.fullmatch(file_id) or any(f.id == file_id for f in files):
            continue
        name = entry.get("name") or entry.get("title")
        name = name.replace("\x00", "").strip()[:FILE_NAME_MAX] if isinstance(name, str) else ""
        size = entry.get("size")
        files.append(SharedFile(file_id, name or file_id, size if isinstance(size, int) and size >= 0 else None))
    return files[:MAX_FILES]


def relay_files(row: OutboxMessage) -> list[SharedFile]:
    """The files a line_relay row carries (none once a purge emptied it)."""
    files: list[SharedFile] = []
    for entry in (row.payload or {}).get("files") or []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            size = entry.get("size")
            name = str(entry.get("name") or entry["id"])
            files.append(SharedFile(entry["id"], name, size if isinstance(size, int) else None))
    return files


def files_done(row: OutboxMessage) -> dict[str, str]:
    """File id -> how it went (uploaded, too_large, unavailable), for the files already through."""
    done = (row.payload or {}).get("done")
    return {str(k): str(v) for k, v in done.items()} if isinstance(done, dict) else {}


def relaying(session: Session, row_id: int) -> bool:
    """Whether a line_relay row is still being sent: a purge cancels it and erases its payload."""
    row = session.get(OutboxMessage, row_id)
    return row is not None and row.state == OutboxState.pending and bool((row.payload or {}).get("files"))


def mark_file_relayed(session: Session, row_id: int, file_id: str, outcome: str) -> bool:
    """Record that one of a relayed DM's files is through, so a retry does not send it again; False
    when the row is no longer being sent (purged meanwhile), and nothing is written."""
    # Locked, so a purge committing meanwhile is seen and its erasure never overwritten.
    row = session.get(OutboxMessage, row_id, with_for_update=True)
    if row is None or row.state != OutboxState.pending or not (row.payload or {}).get("files"):
        return False
    row.payload = {**row.payload, "done": {**files_done(row), file_id: outcome}}
    session.add(row)
    return True


def relayed_dm(row: OutboxMessage) -> tuple[str, str] | None:
    """(channel, ts) of the candidate's DM a line_relay row relays, for the ✅ once it is through."""
    dm = (row.payload or {}).get("dm")
    if isinstance(dm, dict) and isinstance(dm.get("channel"), str) and isinstance(dm.get("ts"), str):
        return dm["channel"], dm["ts"]
    return None


def line_candidacies(session: Session, user_id: str, now: datetime) -> list[tuple[Candidate, Role]]:
    """The candidacies a DM from `user_id` may go to, most recently active first.

    Activity is the latest of: a stage event, a round scheduled, a message on the line. So a
    candidate's answer goes where the last conversation with them happened."""
    rows = list(
        session.exec(
            select(Candidate, Role)
            .join(Role, col(Role.id) == col(Candidate.role_id))
            .where(Candidate.slack_user_id == user_id, col(Candidate.purged_at).is_(None))
        )
    )
    if not rows:
        return []
    ids = [c.id for c, _ in rows]
    last_event = _latest(session, StageEvent.candidate_id, StageEvent.at, ids)
    last_round = _latest(session, Interview.candidate_id, Interview.created_at, ids)
    line = col(OutboxMessage.kind).in_(LINE_KINDS)
    last_line = _latest(session, OutboxMessage.candidate_id, OutboxMessage.created_at, ids, line)
    replied = _latest(
        session, OutboxMessage.candidate_id, OutboxMessage.created_at, ids, col(OutboxMessage.kind) == Kind.line_reply
    )

    def open_line(candidate: Candidate) -> bool:
        if candidate.status in OPEN_STATUSES:
            return True
        last_reply = replied.get(candidate.id or 0)
        return last_reply is not None and last_reply >= now - REPLY_WINDOW

    def activity(pair: tuple[Candidate, Role]) -> tuple[datetime, int]:
        c = pair[0]
        times = [c.created_at, *(t.get(c.id or 0) for t in (last_event, last_round, last_line))]
        return max(t for t in times if t is not None), c.id or 0

    return sorted((pair for pair in rows if open_line(pair[0])), key=activity, reverse=True)


def _latest(session: Session, key: Any, when: Any, ids: list[int | None], *where: Any) -> dict[int, datetime]:
    query = select(key, func.max(when)).where(col(key).in_(ids), *where).group_by(key)
    return {candidate_id: at for candidate_id, at in session.exec(query) if at is not None}


@dataclass(frozen=True)
class Relayed:
    candidate_id: int
    # Titles of the person's other open candidacies, said in the thread.
    others: tuple[str, ...]


def relay_from_candidate(
    session: Session,
    user_id: str,
    ts: str,
    text: str,
    now: datetime,
    *,
    files: Sequence[SharedFile] = (),
    dm_channel: str | None = None,
) -> Relayed | None:
    """Queue a candidate's DM (its text, and the files sent with it) for their thread; None when
    `user_id` has no candidacy to relay to.

    Keyed by the DM's ts as well as the event id (bot/wiring/app.py), so one message is relayed once. The
    DM's channel and ts are kept for the ✅ that tells the candidate it was passed on."""
    candidacies = line_candidacies(session, user_id, now)
    if not candidacies:
        return None
    (candidate, _role), others = candidacies[0], candidacies[1:]
    titles = tuple(role.title for _, role in others)
    if candidate.channel_id:
        row = outbox_row(Kind.line_relay, candidate.channel_id, candidate.id, None, now, now, tag=ts[:40])
        payload: dict[str, Any] = {"text": text, "others": list(titles)}
        if files:
            payload["files"] = [f.to_json() for f in files[:MAX_FILES]]
        if dm_channel and DM_CHANNEL.fullmatch(dm_channel) and ts:
            payload["dm"] = {"channel": dm_channel, "ts": ts[:40]}
        row.payload = payload
        _add_once(session, row)
    return Relayed(candidate.id or 0, titles)


def _add_once(session: Session, row: OutboxMessage) -> None:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        pass  # the same message is already queued (same idempotency key)


def reply_target(session: Session, permissions: Permissions, candidate_id: int, user_id: str) -> tuple[Candidate, Role]:
    """The candidate a recruiter may write to, or why not."""
    candidate = session.get(Candidate, candidate_id) if is_row_id(candidate_id) else None
    if candidate is None:
        raise NotFound(f"There is no candidate #{candidate_id}.")
    role = session.get(Role, candidate.role_id)
    assert role is not None
    permissions.require_recruiter(user_id, "write to candidates", role.recruiter_ids)
    if candidate.purged_at is not None:
        raise UserError(
            f"Candidate #{candidate_id} was purged: their data was erased, so the bot can no longer write to them."
        )
    if not candidate.slack_user_id:
        raise UserError(
            f"{candidate.name} has no Slack user on their record, so the bot cannot write to them; "
            f"write to {candidate.email} instead."
        )
    return candidate, role


def clean_reply(value: object) -> str:
    text = value.replace("\x00", "").strip() if isinstance(value, str) else ""
    if not text:
        raise UserError("Write the message to send.", field="text")
    if len(text) > REPLY_MAX:
        raise UserError(f"The message is {len(text):,} characters; keep it to {REPLY_MAX:,}.", field="text")
    return text


def reply_to_candidate(
    session: Session,
    permissions: Permissions,
    candidate_id: int,
    user_id: str,
    text: object,
    tag: str,
    now: datetime,
) -> Candidate:
    """Queue a recruiter's message to the candidate and its note in the thread, together."""
    candidate, _role = reply_target(session, permissions, candidate_id, user_id)
    message = clean_reply(text)
    assert candidate.slack_user_id is not None
    targets = [(Kind.line_reply, candidate.slack_user_id)]
    if candidate.channel_id:
        targets.append((Kind.line_reply_thread, candidate.channel_id))
    for kind, target in targets:
        row = outbox_row(kind, target, candidate.id, None, now, now, tag=tag[:64])
        row.payload = {"text": message, "by": user_id}
        session.add(row)
    session.flush()
    return candidate


def candidate_for_thread(session: Session, channel_id: str | None, ts: str | None) -> int:
    """The candidate whose thread `ts` (the card or a reply's thread_ts) is, purged ones included."""
    found = None
    if channel_id and ts:
        found = session.exec(
            select(Candidate.id).where(Candidate.channel_id == channel_id, Candidate.thread_ts == ts).limit(1)
        ).first()
    if found is None:
        raise UserError(
            "*Reply to candidate* works on a message in a candidate's thread: the card in the hiring "
            "channel or a reply under it."
        )
    return found


def tell_not_a_candidate(session: Session, user_id: str, channel: str, now: datetime) -> None:
    """Someone who is no candidate wrote to the bot: told once what this conversation is for
    (a row to their DM), then left in peace."""
    try:
        once(session, f"line:notice:{user_id}", now)
    except AlreadyDone:
        return
    session.add(outbox_row(Kind.line_notice, channel, None, None, now, now))
