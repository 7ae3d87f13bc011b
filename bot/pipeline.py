"""The candidate pipeline: adding candidates, moving them through a kit's stages, finding them.

Plain Python over the database; no Slack. Every change is one transaction that also
appends a stage event.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.errors import NotFound, UserError
from bot.kits import KitCatalog
from models.kit import Kit, Stage
from models.tables import Candidate, CandidateStatus, Interview, InterviewStatus, Role, StageEvent

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
OPEN_STATUSES = (CandidateStatus.active.value, CandidateStatus.on_hold.value)
REASON_MAX = 1000


class FormErrors(UserError):
    """Problems with several fields of a form, keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()), field=next(iter(errors)))
        self.errors = errors


def fold(text: str) -> str:
    """Lower-case without accents, for search: 'Zoë' and 'zoe' match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


class CandidateForm(BaseModel):
    """What a recruiter types in the new-candidate modal, validated."""

    name: str
    email: str
    role_id: int
    slack_user_id: str | None = None
    source: str | None = None
    link: str | None = None
    notes: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Enter the candidate's name.")
        if len(value) > 200:
            raise ValueError(f"The name is {len(value)} characters; keep it to 200.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not EMAIL.match(value) or len(value) > 254:
            raise ValueError(f"'{value}' is not an email address; enter one like name@example.com.")
        return value

    @field_validator("slack_user_id")
    @classmethod
    def _user(cls, value: str | None) -> str | None:
        if value and not USER_ID.match(value):
            raise ValueError("Pick the candidate's Slack user from the list, or leave it empty.")
        return value or None

    @field_validator("source", "notes")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
            raise ValueError(f"'{value}' is not a web link; enter a full URL starting with https://.")
        if len(value) > 500:
            raise ValueError("The link is longer than 500 characters; shorten it.")
        return value

    @classmethod
    def parse(cls, raw: dict[str, object]) -> CandidateForm:
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "name"
                message = str(error.get("ctx", {}).get("error") or error["msg"])
                if error["type"] == "missing" or name == "role_id":
                    message = {"role_id": "Pick the role.", "name": "Enter the candidate's name."}.get(
                        name, "This field is required."
                    )
                errors.setdefault(name, message)
            raise FormErrors(errors) from None


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
    last_event: StageEvent | None = None


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


def thread_link(channel_id: str | None, ts: str | None) -> str | None:
    if not channel_id or not ts:
        return None
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


def kit_for(kits: KitCatalog, role: Role) -> Kit:
    kit = kits.get(role.kit_key)
    if kit is None:
        raise UserError(
            f"The kit '{role.kit_key}' of the role '{role.title}' is not loaded; "
            "run `interview-bot kits validate` and fix it."
        )
    return kit


def get_role(session: Session, role_id: int) -> Role:
    role = session.get(Role, role_id)
    if role is None or not role.active:
        raise NotFound(f"There is no open role #{role_id}; `/hiring roles` lists them.", field="role_id")
    return role


def get_candidate(session: Session, candidate_id: int, *, lock: bool = False) -> Candidate:
    # `lock` takes the row (FOR UPDATE on PostgreSQL) so concurrent changes queue, not interleave.
    candidate = session.get(Candidate, candidate_id, with_for_update=lock)
    if candidate is None or candidate.purged_at is not None:
        raise NotFound(f"There is no candidate #{candidate_id}.")
    return candidate


def create_candidate(session: Session, kits: KitCatalog, form: CandidateForm, actor: str, now: datetime) -> Candidate:
    role = get_role(session, form.role_id)
    kit = kit_for(kits, role)
    existing = session.exec(
        select(Candidate).where(
            Candidate.role_id == role.id,
            func.lower(Candidate.email) == form.email.lower(),
            col(Candidate.status).in_(OPEN_STATUSES),
            col(Candidate.purged_at).is_(None),
        )
    ).first()
    if existing is not None:
        link = thread_link(existing.channel_id, existing.thread_ts)
        where = f": {link}" if link else ""
        raise UserError(
            f"{form.email} is already in the {role.title} pipeline as {existing.name} (#{existing.id}){where}",
            field="email",
        )
    candidate = Candidate(
        role_id=role.id,  # type: ignore[arg-type]
        name=form.name,
        name_key=fold(form.name),
        email=form.email,
        slack_user_id=form.slack_user_id,
        source=form.source,
        link=form.link,
        notes=form.notes,
        stage_key=kit.stages[0].key,
        status=CandidateStatus.active,
        stage_entered_at=now,
        channel_id=role.channel_id,
        created_by=actor,
        created_at=now,
    )
    session.add(candidate)
    session.flush()
    session.add(
        StageEvent(
            candidate_id=candidate.id,  # type: ignore[arg-type]
            at=now,
            actor_id=actor,
            action="created",
            to_stage=candidate.stage_key,
            to_status=candidate.status,
            reason=form.source,
        )
    )
    return candidate


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
) -> StageChange:
    """Advance, hold, reject or reopen. `expected` (stage, status) guards against double clicks."""
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


def stage_index(kit: Kit, stage_key: str) -> int:
    try:
        return kit.stage_index(stage_key)
    except KeyError:
        # The kit was edited and the stage removed: keep the candidate visible at the start.
        return 0


def status_word(status: str) -> str:
    return {"active": "active", "on_hold": "on hold", "rejected": "rejected", "hired": "hired"}.get(status, status)


def status_phrase(kit: Kit, candidate: Candidate) -> str:
    index = stage_index(kit, candidate.stage_key)
    return f"{status_word(candidate.status)} at stage {index + 1} of {len(kit.stages)}: {kit.stages[index].name}"


def days_between(start: datetime, now: datetime) -> int:
    return max(0, (now - start).days)


def candidate_view(session: Session, kits: KitCatalog, candidate: Candidate, now: datetime) -> CandidateView:
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kits.get(role.kit_key)
    stage = None
    number = count = 0
    if kit is not None:
        number = stage_index(kit, candidate.stage_key) + 1
        count = len(kit.stages)
        stage = kit.stages[number - 1]
    next_interview = session.exec(
        select(Interview)
        .where(
            Interview.candidate_id == candidate.id,
            Interview.status == InterviewStatus.scheduled,
            Interview.starts_at >= now,
        )
        .order_by(col(Interview.starts_at))
    ).first()
    last_event = session.exec(
        select(StageEvent).where(StageEvent.candidate_id == candidate.id).order_by(col(StageEvent.id).desc())
    ).first()
    return CandidateView(
        candidate=candidate,
        role=role,
        kit=kit,
        stage=stage,
        stage_number=number,
        stage_count=count,
        days_in_stage=days_between(candidate.stage_entered_at, now),
        next_interview=next_interview,
        last_event=last_event,
    )


def find_candidates(session: Session, query: str, *, limit: int = 10) -> list[Candidate]:
    """By id (`12`, `#12`), email or name; case- and accent-insensitive, partial."""
    query = query.strip()
    live = col(Candidate.purged_at).is_(None)
    digits = query.lstrip("#")
    if digits.isdigit():
        found = session.get(Candidate, int(digits))
        return [found] if found is not None and found.purged_at is None else []
    if not query:
        return []
    needle = fold(query)
    exact = session.exec(select(Candidate).where(live, Candidate.name_key == needle).limit(limit)).all()
    if exact:
        return list(exact)
    pattern = f"%{_escape_like(needle)}%"
    rows = session.exec(
        select(Candidate)
        .where(
            live,
            or_(
                col(Candidate.name_key).like(pattern, escape="\\"),
                func.lower(Candidate.email).like(pattern, escape="\\"),
            ),
        )
        .order_by(col(Candidate.status) != CandidateStatus.active, col(Candidate.name_key))
        .limit(limit)
    ).all()
    return list(rows)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_one(session: Session, query: str) -> Candidate | list[Candidate]:
    """The candidate the query names, or the list to choose from when it is ambiguous."""
    matches = find_candidates(session, query)
    if not matches:
        raise NotFound(f"No candidate matches '{query}'. Try part of the name, the email, or the id (#12).")
    return matches[0] if len(matches) == 1 else matches


PER_STAGE = 8


def pipeline_boards(
    session: Session, kits: KitCatalog, now: datetime, role_query: str | None = None
) -> list[RoleBoard]:
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
    # The longest-waiting few per stage, in one query.
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
    shown = session.exec(
        select(Candidate)
        .join(ranked, col(Candidate.id) == ranked.c.id)
        .where(ranked.c.rank <= PER_STAGE)
        .order_by(col(Candidate.stage_entered_at))
    ).all()
    boards: list[RoleBoard] = []
    for role in roles:
        kit = kits.get(role.kit_key)
        columns = {s.key: StageColumn(s) for s in kit.stages} if kit else {}
        by_status: dict[str, int] = {}
        for role_id, stage_key, status, count in counts:
            if role_id != role.id:
                continue
            by_status[status] = by_status.get(status, 0) + count
            if status in OPEN_STATUSES and stage_key in columns:
                columns[stage_key].count += count
        for candidate in shown:
            if candidate.role_id == role.id and candidate.stage_key in columns:
                columns[candidate.stage_key].candidates.append(
                    (candidate, days_between(candidate.stage_entered_at, now))
                )
        boards.append(RoleBoard(role, kit, list(columns.values()), by_status))
    return boards


def stage_events(session: Session, candidate_id: int) -> list[StageEvent]:
    return list(
        session.exec(select(StageEvent).where(StageEvent.candidate_id == candidate_id).order_by(col(StageEvent.id)))
    )


def is_candidate(session: Session, user_id: str) -> bool:
    found = session.exec(
        select(Candidate.id).where(Candidate.slack_user_id == user_id, col(Candidate.purged_at).is_(None)).limit(1)
    ).first()
    return found is not None


def open_roles(session: Session) -> list[Role]:
    return list(session.exec(select(Role).where(col(Role.active)).order_by(col(Role.title))).all())


STALE_DAYS = 7


@dataclass(frozen=True)
class Waiting:
    candidate: Candidate
    role: Role
    why: str


def waiting_on_recruiters(session: Session, kits: KitCatalog, now: datetime, limit: int = 20) -> list[Waiting]:
    """Candidates that need a decision: all feedback in but no stage change since, or stuck a week."""
    live = (col(Candidate.purged_at).is_(None), Candidate.status == CandidateStatus.active)
    decided = session.exec(
        select(Candidate, Role)
        .join(Role, col(Role.id) == Candidate.role_id)
        .join(Interview, col(Interview.candidate_id) == Candidate.id)
        .where(
            *live,
            Interview.status == InterviewStatus.debriefed,
            Interview.stage_key == Candidate.stage_key,
            col(Interview.debriefed_at) >= col(Candidate.stage_entered_at),
        )
        .order_by(col(Interview.debriefed_at))
        .limit(limit)
    ).all()
    found: dict[int, Waiting] = {}
    for candidate, role in decided:
        found.setdefault(candidate.id or 0, Waiting(candidate, role, "all feedback is in; decide the next step"))
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
