"""Training new interviewers: trainees on rounds (panel_member.training), their sign-offs, and a
trainee's extra reverse shadows and proposal to the pool; offers from a pool (each time its panel)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("panel_member") as batch:
        batch.add_column(sa.Column("training", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    with op.batch_alter_table("pool_member") as batch:
        batch.add_column(sa.Column("extra_reverse_shadows", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "training_signoff",
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interview.id"), primary_key=True),
        sa.Column("evaluator_id", sqlmodel.sql.sqltypes.AutoString(length=32), primary_key=True),
        sa.Column("trainee_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_training_signoff_trainee_id", "training_signoff", ["trainee_id"])
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("pool_panels", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pool_trainees", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offer") as batch:
        batch.drop_column("pool_trainees")
        batch.drop_column("pool_panels")
    op.drop_index("ix_training_signoff_trainee_id", table_name="training_signoff")
    op.drop_table("training_signoff")
    with op.batch_alter_table("pool_member") as batch:
        batch.drop_column("proposed_at")
        batch.drop_column("extra_reverse_shadows")
    with op.batch_alter_table("panel_member") as batch:
        batch.drop_column("training")
