"""Interview rounds and the scheduled messages around them (SPEC 4).

Scheduling, moving or cancelling a round writes its outbox rows in the same transaction,
so a message is never promised without being recorded, nor recorded without its round.
Messages are rendered when they are sent, from the state at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from sqlmodel import Session, col, select, update

from bot.rules.candidates import get_candidate
from bot.rules.errors import NotFound, UserError
from bot.rules.ids import is_row_id
from bot.rules.kits import KitCatalog
from bot.rules.pipeline import stage_index
from bot.rules.roles import USER_ID, kit_for
from models.kit import TIMED_STAGE_KINDS, Kit, Stage, StageKind, Variant
from models.tables import (
    Candidate,
    Interview,
    InterviewKind,
    InterviewStatus,
    OutboxMessage,
    OutboxState,
    PanelMember,
    Role,
    Scorecard,
)

MAX_PANEL = 10
# How far ahead a round may be: catches a mistyped year, and keeps every reminder's time in range.
MAX_AHEAD = timedelta(days=366)


class Kind:
    """Outbox message kinds."""

    prep = "prep"
    prep_reminder = "prep_reminder"
    briefing = "briefing"
    scorecard_request = "scorecard_request"
    scorecard_reminder = "scorecard_reminder"
    escalation = "escalation"
    escalation_thread = "escalation_thread"
    cancelled = "round_cancelled"
    rescheduled = "round_rescheduled"
    debrief_thread = "debrief_thread"
    debrief = "debrief"
    dead_letter = "dead_letter"
    # To the recruiter, before a response-time promise to the candidate runs out.
    promise = "promise_reminder"
    # Take-home stages (bot/rules/take_home.py).
    take_home_brief = "take_home_brief"
    take_home_reminder = "take_home_reminder"
    take_home_missing = "take_home_missing"
    # The line between a candidate and the hiring team (bot/rules/line.py): no round, text in the payload.
    line_relay = "line_relay"
    line_reply = "line_reply"
    line_reply_thread = "line_reply_thread"


# Kinds whose due time follows the round when it moves.
TIMED_KINDS = (
    Kind.promise,
    Kind.prep_reminder,
    Kind.briefing,
    Kind.scorecard_request,
    Kind.scorecard_reminder,
    Kind.escalation,
    Kind.escalation_thread,
)


def outbox_row(
    kind: str,
    target: str,
    candidate_id: int | None,
    interview_id: int | None,
    due: datetime,
    now: datetime,
    tag: str = "",
) -> OutboxMessage:
    """One scheduled message. The idempotency key makes a second copy of the same message impossible;
    `tag` tells apart messages of the same kind that may rightly repeat (each reschedule notice).
    A message about no round is keyed by its candidate."""
    scope = f"round:{interview_id}" if interview_id is not None else f"candidate:{candidate_id}"
    key = f"{scope}:{kind}:{target}" + (f":{tag}" if tag else "")
    return OutboxMessage(
        kind=kind,
        target=target,
        candidate_id=candidate_id,
        interview_id=interview_id,
        due_at=max(due, now),
        idempotency_key=key,
        created_at=now,
    )


@dataclass(frozen=True)
class RoundContext:
    interview: Interview
    candidate: Candidate
    role: Role
    kit: Kit
    stage: Stage
    panel: list[str]

    @property
    def title(self) -> str:
        """The round as people call it: the stage's name, or a take-home's kickoff."""
        kickoff = self.interview.kind == InterviewKind.kickoff
        return f"{self.stage.name} kickoff" if kickoff else self.stage.name


def timed_stages(kit: Kit) -> list[Stage]:
    return [s for s in kit.stages if s.kind in TIMED_STAGE_KINDS]


def schedulable_stages(kit: Kit) -> list[Stage]:
    """Stages a meeting can be scheduled for: the timed ones, and take-homes (their kickoff)."""
    return [s for s in kit.stages if s.kind in TIMED_STAGE_KINDS or s.kind is StageKind.take_home]


def kind_for(stage: Stage) -> InterviewKind:
    """What a meeting scheduled for `stage` is: a take-home's is its kickoff, not scored."""
    return InterviewKind.kickoff if stage.kind is StageKind.take_home else InterviewKind.round


def stage_variants(kit: Kit, stage: Stage) -> list[Variant]:
    """The exercise variants offered by the stage's questions, in kit order, first of each key."""
    seen: dict[str, Variant] = {}
    for key in stage.questions:
        exercise = kit.question(key).exercise
        for variant in exercise.variants if exercise else []:
            seen.setdefault(variant.key, variant)
    return list(seen.values())


def round_variant(ctx: RoundContext) -> Variant | None:
    """The variant picked for this round, if one was and the kit still has it."""
    if not ctx.interview.variant:
        return None
    return next((v for v in stage_variants(ctx.kit, ctx.stage) if v.key == ctx.interview.variant), None)


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
) -> RoundContext:
    """A meeting for a stage: a scored round, or the kickoff of a take-home (briefed, not scored).
    `variant` is the form's `<stage key>:<variant key>` pick, if any."""
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
    add_round(session, interview, panel)
    context = RoundContext(interview, candidate, role, kit, stage, panel)
    for row in round_messages(context, now):
        session.add(row)
    session.flush()
    return context


def assign_reviewers(
    session: Session,
    kits: KitCatalog,
    *,
    candidate_id: int,
    reviewer_ids: list[str],
    actor: str,
    now: datetime,
) -> RoundContext:
    """A review of the candidate's current stage (a resume screen): no meeting, the reviewers rate
    every criterion like a scorecard. It is a round that starts and ends now, so requests,
    reminders, escalation, blind feedback and the debrief all work as for interviews."""
    candidate = get_candidate(session, candidate_id, lock=True)
    if candidate.status != "active":
        raise UserError(f"{candidate.name} is {candidate.status}; reopen them before asking for a review.")
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kit_for(kits, role)
    stage = kit.stages[stage_index(kit, candidate.stage_key)]
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
    add_round(session, interview, panel)
    ctx = RoundContext(interview, candidate, role, kit, stage, panel)
    for row in round_messages(ctx, now):
        session.add(row)
    session.flush()
    return ctx


def add_round(session: Session, interview: Interview, panel: list[str]) -> None:
    """Store a new round and its panel (the panel's rows need the round's id)."""
    session.add(interview)
    session.flush()
    for user_id in panel:
        session.add(PanelMember(interview_id=interview.id, interviewer_id=user_id))  # type: ignore[arg-type]


def round_messages(ctx: RoundContext, now: datetime) -> list[OutboxMessage]:
    """Every message a scheduled round implies, with its due time."""
    interview, candidate, kit = ctx.interview, ctx.candidate, ctx.kit
    timings = kit.timings_for(ctx.stage)
    rows: list[OutboxMessage] = []

    def add(kind: str, target: str, due: datetime) -> None:
        rows.append(outbox_row(kind, target, candidate.id, interview.id, due, now))

    # A review has no meeting to prepare or brief for: it "ends" when assigned, so the request goes
    # out at once and the usual chasing follows.
    review = ctx.stage.kind is StageKind.review
    if candidate.slack_user_id and not review:
        add(Kind.prep, candidate.slack_user_id, now)
        reminder = interview.starts_at - timedelta(hours=timings.prep_before_hours)
        if reminder > now + timedelta(hours=1):
            add(Kind.prep_reminder, candidate.slack_user_id, reminder)
    for user_id in ctx.panel:
        if not review:
            add(Kind.briefing, user_id, interview.starts_at - timedelta(minutes=timings.briefing_before_minutes))
    if interview.kind == InterviewKind.kickoff:
        # The assignment is scored once the work is in, not the meeting that hands it over.
        return rows
    for user_id in ctx.panel:
        add(Kind.scorecard_request, user_id, interview.ends_at)
        add(Kind.scorecard_reminder, user_id, interview.ends_at + timedelta(hours=timings.reminder_after_hours))
    escalate_at = interview.ends_at + timedelta(hours=kit.feedback_due_hours)
    recruiter = candidate.created_by or interview.scheduled_by
    if recruiter:
        add(Kind.escalation, recruiter, escalate_at)
        if promise_hours(ctx) is not None:
            add(Kind.promise, recruiter, promise_reminder_at(ctx))
    if candidate.channel_id:
        add(Kind.escalation_thread, candidate.channel_id, escalate_at)
    return rows


# The recruiter hears when this share of a promised response time has gone by with no decision.
PROMISE_WARNING = 0.75


def promise_hours(ctx: RoundContext) -> int | None:
    """How soon the kit promises the candidate an answer after this round, if it does."""
    return ctx.stage.response_promise_hours or ctx.kit.response_promise_hours


def promise_reminder_at(ctx: RoundContext) -> datetime:
    return ctx.interview.ends_at + timedelta(hours=(promise_hours(ctx) or 0) * PROMISE_WARNING)


def due_time(ctx: RoundContext, kind: str) -> datetime:
    timings = ctx.kit.timings_for(ctx.stage)
    interview = ctx.interview
    return {
        Kind.prep_reminder: interview.starts_at - timedelta(hours=timings.prep_before_hours),
        Kind.briefing: interview.starts_at - timedelta(minutes=timings.briefing_before_minutes),
        Kind.scorecard_request: interview.ends_at,
        Kind.scorecard_reminder: interview.ends_at + timedelta(hours=timings.reminder_after_hours),
        Kind.escalation: interview.ends_at + timedelta(hours=ctx.kit.feedback_due_hours),
        Kind.escalation_thread: interview.ends_at + timedelta(hours=ctx.kit.feedback_due_hours),
        Kind.promise: promise_reminder_at(ctx),
    }[kind]


def load_round(session: Session, kits: KitCatalog, interview_id: int, *, lock: bool = False) -> RoundContext:
    interview = session.get(Interview, interview_id, with_for_update=lock) if is_row_id(interview_id) else None
    if interview is None:
        raise NotFound(f"There is no round #{interview_id}.")
    candidate = get_candidate(session, interview.candidate_id)
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kit_for(kits, role)
    try:
        stage = kit.stage(interview.stage_key)
    except KeyError:
        stage = kit.stages[stage_index(kit, interview.stage_key)]
    panel = list(
        session.exec(
            select(PanelMember.interviewer_id)
            .where(PanelMember.interview_id == interview_id)
            .order_by(col(PanelMember.interviewer_id))
        )
    )
    return RoundContext(interview, candidate, role, kit, stage, panel)


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
) -> RoundContext:
    ctx = load_round(session, kits, interview_id, lock=True)
    interview = ctx.interview
    if interview.status != InterviewStatus.scheduled:
        raise UserError(f"This round is {interview.status}; schedule a new one instead.", field="time")
    panel = parse_panel(interviewer_ids) if interviewer_ids is not None else ctx.panel
    _validate(ctx.candidate, ctx.kit, interview.stage_key, panel, starts_at, duration_minutes, now, interview.kind)
    if has_scorecards(session, interview_id):
        raise UserError("Scorecards are already in for this round; schedule a new round instead.", field="time")
    interview.starts_at = starts_at
    interview.ends_at = starts_at + timedelta(minutes=duration_minutes)
    if location is not None:
        interview.location = location.strip() or None
    session.add(interview)
    removed = set(ctx.panel) - set(panel)
    added = [u for u in panel if u not in ctx.panel]
    for user_id in removed:
        member = session.get(PanelMember, (interview_id, user_id))
        if member is not None:
            session.delete(member)
    for user_id in added:
        session.add(PanelMember(interview_id=interview_id, interviewer_id=user_id))
    session.flush()
    ctx = RoundContext(interview, ctx.candidate, ctx.role, ctx.kit, ctx.stage, panel)
    pending = list(
        session.exec(
            select(OutboxMessage).where(
                OutboxMessage.interview_id == interview_id, OutboxMessage.state == OutboxState.pending
            )
        )
    )
    for row in pending:
        if row.target in removed or row.kind not in TIMED_KINDS:
            if row.target in removed:
                row.state = OutboxState.cancelled
                session.add(row)
            continue
        row.due_at = max(due_time(ctx, row.kind), now)
        row.claimed_until = None
        session.add(row)
    existing = {
        r.idempotency_key for r in session.exec(select(OutboxMessage).where(OutboxMessage.interview_id == interview_id))
    }
    for row in round_messages(ctx, now):
        # New panel members get their messages; everyone affected hears about the move.
        if row.idempotency_key not in existing and (row.target in added or row.kind == Kind.prep_reminder):
            session.add(row)
    # Each move's notices are new messages: tell them apart by time and by how many moves came
    # before (two moves within one clock tick must not collide on the idempotency key).
    moves = sum(1 for key in existing if f":{Kind.rescheduled}:" in key or f":{Kind.cancelled}:" in key)
    stamp = f"{now:%Y%m%dT%H%M%S%f}.{moves}"
    for target in [*panel, *([ctx.candidate.slack_user_id] if ctx.candidate.slack_user_id else [])]:
        if target not in added:
            session.add(outbox_row(Kind.rescheduled, target, ctx.candidate.id, interview_id, now, now, stamp))
    for user_id in removed:
        session.add(outbox_row(Kind.cancelled, user_id, ctx.candidate.id, interview_id, now, now, stamp))
    session.flush()
    return ctx


def cancel_round(session: Session, kits: KitCatalog, interview_id: int, *, actor: str, now: datetime) -> RoundContext:
    ctx = load_round(session, kits, interview_id, lock=True)
    if ctx.interview.status != InterviewStatus.scheduled:
        raise UserError(f"This round is already {ctx.interview.status}.")
    ctx.interview.status = InterviewStatus.cancelled
    session.add(ctx.interview)
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.interview_id) == interview_id, col(OutboxMessage.state) == OutboxState.pending)
        .values(state=OutboxState.cancelled)
    )
    if ctx.interview.ends_at > now:
        targets = [*ctx.panel, *([ctx.candidate.slack_user_id] if ctx.candidate.slack_user_id else [])]
        for target in targets:
            session.add(outbox_row(Kind.cancelled, target, ctx.candidate.id, interview_id, now, now))
    session.flush()
    return ctx


def has_scorecards(session: Session, interview_id: int) -> bool:
    return session.exec(select(Scorecard.id).where(Scorecard.interview_id == interview_id).limit(1)).first() is not None


def local_to_utc(date_text: str | None, time_text: str | None, tz_name: str, tz_offset: int = 0) -> datetime:
    """The scheduler's wall-clock date and time in their Slack time zone, as UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
