"""The candidate pipeline: adding candidates, moving them through a kit's stages, finding them.

Plain Python over the database; no Slack. Every change is one transaction that also
appends a stage event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from bot.rules.assignments import take_home_state
from bot.rules.candidates import OPEN_STATUSES, fold, get_candidate
from bot.rules.checklists import ChecklistItem, checklist_state
from bot.rules.errors import NotFound, UserError
from bot.rules.ids import prepared
from bot.rules.kits import KitCatalog, stage_index
from bot.rules.lifecycle import cancel_open_rounds
from bot.rules.promises import Promise, open_promise
from bot.rules.roles import kit_for
from bot.rules.thread_notes import stage_note
from models.kit import Kit, Stage
from models.tables import Candidate, CandidateStatus, Interview, InterviewStatus, Role, StageEvent, UTCDateTime

REASON_MAX = 1000


@dataclass(frozen=True)
class StageChange:
    candidate: Candidate
    role: Role
    kit: Kit
    event: StageEvent
    action: str
    from_stage: Stage
    to_stage: Stage

    @property
    def hired(self) -> bool:
        return self.candidate.status == CandidateStatus.hired


@dataclass(frozen=True)
class CandidateView:
    """Everything a card or summary shows about one candidate."""

    candidate: Candidate
    role: Role
    kit: Kit | None
    stage: Stage | None
    stage_number: int
    stage_count: int
    days_in_stage: int
    next_interview: Interview | None
    # The current stage's checklist (references, offer), ticked or not.
    checklist: list[ChecklistItem] = field(default_factory=list)
    # An answer promised to the candidate after their last round, not yet given.
    promise: Promise | None = None
    promise_overdue: bool = False
    # At a take-home stage: "open" once sent, "received" once the work is in; None before.
    take_home: str | None = None


@dataclass
class StageColumn:
    stage: Stage
    count: int = 0
    candidates: list[tuple[Candidate, int]] = field(default_factory=list)


@dataclass
class RoleBoard:
    role: Role
    kit: Kit | None
    columns: list[StageColumn]
    by_status: dict[str, int]


ACTIONS = ("advance", "hold", "reject", "reopen")
PAST_TENSE = {"advance": "advanced", "hold": "put on hold", "reject": "rejected", "reopen": "reopened", "hire": "hired"}


def change_stage(
    session: Session,
    kits: KitCatalog,
    candidate_id: int,
    action: str,
    actor: str,
    now: datetime,
    *,
    reason: str | None = None,
    expected: tuple[str, str] | None = None,
    cancel_rounds: bool = False,
) -> StageChange:
    """Advance, hold, reject or reopen. `expected` (stage, status) guards against double clicks.

    Rejected or hired, the candidate's rounds still to come are cancelled (the panel and the
    candidate told); put on hold, only with `cancel_rounds` (the hold form asks; kept by default)."""
    if action not in ACTIONS:
        raise UserError(f"'{action}' is not a stage change; use one of {', '.join(ACTIONS)}.")
    candidate = get_candidate(session, candidate_id, lock=True)
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kit_for(kits, role)
    if expected is not None and (candidate.stage_key, candidate.status) != expected:
        raise UserError(
            f"{candidate.name} has changed since this was shown: now {status_phrase(kit, candidate)}. Nothing was done."
        )
    reason = (reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise UserError(f"The reason is {len(reason)} characters; keep it to {REASON_MAX}.", field="reason")
    if action in ("hold", "reject") and not reason:
        raise UserError(f"Say why you {action} {candidate.name}; the reason goes in the thread.", field="reason")
    from_stage = kit.stages[stage_index(kit, candidate.stage_key)]
    from_status = candidate.status
    to_stage, to_status = next_state(kit, candidate, action)
    if to_stage.key != candidate.stage_key:
        candidate.stage_key = to_stage.key
        candidate.stage_entered_at = now
    candidate.status = to_status
    event = StageEvent(
        candidate_id=candidate_id,
        at=now,
        actor_id=actor,
        action="hire" if candidate.status == CandidateStatus.hired else action,
        from_stage=from_stage.key,
        to_stage=to_stage.key,
        from_status=from_status,
        to_status=candidate.status,
        reason=reason,
    )
    session.add(candidate)
    session.add(event)
    session.flush()
    stage_note(session, candidate, event, now)
    left = candidate.status in (CandidateStatus.rejected, CandidateStatus.hired)
    if left or (candidate.status == CandidateStatus.on_hold and cancel_rounds):
        cancel_open_rounds(session, kits, candidate, actor=actor, now=now, why=candidate.status)
    return StageChange(candidate, role, kit, event, event.action, from_stage, to_stage)


def next_state(kit: Kit, candidate: Candidate, action: str) -> tuple[Stage, str]:
    """Where `action` takes the candidate (stage, status), or a UserError saying why it cannot."""
    index = stage_index(kit, candidate.stage_key)
    stage, status = kit.stages[index], candidate.status
    name = candidate.name
    if action == "advance":
        if status != CandidateStatus.active:
            raise UserError(f"{name} is {status_word(status)}; reopen them before advancing.")
        if index + 1 < len(kit.stages):
            return kit.stages[index + 1], status
        return stage, CandidateStatus.hired
    if action == "hold":
        if status != CandidateStatus.active:
            raise UserError(f"{name} is {status_word(status)}, so cannot be put on hold.")
        return stage, CandidateStatus.on_hold
    if action == "reject":
        if status not in OPEN_STATUSES:
            raise UserError(f"{name} is already {status_word(status)}.")
        return stage, CandidateStatus.rejected
    if status not in (CandidateStatus.on_hold, CandidateStatus.rejected):
        raise UserError(f"{name} is {status_word(status)}; only held or rejected candidates can be reopened.")
    return stage, CandidateStatus.active


def status_word(status: str) -> str:
    return {"active": "active", "on_hold": "on hold", "rejected": "rejected", "hired": "hired"}.get(status, status)


def status_phrase(kit: Kit, candidate: Candidate) -> str:
    index = stage_index(kit, candidate.stage_key)
    return f"{status_word(candidate.status)} at stage {index + 1} of {len(kit.stages)}: {kit.stages[index].name}"


def days_between(start: datetime, now: datetime) -> int:
    return max(0, (now - start).days)


# Built once: a card or summary is asked for on every answer and refresh (bench/ack.py). The role
# with the candidate's next round, if any, in one statement (a round trip fewer on PostgreSQL); for
# a summary, with the stage events too. The next round is found by id, so no event is repeated.
_NEXT_ROUND_ID = (
    select(Interview.id)
    .where(
        col(Interview.candidate_id) == bindparam("candidate"),
        col(Interview.status) == InterviewStatus.scheduled,
        col(Interview.starts_at) >= bindparam("now", type_=UTCDateTime),
    )
    .order_by(col(Interview.starts_at))
    .limit(1)
    .scalar_subquery()
)
_ROLE_AND_NEXT_ROUND = prepared(
    select(Role, Interview)
    .select_from(Role)
    .outerjoin(Interview, col(Interview.id) == _NEXT_ROUND_ID)
    .where(col(Role.id) == bindparam("role"))
)
_SUMMARY = prepared(
    select(Role, Interview, StageEvent)
    .select_from(Role)
    .outerjoin(Interview, col(Interview.id) == _NEXT_ROUND_ID)
    .outerjoin(StageEvent, col(StageEvent.candidate_id) == bindparam("candidate"))
    .where(col(Role.id) == bindparam("role"))
    .order_by(col(StageEvent.id))
)
_EVENTS = prepared(
    select(StageEvent).where(StageEvent.candidate_id == bindparam("candidate")).order_by(col(StageEvent.id))
)


def candidate_view(session: Session, kits: KitCatalog, candidate: Candidate, now: datetime) -> CandidateView:
    params = {"role": candidate.role_id, "candidate": candidate.id, "now": now}
    found = session.exec(_ROLE_AND_NEXT_ROUND, params=params).first()
    assert found is not None
    return _view(session, kits, candidate, now, *found)


def candidate_summary(
    session: Session, kits: KitCatalog, candidate: Candidate, now: datetime
) -> tuple[CandidateView, list[StageEvent]]:
    """`candidate_view` and `stage_events` together, a read fewer: what `/candidate <name>` shows."""
    params = {"role": candidate.role_id, "candidate": candidate.id, "now": now}
    rows = session.exec(_SUMMARY, params=params).all()
    assert rows
    role, next_interview, _ = rows[0]
    events = [event for _, _, event in rows if event is not None]
    return _view(session, kits, candidate, now, role, next_interview), events


def _view(
    session: Session,
    kits: KitCatalog,
    candidate: Candidate,
    now: datetime,
    role: Role,
    next_interview: Interview | None,
) -> CandidateView:
    kit = kits.get(role.kit_key)
    stage = None
    number = count = 0
    if kit is not None:
        number = stage_index(kit, candidate.stage_key) + 1
        count = len(kit.stages)
        stage = kit.stages[number - 1]
    promise = open_promise(session, kit, candidate)
    take_home = take_home_state(session, candidate, stage) if stage is not None else None
    return CandidateView(
        candidate=candidate,
        role=role,
        kit=kit,
        stage=stage,
        stage_number=number,
        stage_count=count,
        days_in_stage=days_between(candidate.stage_entered_at, now),
        next_interview=next_interview,
        checklist=checklist_state(session, candidate.id, stage) if stage is not None and candidate.id else [],
        promise=promise,
        promise_overdue=promise is not None and promise.overdue(now),
        take_home=take_home,
    )


PER_STAGE = 8


def pipeline_boards(
    session: Session, kits: KitCatalog, now: datetime, role_query: str | None = None, *, names: bool = True
) -> list[RoleBoard]:
    """Each open role's counts per stage and status; with `names`, also the longest-waiting few
    candidates of each stage (the App Home shows only counts, so it leaves them out)."""
    roles_query = select(Role).where(col(Role.active)).order_by(col(Role.title))
    roles = list(session.exec(roles_query).all())
    if role_query:
        needle = fold(role_query.lstrip("#"))
        roles = [r for r in roles if needle in fold(r.title) or needle == str(r.id) or needle == r.kit_key]
        if not roles:
            raise NotFound(f"No open role matches '{role_query}'; `/hiring roles` lists them.")
    role_ids = [r.id for r in roles]
    live = col(Candidate.purged_at).is_(None)
    counts = session.exec(
        select(Candidate.role_id, Candidate.stage_key, Candidate.status, func.count())
        .where(live, col(Candidate.role_id).in_(role_ids))
        .group_by(col(Candidate.role_id), col(Candidate.stage_key), col(Candidate.status))
    ).all()
    shown = longest_waiting(session, role_ids) if names else []
    counts_of: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for role_id, stage_key, status, count in counts:
        counts_of[role_id].append((stage_key, status, count))
    shown_of: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in shown:
        shown_of[candidate.role_id].append(candidate)
    boards: list[RoleBoard] = []
    for role in roles:
        kit = kits.get(role.kit_key)
        columns = {s.key: StageColumn(s) for s in kit.stages} if kit else {}
        by_status: dict[str, int] = {}
        for stage_key, status, count in counts_of[role.id or 0]:
            by_status[status] = by_status.get(status, 0) + count
            if status in OPEN_STATUSES and stage_key in columns:
                columns[stage_key].count += count
        for candidate in shown_of[role.id or 0]:
            if candidate.stage_key in columns:
                columns[candidate.stage_key].candidates.append(
                    (candidate, days_between(candidate.stage_entered_at, now))
                )
        boards.append(RoleBoard(role, kit, list(columns.values()), by_status))
    return boards


def longest_waiting(session: Session, role_ids: list[int | None]) -> list[Candidate]:
    """The PER_STAGE open candidates of each role and stage who have waited longest, oldest first."""
    live = col(Candidate.purged_at).is_(None)
    rank = (
        func.row_number()
        .over(partition_by=(col(Candidate.role_id), col(Candidate.stage_key)), order_by=col(Candidate.stage_entered_at))
        .label("rank")
    )
    ranked = (
        select(Candidate.id, rank)
        .where(live, col(Candidate.role_id).in_(role_ids), col(Candidate.status).in_(OPEN_STATUSES))
        .subquery()
    )
    # Their ids first, then the rows by primary key: joined in one statement, PostgreSQL reads the
    # whole table to find the few hundred rows shown.
    shown_ids = session.exec(select(ranked.c.id).where(ranked.c.rank <= PER_STAGE)).all()
    return list(
        session.exec(
            select(Candidate).where(col(Candidate.id).in_(shown_ids)).order_by(col(Candidate.stage_entered_at))
        ).all()
    )


def stage_events(session: Session, candidate_id: int) -> list[StageEvent]:
    return list(session.exec(_EVENTS, params={"candidate": candidate_id}))


STALE_DAYS = 7


@dataclass(frozen=True)
class Waiting:
    candidate: Candidate
    role: Role
    why: str


def waiting_on_recruiters(session: Session, kits: KitCatalog, now: datetime, limit: int = 20) -> list[Waiting]:
    """Candidates that need a decision: all feedback in but no stage change since, or stuck a week."""
    live = (col(Candidate.purged_at).is_(None), Candidate.status == CandidateStatus.active)
    # When the first round of their current stage was debriefed, if it was after they entered it.
    # Asked per active candidate (few) through the interview's candidate index, not by scanning every
    # debriefed round ever held (many).
    debriefed = (
        select(func.min(Interview.debriefed_at))
        .where(
            col(Interview.candidate_id) == Candidate.id,
            col(Interview.status) == InterviewStatus.debriefed,
            col(Interview.stage_key) == Candidate.stage_key,
            col(Interview.debriefed_at) >= col(Candidate.stage_entered_at),
        )
        .correlate(Candidate)
        .scalar_subquery()
    )
    decided = session.exec(
        select(Candidate, Role)
        .join(Role, col(Role.id) == Candidate.role_id)
        .where(*live, debriefed.is_not(None))
        .order_by(debriefed, col(Candidate.id))
        .limit(limit)
    ).all()
    found: dict[int, Waiting] = {}
    for candidate, role in decided:
        found[candidate.id or 0] = Waiting(candidate, role, "all feedback is in; decide the next step")
    cutoff = now - timedelta(days=STALE_DAYS)
    stale = session.exec(
        select(Candidate, Role)
        .join(Role, col(Role.id) == Candidate.role_id)
        .where(*live, col(Candidate.stage_entered_at) < cutoff)
        .order_by(col(Candidate.stage_entered_at))
        .limit(limit)
    ).all()
    for candidate, role in stale:
        days = days_between(candidate.stage_entered_at, now)
        found.setdefault(candidate.id or 0, Waiting(candidate, role, f"{days} days in this stage"))
    return list(found.values())[:limit]
