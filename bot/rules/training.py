"""Training new interviewers: a trainee in a stage's pool shadows rounds, then leads rounds in reverse
shadow, each signed off by the qualified interviewers on it, until their path (the kit's
`training`, per stage) is done; then the role's recruiters add them to the pool, or say *Not yet*
(one more reverse shadow).

A shadow is on the round's panel rows with the part `shadow`: briefed, invited and counted busy,
never asked to score, outside the debrief and its tally. A reverse shadow is on the panel like any
interviewer (their scorecard counts) with the part `reverse_shadow`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from bot.rules.errors import Forbidden, UserError
from bot.rules.kits import KitCatalog
from bot.rules.message_kinds import Kind, outbox_row
from bot.rules.roles import get_role, kit_for, role_recruiters
from bot.rules.rounds import RoundContext, load_round
from models.kit import Training
from models.tables import (
    Candidate,
    Interview,
    InterviewStatus,
    OutboxMessage,
    PanelMember,
    PoolMember,
    TrainingPart,
    TrainingSignoff,
)

# The longest comment on a sign-off or a shadow's note.
MAX_NOTE = 2000


@dataclass(frozen=True)
class Progress:
    """A trainee's way along their path for one stage."""

    user_id: str
    shadows: int  # shadowed rounds held
    shadows_booked: int  # shadowed rounds still to come
    reverse: int  # reverse shadows every sign-off said ready to
    reverse_open: int  # reverse shadows to come, or awaiting their sign-offs
    path: Training
    extra_reverse: int = 0  # one more for each *Not yet*
    proposed: bool = False  # the recruiters were asked to add them

    @property
    def needs_reverse(self) -> int:
        return self.path.reverse_shadow + self.extra_reverse

    @property
    def done(self) -> bool:
        return self.shadows >= self.path.shadow and self.reverse >= self.needs_reverse

    def next_part(self) -> TrainingPart | None:
        """What their next round is: a shadow until enough are booked, a reverse shadow once the
        shadows are held; None when what is left is booked (or done)."""
        if self.shadows + self.shadows_booked < self.path.shadow:
            return TrainingPart.shadow
        if self.shadows >= self.path.shadow and self.reverse + self.reverse_open < self.needs_reverse:
            return TrainingPart.reverse_shadow
        return None

    @property
    def left(self) -> int:
        """Rounds still to book before the path is done."""
        shadows = max(0, self.path.shadow - self.shadows - self.shadows_booked)
        return shadows + max(0, self.needs_reverse - self.reverse - self.reverse_open)

    def text(self) -> str:
        """As the App Home says it: "2 of 2 shadows, 0 of 1 reverse shadows"."""
        return f"{self.shadows} of {self.path.shadow} shadows, {self.reverse} of {self.needs_reverse} reverse shadows"


def progress_of(
    session: Session, kits: KitCatalog, role_id: int, stage_key: str, trainees: Collection[str], now: datetime
) -> dict[str, Progress]:
    """Each trainee's progress for the role's stage, in two queries however many there are."""
    role = get_role(session, role_id)
    kit = kit_for(kits, role)
    path = kit.training_for(kit.stage(stage_key))
    people = set(trainees)
    rows = session.exec(
        select(PanelMember.interviewer_id, PanelMember.training, Interview.id, Interview.ends_at)
        .join(Interview, col(Interview.id) == col(PanelMember.interview_id))
        .join(Candidate, col(Candidate.id) == col(Interview.candidate_id))
        .where(
            col(PanelMember.interviewer_id).in_(people),
            col(PanelMember.training).is_not(None),
            col(Candidate.role_id) == role_id,
            col(Interview.stage_key) == stage_key,
            col(Interview.status) != InterviewStatus.cancelled,
        )
    ).all()
    reverse_rounds = {interview_id or 0 for _, part, interview_id, _ in rows if part == TrainingPart.reverse_shadow}
    verdicts = signoffs_by_round(session, reverse_rounds)
    evaluators = _evaluators(session, reverse_rounds)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for user_id, part, interview_id, ends_at in rows:
        held = _aware(ends_at) <= now
        if part == TrainingPart.shadow:
            counts[user_id][0 if held else 1] += 1
            continue
        said, signers = verdicts.get(interview_id or 0, {}), evaluators.get(interview_id or 0, [])
        if signers and set(signers) <= set(said):
            if all(s.ready for s in said.values()):
                counts[user_id][2] += 1
        else:
            counts[user_id][3] += 1  # to come, or awaiting a sign-off
    members = {
        m.member_id: m
        for m in session.exec(
            select(PoolMember).where(
                col(PoolMember.role_id) == role_id,
                col(PoolMember.stage_key) == stage_key,
                col(PoolMember.member_id).in_(people),
            )
        )
    }
    found = {}
    for user_id in trainees:
        member = members.get(user_id)
        shadows, booked, reverse, pending = counts[user_id]
        extra = member.extra_reverse_shadows if member else 0
        proposed = bool(member and member.proposed_at)
        found[user_id] = Progress(user_id, shadows, booked, reverse, pending, path, extra, proposed)
    return found


def trainee_progress(
    session: Session, kits: KitCatalog, role_id: int, stage_key: str, trainee: str, now: datetime
) -> Progress:
    """One trainee's progress (`progress_of` for one)."""
    return progress_of(session, kits, role_id, stage_key, [trainee], now)[trainee]


def closest_first(progress: dict[str, Progress]) -> list[Progress]:
    """The trainees with a round to book, the one closest to finishing first."""
    ready = [p for p in progress.values() if p.next_part() is not None]
    return sorted(ready, key=lambda p: (p.left, p.user_id))


def signoffs_by_round(session: Session, interview_ids: Collection[int]) -> dict[int, dict[str, TrainingSignoff]]:
    found: dict[int, dict[str, TrainingSignoff]] = defaultdict(dict)
    if interview_ids:
        for row in session.exec(
            select(TrainingSignoff).where(col(TrainingSignoff.interview_id).in_(set(interview_ids)))
        ):
            found[row.interview_id][row.evaluator_id] = row
    return found


def signoffs_of(session: Session, interview_id: int) -> list[TrainingSignoff]:
    """The sign-offs given on one round."""
    return list(signoffs_by_round(session, [interview_id])[interview_id].values())


def _evaluators(session: Session, interview_ids: Collection[int]) -> dict[int, list[str]]:
    """Who signs off on each reverse shadow: its qualified interviewers."""
    found: dict[int, list[str]] = defaultdict(list)
    if interview_ids:
        for interview_id, user_id in session.exec(
            select(PanelMember.interview_id, PanelMember.interviewer_id).where(
                col(PanelMember.interview_id).in_(set(interview_ids)), col(PanelMember.training).is_(None)
            )
        ):
            found[interview_id].append(user_id)
    return found


def part_for(
    session: Session, kits: KitCatalog, role_id: int, stage_key: str, trainee: str, panel: Sequence[str],
    now: datetime,
) -> TrainingPart:  # fmt: skip
    """The part `trainee` takes on a new round of the stage with `panel`, by their progress; refused,
    saying why and what to do, when they cannot take one."""
    member = session.get(PoolMember, (role_id, stage_key, trainee))
    if member is None or not member.trainee:
        raise UserError(
            f"<@{trainee}> is not training for this stage: a recruiter adds trainees in the App Home's "
            "*Pools*, or with `interview-bot pool add --trainee`.",
            field="trainee",
        )
    if trainee in panel:
        raise UserError(f"<@{trainee}> is the trainee: take them off the interviewers.", field="trainee")
    progress = trainee_progress(session, kits, role_id, stage_key, trainee, now)
    part = progress.next_part()
    if part is None:
        said = "is done: the recruiters are asked to add them to the pool" if progress.done else "is booked"
        raise UserError(f"<@{trainee}>'s training ({progress.text()}) {said}. Leave the trainee empty.",
                        field="trainee")  # fmt: skip
    if part is TrainingPart.reverse_shadow and not panel:
        raise UserError("A reverse shadow needs a qualified interviewer on the panel to sign off.", field="trainee")
    return part


def require_evaluator(ctx: RoundContext, user_id: str) -> str:
    """The round's reverse shadow, if `user_id` may sign off on them; refused naming who may."""
    trainee = ctx.reverse_shadow
    if trainee is None or ctx.interview.status == InterviewStatus.cancelled:
        raise UserError("This round has no reverse shadow to sign off on.")
    if user_id not in ctx.evaluators:
        who = ", ".join(f"<@{u}>" for u in ctx.evaluators)
        raise Forbidden(f"Only the qualified interviewers on this round sign off on <@{trainee}>: {who}.")
    return trainee


@dataclass(frozen=True)
class Signed:
    ctx: RoundContext
    complete: bool  # every evaluator has signed off now
    done: bool  # and the trainee's path is done with it


def sign_off(
    session: Session, kits: KitCatalog, interview_id: int, evaluator: str, *, ready: bool, comment: str | None,
    now: datetime, recruiters: Collection[str] = (),
) -> Signed:  # fmt: skip
    """A qualified interviewer's word on the round's reverse shadow (their earlier word replaced).
    Once every one of them has signed, the trainee hears how it went; when that finishes their path,
    the role's recruiters are asked to add them to the pool. One transaction."""
    ctx = load_round(session, kits, interview_id, lock=True)
    trainee = require_evaluator(ctx, evaluator)
    if _aware(ctx.interview.ends_at) > now:
        raise UserError("Sign off once the round is over.")
    comment = (comment or "").strip() or None
    if not ready and not comment:
        raise UserError(f"Say what <@{trainee}> should practise: your comment goes to them.", field="comment")
    if comment and len(comment) > MAX_NOTE:
        raise UserError(f"The comment is longer than {MAX_NOTE} characters.", field="comment")
    row = session.get(TrainingSignoff, (interview_id, evaluator))
    if row is None:
        row = TrainingSignoff(interview_id=interview_id, evaluator_id=evaluator, trainee_id=trainee, ready=ready)
    row.ready, row.comment, row.signed_at = ready, comment, now
    session.add(row)
    session.flush()
    said = signoffs_by_round(session, [interview_id])[interview_id]
    if not set(ctx.evaluators) <= set(said):
        return Signed(ctx, False, False)
    _once(session, outbox_row(Kind.training_update, trainee, ctx.candidate.id, interview_id, now, now, "round",
                              {"what": "round"}))  # fmt: skip
    progress = trainee_progress(session, kits, ctx.role.id or 0, ctx.stage.key, trainee, now)
    if not progress.done or progress.proposed:
        return Signed(ctx, True, False)
    member = session.get(PoolMember, (ctx.role.id, ctx.stage.key, trainee))
    assert member is not None and member.trainee
    member.proposed_at = now
    session.add(member)
    payload = {"role": ctx.role.id, "stage": ctx.stage.key, "trainee": trainee}
    tag = f"{trainee}:{now:%Y%m%dT%H%M%S%f}"
    session.add(outbox_row(Kind.training_update, trainee, None, interview_id, now, now, f"done:{tag}",
                           {**payload, "what": "done"}))  # fmt: skip
    for recruiter in role_recruiters(ctx.role, recruiters):
        session.add(outbox_row(Kind.training_done, recruiter, None, interview_id, now, now, tag, payload))
    return Signed(ctx, True, True)


def decide(
    session: Session, kits: KitCatalog, role_id: int, stage_key: str, trainee: str, *, add: bool, actor: str,
    now: datetime,
) -> str:  # fmt: skip
    """A recruiter's answer to a trainee whose path is done: *Add to pool* (they are qualified from
    now on) or *Not yet* (one more reverse shadow). Says what happened; a second answer changes
    nothing and says what the first one did. One transaction."""
    role = get_role(session, role_id)
    stage = kit_for(kits, role).stage(stage_key)
    member = session.get(PoolMember, (role_id, stage_key, trainee), with_for_update=True)
    where = f"{role.title} · {stage.name}"
    if member is None:
        return f"<@{trainee}> is no longer in the pool for {where}."
    if not member.trainee:
        return f"<@{trainee}> is already qualified for {where}."
    if member.proposed_at is None:
        progress = trainee_progress(session, kits, role_id, stage_key, trainee, now)
        return f"<@{trainee}> is still training for {where} ({progress.text()}): nothing to decide yet."
    member.proposed_at = None
    payload = {"role": role_id, "stage": stage_key, "trainee": trainee, "actor": actor}
    if add:
        member.trainee = False
        said = f"<@{trainee}> is now in the pool for {where}: they can be picked like anyone qualified."
    else:
        member.extra_reverse_shadows += 1
        said = f"<@{trainee}> stays a trainee for {where}: one more reverse shadow first."
    session.add(member)
    what = "added" if add else "not_yet"
    tag = f"{role_id}:{stage_key}:{what}:{now:%Y%m%dT%H%M%S%f}"
    session.add(outbox_row(Kind.training_update, trainee, None, None, now, now, tag, {**payload, "what": what}))
    return said


def shadow_note(session: Session, kits: KitCatalog, interview_id: int, shadow: str, text: str, now: datetime) -> int:
    """A shadow's *What did you learn?*: to the round's panel, their trainers on it. Returns to how many."""
    ctx = load_round(session, kits, interview_id)
    if shadow not in ctx.shadows:
        raise Forbidden("Only the round's shadows write a note about it.")
    text = text.strip()
    if not text:
        raise UserError("Write a few words, or close the form.", field="note")
    if len(text) > MAX_NOTE:
        raise UserError(f"The note is longer than {MAX_NOTE} characters.", field="note")
    sent = [
        _once(session, outbox_row(Kind.shadow_learned, user_id, ctx.candidate.id, interview_id, now, now, shadow,
                                  {"shadow": shadow, "text": text}))
        for user_id in ctx.panel
    ]  # fmt: skip
    if not any(sent):
        raise UserError("You sent your note about this round already.", field="note")
    return len(ctx.panel)


def _once(session: Session, row: OutboxMessage) -> bool:
    """Queue `row` unless the same message is queued already (its idempotency key)."""
    found = session.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == row.idempotency_key)).first()
    if found is None:
        session.add(row)
    return found is None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
