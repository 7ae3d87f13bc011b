"""The migrations and the models describe the same schema (tables, columns, types, indexes)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from bot.wiring.db import Database
from models.tables import modeled


# SQLite's reflection skips the index of lower(email), which the models leave out (models.tables.UNMODELLED).
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_at_head_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": modeled})
        assert compare_metadata(context, SQLModel.metadata) == []
