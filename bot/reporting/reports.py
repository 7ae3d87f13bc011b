"""Hiring analytics (SPEC 3 `/hiring report`, issue 7): funnel, time in stage, feedback turnaround,
interviewer calibration and question signal. Plain Python over the database; no Slack.

Definitions (the README's "Reports" section states them for users):

- Scope: the roles asked for; `since` keeps candidates added on or after that day for the funnel
  and time figures (a cohort, so pass rates do not mix cohorts), and rounds that ended on or after
  it for turnaround, calibration and question signal.
- Funnel: a candidate *entered* a stage if any stage event took them there (adding a candidate
  enters the first stage). *Passed* is entering the next stage, or being hired from the last.
  *Rejected here* and *in stage* are where candidates are now.
- Time in stage: from entering a stage to leaving it (advanced, rejected or hired); holds count as
  time in the stage; stints still open are left out. *To decision* is from being added to the
  latest hire or rejection, for candidates hired or rejected now.
- Turnaround: hours from a round's end to the first submission of each scorecard. *Due* counts
  submitted scorecards plus missing ones past the kit's feedback deadline (*overdue now*), so
  someone who never submits does not look punctual.
- Calibration: per candidate, the interviewer's recommendation (strong no = 1 … strong yes = 4)
  and average rating (below = 1, meets = 2, exceeds = 3) minus the other interviewers' for that
  candidate; averaged over every candidate someone else also scored. Flagged only with at least
  `MIN_SAMPLE` candidates behind it and an average gap of `OUTLIER_GAP` or more.
- Question signal: how often a question is rated (not "not assessed") and an indicator observed,
  and how often that agrees with the decision for candidates hired or rejected now: meets or
  exceeds with a hire, below with a rejection; a positive indicator with a hire, a negative one
  with a rejection.

Medians and the 90th percentile interpolate between ranks (numpy's default). Purged candidates
stay in every count; no figure names a candidate.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Text, and_, cast, false, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.rules.errors import Forbidden, UserError
from bot.rules.kits import KitCatalog
from bot.rules.permissions import Permissions
from models.kit import Kit
from models.tables import (
    Candidate,
    CandidateStatus,
    Interview,
    InterviewKind,
    InterviewStatus,
    PanelMember,
    QuestionRating,
    Rating,
    Recommendation,
    Role,
    Scorecard,
    StageEvent,
)

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


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


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


# -------------------------------------------------------------------------------- who sees what


def reportable_roles(session: Session, permissions: Permissions, user_id: str) -> list[Role]:
    """Recruiters see every role; hiring managers the roles they manage; nobody else any."""
    roles = list(session.exec(select(Role).order_by(col(Role.id))))
    if permissions.is_recruiter(user_id):
        return roles
    managed = [
        r for r in roles if user_id in r.hiring_manager_ids or permissions.is_recruiter(user_id, r.recruiter_ids)
    ]
    if not managed:
        raise Forbidden(
            "Reports are for recruiters and hiring managers. "
            f"Recruiters here: {permissions.who()}; a role's hiring managers see that role's report."
        )
    return managed


def pick_role(roles: Sequence[Role], query: str) -> Role:
    """The role `query` names among `roles`: `#id`, the exact title, or a unique part of it."""
    query = query.strip()
    digits = query.lstrip("#")
    if digits.isascii() and digits.isdigit():
        for role in roles:
            if str(role.id) == digits.lstrip("0"):
                return role
    needle = query.casefold()
    exact = [r for r in roles if r.title.casefold() == needle]
    partial = [r for r in roles if needle in r.title.casefold()]
    found = exact or partial
    if len(found) == 1:
        return found[0]
    titles = ", ".join(f"{r.title} (#{r.id})" for r in roles) or "none"
    if not found:
        raise UserError(f"No role you can report on matches '{query}'. Yours: {titles}.")
    raise UserError(f"'{query}' matches several roles: {', '.join(r.title for r in found)}. Name one of them.")


def parse_since(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. `--since 2026-01-31`.") from None


def parse_report_args(text: str) -> tuple[str | None, date | None]:
    """`[role] [--since DATE]` from a command's words: the role (may be several words) and the date."""
    words = text.split()
    role_words: list[str] = []
    since: date | None = None
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--since"):
            value = word.partition("=")[2] if "=" in word else (words[index + 1] if index + 1 < len(words) else "")
            if not value:
                raise UserError("`--since` needs a date: `--since 2026-01-31`.")
            since = parse_since(value)
            index += 1 if "=" in word else 2
            continue
        if word.startswith("--"):
            raise UserError(f"`{word}` is not an option; the only one is `--since YYYY-MM-DD`.")
        role_words.append(word)
        index += 1
    return (" ".join(role_words) or None), since


# ------------------------------------------------------------------------------------ the report


@dataclass(frozen=True)
class _Answers:
    """`count` ratings of one question alike: the same rating and indicators observed, for candidates
    of one role whose status is now `status` (aggregated in the database)."""

    role_id: int
    status: str
    question_key: str
    rating: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    count: int


@dataclass
class _Data:
    """Everything the figures need for a scope, read once."""

    candidates: list[Candidate]
    # The cohort plus the candidates of in-scope rounds added before it (they have decisions too).
    everyone: dict[int, Candidate]
    events: dict[int, list[StageEvent]]
    rounds: list[Interview]
    # Panels of the rounds still open (scheduled): who is overdue.
    panels: dict[int, list[str]]
    scorecards: list[Scorecard]
    # (interviewer, candidate) -> rating (below, meets, exceeds) -> how many they gave that candidate
    rating_counts: dict[tuple[str, int], dict[str, int]]
    answers: list[_Answers]


def build_report(
    session: Session,
    kits: KitCatalog,
    roles: Sequence[Role],
    now: datetime,
    *,
    since: date | None = None,
    detail: bool = True,
) -> Report:
    """The overall section for `roles` and, with `detail`, a section per role."""
    start = datetime.combine(since, time(), tzinfo=now.tzinfo) if since else None
    data = _load(session, [r.id for r in roles if r.id is not None], start)
    kit_of = {r.id: kits.kits.get(r.kit_key) for r in roles}
    overall = _section("All roles", None, None, data, kit_of, now)
    sections = [_section(r.title, r, kit_of[r.id], _only(data, r.id), kit_of, now) for r in roles] if detail else []
    return Report(generated_at=now, since=since, overall=overall, roles=sections)


# The columns the figures use, read as plain rows (attribute access by name): the report reads
# every row of its scope, and rows of a few columns cost a fraction of ORM objects (bench/scale.py).
_USED = {
    Candidate: ("id", "role_id", "status", "stage_key", "created_at"),
    StageEvent: ("candidate_id", "at", "action", "from_stage", "to_stage", "to_status"),
    Interview: ("id", "candidate_id", "status", "ends_at"),
    PanelMember: ("interview_id", "interviewer_id"),
    Scorecard: ("id", "interview_id", "interviewer_id", "recommendation", "submitted_at"),
}


def _columns(model: Any) -> Any:
    return sa_select(*(model.__table__.c[name] for name in _USED[model]))


def _load(session: Session, role_ids: list[int], start: datetime | None) -> _Data:
    query = _columns(Candidate).where(col(Candidate.role_id).in_(role_ids))
    cohort = list(session.exec(query.where(col(Candidate.created_at) >= start) if start else query))
    events: dict[int, list[StageEvent]] = defaultdict(list)
    for event in session.exec(
        _columns(StageEvent)
        .join(Candidate, col(Candidate.id) == col(StageEvent.candidate_id))
        .where(col(Candidate.role_id).in_(role_ids), *([col(Candidate.created_at) >= start] if start else []))
        .order_by(col(StageEvent.candidate_id), col(StageEvent.at), col(StageEvent.id))
    ):
        events[event.candidate_id].append(event)
    # Rounds are scoped by when they ended, so their candidates may predate the cohort.
    everyone = {c.id: c for c in session.exec(query)} if start else {c.id: c for c in cohort}
    round_query = (
        _columns(Interview)
        .join(Candidate, col(Candidate.id) == col(Interview.candidate_id))
        .where(
            col(Candidate.role_id).in_(role_ids),
            col(Interview.status) != InterviewStatus.cancelled,
            # Kickoffs are not scored: no feedback to turn around.
            col(Interview.kind) != InterviewKind.kickoff,
        )
    )
    if start:
        round_query = round_query.where(col(Interview.ends_at) >= start)
    rounds = list(session.exec(round_query.order_by(col(Interview.id))))
    panels: dict[int, list[str]] = defaultdict(list)
    # Joined to the same scope rather than filtered by a list of ids: hundreds of thousands of
    # bound parameters are more than SQLite accepts and slow on PostgreSQL.
    in_scope = select(round_query.with_only_columns(col(Interview.id)).subquery())
    # Panels only matter for who is overdue, on rounds still open.
    open_rounds = select(
        round_query.with_only_columns(col(Interview.id))
        .where(col(Interview.status) == InterviewStatus.scheduled)
        .subquery()
    )
    for member in session.exec(_columns(PanelMember).where(col(PanelMember.interview_id).in_(open_rounds))):
        panels[member.interview_id].append(member.interviewer_id)
    scorecards = list(
        session.exec(_columns(Scorecard).where(col(Scorecard.interview_id).in_(in_scope)).order_by(col(Scorecard.id)))
    )

    # The ratings are the largest table by far (a row per question per scorecard): they are only
    # ever counted, so the database counts them.
    def rated(*columns: Any) -> Any:
        return (
            sa_select(*columns, func.count())
            .select_from(QuestionRating)
            .join(Scorecard, col(Scorecard.id) == col(QuestionRating.scorecard_id))
            .join(Interview, col(Interview.id) == col(Scorecard.interview_id))
            .where(col(Interview.id).in_(in_scope))
            .group_by(*columns)
        )

    rating_counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    by_pair = (Scorecard.interviewer_id, Interview.candidate_id, QuestionRating.rating)
    for person, candidate_id, rating, count in session.exec(
        rated(*by_pair).where(col(QuestionRating.rating).in_(list(RATING_SCORE)))
    ):
        rating_counts[(person, candidate_id)][rating] = count
    indicators: dict[str, tuple[str, ...]] = {}

    def observed(raw: str | None) -> tuple[str, ...]:
        # Each distinct list is decoded once: the same few recur across thousands of ratings.
        key = raw or ""
        if key not in indicators:
            value = json.loads(key) if key else []
            indicators[key] = tuple(str(v) for v in value) if isinstance(value, list) else ()
        return indicators[key]

    by_answer = (
        Candidate.role_id,
        Candidate.status,
        QuestionRating.question_key,
        QuestionRating.rating,
        cast(QuestionRating.positive_observed, Text),
        cast(QuestionRating.negative_observed, Text),
    )
    answers = [
        _Answers(role_id, status, key, rating, observed(positive), observed(negative), count)
        for role_id, status, key, rating, positive, negative, count in session.exec(
            rated(*by_answer).join(Candidate, col(Candidate.id) == col(Interview.candidate_id))
        )
    ]
    return _Data(cohort, everyone, events, rounds, panels, scorecards, rating_counts, answers)


def _only(data: _Data, role_id: int | None) -> _Data:
    mine = {cid for cid, c in data.everyone.items() if c.role_id == role_id}
    rounds = [r for r in data.rounds if r.candidate_id in mine]
    round_ids = {r.id for r in rounds}
    scorecards = [s for s in data.scorecards if s.interview_id in round_ids]
    return _Data(
        [c for c in data.candidates if c.role_id == role_id],
        {cid: data.everyone[cid] for cid in mine},
        {cid: e for cid, e in data.events.items() if cid in mine},
        rounds,
        {rid: p for rid, p in data.panels.items() if rid in round_ids},
        scorecards,
        {pair: counts for pair, counts in data.rating_counts.items() if pair[1] in mine},
        [a for a in data.answers if a.role_id == role_id],
    )


def _section(
    title: str, role: Role | None, kit: Kit | None, data: _Data, kit_of: dict[int | None, Kit | None], now: datetime
) -> Section:
    everyone = data.everyone
    deadline = {r.id: _deadline(kit_of.get(everyone[r.candidate_id].role_id)) for r in data.rounds}
    return Section(
        title=title,
        role=role,
        kit=kit,
        totals=_totals(data),
        stages=_stages(kit, data) if kit else [],
        turnaround=_turnaround(data, deadline, now),
        calibration=_calibration(data, everyone),
        questions=_questions(kit, data, everyone) if kit else [],
        feedback_due_hours=kit.feedback_due_hours if kit else None,
    )


def _deadline(kit: Kit | None) -> timedelta:
    return timedelta(hours=kit.feedback_due_hours if kit else 48)


def _totals(data: _Data) -> Totals:
    status = Counter(c.status for c in data.candidates)
    cohort = {c.id for c in data.candidates}
    interviewed = {r.candidate_id for r in data.rounds if r.candidate_id in cohort}
    decided = []
    for candidate in data.candidates:
        if candidate.status in DECIDED:
            last = [e.at for e in data.events.get(candidate.id or 0, []) if e.to_status == candidate.status]
            if last:
                decided.append(_days(last[-1] - candidate.created_at))
    return Totals(
        added=len(data.candidates),
        interviewed=len(interviewed),
        hired=status[CandidateStatus.hired],
        rejected=status[CandidateStatus.rejected],
        on_hold=status[CandidateStatus.on_hold],
        active=status[CandidateStatus.active],
        to_decision=Spread.of(decided),
    )


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def _stints(events: Iterable[StageEvent]) -> list[tuple[str, float]]:
    """(stage, days) for each closed stay in a stage, from one candidate's events in order."""
    stints: list[tuple[str, float]] = []
    current: tuple[str, datetime] | None = None
    for event in events:
        if event.to_stage is None:
            continue
        if current is None:
            # Added, or reopened after a decision: a new stay starts.
            if event.action in ("created", "reopen") or event.from_stage != event.to_stage:
                current = (event.to_stage, event.at)
            continue
        stage, entered = current
        if event.to_stage != stage or event.to_status in DECIDED:
            stints.append((stage, _days(event.at - entered)))
            current = None if event.to_status in DECIDED else (event.to_stage, event.at)
    return stints


def _stages(kit: Kit, data: _Data) -> list[StageFunnel]:
    entered: dict[str, set[int]] = defaultdict(set)
    durations: dict[str, list[float]] = defaultdict(list)
    for candidate_id, events in data.events.items():
        for event in events:
            if event.to_stage:
                entered[event.to_stage].add(candidate_id)
        for stage_key, days in _stints(events):
            durations[stage_key].append(days)
    now_at = Counter((c.stage_key, c.status) for c in data.candidates)
    hired = sum(1 for c in data.candidates if c.status == CandidateStatus.hired)
    rows = []
    for index, stage in enumerate(kit.stages):
        last = index == len(kit.stages) - 1
        rows.append(
            StageFunnel(
                key=stage.key,
                name=stage.name,
                entered=len(entered[stage.key]),
                passed=hired if last else len(entered[kit.stages[index + 1].key]),
                rejected_here=now_at[(stage.key, CandidateStatus.rejected)],
                on_hold_here=now_at[(stage.key, CandidateStatus.on_hold)],
                in_stage=now_at[(stage.key, CandidateStatus.active)],
                time_in_stage=Spread.of(durations[stage.key]),
            )
        )
    return rows


def _turnaround(data: _Data, deadline: dict[int | None, timedelta], now: datetime) -> list[Turnaround]:
    ends = {r.id: r.ends_at for r in data.rounds}
    hours: dict[str, list[float]] = defaultdict(list)
    within: Counter[str] = Counter()
    submitted: set[tuple[int, str]] = set()
    for card in data.scorecards:
        waited = max(card.submitted_at - ends[card.interview_id], timedelta(0))
        hours[card.interviewer_id].append(waited.total_seconds() / 3600)
        within[card.interviewer_id] += waited <= deadline[card.interview_id]
        submitted.add((card.interview_id, card.interviewer_id))
    overdue: Counter[str] = Counter()
    for interview in data.rounds:
        if interview.status != InterviewStatus.scheduled or interview.ends_at + deadline[interview.id] >= now:
            continue
        for person in data.panels.get(interview.id or 0, []):
            overdue[person] += (interview.id, person) not in submitted
    people = sorted(set(hours) | {p for p, n in overdue.items() if n})
    return [
        Turnaround(p, len(hours[p]), percentile(hours[p], 0.5), within[p], overdue[p])
        for p in sorted(people, key=lambda p: (-(overdue[p]), -(percentile(hours[p], 0.5) or 0), p))
    ]


def _calibration(data: _Data, everyone: dict[int, Candidate]) -> list[Calibration]:
    """Each person against the rest of the panel, per candidate. The panel's side is the candidate's
    totals minus the person's own, computed for every (person, candidate) pair at once with numpy:
    linear in scorecards and out of the Python loop (bench/scale.py). Counts are columns in
    RECOMMENDATION_SCORE and RATING_SCORE order."""
    round_candidate = {r.id: r.candidate_id for r in data.rounds}
    rec_index = {k.value: i for i, k in enumerate(RECOMMENDATION_SCORE)}
    rate_index = {k.value: i for i, k in enumerate(RATING_SCORE)}
    pair_of: dict[tuple[str, int], int] = {}
    card_pairs, card_recs = [], []
    for card in data.scorecards:
        key = (card.interviewer_id, round_candidate[card.interview_id])
        card_pairs.append(pair_of.setdefault(key, len(pair_of)))
        card_recs.append(rec_index[card.recommendation])
    if not pair_of:
        return []
    pairs = list(pair_of)
    people = sorted({person for person, _ in pairs})
    person_at = {p: i for i, p in enumerate(people)}
    candidate_at: dict[int, int] = {}
    pair_person = np.array([person_at[p] for p, _ in pairs])
    pair_candidate = np.array([candidate_at.setdefault(c, len(candidate_at)) for _, c in pairs])
    own_recs = np.zeros((len(pairs), len(rec_index)), dtype=np.int64)
    np.add.at(own_recs, (np.array(card_pairs), np.array(card_recs)), 1)
    own_rates = np.zeros((len(pairs), len(rate_index)), dtype=np.int64)
    for key, counts in data.rating_counts.items():
        row = pair_of.get(key)
        for label, count in counts.items():
            if row is not None:
                own_rates[row, rate_index[label]] += count
    totals = len(candidate_at)
    all_recs = np.zeros((totals, len(rec_index)), dtype=np.int64)
    np.add.at(all_recs, pair_candidate, own_recs)
    all_rates = np.zeros((totals, len(rate_index)), dtype=np.int64)
    np.add.at(all_rates, pair_candidate, own_rates)
    other_recs = all_recs[pair_candidate] - own_recs
    other_rates = all_rates[pair_candidate] - own_rates
    compared = other_recs.sum(axis=1) > 0
    rated = compared & (own_rates.sum(axis=1) > 0) & (other_rates.sum(axis=1) > 0)

    def average(counts: Any, weights: list[int]) -> Any:
        n = counts.sum(axis=1)
        return (counts @ np.array(weights)) / np.where(n > 0, n, 1)

    rec_gap = average(own_recs, list(RECOMMENDATION_SCORE.values())) - average(
        other_recs, list(RECOMMENDATION_SCORE.values())
    )
    rate_gap = average(own_rates, list(RATING_SCORE.values())) - average(other_rates, list(RATING_SCORE.values()))

    def per_person(values: Any, where: Any) -> Any:
        out = np.zeros((len(people), *values.shape[1:]), dtype=values.dtype)
        np.add.at(out, pair_person[where], values[where])
        return out

    everywhere = np.ones(len(pairs), dtype=bool)
    mine_recs, mine_rates = per_person(own_recs, everywhere), per_person(own_rates, everywhere)
    panel_recs, panel_rates = per_person(other_recs, compared), per_person(other_rates, compared)
    rec_gaps, rec_n = per_person(rec_gap, compared), per_person(compared.astype(np.int64), compared)
    rate_gaps, rate_n = per_person(rate_gap, rated), per_person(rated.astype(np.int64), rated)
    result = [
        Calibration(
            interviewer_id=person,
            scorecards=int(mine_recs[i].sum()),
            compared=int(rec_n[i]),
            recommendations=_labelled(mine_recs[i], rec_index),
            panel_recommendations=_labelled(panel_recs[i], rec_index),
            ratings=_labelled(mine_rates[i], rate_index),
            panel_ratings=_labelled(panel_rates[i], rate_index),
            recommendation_gap=float(rec_gaps[i] / rec_n[i]) if rec_n[i] else None,
            rating_gap=float(rate_gaps[i] / rate_n[i]) if rate_n[i] else None,
        )
        for i, person in enumerate(people)
    ]
    return sorted(result, key=lambda c: (c.flag is None, -abs(c.recommendation_gap or 0), c.interviewer_id))


def _labelled(counts: Any, index: dict[str, int]) -> dict[str, int]:
    """The non-zero counts of a row of counts, by label."""
    return {label: int(counts[i]) for label, i in index.items() if counts[i]}


def _questions(kit: Kit, data: _Data, everyone: dict[int, Candidate]) -> list[QuestionSignal]:
    """Per question, and per indicator observed, from the aggregated ratings."""
    asked: Counter[str] = Counter()
    rated: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    agreeing: Counter[str] = Counter()
    # (question, positive?, indicator) -> observed, observed with a decision, agreeing with it
    seen: Counter[tuple[str, bool, str]] = Counter()
    seen_decided: Counter[tuple[str, bool, str]] = Counter()
    seen_agree: Counter[tuple[str, bool, str]] = Counter()
    for answer in data.answers:
        key, n = answer.question_key, answer.count
        decision = answer.status if answer.status in DECIDED else None
        hired = decision == CandidateStatus.hired
        asked[key] += n
        if answer.rating in RATING_SCORE:
            rated[key] += n
            if decision is not None:
                decided[key] += n
                agreeing[key] += n * ((answer.rating != Rating.below) == hired)
        for positive, texts in ((True, answer.positive), (False, answer.negative)):
            for text in set(texts):
                seen[(key, positive, text)] += n
                if decision is not None:
                    seen_decided[(key, positive, text)] += n
                    seen_agree[(key, positive, text)] += n * (hired == positive)
    signals = []
    for question in kit.questions:
        key = question.key
        if not asked[key]:
            continue
        indicators = [
            IndicatorSignal(
                positive,
                text,
                seen[(key, positive, text)],
                asked[key],
                seen_agree[(key, positive, text)],
                seen_decided[(key, positive, text)],
            )
            for positive, texts in ((True, question.positive), (False, question.negative))
            for text in texts
        ]
        signals.append(
            QuestionSignal(key, question.title, asked[key], rated[key], agreeing[key], decided[key], indicators)
        )
    return signals


# ------------------------------------------------------------------------- the App Home summary


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


def home_summary(session: Session, kits: KitCatalog, roles: Sequence[Role], now: datetime) -> Summary:
    """The headline of `build_report` for `roles` (no `since`), by the same definitions."""
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
            by_deadline[_deadline(kits.kits.get(role.kit_key))].append(role.id)
    submitted = (
        select(Scorecard.id)
        .where(
            col(Scorecard.interview_id) == col(Interview.id),
            col(Scorecard.interviewer_id) == col(PanelMember.interviewer_id),
        )
        .exists()
    )
    overdue = session.exec(
        select(func.count())
        .select_from(PanelMember)
        .join(Interview, col(Interview.id) == col(PanelMember.interview_id))
        .join(Candidate, col(Candidate.id) == col(Interview.candidate_id))
        .where(
            col(Interview.status) == InterviewStatus.scheduled,
            col(Interview.kind) != InterviewKind.kickoff,
            or_(
                *(
                    and_(col(Candidate.role_id).in_(role_ids), col(Interview.ends_at) < now - deadline)
                    for deadline, role_ids in by_deadline.items()
                ),
                false(),
            ),
            ~submitted,
        )
    ).one()

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
    )


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
