"""Response-time promises ("we get back to you within 2 days of the round"):
when one is running for a candidate, and whether it was kept.

A promise starts when a round of a stage (or kit) that states one ends, and is kept by a
decision: advancing, hiring or rejecting the candidate. A hold is not an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.kit import Kit
from models.tables import Candidate, CandidateStatus, Interview, InterviewKind, InterviewStatus, StageEvent

DECISIONS = ("advance", "hire", "reject")


@dataclass(frozen=True)
class Promise:
    stage_name: str
    hours: int
    round_ended: datetime
    due_at: datetime

    def overdue(self, now: datetime) -> bool:
        return now >= self.due_at


def decided_since(session: Session, candidate_id: int, since: datetime) -> bool:
    return (
        session.exec(
            select(StageEvent.id).where(
                col(StageEvent.candidate_id) == candidate_id,
                col(StageEvent.at) >= since,
                col(StageEvent.action).in_(DECISIONS),
            )
        ).first()
        is not None
    )


def open_promise(session: Session, kit: Kit | None, candidate: Candidate) -> Promise | None:
    """The promise for `candidate`'s latest round in the current stage (scheduled or held), if
    that stage (or the kit) promises an answer after it and no decision came since it ended."""
    if kit is None or candidate.id is None or candidate.status not in (CandidateStatus.active, CandidateStatus.on_hold):
        return None
    try:
        stage = kit.stage(candidate.stage_key)
    except KeyError:
        return None
    hours = stage.response_promise_hours or kit.response_promise_hours
    if not hours:
        return None
    ended = session.exec(
        select(Interview.ends_at)
        .where(
            col(Interview.candidate_id) == candidate.id,
            col(Interview.stage_key) == stage.key,
            col(Interview.status) != InterviewStatus.cancelled,
            # Handing over a take-home promises nothing; the work does.
            col(Interview.kind) != InterviewKind.kickoff,
        )
        .order_by(col(Interview.ends_at).desc())
    ).first()
    if ended is None or decided_since(session, candidate.id, ended):
        return None
    return Promise(stage.name, hours, ended, ended + timedelta(hours=hours))
