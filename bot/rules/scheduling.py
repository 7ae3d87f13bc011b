"""Scheduling, moving and cancelling rounds: what a recruiter may ask for, checked here, then done
by bot/rules/lifecycle.py, which writes the round and everything that follows from it in the same
transaction, so a message is never promised without being recorded, nor recorded without its round.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.rules import lifecycle
from bot.rules.availability import PanelTimes, limits_for
from bot.rules.candidates import get_candidate
from bot.rules.clashes import check_panel
from bot.rules.errors import NotFound, UserError
from bot.rules.kits import KitCatalog, stage_index
from bot.rules.roles import USER_ID, kit_for
from bot.rules.rounds import RoundContext, load_round, stage_variants
from bot.rules.training import part_for
from models.kit import TIMED_STAGE_KINDS, Kit, Stage, StageKind
from models.tables import (
    Candidate,
    Interview,
    InterviewKind,
    InterviewStatus,
    Role,
    Scorecard,
    TrainingPart,
)

MAX_PANEL = 10
# How far ahead a round may be: catches a mistyped year, and keeps every reminder's time in range.
MAX_AHEAD = timedelta(days=366)


def kind_for(stage: Stage) -> InterviewKind:
    """What a meeting scheduled for `stage` is: a take-home's is its kickoff, not scored."""
    return InterviewKind.kickoff if stage.kind is StageKind.take_home else InterviewKind.round


def parse_variant(kit: Kit, stage: Stage, value: str | None) -> str | None:
    """A variant picked in the form, `<stage key>:<variant key>`; it must belong to the stage."""
    if not value:
        return None
    stage_key, _, key = value.partition(":")
    offered = stage_variants(kit, stage)
    if stage_key != stage.key or key not in {v.key for v in offered}:
        names = ", ".join(v.title for v in offered)
        raise UserError(
            f"That variant is not one of {stage.name}'s: pick one of {names}, or leave it empty."
            if offered
            else f"{stage.name} has no exercise variants; leave the variant empty.",
            field="variant",
        )
    return key


def parse_panel(user_ids: list[str]) -> list[str]:
    panel: list[str] = []
    for user_id in user_ids:
        if not USER_ID.match(user_id or ""):
            raise UserError(f"'{user_id}' is not a Slack user; pick interviewers from the list.", field="interviewers")
        if user_id not in panel:
            panel.append(user_id)
    return panel


def _validate(
    candidate: Candidate,
    kit: Kit,
    stage_key: str,
    panel: list[str],
    starts_at: datetime,
    minutes: int,
    now: datetime,
    kind: str | None = None,
) -> Stage:
    """`kind` is the round's own when it is being moved; a new round's follows from its stage."""
    try:
        stage = kit.stage(stage_key)
    except KeyError:
        raise UserError(f"The kit has no stage '{stage_key}'.", field="stage") from None
    if kind == InterviewKind.assignment:
        raise UserError(
            "A take-home assignment has a due date, not a meeting time; cancel it and send it again to change it.",
            field="time",
        )
    if stage.kind not in TIMED_STAGE_KINDS and stage.kind is not StageKind.take_home:
        raise UserError(
            f"{stage.name} is a {stage.kind.value.replace('_', ' ')} stage, not a meeting; rounds are for "
            "calls, interviews, presentations, simulations and take-home kickoffs.",
            field="stage",
        )
    if not panel:
        raise UserError("Pick at least one interviewer.", field="interviewers")
    if len(panel) > MAX_PANEL:
        raise UserError(f"A panel has at most {MAX_PANEL} interviewers.", field="interviewers")
    if candidate.slack_user_id and candidate.slack_user_id in panel:
        raise UserError(
            f"{candidate.name} cannot interview themselves; remove them from the panel.", field="interviewers"
        )
    if starts_at <= now:
        raise UserError("That time has already passed; pick a time in the future.", field="time")
    if starts_at > now + MAX_AHEAD:
        raise UserError("That date is more than a year away; pick a date within the next twelve months.", field="date")
    if not 5 <= minutes <= 600:
        raise UserError("The duration must be between 5 and 600 minutes.", field="duration")
    return stage


def schedule_round(
    session: Session,
    kits: KitCatalog,
    *,
    candidate_id: int,
    stage_key: str,
    interviewer_ids: list[str],
    starts_at: datetime,
    duration_minutes: int,
    location: str | None,
    actor: str,
    now: datetime,
    variant: str | None = None,
    recruiters: Collection[str] = (),
    anyway: bool = False,
    times: PanelTimes | None = None,
    trainee: str | None = None,
) -> RoundContext:
    """A meeting for a stage: a scored round, or the kickoff of a take-home (briefed, not scored).
    `variant` is the form's `<stage key>:<variant key>` pick, if any; `recruiters` the RECRUITERS
    list, for a role that names none; `anyway`: book it even over the panel's other meetings; `times`:
    the panel's zones and calendars, to hold the time to their hours, calendars and caps too;
    `trainee`: one of the stage's trainees, shadowing or in reverse shadow by their progress."""
    candidate = get_candidate(session, candidate_id, lock=True)
    if candidate.status not in ("active", "on_hold"):
        raise UserError(f"{candidate.name} is {candidate.status}; reopen them before scheduling.", field="stage")
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kit_for(kits, role)
    panel = parse_panel(interviewer_ids)
    stage = _validate(candidate, kit, stage_key, panel, starts_at, duration_minutes, now)
    location = (location or "").strip() or None
    if location and len(location) > 500:
        raise UserError("The link or location is longer than 500 characters.", field="location")
    interview = Interview(
        candidate_id=candidate_id,
        stage_key=stage.key,
        kind=kind_for(stage),
        variant=parse_variant(kit, stage, variant),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes),
        location=location,
        scheduled_by=actor,
        created_at=now,
    )
    part = part_for(session, kits, role.id or 0, stage.key, trainee, panel, now) if trainee else None
    attendees = [*panel, trainee] if trainee else panel
    overrides = check_panel(
        session, attendees, interview.starts_at, interview.ends_at,
        anyway=anyway, times=times, limits=limits_for(kit, stage), now=now,
    )  # fmt: skip
    if part is TrainingPart.reverse_shadow:
        ctx = RoundContext(interview, candidate, role, kit, stage, attendees, reverse_shadow=trainee)
    else:
        ctx = RoundContext(interview, candidate, role, kit, stage, panel, (trainee,) if trainee else ())
    return lifecycle.open_round(session, ctx, actor=actor, now=now, recruiters=recruiters, overrides=overrides)


def active_at_stage(
    session: Session, kits: KitCatalog, candidate_id: int, doing: str
) -> tuple[Candidate, Role, Kit, Stage]:
    """The candidate (locked for the change), their role, kit and current stage; refused unless
    they are active, naming what `doing` needs that for."""
    candidate = get_candidate(session, candidate_id, lock=True)
    if candidate.status != "active":
        raise UserError(f"{candidate.name} is {candidate.status}; reopen them before {doing}.")
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kit_for(kits, role)
    return candidate, role, kit, kit.stages[stage_index(kit, candidate.stage_key)]


def assign_reviewers(
    session: Session,
    kits: KitCatalog,
    *,
    candidate_id: int,
    reviewer_ids: list[str],
    actor: str,
    now: datetime,
    recruiters: Collection[str] = (),
) -> RoundContext:
    """A review of the candidate's current stage (a resume screen): no meeting, the reviewers rate
    every criterion like a scorecard. It is a round that starts and ends now, so requests,
    reminders, escalation, blind feedback and the debrief all work as for interviews."""
    candidate, role, kit, stage = active_at_stage(session, kits, candidate_id, "asking for a review")
    if stage.kind is not StageKind.review:
        raise UserError(f"{stage.name} is not a review stage; schedule a round for it instead.")
    panel = parse_panel(reviewer_ids)
    if not panel:
        raise UserError("Pick at least one reviewer.", field="interviewers")
    if len(panel) > MAX_PANEL:
        raise UserError(f"A review has at most {MAX_PANEL} reviewers.", field="interviewers")
    if candidate.slack_user_id in panel:
        raise UserError(f"{candidate.name} cannot review themselves; remove them.", field="interviewers")
    open_review = session.exec(
        select(Interview).where(
            col(Interview.candidate_id) == candidate_id,
            col(Interview.stage_key) == stage.key,
            col(Interview.status) == InterviewStatus.scheduled,
        )
    ).first()
    if open_review is not None:
        raise UserError(f"{candidate.name}'s {stage.name} review is already assigned; wait for it, or cancel it first.")
    interview = Interview(
        candidate_id=candidate_id, stage_key=stage.key, starts_at=now, ends_at=now, scheduled_by=actor, created_at=now
    )
    ctx = RoundContext(interview, candidate, role, kit, stage, panel)
    return lifecycle.open_round(session, ctx, actor=actor, now=now, recruiters=recruiters)


def upcoming_round(session: Session, candidate_id: int, now: datetime) -> Interview:
    """The round a reschedule or cancel command means: the next scheduled one, else the latest."""
    rounds = list(
        session.exec(
            select(Interview)
            .where(Interview.candidate_id == candidate_id, Interview.status == InterviewStatus.scheduled)
            .order_by(col(Interview.starts_at))
        )
    )
    if not rounds:
        raise NotFound("There is no scheduled round for this candidate; `/interview schedule` creates one.")
    future = [r for r in rounds if r.ends_at > now]
    return future[0] if future else rounds[-1]


def reschedule_round(
    session: Session,
    kits: KitCatalog,
    interview_id: int,
    *,
    starts_at: datetime,
    duration_minutes: int,
    location: str | None,
    interviewer_ids: list[str] | None,
    actor: str,
    now: datetime,
    recruiters: Collection[str] = (),
    anyway: bool = False,
    times: PanelTimes | None = None,
) -> RoundContext:
    ctx = load_round(session, kits, interview_id, lock=True)
    interview = ctx.interview
    if interview.status != InterviewStatus.scheduled:
        raise UserError(f"This round is {interview.status}; schedule a new one instead.", field="time")
    panel = parse_panel(interviewer_ids) if interviewer_ids is not None else ctx.panel
    _validate(ctx.candidate, ctx.kit, interview.stage_key, panel, starts_at, duration_minutes, now, interview.kind)
    if has_scorecards(session, interview_id):
        raise UserError("Scorecards are already in for this round; schedule a new round instead.", field="time")
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    overrides = check_panel(
        session, panel, starts_at, ends_at,
        besides=interview_id, anyway=anyway, times=times, limits=limits_for(ctx.kit, ctx.stage), now=now,
    )  # fmt: skip
    return lifecycle.move_round(
        session,
        ctx,
        starts_at=starts_at,
        minutes=duration_minutes,
        location=location,
        panel=panel,
        actor=actor,
        now=now,
        recruiters=recruiters,
        overrides=overrides,
    )


def cancel_round(session: Session, kits: KitCatalog, interview_id: int, *, actor: str, now: datetime) -> RoundContext:
    ctx = load_round(session, kits, interview_id, lock=True)
    if ctx.interview.status != InterviewStatus.scheduled:
        raise UserError(f"This round is already {ctx.interview.status}.")
    return lifecycle.cancel(session, ctx, actor=actor, now=now)


def has_scorecards(session: Session, interview_id: int) -> bool:
    return session.exec(select(Scorecard.id).where(Scorecard.interview_id == interview_id).limit(1)).first() is not None


def local_to_utc(date_text: str | None, time_text: str | None, tz_name: str, tz_offset: int = 0) -> datetime:
    """The scheduler's wall-clock date and time in their Slack time zone, as UTC."""
    if not date_text:
        raise UserError("Pick the date of the round.", field="date")
    if not time_text:
        raise UserError("Pick the start time.", field="time")
    try:
        local = datetime.strptime(f"{date_text} {time_text}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise UserError(f"'{date_text} {time_text}' is not a date and time I understand.", field="date") from None
    try:
        zone: tzinfo = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone(timedelta(seconds=tz_offset))
    try:
        return local.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:  # the first or last day a datetime can hold, shifted out of range
        raise UserError(
            f"'{date_text}' is out of range; pick a date within the next twelve months.", field="date"
        ) from None
