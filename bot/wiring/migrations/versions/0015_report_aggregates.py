"""report_count, report_value: the hiring report's aggregates, backfilled from the history

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_count",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total", sa.Float(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("role_id", "name", "key", "bucket"),
    )
    op.create_table(
        "report_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_value_candidate_id", "report_value", ["candidate_id"])
    op.create_index("ix_report_value_bucket", "report_value", ["name", "key", "bucket", "role_id", "value"])
    # The history so far, counted by the code that keeps the aggregates current from now on.
    from bot.reporting.upkeep import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_report_value_bucket", table_name="report_value")
    op.drop_index("ix_report_value_candidate_id", table_name="report_value")
    op.drop_table("report_value")
    op.drop_table("report_count")
