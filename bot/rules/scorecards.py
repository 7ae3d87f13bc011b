"""Scorecards: assigned interviewers only, one per round, editable until the debrief,
blind until submitted. The last scorecard of a round triggers the debrief."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert
from sqlmodel import Session, col, or_, select, update

from bot.rules import lifecycle, thread_notes
from bot.rules.candidates import find_one
from bot.rules.errors import Forbidden, UserError
from bot.rules.ids import by_id
from bot.rules.kits import KitCatalog
from bot.rules.message_kinds import Kind
from bot.rules.rounds import RoundContext, load_round
from models.kit import Question
from models.tables import (
    Candidate,
    Interview,
    InterviewKind,
    InterviewStatus,
    OutboxMessage,
    OutboxState,
    PanelMember,
    QuestionRating,
    Rating,
    Recommendation,
    Role,
    Scorecard,
    scoring,
)

NOTES_MAX = 3000
RATING_LABELS = {"exceeds": "Exceeds", "meets": "Meets", "below": "Below", "not_assessed": "Not assessed"}
RECOMMENDATION_LABELS = {"strong_yes": "Strong yes", "yes": "Yes", "no": "No", "strong_no": "Strong no"}


@dataclass
class Answer:
    rating: str
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Submitted:
    scorecard: Scorecard
    round: RoundContext
    edited: bool
    complete: bool  # every panel member has submitted: the debrief was queued


def round_questions(ctx: RoundContext) -> list[Question]:
    return [ctx.kit.question(key) for key in ctx.stage.questions]


# Built once: building a statement costs about as much as running it on SQLite.
_ROUND_CARDS = select(Scorecard.interviewer_id, Scorecard.id).where(Scorecard.interview_id == bindparam("round"))
_NO_MORE_NUDGES = (
    update(OutboxMessage)
    .where(
        col(OutboxMessage.interview_id) == bindparam("round"),
        col(OutboxMessage.target) == bindparam("person"),
        col(OutboxMessage.kind).in_([Kind.scorecard_request, Kind.scorecard_reminder]),
        col(OutboxMessage.state) == OutboxState.pending,
    )
    .values(state=OutboxState.cancelled)
)


def submit_scorecard(
    session: Session,
    kits: KitCatalog,
    interview_id: int,
    interviewer_id: str,
    answers: dict[str, Answer],
    recommendation: str,
    notes: str,
    now: datetime,
    recruiters: Collection[str] = (),
    ctx: RoundContext | None = None,
) -> Submitted:
    """`recruiters`: the RECRUITERS list, who get the debrief when the role names no recruiters.
    `ctx`: the round, if the caller loaded it in this transaction with `lock=True`."""
    # The round row is locked so the last two submissions cannot both miss the debrief.
    if ctx is None:
        ctx = load_round(session, kits, interview_id, lock=True)
    check_can_score(ctx, interviewer_id, now)
    questions = round_questions(ctx)
    clean = validate_answers(questions, answers)
    if recommendation not in Recommendation.__members__:
        raise UserError("Pick an overall recommendation.", field="recommendation")
    notes = (notes or "").strip()
    if not notes:
        raise UserError("Write a few lines of notes: what you saw that supports your ratings.", field="notes")
    if len(notes) > NOTES_MAX:
        raise UserError(f"The notes are {len(notes)} characters; keep them to {NOTES_MAX}.", field="notes")
    # The round's scorecards so far (its row is locked: no other can come in before this commit).
    cards = dict(session.exec(_ROUND_CARDS, params={"round": interview_id}).all())
    mine = cards.get(interviewer_id)
    scorecard = by_id(session, Scorecard, mine) if mine is not None else None
    edited = scorecard is not None
    if scorecard is None:
        scorecard = Scorecard(
            interview_id=interview_id,
            interviewer_id=interviewer_id,
            recommendation=recommendation,
            notes=notes,
            submitted_at=now,
            updated_at=now,
        )
    else:
        scorecard.recommendation, scorecard.notes, scorecard.updated_at = recommendation, notes, now
        for old in session.exec(select(QuestionRating).where(QuestionRating.scorecard_id == scorecard.id)):
            session.delete(old)
    session.add(scorecard)
    session.flush()  # the scorecard's id, and an edit's old ratings gone before the new go in
    if clean:
        # One statement for all of them: as objects, SQLite would get an INSERT … RETURNING each (it
        # has no sentinel for SQLAlchemy to batch by), and nothing here needs their ids. The
        # aggregates still recount the candidate: the scorecard itself is new or changed.
        session.execute(
            insert(QuestionRating),
            [
                {
                    "scorecard_id": scorecard.id,
                    "question_key": key,
                    "rating": answer.rating,
                    "positive_observed": answer.positive,
                    "negative_observed": answer.negative,
                }
                for key, answer in clean.items()
            ],
        )
    # This interviewer needs no more nudges.
    session.exec(_NO_MORE_NUDGES, params={"round": interview_id, "person": interviewer_id})
    complete = set(ctx.panel) <= {*cards, interviewer_id}
    thread_notes.scorecard_note(session, ctx.candidate, interview_id, interviewer_id, edited, now)
    if complete:
        # Every scorecard is in: the round ends, and its debrief goes out.
        lifecycle.end(session, ctx, actor=interviewer_id, now=now, recruiters=recruiters)
    session.flush()
    return Submitted(scorecard, ctx, edited, complete)


def check_can_score(ctx: RoundContext, user_id: str, now: datetime) -> None:
    """Only the round's interviewers, once it has started, until the debrief. Checked before any
    page of the scorecard is shown or accepted, not only when the last page is stored."""
    if user_id in ctx.shadows:
        raise Forbidden("You shadowed this round: shadows do not submit scorecards (the interviewers do).")
    if user_id not in ctx.panel:
        raise Forbidden("Only the interviewers on this round can submit its scorecard.")
    if ctx.interview.status == InterviewStatus.cancelled:
        raise UserError("This round was cancelled; there is no scorecard to submit.")
    if ctx.interview.status == InterviewStatus.debriefed:
        raise UserError("The debrief for this round is posted, so its scorecards are locked.")
    if ctx.interview.kind == InterviewKind.kickoff:
        raise UserError(
            f"The {ctx.stage.name} kickoff is not scored: the work is, once it arrives "
            "(the recruiter asks the reviewers for their scorecards then)."
        )
    if ctx.interview.starts_at > now:
        raise UserError("This round has not started yet; submit your scorecard after it.")


def validate_answers(questions: list[Question], answers: dict[str, Answer]) -> dict[str, Answer]:
    clean: dict[str, Answer] = {}
    for index, question in enumerate(questions):
        answer = answers.get(question.key)
        if answer is None or answer.rating not in Rating.__members__:
            raise UserError(f"Rate '{question.title}' (or pick Not assessed).", field=f"rating:{index}")
        unknown = [i for i in answer.positive if i not in question.positive] + [
            i for i in answer.negative if i not in question.negative
        ]
        if unknown:
            raise UserError(f"'{unknown[0]}' is not an indicator of '{question.title}'.", field=f"rating:{index}")
        clean[question.key] = Answer(
            answer.rating, list(dict.fromkeys(answer.positive)), list(dict.fromkeys(answer.negative))
        )
    extra = set(answers) - {q.key for q in questions}
    if extra:
        raise UserError(f"'{sorted(extra)[0]}' is not a question of this round.")
    return clean


@dataclass(frozen=True)
class PendingScorecard:
    interview: Interview
    candidate: Candidate
    role: Role
    stage_name: str


def _panel_rounds(interviewer_id: str) -> Any:
    """Open rounds this interviewer (or shadow) sits on, with their candidate and role."""
    return (
        select(Interview, Candidate, Role)
        .join(PanelMember, col(PanelMember.interview_id) == Interview.id)
        .join(Candidate, col(Candidate.id) == Interview.candidate_id)
        .join(Role, col(Role.id) == Candidate.role_id)
        .where(
            PanelMember.interviewer_id == interviewer_id,
            Interview.status == InterviewStatus.scheduled,
            col(Candidate.purged_at).is_(None),
        )
    )


def pending_for(session: Session, kits: KitCatalog, interviewer_id: str, now: datetime) -> list[PendingScorecard]:
    """Rounds this interviewer sat on (started, not cancelled or debriefed) with no scorecard yet."""
    mine = select(Scorecard.interview_id).where(Scorecard.interviewer_id == interviewer_id)
    rows = session.exec(
        _panel_rounds(interviewer_id)
        .where(
            scoring(),  # shadows score nothing
            Interview.starts_at <= now,
            col(Interview.id).not_in(mine),
            # A kickoff is not scored; an assignment is scored once the work is in (its end moves then).
            Interview.kind != InterviewKind.kickoff,
            or_(Interview.kind != InterviewKind.assignment, Interview.ends_at <= now),
        )
        .order_by(col(Interview.ends_at))
    ).all()
    return [PendingScorecard(i, c, r, stage_name(kits, r, i.stage_key)) for i, c, r in rows]


def upcoming_for(session: Session, kits: KitCatalog, interviewer_id: str, now: datetime) -> list[PendingScorecard]:
    rows = session.exec(
        _panel_rounds(interviewer_id).where(Interview.starts_at > now).order_by(col(Interview.starts_at)).limit(20)
    ).all()
    return [PendingScorecard(i, c, r, stage_name(kits, r, i.stage_key)) for i, c, r in rows]


def stage_name(kits: KitCatalog, role: Role, stage_key: str) -> str:
    kit = kits.get(role.kit_key)
    if kit is None:
        return stage_key
    try:
        return kit.stage(stage_key).name
    except KeyError:
        return stage_key


def round_to_score(session: Session, interviewer_id: str, query: str, now: datetime) -> Interview:
    """For `/scorecard <candidate>`: this interviewer's open round with that candidate."""
    found = find_one(session, query)
    if isinstance(found, list):
        names = ", ".join(f"{c.name} (#{c.id})" for c in found[:5])
        raise UserError(f"Several candidates match '{query}': {names}. Use `/scorecard #id`.")
    rounds = session.exec(
        select(Interview)
        .join(PanelMember, col(PanelMember.interview_id) == Interview.id)
        .where(
            Interview.candidate_id == found.id,
            PanelMember.interviewer_id == interviewer_id,
            scoring(),
            Interview.status == InterviewStatus.scheduled,
            Interview.kind != InterviewKind.kickoff,
        )
        .order_by(col(Interview.starts_at))
    ).all()
    if not rounds:
        raise Forbidden(
            f"You have no open round with {found.name} to score; "
            "only the interviewers on a round can submit its scorecard."
        )
    started = [r for r in rounds if r.starts_at <= now]
    if not started:
        raise UserError(f"Your round with {found.name} has not started yet; score it afterwards.")
    return started[-1]


def existing_answers(
    session: Session, interview_id: int, interviewer_id: str
) -> tuple[Scorecard | None, dict[str, Answer]]:
    scorecard = session.exec(
        select(Scorecard).where(Scorecard.interview_id == interview_id, Scorecard.interviewer_id == interviewer_id)
    ).first()
    if scorecard is None:
        return None, {}
    ratings = session.exec(select(QuestionRating).where(QuestionRating.scorecard_id == scorecard.id)).all()
    return scorecard, {
        r.question_key: Answer(r.rating, list(r.positive_observed), list(r.negative_observed)) for r in ratings
    }


@dataclass(frozen=True)
class Debrief:
    round: RoundContext
    scorecards: list[tuple[Scorecard, dict[str, Answer]]]
    questions: list[Question]
    # How often each interviewer put off their reminder (timing only: turnaround counts from the end).
    snoozes: dict[str, int] = field(default_factory=dict)

    def recommendations(self) -> Counter[str]:
        return Counter(s.recommendation for s, _ in self.scorecards)

    def indicator_tally(self, question: Question) -> tuple[Counter[str], Counter[str]]:
        positive: Counter[str] = Counter()
        negative: Counter[str] = Counter()
        for _, answers in self.scorecards:
            answer = answers.get(question.key)
            if answer:
                positive.update(answer.positive)
                negative.update(answer.negative)
        return positive, negative


def debrief_for(session: Session, kits: KitCatalog, interview_id: int) -> Debrief:
    ctx = load_round(session, kits, interview_id)
    cards = session.exec(
        select(Scorecard).where(Scorecard.interview_id == interview_id).order_by(col(Scorecard.interviewer_id))
    ).all()
    snoozes = session.exec(
        select(PanelMember.interviewer_id, PanelMember.snoozes).where(
            PanelMember.interview_id == interview_id, PanelMember.snoozes > 0
        )
    ).all()
    return Debrief(
        ctx,
        [(card, existing_answers(session, interview_id, card.interviewer_id)[1]) for card in cards],
        round_questions(ctx),
        dict(snoozes),
    )


def submitted_by(session: Session, interview_id: int) -> list[str]:
    return list(
        session.exec(
            select(Scorecard.interviewer_id)
            .where(Scorecard.interview_id == interview_id)
            .order_by(col(Scorecard.submitted_at))
        )
    )
