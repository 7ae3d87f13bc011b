"""Keeps the report's aggregates current: in every write transaction, the candidates whose counted
rows change (their stage and status, stage events, rounds, scorecards, ratings) are recounted from
their own rows, before the first change and at commit, and the difference is added to
`report_count`; their durations in `report_value` that changed are swapped. A candidate whose only
change is new scorecards (a submission) is read once, at commit: before, it was those rows without
the new scorecards. `backfill` builds both from the whole history (migration 0015, bench/scale.py).

Watching the session rather than each write path keeps every writer honest, present and future;
only core UPDATE/DELETE statements on these tables would go unseen, and there are none of the
counted columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from bot.reporting.rows import C, R, S, load_rows, table, without
from bot.reporting.tally import Rows, Tally, difference, tally
from bot.rules.ids import held
from models.tables import (
    Candidate,
    Interview,
    PanelMember,
    QuestionRating,
    ReportCount,
    ReportValue,
    Scorecard,
    StageEvent,
)

COUNT, VALUE = table(ReportCount), table(ReportValue)

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


def recount(conn: Connection, old: dict[int, Tally], added: Mapping[int, set[int]] | None = None) -> None:
    """The candidates of `old` counted again now; `old` is what each counted for before. `added`:
    candidates whose only change is new scorecards (their ids): what they counted for before is
    their rows now without those scorecards, so their rows are read once, here."""
    added = added or {}
    rows = load_rows(conn, sorted({*old, *added}))
    for own in rows:
        if own.candidate.id in added:
            old[own.candidate.id] = tally([without(own, added[own.candidate.id])])
    counted = count(rows)
    apply(conn, difference(merge(t for _, t in counted), merge(old.values())))
    # Durations are written only where they changed (not on a hold, say): the values that went are
    # deleted (every copy, and those that stay put back) and the new ones inserted. A submission
    # swaps one: the seat's wait for its turnaround.
    gone = [i for i in old if i not in {i for i, _ in counted}]
    dropped: list[dict[str, Any]] = []
    out: list[tuple[int, Tally]] = []
    for candidate_id, mine in counted:
        now, before = Counter(mine.values), Counter(old[candidate_id].values)
        went = before - now
        dropped += [{f"v_{k}": v for k, v in zip(VALUE_KEY, (candidate_id, *value), strict=True)} for value in went]
        kept = [v for value in went for v in [value] * now[value]]
        out.append((candidate_id, Tally(values=[*kept, *(now - before).elements()])))
    if dropped:
        conn.execute(_drop_value(), dropped)
    write_values(conn, gone, out)


VALUE_KEY = ("candidate_id", "role_id", "name", "key", "bucket", "value")


@cache
def _drop_value() -> Any:
    return delete(VALUE).where(*(VALUE.c[name] == bindparam(f"v_{name}") for name in VALUE_KEY))


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

_OLD, _NEW, _ADDED, _WATCHED = "report_old", "report_new", "report_added", "report_watched"


def watch(session: Session) -> None:
    """Recount, at commit, the candidates `session` changes (see the module docstring). The hooks
    are `HOOKS`, listened to by the session's class: listening on each session costs 50 µs a write."""
    session.info[_WATCHED] = True


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_OLD, None)
    session.info.pop(_NEW, None)
    session.info.pop(_ADDED, None)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if not session.info.get(_WATCHED):
        return
    touched: set[int] = set()
    cards: set[int] = set()
    rounds: set[int] = set()
    # New scorecards, by round: a candidate whose only change is new scorecards needs no count of
    # what it was before now (see `recount`); the common write, a submission, is one.
    new_cards: dict[int, list[Scorecard]] = {}
    for obj in [*session.new, *session.dirty, *session.deleted]:
        kind = type(obj)
        if kind not in COUNTED:
            continue
        if obj in session.dirty and not _changed(obj, COUNTED[kind]):
            continue
        if isinstance(obj, Scorecard) and obj in session.new:
            new_cards.setdefault(obj.interview_id, []).append(obj)
        elif isinstance(obj, Candidate):
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
    added: dict[int, list[Scorecard]] = session.info.setdefault(_ADDED, {})
    deferred = set()
    for round_id, new in new_cards.items():
        for candidate_id in _parents(session, Interview, {round_id}, R.c.id, R.c.candidate_id):
            if candidate_id not in touched and candidate_id not in old:
                if candidate_id not in added:
                    deferred.add(candidate_id)
                added.setdefault(candidate_id, []).extend(new)
            else:
                touched.add(candidate_id)
    first = sorted(i for i in touched if i is not None and i not in old)
    # The candidates' rows are locked before they are counted (or, for `added`, before their new
    # rows go in), so two writers to one candidate recount one after the other (SQLite serializes
    # writers anyway). A candidate in `added` since an earlier flush holds its lock already.
    # The rows of `first` alone are read with their locks (one round trip fewer).
    # Those the transaction has locked already (a round loaded to change it) are not locked again.
    lock = conn.dialect.name != "sqlite"
    mine = held(session, Candidate) if lock else set()
    if lock and deferred:
        locked = sorted({*(i for i in first if i not in added), *deferred} - mine)  # one statement, id order
        if locked:
            conn.execute(select(C.c.id).where(C.c.id.in_(locked)).order_by(C.c.id).with_for_update())
        lock = False
    if not first:
        return
    counted = {r.candidate.id: r for r in load_rows(conn, first, lock=lock and not mine.issuperset(first))}
    for candidate_id in first:
        own = counted.get(candidate_id)
        # A candidate with new scorecards flushed already: as it was without them.
        before = without(own, _ids(added.pop(candidate_id, []))) if own is not None else None
        old[candidate_id] = tally([before]) if before is not None else Tally()


def _ids(cards: Iterable[Scorecard]) -> set[int]:
    return {c.id for c in cards if c.id is not None}


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
    if not session.info.get(_WATCHED):
        return
    # Commit flushes only after this hook: what is pending is flushed (and seen) first.
    session.flush()
    if _OLD not in session.info and _NEW not in session.info and _ADDED not in session.info:
        return
    old: dict[int, Tally] = session.info.pop(_OLD, {})
    fresh: list[Candidate] = session.info.pop(_NEW, [])
    added = {i: _ids(cards) for i, cards in session.info.pop(_ADDED, {}).items()}
    for candidate in fresh:
        if candidate.id is not None:
            old.setdefault(candidate.id, Tally())
    if old or added:
        recount(session.connection(), old, added)


HOOKS = (("before_flush", _before_flush), ("before_commit", _before_commit), ("after_rollback", _forget))
