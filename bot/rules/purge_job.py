"""The Slack clean-up after a purge, as an outbox job: what it has to do, and how far it got.

The purge (bot/rules/purge.py) queues one row of kind `purge_cleanup` in its own transaction. Its
payload keeps what the clean-up needs and nothing more: the card, the messages the bot sent about
the candidate, the candidate's Slack user (to find the bot's DMs with them), who to tell when it is
done, and the messages that must stay (the cancellation notices the purge itself sends). The job
(bot/delivery/purge_cleanup.py) records each step here in its own small transaction, so a retry
after a failure does only what is left. The kind is transient: the payload, and with it the
candidate's Slack user id, is erased when the job is recorded done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.rules.message_kinds import Kind
from models.tables import OutboxMessage, OutboxState

# What a row still addressed to the purged candidate is addressed to once the job is done.
PURGED_TARGET = "purged"


@dataclass(frozen=True)
class SlackMessage:
    """A message the bot posted in Slack that concerns the candidate."""

    channel: str
    ts: str
    what: str

    @property
    def key(self) -> str:
        return f"{self.channel} {self.ts}"


@dataclass(frozen=True)
class PurgeSummary:
    """What the purge erased, in counts only: for the redacted card and the DM to who purged."""

    candidate_id: int
    role_title: str
    at: datetime
    audit_id: int
    erased: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"Purged candidate #{self.candidate_id}"


@dataclass(frozen=True)
class CleanupJob:
    """What one purge's clean-up has to do, as its row's payload holds it."""

    summary: PurgeSummary
    # The card (parent of the candidate's thread), if it was posted.
    card: SlackMessage | None
    # Outbox messages already sent (DMs to the candidate and the panel, thread notes, debriefs).
    sent: tuple[SlackMessage, ...]
    # To find the bot's DMs with the candidate: kept here only until the job is done.
    user_id: str | None
    # The same Slack user is still a live candidate for another role: only this candidacy's DMs go.
    user_still_candidate: bool
    # This candidacy's outbox rows, to tell its DMs apart by their metadata.
    outbox_ids: frozenset[int]
    # Outbox rows whose messages stay (the cancellation notices the purge sends).
    keep: frozenset[int]
    # Who gets a DM once it is done (the recruiter who purged; None from the command line).
    tell: str | None
    # The `.ics` invites the bot shared with the candidate and the panel (bot/delivery/invite_files.py).
    files: tuple[str, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        s = self.summary
        return {
            "summary": {
                "candidate_id": s.candidate_id,
                "role_title": s.role_title,
                "at": s.at.isoformat(),
                "audit_id": s.audit_id,
                "erased": list(s.erased),
            },
            "card": {"channel": self.card.channel, "ts": self.card.ts} if self.card else None,
            "sent": [{"channel": m.channel, "ts": m.ts, "what": m.what} for m in self.sent],
            "user": self.user_id,
            "user_still_candidate": self.user_still_candidate,
            "outbox_ids": sorted(self.outbox_ids),
            "keep": sorted(self.keep),
            "tell": self.tell,
            "files": list(self.files),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> CleanupJob | None:
        """The job a row's payload describes; None once it is erased (or if it is unreadable)."""
        p: dict[str, Any] = payload or {}
        try:
            s = p["summary"]
            summary = PurgeSummary(
                int(s["candidate_id"]),
                str(s["role_title"]),
                datetime.fromisoformat(s["at"]),
                int(s["audit_id"]),
                tuple(str(line) for line in s["erased"]),
            )
            card = p["card"]
            return cls(
                summary=summary,
                card=SlackMessage(str(card["channel"]), str(card["ts"]), "card") if card else None,
                sent=tuple(SlackMessage(str(m["channel"]), str(m["ts"]), str(m["what"])) for m in p["sent"]),
                user_id=p.get("user"),
                user_still_candidate=bool(p.get("user_still_candidate")),
                outbox_ids=frozenset(int(i) for i in p.get("outbox_ids") or []),
                keep=frozenset(int(i) for i in p.get("keep") or []),
                tell=p.get("tell"),
                files=tuple(str(f) for f in p.get("files") or []),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class Found:
    """What the job found to delete once, before deleting any (so paging is never disturbed)."""

    messages: list[SlackMessage]
    # Files the bot shared: copies of the candidate's in the thread (bot/delivery/line_files.py), and
    # the invites in DMs (bot/delivery/invite_files.py).
    files: list[str]
    # Replies people wrote in the candidate's thread: a bot cannot delete them.
    left_by_people: int


@dataclass
class Progress:
    """How far the job got: each step recorded as it is done."""

    # "redacted", or "gone" when the card was deleted meanwhile.
    card: str | None = None
    found: Found | None = None
    # Message key (SlackMessage.key) or file id -> "deleted" or "gone".
    messages: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    told: bool = False
    scrubbed: bool = False

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> Progress:
        raw = (payload or {}).get("progress") or {}
        found = raw.get("found")
        return cls(
            card=raw.get("card"),
            found=Found(
                [SlackMessage(str(c), str(t), str(w)) for c, t, w in found["messages"]],
                [str(f) for f in found["files"]],
                int(found["left_by_people"]),
            )
            if isinstance(found, dict)
            else None,
            messages={str(k): str(v) for k, v in (raw.get("messages") or {}).items()},
            files={str(k): str(v) for k, v in (raw.get("files") or {}).items()},
            told=bool(raw.get("told")),
            scrubbed=bool(raw.get("scrubbed")),
        )

    def to_payload(self) -> dict[str, Any]:
        found = self.found
        return {
            "card": self.card,
            "found": {
                "messages": [[m.channel, m.ts, m.what] for m in found.messages],
                "files": found.files,
                "left_by_people": found.left_by_people,
            }
            if found is not None
            else None,
            "messages": self.messages,
            "files": self.files,
            "told": self.told,
            "scrubbed": self.scrubbed,
        }

    def lines(self) -> list[str]:
        """What was done in Slack, for the person who purged."""
        lines = []
        if self.card == "redacted":
            lines.append("card redacted")
        elif self.card == "gone":
            lines.append("the card was already gone")
        deleted = sum(1 for v in self.messages.values() if v == "deleted")
        gone = sum(1 for v in self.messages.values() if v == "gone")
        files = sum(1 for v in self.files.values() if v == "deleted")
        lines.append(f"{plural(deleted, 'message')} by the bot deleted")
        if files:
            lines.append(f"{plural(files, 'file')} the bot shared deleted")
        if gone:
            lines.append(f"{plural(gone, 'message')} already gone")
        people = self.found.left_by_people if self.found else 0
        if people:
            lines.append(
                f"{plural(people, 'reply')} written by people left in the thread: "
                "only their authors or a workspace admin can delete them"
            )
        return lines

    def left(self, job: CleanupJob) -> list[SlackMessage]:
        """What is still in Slack: the card unless redacted, and the messages not deleted yet."""
        left = [job.card] if job.card is not None and self.card is None else []
        messages = self.found.messages if self.found is not None else list(job.sent)
        return left + [m for m in messages if m.key not in self.messages]


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def record_progress(session: Session, row_id: int, progress: Progress) -> bool:
    """Store how far the job got, so a retry does only the rest; False (nothing written) when the
    row is no longer pending: done elsewhere meanwhile, and its payload maybe already erased."""
    # Locked, so a concurrent recording (another instance that took the row over) is never lost.
    row = session.get(OutboxMessage, row_id, with_for_update=True)
    if row is None or row.state != OutboxState.pending or row.kind != Kind.purge_cleanup or not row.payload:
        return False
    row.payload = {**row.payload, "progress": progress.to_payload()}
    session.add(row)
    return True


def notices_pending(session: Session, job: CleanupJob) -> bool:
    """Whether a notice the job keeps is still to go out to the candidate's Slack user."""
    if job.user_id is None or not job.keep:
        return False
    found = session.exec(
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.id).in_(job.keep),
            col(OutboxMessage.target) == job.user_id,
            col(OutboxMessage.state) == OutboxState.pending,
        )
        .limit(1)
    ).first()
    return found is not None


def scrub_targets(session: Session, row_id: int, job: CleanupJob) -> None:
    """The job's own row and the notices it kept are addressed to the candidate's Slack user (and
    keyed by it): once those notices are out (`notices_pending`), none of them holds it any longer."""
    if job.user_id is None:
        return
    rows = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.id).in_([row_id, *job.keep]), col(OutboxMessage.target) == job.user_id
        )
    )
    for row in rows:
        row.target = PURGED_TARGET
        row.idempotency_key = f"purged:{row.id}"
        session.add(row)
