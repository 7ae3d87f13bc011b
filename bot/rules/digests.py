"""Digests: several reminders to one person due at the same time, as one message.

An interviewer's scorecard reminders (and digests of them, put off to the same start) become one
digest listing each round with its *Submit* button and due time; a recruiter's feedback escalations
likewise. The digest is one outbox row naming the rounds; it is rendered when sent, from what is
still pending then. The rows it replaces are closed, each naming the digest in its payload.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, or_, select

from bot.rules.message_kinds import Kind
from models.tables import OutboxMessage, OutboxState

SCORECARDS = "scorecards"
ESCALATIONS = "escalations"
# The kind each group digests.
GROUPS = {Kind.scorecard_reminder: SCORECARDS, Kind.escalation: ESCALATIONS}


def group_of(row: OutboxMessage) -> str | None:
    """Which digest a row may join: its kind's group, or a digest's own."""
    if row.kind == Kind.digest:
        return str((row.payload or {}).get("group") or "") or None
    return GROUPS.get(row.kind)  # type: ignore[call-overload]


def digestible(row: OutboxMessage) -> bool:
    return group_of(row) is not None


def rounds_of(row: OutboxMessage) -> list[int]:
    """The rounds a reminder or a digest is about."""
    if row.kind == Kind.digest:
        return [int(i) for i in (row.payload or {}).get("rounds", [])]
    return [row.interview_id] if row.interview_id is not None else []


def digest_row(target: str, group: str, rounds: list[int], due: datetime, now: datetime, key: str) -> OutboxMessage:
    return OutboxMessage(
        kind=Kind.digest,
        target=target,
        due_at=due,
        idempotency_key=f"digest:{key}",
        payload={"group": group, "rounds": list(dict.fromkeys(rounds))},
        created_at=now,
    )


def gather(
    session: Session, row: OutboxMessage, until: datetime, wall: datetime, now: datetime
) -> OutboxMessage | None:
    """When `row` (claimed, about to go out) has company, the other pending rows of its group to its
    target due by `until` and not claimed elsewhere: one digest of them all, due now, replacing them.
    None when it is alone."""
    group = group_of(row)
    if group is None:
        return None
    kinds = [k for k, g in GROUPS.items() if g == group] + [Kind.digest]
    others = [
        other
        for other in session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.target == row.target,
                col(OutboxMessage.kind).in_(kinds),
                OutboxMessage.state == OutboxState.pending,
                OutboxMessage.due_at <= until,
                OutboxMessage.id != row.id,
                or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < wall),
            )
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        )
        if group_of(other) == group
    ]
    if not others:
        return None
    rounds = [i for r in [row, *others] for i in rounds_of(r)]
    digest = digest_row(row.target, group, rounds, now, now, f"{row.target}:{group}:{row.id}")
    session.add(digest)
    for replaced in session.exec(
        select(OutboxMessage).where(col(OutboxMessage.id).in_([row.id, *(o.id for o in others)]))
    ):
        replaced.state = OutboxState.cancelled
        replaced.claimed_until = None
        replaced.payload = {**(replaced.payload or {}), "digest": digest.idempotency_key}
        session.add(replaced)
    return digest
