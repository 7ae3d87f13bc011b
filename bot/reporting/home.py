"""The hiring report's headline for the App Home, counted in the database."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from bot.reporting.aggregates import overdue_now
from bot.reporting.load import extremes, pool_loads
from bot.reporting.types import kits_by_role, ratio
from bot.rules.kits import KitCatalog
from models.tables import Candidate, CandidateStatus, Role


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
    # The seats still waiting are kept current with the aggregates (bot/reporting/upkeep.py): the
    # report's own count, which reads only the waiting seats, not every open round's panel.
    waiting = overdue_now(session, kits_by_role(kits, roles), ids, now) if ids else {}
    overdue = sum(people.total() for people in waiting.values())

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
