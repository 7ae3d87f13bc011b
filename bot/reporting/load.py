"""Interviewer load per pool, for the report and the App Home's headline: each qualified member's
rounds for the pool's role and stage, per ISO week over the last four weeks (this one included),
and the spread (the most loaded member's total minus the least loaded's). Cancelled rounds and
take-home assignments are not load. A pool with a user group counts, besides its named members,
whoever sat on the stage's rounds (the group's members are known to Slack only)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.rules.clock import week_label, week_start
from bot.rules.kits import KitCatalog
from bot.rules.pools import is_group, pools
from models.tables import Candidate, Interview, InterviewKind, InterviewStatus, PanelMember, scoring

WEEKS = 4


@dataclass(frozen=True)
class MemberLoad:
    user_id: str
    per_week: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.per_week)


@dataclass(frozen=True)
class PoolLoad:
    role_id: int
    role_title: str
    stage_name: str
    weeks: tuple[str, ...]  # "2026-W48", oldest first
    members: tuple[MemberLoad, ...]

    @property
    def spread(self) -> int:
        totals = [m.total for m in self.members]
        return max(totals) - min(totals) if totals else 0


def _weeks(now: datetime) -> list[datetime]:
    """The Mondays (00:00 UTC) starting each of the last WEEKS ISO weeks, oldest first."""
    monday = week_start(now)
    return [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def pool_loads(session: Session, kits: KitCatalog, role_ids: Sequence[int], now: datetime) -> list[PoolLoad]:
    starts = _weeks(now)
    end = starts[-1] + timedelta(weeks=1)
    labels = tuple(week_label(s) for s in starts)
    out = []
    for pool in pools(session, kits, role_ids):
        if not pool.qualified:
            continue
        people = [m for m in pool.qualified if not is_group(m)]
        rows = session.exec(
            select(PanelMember.interviewer_id, Interview.starts_at)
            .join(Interview, col(Interview.id) == col(PanelMember.interview_id))
            .join(Candidate, col(Candidate.id) == col(Interview.candidate_id))
            .where(
                col(Candidate.role_id) == pool.role.id,
                col(Interview.stage_key) == pool.stage_key,
                col(Interview.status) != InterviewStatus.cancelled,
                col(Interview.kind) != InterviewKind.assignment,
                # A group's members are known to Slack only: those who sat on the stage's rounds count.
                col(PanelMember.interviewer_id).not_in(pool.trainees),
                scoring(),
                col(Interview.starts_at) >= starts[0],
                col(Interview.starts_at) < end,
            )
        ).all()
        count: Counter[tuple[str, int]] = Counter()
        for user_id, at in rows:
            moment = at if at.tzinfo else at.replace(tzinfo=starts[0].tzinfo)
            count[(user_id, min(int((moment - starts[0]) // timedelta(weeks=1)), WEEKS - 1))] += 1
        if len(people) == len(pool.qualified):
            count = Counter({k: v for k, v in count.items() if k[0] in people})
        sat = sorted({u for u, _ in count} - set(people))
        members = tuple(MemberLoad(u, tuple(count[(u, w)] for w in range(WEEKS))) for u in [*people, *sat])
        out.append(PoolLoad(pool.role.id or 0, pool.role.title, pool.stage_name, labels, members))
    return out


def extremes(loads: Sequence[PoolLoad]) -> tuple[tuple[str, int], tuple[str, int]] | None:
    """The most and the least loaded pool member over the four weeks (by their own pools' rounds)."""
    totals: Counter[str] = Counter()
    for load in loads:
        for member in load.members:
            totals[member.user_id] += member.total
    if len(totals) < 2:
        return None
    ranked = sorted(totals.items(), key=lambda t: (-t[1], t[0]))
    return ranked[0], ranked[-1]
