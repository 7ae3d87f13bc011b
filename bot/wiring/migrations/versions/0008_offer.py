"""offer: times offered to a candidate to pick from

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("candidate_id", sa.Integer(), sa.ForeignKey("candidate.id"), nullable=False),
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("panel", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interview.id"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_offer_candidate_id", "offer", ["candidate_id"])
    op.create_index("ix_offer_status", "offer", ["status"])
    op.create_index("ix_offer_expires_at", "offer", ["expires_at"])


def downgrade() -> None:
    op.drop_table("offer")
