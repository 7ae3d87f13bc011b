"""Take-home assignments as they stand: a candidate's open one for a stage, and when its work arrived.

Sending one and marking its work received is bot/rules/take_home.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.kit import Stage, StageKind
from models.tables import Candidate, Interview, InterviewKind, InterviewStatus, StageEvent

RECEIVED = "received"


def open_assignment(session: Session, candidate_id: int, stage_key: str) -> Interview | None:
    return session.exec(
        select(Interview)
        .where(
            col(Interview.candidate_id) == candidate_id,
            col(Interview.stage_key) == stage_key,
            col(Interview.kind) == InterviewKind.assignment,
            col(Interview.status) == InterviewStatus.scheduled,
        )
        .order_by(col(Interview.id).desc())
    ).first()


def received_at(session: Session, interview: Interview) -> datetime | None:
    event = session.exec(
        select(StageEvent)
        .where(
            col(StageEvent.candidate_id) == interview.candidate_id,
            col(StageEvent.action) == RECEIVED,
            col(StageEvent.at) >= interview.created_at,
        )
        .order_by(col(StageEvent.id))
    ).first()
    return event.at if event else None


def take_home_state(session: Session, candidate: Candidate, stage: Stage) -> str | None:
    if stage.kind is not StageKind.take_home or candidate.id is None:
        return None
    assignment = open_assignment(session, candidate.id, stage.key)
    if assignment is None:
        return None
    return "received" if received_at(session, assignment) else "open"
