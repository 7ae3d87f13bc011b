"""Row ids that people type or forge: only a number that can name a row is looked up; and rows
looked up by id on the paths answered inside Slack's three seconds."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Executable, bindparam
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, SQLModel, select

# Primary keys are INTEGER columns: a larger number (typed or forged) names no row, and binding it
# would fail in the driver (SQLite: OverflowError; PostgreSQL: integer out of range).
MAX_ID = 2**31 - 1

Row = TypeVar("Row", bound=SQLModel)
Statement = TypeVar("Statement", bound=Executable)

# The execution option that has PostgreSQL run a read as a prepared statement (`bot.wiring.db`):
# planned once per connection, not at each run. Only for statements whose generic plan is as good
# as their custom plans, checked at 50,000 candidates (bench/README, eighth pass).
PREPARED = "prepared"


def prepared(statement: Statement) -> Statement:
    return statement.execution_options(**{PREPARED: True})


def is_row_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@cache
def _by_id(model: type[SQLModel], lock: bool) -> Any:
    statement = select(model).where(model.id == bindparam("id"))  # type: ignore[attr-defined]
    return statement.with_for_update() if lock else prepared(statement)


def by_id(session: Session, model: type[Row], row_id: int, *, lock: bool = False) -> Row | None:
    """`session.get` for a model with an integer `id`, through a statement built once: `session.get`
    builds its SELECT anew at every miss (60 µs of a 160 µs lookup, bench/README). A row the session
    holds is returned as it is, unless `lock` asks for the row lock (FOR UPDATE on PostgreSQL)."""
    if not lock:
        known = session.identity_map.get(identity_key(model, row_id))
        if known is not None:
            return known
    found = session.exec(_by_id(model, lock), params={"id": row_id}).first()
    if lock and found is not None:
        hold(session, model, row_id)
    return found


_HELD = "held_rows"


def hold(session: Session, model: type[SQLModel], *row_ids: int) -> None:
    """Notes that this transaction holds the row locks of `row_ids` (taken FOR UPDATE), so that a
    later step need not take them again (the report's upkeep, bot/reporting/upkeep.py). Not in a
    savepoint: rolling it back would release them."""
    if session.in_nested_transaction():
        return
    transaction = session.get_transaction()
    noted: tuple[object, set[tuple[type[SQLModel], int]]] | None = session.info.get(_HELD)
    if noted is None or noted[0] is not transaction:
        noted = session.info[_HELD] = (transaction, set())
    noted[1].update((model, i) for i in row_ids)


def held(session: Session, model: type[SQLModel]) -> set[int]:
    """The ids of the `model` rows whose locks this transaction holds, as `hold` noted them."""
    noted = session.info.get(_HELD)
    if noted is None or noted[0] is not session.get_transaction():
        return set()
    return {i for m, i in noted[1] if m is model}
