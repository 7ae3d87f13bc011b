"""Row ids that people type or forge: only a number that can name a row is looked up; and rows
looked up by id on the paths answered inside Slack's three seconds."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, SQLModel, select

# Primary keys are INTEGER columns: a larger number (typed or forged) names no row, and binding it
# would fail in the driver (SQLite: OverflowError; PostgreSQL: integer out of range).
MAX_ID = 2**31 - 1

Row = TypeVar("Row", bound=SQLModel)


def is_row_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@cache
def _by_id(model: type[SQLModel], lock: bool) -> Any:
    statement = select(model).where(model.id == bindparam("id"))  # type: ignore[attr-defined]
    return statement.with_for_update() if lock else statement


def by_id(session: Session, model: type[Row], row_id: int, *, lock: bool = False) -> Row | None:
    """`session.get` for a model with an integer `id`, through a statement built once: `session.get`
    builds its SELECT anew at every miss (60 µs of a 160 µs lookup, bench/README). A row the session
    holds is returned as it is, unless `lock` asks for the row lock (FOR UPDATE on PostgreSQL)."""
    if not lock:
        held = session.identity_map.get(identity_key(model, row_id))
        if held is not None:
            return held
    return session.exec(_by_id(model, lock), params={"id": row_id}).first()
