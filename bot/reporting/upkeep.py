"""Keeps the report's aggregates current: in every write transaction, the candidates whose counted
rows change (their stage and status, stage events, rounds, scorecards, ratings) are recounted from
their own rows, before the first change and at commit, and the difference is added to
`report_count`; their durations in `report_value` are replaced. `backfill` builds both from the
whole history (migration 0015, bench/scale.py).

Watching the session rather than each write path keeps every writer honest, present and future;
only core UPDATE/DELETE statements on these tables would go unseen, and there are none of the
counted columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, and_, bindparam, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from bot.reporting.tally import Rows, Tally, difference, tally
from models.tables import (
    Candidate,
    Interview,
    InterviewKind,
    InterviewStatus,
    PanelMember,
    QuestionRating,
    ReportCount,
    ReportValue,
    Scorecard,
    StageEvent,
    scoring,
)


def table(model: Any) -> Table:
    return model.__table__


C, E, R, S, Q, P = (table(m) for m in (Candidate, StageEvent, Interview, Scorecard, QuestionRating, PanelMember))
COUNT, VALUE = table(ReportCount), table(ReportValue)
# A scorecard's own panel seat, for its stored deadline.
SEAT = P.alias("seat")
# The columns whose change changes a figure; other edits (a purge's erasures, a round's place) do not.
COUNTED: dict[Any, tuple[str, ...]] = {
    Candidate: ("role_id", "status", "stage_key", "created_at"),
    Interview: ("candidate_id", "status", "kind", "ends_at"),
    Scorecard: ("interview_id", "interviewer_id", "recommendation", "submitted_at"),
    StageEvent: ("candidate_id", "at", "action", "from_stage", "to_stage", "to_status"),
    PanelMember: ("interview_id", "interviewer_id", "training", "due_at"),
    QuestionRating: ("scorecard_id", "question_key", "rating", "positive_observed", "negative_observed"),
}
BATCH = 2_000


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


@cache
def _reads(by_span: bool) -> tuple[Any, Any, Any]:
    """The three statements that read candidates' counted rows, built once: by a list of ids (`ids`),
    or by a span of ids (`low`, `high`, for the backfill). Few statements, as a write runs them
    twice: the candidates with their events, their rounds in scope with scorecards and ratings, and
    the panels of their rounds still open."""

    def mine(column: Any) -> Any:
        if by_span:
            return column.between(bindparam("low"), bindparam("high"))
        return column.in_(bindparam("ids", expanding=True))

    candidates = (
        select(C.c.id, C.c.role_id, C.c.status, C.c.stage_key, C.c.created_at)
        .add_columns(E.c.id, E.c.at, E.c.action, E.c.from_stage, E.c.to_stage, E.c.to_status)
        .select_from(C.outerjoin(E, E.c.candidate_id == C.c.id))
        .where(mine(C.c.id))
        .order_by(C.c.id, E.c.at, E.c.id)
    )
    # No order for the rest: they are only counted.
    rounds = (
        select(R.c.candidate_id, R.c.id, R.c.ends_at, S.c.id, S.c.interviewer_id, S.c.recommendation, S.c.submitted_at)
        .add_columns(SEAT.c.due_at, Q.c.question_key, Q.c.rating, Q.c.positive_observed, Q.c.negative_observed)
        .select_from(
            R.outerjoin(S, S.c.interview_id == R.c.id)
            .outerjoin(SEAT, and_(SEAT.c.interview_id == S.c.interview_id, SEAT.c.interviewer_id == S.c.interviewer_id))
            .outerjoin(Q, Q.c.scorecard_id == S.c.id)
        )
        .where(mine(R.c.candidate_id), R.c.status != InterviewStatus.cancelled, R.c.kind != InterviewKind.kickoff)
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
    return candidates, rounds, seats


def load_rows(conn: Connection, ids: Sequence[int] = (), span: tuple[int, int] | None = None) -> list[Rows]:
    """The counted rows of the candidates `ids`, or of those whose ids are in `span` (both ends in)."""
    candidates, rounds, seats = _reads(span is not None)
    params = {"low": span[0], "high": span[1]} if span else {"ids": list(ids)}
    found: dict[int, Rows] = {}
    for row in conn.execute(candidates, params):
        rows = found.get(row[0])
        if rows is None:
            rows = found[row[0]] = Rows(Person(*row[:5]))
        if row[5] is not None:
            rows.events.append(Event(*row[6:]))
    if not found:
        return []
    seen_rounds: set[int] = set()
    seen_cards: set[int] = set()
    for candidate_id, round_id, ends_at, card_id, person, recommendation, submitted_at, due, *given in conn.execute(
        rounds, params
    ):
        rows = found[candidate_id]
        if round_id not in seen_rounds:
            seen_rounds.add(round_id)
            rows.rounds.append(Round(round_id, ends_at))
        if card_id is None:
            continue
        if card_id not in seen_cards:
            seen_cards.add(card_id)
            rows.scorecards.append(Card(card_id, round_id, person, recommendation, submitted_at, due))
        if given[0] is not None:
            rows.ratings.append(Given(card_id, *given))
    for candidate_id, round_id, person, due in conn.execute(seats, params):
        found[candidate_id].seats.append((round_id, person, due))
    return list(found.values())


@cache
def _upsert(dialect_name: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE adding to the count and sum (both databases have it), built once."""
    insert = (postgresql if dialect_name == "postgresql" else sqlite).insert(COUNT)
    return insert.on_conflict_do_update(
        index_elements=["role_id", "name", "key", "bucket"],
        set_={"n": COUNT.c.n + insert.excluded.n, "total": COUNT.c.total + insert.excluded.total},
    )


def apply(conn: Connection, changes: dict[Any, tuple[int, float]]) -> None:
    """Adds `changes` to `report_count`, in key order (concurrent writers lock rows alike)."""
    if not changes:
        return
    rows = [
        {"role_id": r, "name": name, "key": key, "bucket": b, "n": n, "total": t}
        for (r, name, key, b), (n, t) in sorted(changes.items())
    ]
    conn.execute(_upsert(conn.dialect.name), rows)
    # A count back to 0 stays (the keys are few: roles, stages, people, questions, buckets).


def count(rows: Sequence[Rows]) -> list[tuple[int, Tally]]:
    """Each candidate's own tally."""
    return [(r.candidate.id, tally([r])) for r in rows]


def write_values(conn: Connection, replaced: Iterable[int], counted: Sequence[tuple[int, Tally]]) -> None:
    """The durations of the candidates `counted`, in place of those `replaced` had."""
    ids = sorted(set(replaced))
    if ids:
        conn.execute(delete(VALUE).where(VALUE.c.candidate_id.in_(ids)))
    out = [
        {"candidate_id": candidate_id, "role_id": role, "name": n, "key": k, "bucket": b, "value": v}
        for candidate_id, own in counted
        for role, n, k, b, v in own.values
    ]
    if out:
        conn.execute(VALUE.insert(), out)


def merge(parts: Iterable[Tally], into: Tally | None = None) -> Tally:
    out = into if into is not None else Tally()
    for part in parts:
        out.merge(part)
    return out


def recount(conn: Connection, old: dict[int, Tally]) -> None:
    """The candidates of `old` counted again now; `old` is what each counted for before."""
    counted = count(load_rows(conn, sorted(old)))
    apply(conn, difference(merge(t for _, t in counted), merge(old.values())))
    # Durations are rewritten only for the candidates whose durations changed (not on a hold, say).
    changed = [(i, t) for i, t in counted if sorted(t.values) != sorted(old[i].values)]
    gone = [i for i in old if i not in {i for i, _ in counted}]
    write_values(conn, [*(i for i, _ in changed), *gone], changed)


def backfill(conn: Connection) -> None:
    """`report_count` and `report_value` from the whole history, in batches of candidates."""
    conn.execute(delete(COUNT))
    conn.execute(delete(VALUE))
    total = Tally()
    last = conn.execute(select(func.max(C.c.id))).scalar() or 0
    for start in range(0, last + 1, BATCH):
        counted = count(load_rows(conn, span=(start, start + BATCH - 1)))
        merge((t for _, t in counted), total)
        write_values(conn, [], counted)
    apply(conn, difference(total, Tally()))


# ----------------------------------------------------------------------------- the session's watch

_OLD, _NEW = "report_old", "report_new"


def watch(session: Session) -> None:
    """Recount, at commit, the candidates `session` changes (see the module docstring)."""
    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "before_commit", _before_commit)
    event.listen(session, "after_rollback", _forget)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_OLD, None)
    session.info.pop(_NEW, None)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    touched: set[int] = set()
    cards: set[int] = set()
    rounds: set[int] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        kind = type(obj)
        if kind not in COUNTED:
            continue
        if obj in session.dirty and not _changed(obj, COUNTED[kind]):
            continue
        if isinstance(obj, Candidate):
            if obj.id is None:
                session.info.setdefault(_NEW, []).append(obj)
            else:
                touched.add(obj.id)
        elif isinstance(obj, StageEvent | Interview):
            touched.add(obj.candidate_id)
            if isinstance(obj, Interview):
                touched |= _previous(obj, "candidate_id")
        elif isinstance(obj, PanelMember | Scorecard):
            rounds.add(obj.interview_id)
            rounds |= _previous(obj, "interview_id")
        elif isinstance(obj, QuestionRating):
            cards.add(obj.scorecard_id)
            cards |= _previous(obj, "scorecard_id")
    conn = session.connection()
    # Parents already in the session (a scorecard's round, loaded to check it) need no statement.
    rounds |= _parents(session, Scorecard, cards, S.c.id, S.c.interview_id)
    touched |= _parents(session, Interview, rounds, R.c.id, R.c.candidate_id)
    old: dict[int, Tally] = session.info.setdefault(_OLD, {})
    # Added in this transaction (flushed already): they counted for nothing before it.
    for candidate in session.info.get(_NEW, []):
        if candidate.id is not None:
            old.setdefault(candidate.id, Tally())
    first = sorted(i for i in touched if i is not None and i not in old)
    if not first:
        return
    # The candidates' rows are locked before they are counted, so two writers to one candidate
    # recount one after the other (SQLite serializes writers anyway).
    if conn.dialect.name != "sqlite":
        conn.execute(select(C.c.id).where(C.c.id.in_(first)).order_by(C.c.id).with_for_update())
    counted = {r.candidate.id: r for r in load_rows(conn, first)}
    for candidate_id in first:
        old[candidate_id] = tally([counted[candidate_id]]) if candidate_id in counted else Tally()


def _parents(session: Session, model: Any, ids: set[int], key: Any, parent: Any) -> set[int]:
    """The `parent` ids of the `model` rows `ids`: from the session where it holds the row with
    that column loaded and unchanged, else read by `key`."""
    found: set[int] = set()
    unknown = []
    for row_id in ids:
        obj = session.identity_map.get(identity_key(model, row_id))
        known = inspect(obj).attrs[parent.name].history.unchanged if obj is not None else ()
        if known:
            found.update(known)
        else:
            unknown.append(row_id)
    if unknown:
        found |= set(session.connection().execute(select(parent).where(key.in_(unknown))).scalars())
    return found


def _changed(obj: Any, names: Sequence[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _previous(obj: Any, name: str) -> set[int]:
    """The value `obj`'s `name` had before this flush, if it changed (a row moved to another parent)."""
    return {v for v in inspect(obj).attrs[name].history.deleted if v is not None}


def _before_commit(session: Session) -> None:
    # Commit flushes only after this hook: what is pending is flushed (and seen) first.
    session.flush()
    if _OLD not in session.info and _NEW not in session.info:
        return
    old: dict[int, Tally] = session.info.pop(_OLD, {})
    fresh: list[Candidate] = session.info.pop(_NEW, [])
    for candidate in fresh:
        if candidate.id is not None:
            old.setdefault(candidate.id, Tally())
    if old:
        recount(session.connection(), old)
