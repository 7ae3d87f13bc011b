"""Take-home stages: the brief and due date to the candidate, a reminder before it is due, the
recruiter told if nothing arrived, then the reviewers' scorecards once it did.

An assignment is a round of the take-home stage (kind `assignment`) that starts when it is sent
and "ends" at the due date, so the outbox, the panel (the reviewers) and the scorecards work as for interviews.
When the recruiter marks the work received, the round's end moves to that moment: the reviewers
are asked for their scorecards and the feedback deadline counts from then.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.rules import lifecycle
from bot.rules.assignments import RECEIVED, open_assignment, received_at
from bot.rules.candidates import get_candidate
from bot.rules.errors import UserError
from bot.rules.kits import KitCatalog
from bot.rules.rounds import RoundContext, load_round
from bot.rules.scheduling import MAX_PANEL, active_at_stage, parse_panel
from models.kit import StageKind
from models.tables import Interview, InterviewKind, Role, StageEvent


def due_end(due: date, tz_name: str) -> datetime:
    """The end of the due day in the recruiter's time zone, as UTC."""
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(due, time(23, 59), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def send_take_home(
    session: Session,
    kits: KitCatalog,
    *,
    candidate_id: int,
    due: date,
    tz: str,
    reviewer_ids: list[str],
    actor: str,
    now: datetime,
    recruiters: Collection[str] = (),
) -> RoundContext:
    candidate, role, kit, stage = active_at_stage(session, kits, candidate_id, "sending a take-home")
    if stage.kind is not StageKind.take_home or stage.take_home is None:
        raise UserError(f"{stage.name} is not a take-home stage.")
    ends = due_end(due, tz)
    if ends <= now:
        raise UserError("That due date has passed; pick a later day.", field="date")
    if ends > now + timedelta(days=60):
        raise UserError("Pick a due date within the next 60 days.", field="date")
    panel = parse_panel(reviewer_ids)
    if stage.questions and not panel:
        raise UserError("This take-home is scored: pick who reviews the work.", field="interviewers")
    if len(panel) > MAX_PANEL:
        raise UserError(f"Pick at most {MAX_PANEL} reviewers.", field="interviewers")
    if candidate.slack_user_id in panel:
        raise UserError(f"{candidate.name} cannot review their own work.", field="interviewers")
    if open_assignment(session, candidate_id, stage.key) is not None:
        raise UserError(f"{candidate.name} already has this take-home; mark it received or cancel it first.")
    interview = Interview(
        candidate_id=candidate_id,
        stage_key=stage.key,
        kind=InterviewKind.assignment,
        starts_at=now,
        ends_at=ends,
        scheduled_by=actor,
        created_at=now,
    )
    ctx = RoundContext(interview, candidate, role, kit, stage, panel)
    return lifecycle.open_round(session, ctx, actor=actor, now=now, recruiters=recruiters)


def mark_received(
    session: Session, kits: KitCatalog, candidate_id: int, actor: str, now: datetime, recruiters: Collection[str] = ()
) -> RoundContext:
    """The work arrived: a stage event, the candidate's nudges stop, the reviewers are asked."""
    candidate = get_candidate(session, candidate_id, lock=True)
    role = session.get(Role, candidate.role_id)
    assert role is not None
    interview = open_assignment(session, candidate_id, candidate.stage_key)
    if interview is None or received_at(session, interview) is not None:
        raise UserError(f"{candidate.name} has no take-home waiting to be received.")
    session.add(
        StageEvent(
            candidate_id=candidate_id, at=now, actor_id=actor, action=RECEIVED, from_stage=candidate.stage_key,
            to_stage=candidate.stage_key, from_status=candidate.status, to_status=candidate.status,
        )
    )  # fmt: skip
    ctx = load_round(session, kits, interview.id or 0)
    return lifecycle.receive(session, ctx, actor=actor, now=now, recruiters=recruiters)
