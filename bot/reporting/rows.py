"""The rows of candidates that the report counts, read for a write's recount and the backfill
(bot/reporting/upkeep.py): few statements, as a write runs them at each commit."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, Text, and_, bindparam, cast, literal, null, select, union_all

from bot.reporting.tally import Rows
from models.tables import (
    Candidate,
    Interview,
    InterviewKind,
    InterviewStatus,
    PanelMember,
    QuestionRating,
    Scorecard,
    StageEvent,
    scoring,
)


def table(model: Any) -> Table:
    return model.__table__


C, E, R, S, Q, P = (table(m) for m in (Candidate, StageEvent, Interview, Scorecard, QuestionRating, PanelMember))
# A scorecard's own panel seat, for its stored deadline.
SEAT = P.alias("seat")


class Round(NamedTuple):
    id: int
    ends_at: datetime


class Card(NamedTuple):
    id: int
    interview_id: int
    interviewer_id: str
    recommendation: str
    submitted_at: datetime
    # The interviewer's stored feedback deadline (panel_member.due_at), if one is kept.
    due_at: datetime | None


class Given(NamedTuple):
    scorecard_id: int
    question_key: str
    rating: str
    positive_observed: Any
    negative_observed: Any


class Event(NamedTuple):
    at: datetime
    action: str
    from_stage: str | None
    to_stage: str | None
    to_status: str | None


class Person(NamedTuple):
    id: int
    role_id: int
    status: str
    stage_key: str
    created_at: datetime


# The candidates' rows in order: each candidate's events by time (`_reads`, `_together`).
_CANDIDATES_ORDER = (C.c.id, E.c.at, E.c.id)


@cache
def _reads(by_span: bool, lock: bool = False) -> tuple[Any, Any, Any, Any]:
    """The four statements that read candidates' counted rows, built once: by a list of ids (`ids`),
    or by a span of ids (`low`, `high`, for the backfill). Few statements, as a write runs them at
    its commit (and most writes before their first change too): the candidates with their events,
    their rounds in scope with scorecards, those scorecards' ratings, and the panels of their
    rounds still open. `lock`: the candidates' rows are locked by the first (FOR UPDATE on
    PostgreSQL), before the rest are read."""

    def mine(column: Any) -> Any:
        if by_span:
            return column.between(bindparam("low"), bindparam("high"))
        return column.in_(bindparam("ids", expanding=True))

    candidates = (
        select(C.c.id, C.c.role_id, C.c.status, C.c.stage_key, C.c.created_at)
        .add_columns(E.c.id, E.c.at, E.c.action, E.c.from_stage, E.c.to_stage, E.c.to_status)
        .select_from(C.outerjoin(E, E.c.candidate_id == C.c.id))
        .where(mine(C.c.id))
        .order_by(*_CANDIDATES_ORDER)
    )
    if lock:
        candidates = candidates.with_for_update(of=C)
    # No order for the rest: they are only counted. The ratings apart from their rounds and
    # scorecards: joined, each rating's row would repeat three times to convert (SQLite keeps them
    # as text): 0.45 → 0.24 ms for a candidate of 9 scorecards and 54 ratings.
    scope = and_(mine(R.c.candidate_id), R.c.status != InterviewStatus.cancelled, R.c.kind != InterviewKind.kickoff)
    rounds = (
        select(R.c.candidate_id, R.c.id, R.c.ends_at, S.c.id, S.c.interviewer_id, S.c.recommendation, S.c.submitted_at)
        .add_columns(SEAT.c.due_at)
        .select_from(
            R.outerjoin(S, S.c.interview_id == R.c.id).outerjoin(
                SEAT, and_(SEAT.c.interview_id == S.c.interview_id, SEAT.c.interviewer_id == S.c.interviewer_id)
            )
        )
        .where(scope)
    )
    ratings = (
        select(R.c.candidate_id, Q.c.scorecard_id, Q.c.question_key, Q.c.rating)
        # As text, each distinct list decoded once (`load_rows`): the same few recur.
        .add_columns(cast(Q.c.positive_observed, Text), cast(Q.c.negative_observed, Text))
        .select_from(R.join(S, S.c.interview_id == R.c.id).join(Q, Q.c.scorecard_id == S.c.id))
        .where(scope)
    )
    seats = (
        select(R.c.candidate_id, P.c.interview_id, P.c.interviewer_id, P.c.due_at)
        .select_from(R.join(P, P.c.interview_id == R.c.id))
        .where(
            mine(R.c.candidate_id),
            R.c.status == InterviewStatus.scheduled,
            R.c.kind != InterviewKind.kickoff,
            scoring(P.c),  # a shadow's seat waits for no scorecard
        )
    )
    return candidates, rounds, ratings, seats


@cache
def _together(by_span: bool) -> tuple[Any, list[tuple[int, int]]]:
    """`_reads` as one statement, for PostgreSQL: each row is tagged with the statement it comes
    from and has its columns in that statement's place (the others NULL, typed for the UNION), with
    the candidates' rows in their order. `spans`: each statement's columns in the row."""
    statements = _reads(by_span)
    columns = [c for statement in statements for c in statement.selected_columns]
    spans, start = [], 1
    for statement in statements:
        spans.append((start, start + len(statement.selected_columns)))
        start = spans[-1][1]
    branches = [
        statement.with_only_columns(
            literal(n).label("part"),
            *((c if lo <= i + 1 < hi else cast(null(), c.type)).label(f"c{i}") for i, c in enumerate(columns)),
        ).order_by(None)
        for n, (statement, (lo, hi)) in enumerate(zip(statements, spans, strict=True))
    ]
    together = union_all(*branches).subquery()
    # The candidates' order, by the places of its columns; the other parts after.
    places = [next(i for i, c in enumerate(columns) if c is wanted) for wanted in _CANDIDATES_ORDER]
    ordered = select(together).order_by(together.c.part, *(together.c[f"c{i}"] for i in places))
    return ordered, spans


def _results(conn: Connection, by_span: bool, lock: bool, params: dict[str, Any]) -> Iterator[Iterable[Any]]:
    """The rows of each of `_reads`' four statements, in turn. On PostgreSQL, unless locking (FOR
    UPDATE cannot be used with UNION), all four come from one statement: one round trip, not four
    (0.44 against 1.05 ms for a candidate at a submission)."""
    if lock or conn.dialect.name != "postgresql":
        for statement in _reads(by_span, lock):
            yield conn.execute(statement, params)
        return
    together, spans = _together(by_span)
    parts: list[list[Any]] = [[] for _ in spans]
    for row in conn.execute(together, params):
        lo, hi = spans[row[0]]
        parts[row[0]].append(row[lo:hi])
    yield from parts


def load_rows(
    conn: Connection, ids: Sequence[int] = (), span: tuple[int, int] | None = None, *, lock: bool = False
) -> list[Rows]:
    """The counted rows of the candidates `ids`, or of those whose ids are in `span` (both ends in);
    `lock`: with the candidates' row locks."""
    params = {"low": span[0], "high": span[1]} if span else {"ids": list(ids)}
    results = _results(conn, span is not None, lock, params)
    found: dict[int, Rows] = {}
    for row in next(results):
        rows = found.get(row[0])
        if rows is None:
            rows = found[row[0]] = Rows(Person(*row[:5]))
        if row[5] is not None:
            rows.events.append(Event(*row[6:]))
    if not found:
        return []
    seen_rounds: set[int] = set()
    for candidate_id, round_id, ends_at, card_id, person, recommendation, submitted_at, due in next(results):
        rows = found[candidate_id]
        if round_id not in seen_rounds:
            seen_rounds.add(round_id)
            rows.rounds.append(Round(round_id, ends_at))
        if card_id is not None:
            rows.scorecards.append(Card(card_id, round_id, person, recommendation, submitted_at, due))
    decoded: dict[str, Any] = {}
    for candidate_id, card_id, key, rating, positive, negative in next(results):
        for raw in (positive, negative):
            if raw not in decoded:
                decoded[raw] = json.loads(raw) if raw else []
        found[candidate_id].ratings.append(Given(card_id, key, rating, decoded[positive], decoded[negative]))
    for candidate_id, round_id, person, due in next(results):
        found[candidate_id].seats.append((round_id, person, due))
    return list(found.values())


def without(rows: Rows, scorecards: set[int]) -> Rows:
    """`rows` as they were before the scorecards `scorecards` (and their ratings) were added."""
    return replace(
        rows,
        scorecards=[c for c in rows.scorecards if c.id not in scorecards],
        ratings=[g for g in rows.ratings if g.scorecard_id not in scorecards],
    )
