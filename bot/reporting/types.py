"""The hiring report's types: the figures of a section, the thresholds that flag them, and one way
to write each figure. Plain data; `bot.reporting.reports` defines what each figure counts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.reporting.load import PoolLoad
from bot.rules.kits import KitCatalog
from models.kit import Kit
from models.tables import CandidateStatus, Rating, Recommendation, Role

MIN_SAMPLE = 5
OUTLIER_GAP = 0.75
# Below this share of agreement with the decision a question or indicator tells the team little.
LOW_AGREEMENT = 0.6
# Rated on fewer than this share of scorecards: the panel rarely gets to the question.
RARELY_RATED = 0.2

RECOMMENDATION_SCORE = {
    Recommendation.strong_no: 1,
    Recommendation.no: 2,
    Recommendation.yes: 3,
    Recommendation.strong_yes: 4,
}
RATING_SCORE = {Rating.below: 1, Rating.meets: 2, Rating.exceeds: 3}
DECIDED = (CandidateStatus.hired, CandidateStatus.rejected)


def feedback_deadline(kit: Kit | None) -> timedelta:
    """How long after a round's end its scorecards are due: the kit's deadline, else 48 hours."""
    return timedelta(hours=kit.feedback_due_hours if kit else 48)


def kits_by_role(kits: KitCatalog, roles: Sequence[Role]) -> dict[int | None, Kit | None]:
    """Each role's kit, by role id (None for a kit that is not loaded)."""
    return {r.id: kits.kits.get(r.kit_key) for r in roles}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th quantile (0..1), interpolating between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of `n` values."""

    n: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.9))


@dataclass(frozen=True)
class StageFunnel:
    key: str
    name: str
    entered: int
    passed: int
    rejected_here: int
    on_hold_here: int
    in_stage: int
    time_in_stage: Spread

    @property
    def pass_rate(self) -> float | None:
        return ratio(self.passed, self.entered)


@dataclass(frozen=True)
class Totals:
    added: int
    interviewed: int
    hired: int
    rejected: int
    on_hold: int
    active: int
    to_decision: Spread

    @property
    def hire_rate(self) -> float | None:
        return ratio(self.hired, self.hired + self.rejected)


@dataclass(frozen=True)
class Turnaround:
    interviewer_id: str
    submitted: int
    median_hours: float | None
    within_deadline: int
    overdue_now: int

    @property
    def due(self) -> int:
        return self.submitted + self.overdue_now

    @property
    def share_within(self) -> float | None:
        return ratio(self.within_deadline, self.due)


@dataclass(frozen=True)
class Calibration:
    interviewer_id: str
    scorecards: int
    compared: int
    recommendations: dict[str, int]
    panel_recommendations: dict[str, int]
    ratings: dict[str, int]
    panel_ratings: dict[str, int]
    recommendation_gap: float | None
    rating_gap: float | None

    @property
    def flag(self) -> str | None:
        if self.compared < MIN_SAMPLE or self.recommendation_gap is None:
            return None
        if self.recommendation_gap <= -OUTLIER_GAP:
            return "harsher than the panel"
        if self.recommendation_gap >= OUTLIER_GAP:
            return "more lenient than the panel"
        return None


@dataclass(frozen=True)
class IndicatorSignal:
    positive: bool
    text: str
    observed: int
    asked: int
    agreeing: int
    decided: int

    @property
    def share_observed(self) -> float | None:
        return ratio(self.observed, self.asked)

    @property
    def agreement(self) -> float | None:
        return ratio(self.agreeing, self.decided)

    @property
    def flag(self) -> str | None:
        if self.asked >= MIN_SAMPLE and self.observed == 0:
            return "never observed"
        if self.decided >= MIN_SAMPLE and (self.agreement or 0) < LOW_AGREEMENT:
            return "rarely agrees with the decision"
        return None


@dataclass(frozen=True)
class QuestionSignal:
    key: str
    title: str
    asked: int
    rated: int
    agreeing: int
    decided: int
    indicators: list[IndicatorSignal]

    @property
    def share_rated(self) -> float | None:
        return ratio(self.rated, self.asked)

    @property
    def agreement(self) -> float | None:
        return ratio(self.agreeing, self.decided)

    @property
    def flag(self) -> str | None:
        if self.asked >= MIN_SAMPLE and (self.share_rated or 0) < RARELY_RATED:
            return "rarely rated"
        if self.decided >= MIN_SAMPLE and (self.agreement or 0) < LOW_AGREEMENT:
            return "rarely agrees with the decision"
        return None


@dataclass(frozen=True)
class Section:
    """The figures for one role, or for every role in scope together (`role` None)."""

    title: str
    role: Role | None
    kit: Kit | None
    totals: Totals
    stages: list[StageFunnel]
    turnaround: list[Turnaround]
    calibration: list[Calibration]
    questions: list[QuestionSignal]
    feedback_due_hours: int | None
    # Interviewer load per pool (bot/reporting/load.py), for the roles in the section.
    pools: tuple[PoolLoad, ...] = ()


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    since: date | None
    overall: Section
    roles: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        for section in [self.overall, *self.roles]:
            if section.title == title:
                return section
        raise KeyError(title)


# ------------------------------------------------------------------- one way to write each figure


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} d"


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} h"


def gap(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def spread(value: Spread) -> str:
    if not value.n:
        return "no data yet"
    return f"median {days(value.median)}, 90th percentile {days(value.p90)} (n={value.n})"


def counts(values: dict[str, int], order: Sequence[str]) -> str:
    return " / ".join(f"{values.get(k, 0)}" for k in order)


RECOMMENDATION_ORDER = [r.value for r in RECOMMENDATION_SCORE]
RATING_ORDER = [r.value for r in RATING_SCORE]
