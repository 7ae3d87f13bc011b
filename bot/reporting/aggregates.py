"""The hiring report's sections from the aggregates (`report_count`, `report_value`, kept current by
bot/reporting/upkeep.py) rather than from the history: a read of the counts of the roles in scope,
one of the exact durations in the histogram buckets the medians and 90th percentiles fall in, and
one of the scorecards overdue now (which depends on the clock). The same figures as
`bot.reporting.figures` over the raw rows (tests/test_report_aggregates.py holds them equal)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from bot.reporting.rows import table
from bot.reporting.tally import EPOCH, MICROSECOND, RATE_INDEX, REC_INDEX, bucket, indicator_key, now_key
from bot.reporting.types import (
    Calibration,
    IndicatorSignal,
    QuestionSignal,
    Section,
    Spread,
    StageFunnel,
    Totals,
    Turnaround,
    feedback_deadline,
)
from models.kit import Kit
from models.tables import (
    CandidateStatus,
    ReportCount,
    ReportValue,
    Role,
)

Cell = tuple[str, str, int]  # name, key, bucket
SCALE = {"stage": 86400, "decision": 86400, "turnaround": 3600}  # seconds in the figure's unit
# turnaround_kit: the scorecards with no stored deadline, for the on-time count alone (no quantile).
QUANTILES: dict[str, tuple[float, ...]] = {
    "stage": (0.5, 0.9),
    "decision": (0.5, 0.9),
    "turnaround": (0.5,),
    "turnaround_kit": (),
}


class View:
    """The aggregates of some roles together: the counts, and each duration's histogram in order."""

    def __init__(self, roles: Sequence[int], cells: dict[Cell, tuple[int, float]]) -> None:
        self.roles = tuple(roles)
        self.cells = cells
        hist: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for (name, key, at), (n, _) in cells.items():
            if name.startswith("h.") and n:
                hist[(name[2:], key)].append((at, n))
        self.hist = {k: sorted(v) for k, v in hist.items()}

    def n(self, name: str, key: str, at: int = 0) -> int:
        return self.cells.get((name, key, at), (0, 0.0))[0]

    def keys(self, name: str) -> list[str]:
        return sorted(k for nm, k in self.hist if nm == name)


@dataclass
class Counts:
    """The aggregates of the roles in scope, per role, and what the durations' ranks need."""

    by_role: dict[int, dict[Cell, tuple[int, float]]]
    overdue: dict[int, Counter[str]]
    values: dict[Cell, list[tuple[int, int]]]
    views: dict[tuple[int, ...], View] = field(default_factory=dict)

    def view(self, roles: Sequence[int]) -> View:
        key = tuple(roles)
        if key not in self.views:
            if len(key) == 1:
                cells = self.by_role.get(key[0], {})
            else:
                cells = {}
                for role in key:
                    for cell, (n, total) in self.by_role.get(role, {}).items():
                        had = cells.get(cell)
                        cells[cell] = (had[0] + n, had[1] + total) if had else (n, total)
            self.views[key] = View(key, cells)
        return self.views[key]


def read_counts(
    session: Session, kits: Mapping[int | None, Kit | None], role_ids: Sequence[int], now: datetime
) -> Counts:
    by_role: dict[int, dict[Cell, tuple[int, float]]] = defaultdict(dict)
    count = table(ReportCount)
    rows = session.connection().execute(
        select(count.c.role_id, count.c.name, count.c.key, count.c.bucket, count.c.n, count.c.total).where(
            count.c.role_id.in_(role_ids)
        )
    )
    for role, name, key, at, n, total in rows.all():
        by_role[role][(name, key, at)] = (n, total)
    return Counts(by_role, overdue_now(session, kits, role_ids, now), {})


def overdue_now(
    session: Session, kits: Mapping[int | None, Kit | None], role_ids: Sequence[int], now: datetime
) -> dict[int, Counter[str]]:
    """Per role and person, panel seats of rounds still open past their kit's feedback deadline
    with no scorecard from that person (figures._turnaround's *overdue now*), from the seats still
    waiting (`report_value` "waiting" by when the round ended, "waiting_due" by the stored deadline):
    only the rounds still open are read."""
    by_deadline: dict[timedelta, list[int]] = defaultdict(list)
    for role_id in role_ids:
        by_deadline[feedback_deadline(kits.get(role_id))].append(role_id)
    values = table(ReportValue)
    out: dict[int, Counter[str]] = defaultdict(Counter)
    for deadline, ids in by_deadline.items():
        query = (
            select(values.c.role_id, values.c.key, func.count())
            .where(
                values.c.name == "waiting",
                values.c.role_id.in_(ids),
                values.c.value < (now - deadline - EPOCH) // MICROSECOND,
            )
            .group_by(values.c.role_id, values.c.key)
        )
        for role_id, person, n in session.connection().execute(query):
            out[role_id][person] += n
    # Seats with a stored deadline: overdue once it has passed, whatever the kit.
    query = (
        select(values.c.role_id, values.c.key, func.count())
        .where(
            values.c.name == "waiting_due",
            values.c.role_id.in_(role_ids),
            values.c.value < (now - EPOCH) // MICROSECOND,
        )
        .group_by(values.c.role_id, values.c.key)
    )
    for role_id, person, n in session.connection().execute(query):
        out[role_id][person] += n
    return out


class Ranks:
    """The order statistics the sections need, found in two steps: the bucket from the counts, then
    the exact values of that bucket alone (one statement for all of them)."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.wanted: set[Cell] = set()
        self.sorted: dict[tuple[str, str, int, tuple[int, ...]], list[int]] = {}

    def want(self, name: str, key: str, hist: list[tuple[int, int]], ranks: Sequence[int]) -> None:
        for rank in ranks:
            self.wanted.add((name, key, _locate(hist, rank)[0]))

    def fetch(self, session: Session, role_ids: Sequence[int]) -> None:
        values = table(ReportValue)
        if not self.wanted:
            return
        buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
        for name, key, at in sorted(self.wanted):
            buckets[(name, key)].append(at)
        # One index range per duration (name, key): both databases walk the index for each.
        query = select(values.c.name, values.c.key, values.c.bucket, values.c.role_id, values.c.value).where(
            or_(
                *(
                    and_(values.c.name == name, values.c.key == key, values.c.bucket.in_(ats))
                    for (name, key), ats in buckets.items()
                )
            ),
            values.c.role_id.in_(role_ids),
        )
        for name, key, at, role, value in session.connection().execute(query):
            self.counts.values.setdefault((name, key, at), []).append((role, value))

    def value(self, roles: Sequence[int], name: str, key: str, hist: list[tuple[int, int]], rank: int) -> int:
        at, within = _locate(hist, rank)
        cell = (name, key, at, tuple(roles))
        if cell not in self.sorted:
            mine = set(roles)
            self.sorted[cell] = sorted(v for r, v in self.counts.values.get((name, key, at), []) if r in mine)
        return self.sorted[cell][within]


def _locate(hist: list[tuple[int, int]], rank: int) -> tuple[int, int]:
    """The bucket holding the `rank`-th smallest value (0-based) and its rank inside the bucket."""
    seen = 0
    for at, n in hist:
        if rank < seen + n:
            return at, rank - seen
        seen += n
    raise IndexError(rank)


def _positions(n: int, name: str) -> list[tuple[float, int, int]]:
    """(position, low, high) for the median and the 90th percentile (turnaround: the median only),
    as types.percentile takes them."""
    out = []
    for q in QUANTILES[name]:
        position = (n - 1) * q
        out.append((position, math.floor(position), math.ceil(position)))
    return out


class Builder:
    """Sections from the counts: `plan` every section first (which buckets its ranks fall in), then
    one fetch, then `section` each."""

    def __init__(self, session: Session, counts: Counts, kit_of: Mapping[int | None, Kit | None]) -> None:
        self.session, self.counts, self.kit_of = session, counts, kit_of
        self.ranks = Ranks(counts)

    def plan(self, roles: Sequence[int]) -> None:
        view = self.counts.view(roles)
        for (name, key), hist in view.hist.items():
            n = sum(c for _, c in hist)
            self.ranks.want(name, key, hist, [r for _, low, high in _positions(n, name) for r in (low, high)])
        for role in roles:
            own = self.counts.view([role])
            edge = bucket("turnaround_kit", self._limit(role))
            for key in own.keys("turnaround_kit"):
                if any(b == edge for b, _ in own.hist[("turnaround_kit", key)]):
                    self.ranks.wanted.add(("turnaround_kit", key, edge))

    def _limit(self, role: int) -> int:
        return feedback_deadline(self.kit_of.get(role)) // timedelta(microseconds=1)

    def fetch(self, role_ids: Sequence[int]) -> None:
        self.ranks.fetch(self.session, role_ids)

    def spread(self, view: View, name: str, key: str) -> Spread:
        hist = view.hist.get((name, key), [])
        n = sum(c for _, c in hist)
        if not n:
            return Spread(0, None, None)
        scale = SCALE[name]

        def at(rank: int) -> float:
            return self.ranks.value(view.roles, name, key, hist, rank) / 10**6 / scale

        found = [at(low) + (at(high) - at(low)) * (position - low) for position, low, high in _positions(n, name)]
        return Spread(n, found[0], found[1] if len(found) > 1 else None)

    def section(self, title: str, role: Role | None, kit: Kit | None, roles: Sequence[int]) -> Section:
        view = self.counts.view(roles)
        return Section(
            title=title,
            role=role,
            kit=kit,
            totals=self._totals(view),
            stages=self._stages(view, kit) if kit else [],
            turnaround=self._turnaround(view),
            calibration=_calibration(view),
            questions=_questions(kit, view) if kit else [],
            feedback_due_hours=kit.feedback_due_hours if kit else None,
        )

    def _totals(self, view: View) -> Totals:
        status = {k: n for (name, k, _), (n, _t) in view.cells.items() if name == "status"}
        return Totals(
            added=sum(status.values()),
            interviewed=view.n("interviewed", ""),
            hired=status.get(CandidateStatus.hired, 0),
            rejected=status.get(CandidateStatus.rejected, 0),
            on_hold=status.get(CandidateStatus.on_hold, 0),
            active=status.get(CandidateStatus.active, 0),
            to_decision=self.spread(view, "decision", ""),
        )

    def _stages(self, view: View, kit: Kit) -> list[StageFunnel]:
        rows = []
        for index, stage in enumerate(kit.stages):
            last = index == len(kit.stages) - 1
            rows.append(
                StageFunnel(
                    key=stage.key,
                    name=stage.name,
                    entered=view.n("entered", stage.key),
                    passed=view.n("status", CandidateStatus.hired)
                    if last
                    else view.n("entered", kit.stages[index + 1].key),
                    rejected_here=view.n("now", now_key(stage.key, CandidateStatus.rejected)),
                    on_hold_here=view.n("now", now_key(stage.key, CandidateStatus.on_hold)),
                    in_stage=view.n("now", now_key(stage.key, CandidateStatus.active)),
                    time_in_stage=self.spread(view, "stage", stage.key),
                )
            )
        return rows

    def _turnaround(self, view: View) -> list[Turnaround]:
        overdue: Counter[str] = Counter()
        within: Counter[str] = Counter()
        for role in view.roles:
            overdue.update(self.counts.overdue.get(role, Counter()))
            own = self.counts.view([role])
            limit = self._limit(role)
            edge = bucket("turnaround_kit", limit)
            for person in own.keys("turnaround_kit"):
                for at, n in own.hist[("turnaround_kit", person)]:
                    if at < edge:
                        within[person] += n
                    elif at == edge:
                        values = self.counts.values.get(("turnaround_kit", person, at), [])
                        within[person] += sum(1 for r, v in values if r == role and v <= limit)
            for (name, person, met), (n, _) in own.cells.items():
                if name == "on_time" and met:
                    within[person] += n
        medians = {p: self.spread(view, "turnaround", p) for p in view.keys("turnaround")}
        people = sorted(set(medians) | {p for p, n in overdue.items() if n})
        empty = Spread(0, None, None)
        return [
            Turnaround(p, medians.get(p, empty).n, medians.get(p, empty).median, within[p], overdue[p])
            for p in sorted(people, key=lambda p: (-(overdue[p]), -(medians.get(p, empty).median or 0), p))
        ]


def _labelled(view: View, name: str, person: str, index: dict[str, int]) -> dict[str, int]:
    out = {label: view.n(name, person, i) for label, i in index.items()}
    return {label: n for label, n in out.items() if n}


def _calibration(view: View) -> list[Calibration]:
    cells = view.cells
    people = sorted({k for (name, k, _), (n, _t) in cells.items() if name == "cal.recs" and n})
    result = []
    for person in people:
        compared, rec_sum = cells.get(("cal.compared", person, 0), (0, 0.0))
        rated, rate_sum = cells.get(("cal.rated", person, 0), (0, 0.0))
        recs = _labelled(view, "cal.recs", person, REC_INDEX)
        result.append(
            Calibration(
                interviewer_id=person,
                scorecards=sum(recs.values()),
                compared=compared,
                recommendations=recs,
                panel_recommendations=_labelled(view, "cal.panel_recs", person, REC_INDEX),
                ratings=_labelled(view, "cal.rates", person, RATE_INDEX),
                panel_ratings=_labelled(view, "cal.panel_rates", person, RATE_INDEX),
                recommendation_gap=rec_sum / compared if compared else None,
                rating_gap=rate_sum / rated if rated else None,
            )
        )
    return sorted(result, key=lambda c: (c.flag is None, -abs(c.recommendation_gap or 0), c.interviewer_id))


def _questions(kit: Kit, view: View) -> list[QuestionSignal]:
    n = view.n

    signals = []
    for question in kit.questions:
        key = question.key
        asked = n("q.asked", key)
        if not asked:
            continue
        indicators = []
        for positive, texts in ((True, question.positive), (False, question.negative)):
            for text in texts:
                cell = indicator_key(key, positive, text)
                indicators.append(
                    IndicatorSignal(
                        positive, text, n("i.seen", cell), asked, n("i.agreeing", cell), n("i.decided", cell)
                    )
                )
        signals.append(
            QuestionSignal(
                key,
                question.title,
                asked,
                n("q.rated", key),
                n("q.agreeing", key),
                n("q.decided", key),
                indicators,
            )
        )
    return signals
