"""What a round is: the round with its candidate, role, kit, stage and panel, loaded by id, and the
kit's stages and exercise variants a round may be for.

A round is a row of `interview`: a meeting, a review, a take-home assignment or its kickoff.
Scheduling, moving and cancelling rounds is bot/rules/scheduling.py; the messages around them
bot/rules/message_plan.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.rules.errors import NotFound, UserError
from bot.rules.ids import hold, is_row_id
from bot.rules.kits import KitCatalog, stage_index
from bot.rules.roles import kit_for
from models.kit import TIMED_STAGE_KINDS, Kit, Stage, StageKind, Variant
from models.tables import Candidate, Interview, InterviewKind, PanelMember, Role, TrainingPart

SHADOW, REVERSE_SHADOW = TrainingPart.shadow, TrainingPart.reverse_shadow


@dataclass(frozen=True)
class RoundContext:
    interview: Interview
    candidate: Candidate
    role: Role
    kit: Kit
    stage: Stage
    # Who interviews and scores: the interviewers, and a trainee in reverse shadow.
    panel: list[str]
    # Trainees watching the round (bot/rules/training.py): briefed and invited, never asked to score.
    shadows: tuple[str, ...] = ()
    # The trainee leading the round (in `panel`): the rest of the panel signs off on them.
    reverse_shadow: str | None = None
    # Each interviewer's stored feedback deadline (panel_member.due_at), where one is kept.
    dues: dict[str, datetime] = field(default_factory=dict)

    @property
    def attendees(self) -> list[str]:
        """Everyone from the hiring team at the meeting: the panel and its shadows."""
        return [*self.panel, *self.shadows]

    @property
    def evaluators(self) -> list[str]:
        """Who signs off on the reverse shadow: the panel's qualified interviewers."""
        return [u for u in self.panel if u != self.reverse_shadow] if self.reverse_shadow else []

    def due_for(self, user_id: str) -> datetime:
        """When `user_id`'s scorecard is due: the stored working-day deadline, else (a round planned
        before deadlines were kept) the kit's hours after the round's end."""
        stored = self.dues.get(user_id)
        return stored if stored is not None else self.interview.ends_at + timedelta(hours=self.kit.feedback_due_hours)

    @property
    def feedback_due(self) -> datetime:
        """When the last of the panel's scorecards is due: when feedback is overdue for the recruiter."""
        return max((self.due_for(u) for u in self.panel), default=self.due_for(""))

    @property
    def title(self) -> str:
        """The round as people call it: the stage's name, or a take-home's kickoff."""
        kickoff = self.interview.kind == InterviewKind.kickoff
        return f"{self.stage.name} kickoff" if kickoff else self.stage.name

    @property
    def minutes(self) -> int:
        """The round's length as booked."""
        return int((self.interview.ends_at - self.interview.starts_at).total_seconds() // 60)


def timed_stages(kit: Kit) -> list[Stage]:
    return [s for s in kit.stages if s.kind in TIMED_STAGE_KINDS]


def schedulable_stages(kit: Kit) -> list[Stage]:
    """Stages a meeting can be scheduled for: the timed ones, and take-homes (their kickoff)."""
    return [s for s in kit.stages if s.kind in TIMED_STAGE_KINDS or s.kind is StageKind.take_home]


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


def load_round(
    session: Session, kits: KitCatalog, interview_id: int, *, lock: bool = False, purged: bool = False
) -> RoundContext:
    """`purged`: a purged candidate's round too (to render the cancellation notices the purge sends)."""
    row = session.exec(_ROUND[lock], params={"id": interview_id}).first() if is_row_id(interview_id) else None
    if row is None:
        raise NotFound(f"There is no round #{interview_id}.")
    interview, candidate, role = row
    if lock:
        hold(session, Interview, interview_id)
        hold(session, Candidate, candidate.id or 0)
    if candidate.purged_at is not None and not purged:
        raise NotFound(f"There is no candidate #{candidate.id}.")
    kit = kit_for(kits, role)
    stage = _stage(kit, interview.stage_key)
    members = session.exec(_PANEL, params={"id": interview_id}).all()
    return _context(interview, candidate, role, kit, stage, [(u, t, d) for u, t, d in members])


# Built once. The round with its candidate and role in one statement (two round trips fewer on
# PostgreSQL). `lock` takes the round's row and its candidate's: a change to a round changes what
# the report counts for the candidate, whose row its upkeep locks anyway (`hold` tells it).
_JOINED = (
    select(Interview, Candidate, Role)
    .join(Candidate, col(Candidate.id) == Interview.candidate_id)
    .join(Role, col(Role.id) == Candidate.role_id)
    .where(Interview.id == bindparam("id"))
)
_ROUND = {False: _JOINED, True: _JOINED.with_for_update(of=[Interview, Candidate])}
_PANEL = (
    select(PanelMember.interviewer_id, PanelMember.training, PanelMember.due_at)
    .where(PanelMember.interview_id == bindparam("id"))
    .order_by(col(PanelMember.interviewer_id))
)


def _context(
    interview: Interview,
    candidate: Candidate,
    role: Role,
    kit: Kit,
    stage: Stage,
    members: list[tuple[str, str | None, datetime | None]],
) -> RoundContext:
    """The round with its panel (`members`: each person, their part (PanelMember.training) and
    their feedback deadline where one is kept)."""
    panel = [u for u, training, _ in members if training != SHADOW]
    shadows = tuple(u for u, training, _ in members if training == SHADOW)
    reverse = next((u for u, training, _ in members if training == REVERSE_SHADOW), None)
    dues = {u: due for u, training, due in members if due is not None and training != SHADOW}
    return RoundContext(interview, candidate, role, kit, stage, panel, shadows, reverse, dues)


def load_rounds(session: Session, kits: KitCatalog, interviews: Sequence[Interview]) -> list[RoundContext]:
    """The context of each of `interviews`, in order, in three queries however many there are (a
    person's calendar feed). Rounds of purged candidates and of roles whose kit is not loaded are left out."""
    if not interviews:
        return []
    ids = [i.id for i in interviews]
    candidates = {
        c.id: c
        for c in session.exec(
            select(Candidate).where(
                col(Candidate.id).in_({i.candidate_id for i in interviews}), col(Candidate.purged_at).is_(None)
            )
        )
    }
    role_ids = {c.role_id for c in candidates.values()}
    roles = {r.id: r for r in session.exec(select(Role).where(col(Role.id).in_(role_ids)))}
    panels: dict[int, list[tuple[str, str | None, datetime | None]]] = {}
    for interview_id, interviewer_id, training, due in session.exec(
        select(PanelMember.interview_id, PanelMember.interviewer_id, PanelMember.training, PanelMember.due_at)
        .where(col(PanelMember.interview_id).in_(ids))
        .order_by(col(PanelMember.interviewer_id))
    ):
        panels.setdefault(interview_id, []).append((interviewer_id, training, due))
    found: list[RoundContext] = []
    for interview in interviews:
        candidate = candidates.get(interview.candidate_id)
        role = roles.get(candidate.role_id) if candidate else None
        if candidate is None or role is None:
            continue
        try:
            kit = kit_for(kits, role)
        except UserError:
            continue
        stage = _stage(kit, interview.stage_key)
        found.append(_context(interview, candidate, role, kit, stage, panels.get(interview.id or 0, [])))
    return found


def _stage(kit: Kit, stage_key: str) -> Stage:
    try:
        return kit.stage(stage_key)
    except KeyError:
        # The kit was edited and the stage removed.
        return kit.stages[stage_index(kit, stage_key)]
