"""What one candidate adds to the hiring report's aggregates (`report_count`, `report_value`), from
their own rows: the same definitions as `bot.reporting.figures` (the reference over the raw rows),
split by candidate so a write recounts only the candidate it touches (bot/reporting/upkeep.py).

Every figure of the report is a sum over candidates: counts (entered a stage, ratings that agree
with the decision), per-person sums (calibration gaps) and, for medians and 90th percentiles,
histograms of durations with the exact values kept beside them (`bucket`)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from bot.reporting.types import DECIDED, RATING_SCORE, RECOMMENDATION_SCORE
from models.tables import CandidateStatus, Rating

# Histogram resolution per duration figure: 2**bits buckets per doubling of the duration in minutes
# (3% wide for stays and decisions, 6% for turnaround, which has a histogram per person). Finer
# buckets mean more counts to read, coarser ones more exact values: at 50,000 candidates these read
# about as many of each (bench/README.md).
BUCKET_BITS = {"stage": 5, "decision": 5, "turnaround": 4, "turnaround_kit": 4}
MICROSECOND = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (role_id, name, key, bucket) -> [count, sum]
Key = tuple[int, str, str, int]
REC_INDEX = {r.value: i for i, r in enumerate(RECOMMENDATION_SCORE)}
RATE_INDEX = {r.value: i for i, r in enumerate(RATING_SCORE)}
REC_WEIGHTS = list(RECOMMENDATION_SCORE.values())
RATE_WEIGHTS = list(RATING_SCORE.values())


def bucket(name: str, micros: int) -> int:
    """The histogram bucket of a duration: whole minutes below 2**bits, then 2**bits buckets per
    doubling. Monotonic, so a rank's bucket holds the exact value sought."""
    if micros < 0:
        return -1 - bucket(name, -micros)
    bits = BUCKET_BITS[name]
    minutes = micros // 60_000_000
    if minutes < 1 << (bits + 1):
        return minutes
    shift = minutes.bit_length() - bits - 1
    return (shift << bits) + (minutes >> shift)


@cache
def indicator_key(question: str, positive: bool, text: str) -> str:
    return json.dumps([question, positive, text], ensure_ascii=False)


@cache
def now_key(stage: str, status: str) -> str:
    return json.dumps([stage, status])


@dataclass
class Rows:
    """One candidate's rows the report counts: the candidate, their stage events in order, their
    rounds in scope (not cancelled, not a kickoff), those rounds' scorecards and ratings, and the
    panels (round id, person) of the rounds still open."""

    candidate: Any
    events: list[Any] = field(default_factory=list)
    rounds: list[Any] = field(default_factory=list)
    scorecards: list[Any] = field(default_factory=list)
    ratings: list[Any] = field(default_factory=list)
    seats: list[tuple[int, str, datetime | None]] = field(default_factory=list)


@dataclass
class Tally:
    counts: dict[Key, int] = field(default_factory=dict)
    # Sums beside some counts (calibration gaps), by the same key.
    sums: dict[Key, float] = field(default_factory=dict)
    # (role_id, name, key, bucket, microseconds)
    values: list[tuple[int, str, str, int, int]] = field(default_factory=list)

    def add(self, role: int, name: str, key: str, n: int = 1, at: int = 0) -> None:
        cell = (role, name, key, at)
        self.counts[cell] = self.counts.get(cell, 0) + n

    def add_each(self, role: int, name: str, key: str, counts: Sequence[int]) -> None:
        """Each non-zero count of `counts` in the bucket of its index (a distribution)."""
        for at, n in enumerate(counts):
            if n:
                self.add(role, name, key, n, at=at)

    def add_sum(self, role: int, name: str, key: str, total: float) -> None:
        cell = (role, name, key, 0)
        self.counts[cell] = self.counts.get(cell, 0) + 1
        self.sums[cell] = self.sums.get(cell, 0.0) + total

    def merge(self, other: Tally) -> None:
        counts, sums = self.counts, self.sums
        for cell, n in other.counts.items():
            counts[cell] = counts.get(cell, 0) + n
        for cell, total in other.sums.items():
            sums[cell] = sums.get(cell, 0.0) + total

    def duration(self, role: int, name: str, key: str, delta: timedelta) -> None:
        micros = delta // MICROSECOND
        at = bucket(name, micros)
        self.add(role, f"h.{name}", key, at=at)
        self.values.append((role, name, key, at, micros))


def stays(events: Iterable[Any]) -> list[tuple[str, timedelta]]:
    """(stage, time) for each closed stay in a stage, from one candidate's events in order."""
    out: list[tuple[str, timedelta]] = []
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
            out.append((stage, event.at - entered))
            current = None if event.to_status in DECIDED else (event.to_stage, event.at)
    return out


def tally(candidates: Sequence[Rows], into: Tally | None = None) -> Tally:
    out = into if into is not None else Tally()
    for rows in candidates:
        _candidate(rows, out)
    return out


def _candidate(rows: Rows, out: Tally) -> None:
    c = rows.candidate
    role = c.role_id
    out.add(role, "status", c.status)
    out.add(role, "now", now_key(c.stage_key, c.status))
    if rows.rounds:
        out.add(role, "interviewed", "")
    for stage in {e.to_stage for e in rows.events if e.to_stage}:
        out.add(role, "entered", stage)
    for stage, delta in stays(rows.events):
        out.duration(role, "stage", stage, delta)
    if c.status in DECIDED:
        last = [e.at for e in rows.events if e.to_status == c.status]
        if last:
            out.duration(role, "decision", "", last[-1] - c.created_at)
    ends = {r.id: r.ends_at for r in rows.rounds}
    # Seats of open rounds still waiting for a scorecard, by their stored deadline ("waiting_due")
    # or else when the round ended ("waiting", against the kit's hours): whether one is overdue
    # depends on the clock, so the report counts them against it (aggregates.overdue_now).
    submitted = {(card.interview_id, card.interviewer_id) for card in rows.scorecards}
    for round_id, person, due in rows.seats:
        if (round_id, person) not in submitted and round_id in ends:
            name, at = ("waiting", ends[round_id]) if due is None else ("waiting_due", due)
            out.values.append((role, name, person, 0, (at - EPOCH) // MICROSECOND))
    for card in rows.scorecards:
        waited = max(card.submitted_at - ends[card.interview_id], timedelta(0))
        out.duration(role, "turnaround", card.interviewer_id, waited)
        # On time: by a stored deadline, known now; else against the kit's hours, when the report reads.
        if card.due_at is not None:
            out.add(role, "on_time", card.interviewer_id, at=int(card.submitted_at <= card.due_at))
        else:
            out.duration(role, "turnaround_kit", card.interviewer_id, waited)
    _calibration(rows, out)
    _questions(rows, out)


def _calibration(rows: Rows, out: Tally) -> None:
    """Each person who scored the candidate against the rest of the panel (figures._calibration)."""
    role = rows.candidate.role_id
    recs: dict[str, list[int]] = defaultdict(lambda: [0] * len(REC_INDEX))
    rates: dict[str, list[int]] = defaultdict(lambda: [0] * len(RATE_INDEX))
    person_of = {}
    for card in rows.scorecards:
        recs[card.interviewer_id][REC_INDEX[card.recommendation]] += 1
        person_of[card.id] = card.interviewer_id
    for rating in rows.ratings:
        if rating.rating in RATE_INDEX:
            rates[person_of[rating.scorecard_id]][RATE_INDEX[rating.rating]] += 1
    all_recs = [sum(r[i] for r in recs.values()) for i in range(len(REC_INDEX))]
    all_rates = [sum(r[i] for r in rates.values()) for i in range(len(RATE_INDEX))]
    for person, own_recs in recs.items():
        own_rates = rates[person] if person in rates else [0] * len(RATE_INDEX)
        other_recs = [a - b for a, b in zip(all_recs, own_recs, strict=True)]
        other_rates = [a - b for a, b in zip(all_rates, own_rates, strict=True)]
        out.add_each(role, "cal.recs", person, own_recs)
        out.add_each(role, "cal.rates", person, own_rates)
        if not sum(other_recs):
            continue
        out.add_sum(role, "cal.compared", person, _average(own_recs, REC_WEIGHTS) - _average(other_recs, REC_WEIGHTS))
        out.add_each(role, "cal.panel_recs", person, other_recs)
        out.add_each(role, "cal.panel_rates", person, other_rates)
        if sum(own_rates) and sum(other_rates):
            gap = _average(own_rates, RATE_WEIGHTS) - _average(other_rates, RATE_WEIGHTS)
            out.add_sum(role, "cal.rated", person, gap)


def _average(counts: Sequence[int], weights: Sequence[int]) -> float:
    return sum(c * w for c, w in zip(counts, weights, strict=True)) / (sum(counts) or 1)


def _questions(rows: Rows, out: Tally) -> None:
    """Per question and indicator, against the candidate's decision (figures._questions)."""
    role, status = rows.candidate.role_id, rows.candidate.status
    decided = status in DECIDED
    hired = status == CandidateStatus.hired
    for rating in rows.ratings:
        key = rating.question_key
        out.add(role, "q.asked", key)
        if rating.rating in RATING_SCORE:
            out.add(role, "q.rated", key)
            if decided:
                out.add(role, "q.decided", key)
                if (rating.rating != Rating.below) == hired:
                    out.add(role, "q.agreeing", key)
        for positive, texts in ((True, rating.positive_observed), (False, rating.negative_observed)):
            for text in set(_texts(texts)):
                name = indicator_key(key, positive, text)
                out.add(role, "i.seen", name)
                if decided:
                    out.add(role, "i.decided", name)
                    if hired == positive:
                        out.add(role, "i.agreeing", name)


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def difference(new: Tally, old: Tally) -> dict[Key, tuple[int, float]]:
    """What changes in `report_count` (count, sum) when candidates go from `old` to `new`."""
    out: dict[Key, tuple[int, float]] = {}
    for cell in set(new.counts) | set(old.counts):
        n = new.counts.get(cell, 0) - old.counts.get(cell, 0)
        total = new.sums.get(cell, 0.0) - old.sums.get(cell, 0.0)
        if n or total:
            out[cell] = (n, total)
    return out
