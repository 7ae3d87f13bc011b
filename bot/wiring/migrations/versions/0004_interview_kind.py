"""what an interview row is (round, take-home assignment, kickoff) and its exercise variant

Before this revision a take-home assignment was told apart by its times alone: it starts when it
is sent (at `created_at`) and ends at its due date, later. No other row starts at its creation
with a later end (meetings start in the future; reviews start and end at once).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="round", nullable=False))
        batch_op.add_column(sa.Column("variant", sa.String(length=64), nullable=True))
    op.execute("UPDATE interview SET kind = 'assignment' WHERE starts_at = created_at AND ends_at > starts_at")


def downgrade() -> None:
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_column("variant")
        batch_op.drop_column("kind")
