"""The figures of one section of the hiring report, computed from the rows read for its scope:
totals, funnel and time in stage, feedback turnaround, interviewer calibration (numpy) and question
signal. `bot.reporting.reports` states what each one counts. For a `since` cohort, and the
reference for the aggregates (`bot.reporting.tally` counts the same per candidate)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from bot.reporting.data import ReportData
from bot.reporting.tally import stays
from bot.reporting.types import (
    DECIDED,
    RATING_SCORE,
    RECOMMENDATION_SCORE,
    Calibration,
    IndicatorSignal,
    QuestionSignal,
    Section,
    Spread,
    StageFunnel,
    Totals,
    Turnaround,
    feedback_deadline,
    percentile,
)
from models.kit import Kit
from models.tables import CandidateStatus, InterviewStatus, Rating, Role, StageEvent


def build_section(
    title: str,
    role: Role | None,
    kit: Kit | None,
    data: ReportData,
    kit_of: dict[int | None, Kit | None],
    now: datetime,
) -> Section:
    """The figures of `data` for `role`, or for every role in scope together (`role` None); `kit_of`
    gives each round's feedback deadline through its candidate's role."""
    everyone = data.everyone
    deadline = {r.id: feedback_deadline(kit_of.get(everyone[r.candidate_id].role_id)) for r in data.rounds}
    return Section(
        title=title,
        role=role,
        kit=kit,
        totals=_totals(data),
        stages=_stages(kit, data) if kit else [],
        turnaround=_turnaround(data, deadline, now),
        calibration=_calibration(data),
        questions=_questions(kit, data) if kit else [],
        feedback_due_hours=kit.feedback_due_hours if kit else None,
    )


def _totals(data: ReportData) -> Totals:
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
    """(stage, days) for each closed stay in a stage, from one candidate's events in order (the
    aggregates count the same stays: `tally.stays`)."""
    return [(stage, _days(delta)) for stage, delta in stays(events)]


def _stages(kit: Kit, data: ReportData) -> list[StageFunnel]:
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


def _turnaround(data: ReportData, deadline: dict[int | None, timedelta], now: datetime) -> list[Turnaround]:
    ends = {r.id: r.ends_at for r in data.rounds}
    hours: dict[str, list[float]] = defaultdict(list)
    within: Counter[str] = Counter()
    submitted: set[tuple[int, str]] = set()

    # On time: by the interviewer's stored deadline (their working days), else the kit's hours after
    # the round's end. The turnaround itself counts from the round's end either way.
    def due(interview_id: int, person: str) -> datetime:
        return data.dues.get((interview_id, person)) or ends[interview_id] + deadline[interview_id]

    for card in data.scorecards:
        waited = max(card.submitted_at - ends[card.interview_id], timedelta(0))
        hours[card.interviewer_id].append(waited.total_seconds() / 3600)
        within[card.interviewer_id] += card.submitted_at <= due(card.interview_id, card.interviewer_id)
        submitted.add((card.interview_id, card.interviewer_id))
    overdue: Counter[str] = Counter()
    for interview in data.rounds:
        if interview.status != InterviewStatus.scheduled:
            continue
        for person in data.panels.get(interview.id or 0, []):
            overdue[person] += (interview.id, person) not in submitted and due(interview.id or 0, person) < now
    people = sorted(set(hours) | {p for p, n in overdue.items() if n})
    return [
        Turnaround(p, len(hours[p]), percentile(hours[p], 0.5), within[p], overdue[p])
        for p in sorted(people, key=lambda p: (-(overdue[p]), -(percentile(hours[p], 0.5) or 0), p))
    ]


def _calibration(data: ReportData) -> list[Calibration]:
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


def _questions(kit: Kit, data: ReportData) -> list[QuestionSignal]:
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
