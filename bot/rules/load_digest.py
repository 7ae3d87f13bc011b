"""The weekly interviewer-load digest: for each role that opted in (`role.load_digest`) and has a
pool, one DM to each of its recruiters per ISO week, queued by the scheduler's sweep at its first
pass after Monday 09:00 UTC (so a process that was down then still sends it, once). The figures are
read when it is sent (bot/delivery/renderers/load_digest.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.rules.clock import week_label, week_start
from bot.rules.message_kinds import Kind, outbox_row
from bot.rules.roles import get_role, role_recruiters
from models.tables import OutboxMessage, PoolMember, Role

SENT_FROM = timedelta(hours=9)  # after Monday midnight, UTC


def queue_digests(session: Session, now: datetime, recruiters: Collection[str] = ()) -> int:
    """This week's digests not yet queued; how many were."""
    if now < week_start(now) + SENT_FROM:
        return 0
    week = week_label(now)
    pooled = set(session.exec(select(PoolMember.role_id).distinct()).all())
    queued = 0
    for role in session.exec(select(Role).where(col(Role.load_digest).is_(True), col(Role.active).is_(True))).all():
        if role.id not in pooled:
            continue
        for recruiter in role_recruiters(role, recruiters):
            row = outbox_row(Kind.load_digest, recruiter, None, None, now, now, tag=f"role{role.id}:{week}",
                             payload={"role": role.id, "week": week})  # fmt: skip
            exists = session.exec(
                select(OutboxMessage.id).where(col(OutboxMessage.idempotency_key) == row.idempotency_key)
            ).first()
            if exists is None:
                session.add(row)
                queued += 1
    session.flush()
    return queued


def set_digest(session: Session, role_id: int, on: bool) -> Role:
    role = get_role(session, role_id)
    role.load_digest = on
    session.add(role)
    session.flush()
    return role
