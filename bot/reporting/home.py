"""The hiring report's headline for the App Home, counted in the database."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.reporting.load import extremes, pool_loads
from bot.reporting.types import feedback_deadline, ratio
from bot.rules.kits import KitCatalog
from models.tables import (
    Candidate,
    CandidateStatus,
    Interview,
    InterviewKind,
    InterviewStatus,
    PanelMember,
    Role,
    Scorecard,
    scoring,
)


@dataclass(frozen=True)
class Headline:
    """Counts for the App Home: aggregated in the database, a handful of statements whatever the
    history's size (bench/scale.py), where the full report reads every row of it. Who was
    interviewed is left to the full report: counting it costs more than the rest together."""

    title: str
    added: int
    hired: int
    rejected: int
    on_hold: int
    active: int

    @property
    def hire_rate(self) -> float | None:
        return ratio(self.hired, self.hired + self.rejected)


@dataclass(frozen=True)
class Summary:
    overall: Headline
    roles: list[Headline]
    overdue_now: int
    # The most and least loaded pool members over four weeks: (user, rounds) each (bot/reporting/load.py).
    load: tuple[tuple[str, int], tuple[str, int]] | None = None


def seat_parts() -> tuple[Any, Any, Any]:
    """What counting a round's seats needs: a panel seat (an alias, correlated per seat), whether
    its scorecard is in, and the round's role (correlated to the outer round)."""
    seat = aliased(PanelMember)
    submitted = (
        select(Scorecard.id)
        .where(col(Scorecard.interview_id) == seat.interview_id, col(Scorecard.interviewer_id) == seat.interviewer_id)
        .exists()
    )
    role = (
        select(Candidate.role_id)
        .where(col(Candidate.id) == col(Interview.candidate_id))
        .correlate(Interview)
        .scalar_subquery()
    )
    return seat, submitted, role


def overdue_seats(by_deadline: dict[timedelta, list[int]], now: datetime) -> SelectOfScalar[int]:
    """Panel seats of scheduled rounds past their feedback deadline with no scorecard: the seat's
    stored deadline (panel_member.due_at, in the interviewer's working days), else the role's kit's
    hours after the round's end, as figures._turnaround counts them. Shadows owe nothing.

    Per open round (from `ix_interview_open` alone), its role and its seats without a scorecard are
    scalar subqueries, which both databases run per row through the primary keys and the scorecards'
    unique index. As a join, PostgreSQL's default costs chose hashing every scorecard (bench/README.md)."""
    seat, submitted, role = seat_parts()
    past_kit = or_(*(and_(role.in_(ids), col(Interview.ends_at) < now - d) for d, ids in by_deadline.items()))
    due = col(seat.due_at)

    def seats(*overdue: ColumnElement[bool]) -> Any:
        return (
            select(func.count())
            .select_from(seat)
            .where(seat.interview_id == col(Interview.id), scoring(seat), ~submitted, *overdue)
            .correlate(Interview)
            .scalar_subquery()
        )

    # Whether the kit's hours have passed is asked once a round, not once a seat (the role lookup
    # per seat cost a fifth more on PostgreSQL, bench/README.md); then one count of its seats.
    per_round = case((past_kit, seats(or_(due.is_(None), due < now))), else_=seats(due < now))
    return select(func.coalesce(func.sum(per_round), 0)).where(
        col(Interview.status) == InterviewStatus.scheduled,
        col(Interview.kind) != InterviewKind.kickoff,
        col(Interview.ends_at) < now,  # no seat is due before its round ends
        role.in_([i for ids in by_deadline.values() for i in ids]),
    )


def home_summary(session: Session, kits: KitCatalog, roles: Sequence[Role], now: datetime) -> Summary:
    """The headline of `bot.reporting.reports.build_report` for `roles` (no `since`), by the same definitions."""
    ids = [r.id for r in roles if r.id is not None]
    status: dict[int, Counter[str]] = defaultdict(Counter)
    # Grouped in the order of ix_candidate_board_counts, so it is read from the index alone.
    for role_id, state, count in session.exec(
        select(Candidate.role_id, Candidate.status, func.count())
        .where(col(Candidate.role_id).in_(ids))
        .group_by(col(Candidate.role_id), col(Candidate.stage_key), col(Candidate.status))
    ):
        status[role_id][state] += count
    # Roles grouped by their kit's feedback deadline, so one statement covers every deadline.
    by_deadline: dict[timedelta, list[int]] = defaultdict(list)
    for role in roles:
        if role.id is not None:
            by_deadline[feedback_deadline(kits.kits.get(role.kit_key))].append(role.id)
    overdue = session.exec(overdue_seats(by_deadline, now)).one() if by_deadline else 0

    def headline(title: str, role_ids: Sequence[int]) -> Headline:
        counts = Counter[str]()
        for role_id in role_ids:
            counts.update(status.get(role_id, Counter()))
        return Headline(
            title=title,
            added=sum(counts.values()),
            hired=counts[CandidateStatus.hired],
            rejected=counts[CandidateStatus.rejected],
            on_hold=counts[CandidateStatus.on_hold],
            active=counts[CandidateStatus.active],
        )

    return Summary(
        overall=headline("All roles", ids),
        roles=[headline(r.title, [r.id]) for r in roles if r.id is not None],
        overdue_now=overdue,
        load=extremes(pool_loads(session, kits, ids, now)),
    )
