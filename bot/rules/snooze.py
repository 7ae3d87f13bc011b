"""Snooze: *Remind me tomorrow* on a scorecard reminder or digest puts it off to the person's next
working-hours start, at most twice per scorecard; the escalation to the recruiter goes ahead at its
time whatever was put off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.rules.delivery_windows import Reader
from bot.rules.digests import SCORECARDS, digest_row, group_of, rounds_of
from bot.rules.errors import Forbidden, UserError
from bot.rules.message_kinds import Kind, outbox_row
from models.tables import Interview, InterviewStatus, OutboxMessage, PanelMember, Scorecard

MAX_SNOOZES = 2


@dataclass(frozen=True)
class Snoozed:
    at: datetime
    # Rounds put off, and rounds that were already put off twice (their reminders end here).
    rounds: list[int]
    spent: list[int]


def snooze(session: Session, row_id: int, user_id: str, reader: Reader, now: datetime) -> Snoozed:
    """Put off the reminder or digest `row_id` (the button's) to `user_id`'s next working start.
    Raises UserError when there is nothing left to put off."""
    row = session.get(OutboxMessage, row_id, with_for_update=True)
    if row is None or row.target != user_id or group_of(row) != SCORECARDS:
        raise Forbidden("This reminder is not yours to put off.")
    if (row.payload or {}).get("snoozed_to"):
        raise UserError(f"Already put off: I will remind you again at {row.payload['snoozed_to'][:16]} UTC.")
    rounds = rounds_of(row)
    done = set(
        session.exec(
            select(Scorecard.interview_id).where(
                Scorecard.interviewer_id == user_id, col(Scorecard.interview_id).in_(rounds)
            )
        )
    )
    open_rounds = set(
        session.exec(
            select(Interview.id).where(col(Interview.id).in_(rounds), Interview.status == InterviewStatus.scheduled)
        )
    )
    members = [
        m
        for m in session.exec(
            select(PanelMember)
            .where(PanelMember.interviewer_id == user_id, col(PanelMember.interview_id).in_(rounds))
            .with_for_update()
        )
        if m.interview_id in open_rounds and m.interview_id not in done
    ]
    if not members:
        raise UserError("Nothing left to remind you of: your scorecards for these rounds are in.")
    allowed = [m for m in members if m.snoozes < MAX_SNOOZES]
    spent = [m.interview_id for m in members if m.snoozes >= MAX_SNOOZES]
    if not allowed:
        raise UserError(
            f"You have put this off {MAX_SNOOZES} times, so it is not put off again: "
            "the recruiter hears once it is overdue. Submit it when you can."
        )
    at = reader.next_day_start(now)
    for member in allowed:
        member.snoozes += 1
        session.add(member)
    ids = [m.interview_id for m in allowed]
    count = max(m.snoozes for m in allowed)
    if len(ids) == 1:
        interview = session.get(Interview, ids[0])
        candidate_id = interview.candidate_id if interview is not None else None
        again = outbox_row(Kind.scorecard_reminder, user_id, candidate_id, ids[0], at, now, tag=f"snooze{count}")
    else:
        again = digest_row(user_id, SCORECARDS, ids, at, now, f"{user_id}:snooze:{row_id}")
    session.add(again)
    row.payload = {**(row.payload or {}), "snoozed_to": at.isoformat()}
    session.add(row)
    session.flush()
    return Snoozed(at, ids, spent)
