"""pool_member: the interviewers (or user groups) qualified for a role's stage, and its trainees

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_member",
        sa.Column("role_id", sa.Integer(), sa.ForeignKey("role.id"), primary_key=True),
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(length=64), primary_key=True),
        sa.Column("member_id", sqlmodel.sql.sqltypes.AutoString(length=32), primary_key=True),
        sa.Column("trainee", sa.Boolean(), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pool_member")
