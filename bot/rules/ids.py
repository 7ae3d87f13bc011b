"""Row ids that people type or forge: only a number that can name a row is looked up."""

from __future__ import annotations

# Primary keys are INTEGER columns: a larger number (typed or forged) names no row, and binding it
# would fail in the driver (SQLite: OverflowError; PostgreSQL: integer out of range).
MAX_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    return 0 < value <= MAX_ID
