"""offer: a booking page's link (its hash), the round a candidate's reschedule moves, held times

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("moves_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("holds", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("move_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.create_unique_constraint("uq_offer_token_hash", ["token_hash"])
        batch.create_unique_constraint("uq_offer_move_token_hash", ["move_token_hash"])
        batch.create_foreign_key("fk_offer_moves_id", "interview", ["moves_id"], ["id"])
    op.create_index("ix_offer_moves_id", "offer", ["moves_id"])


def downgrade() -> None:
    op.drop_index("ix_offer_moves_id", "offer")
    with op.batch_alter_table("offer") as batch:
        batch.drop_constraint("fk_offer_moves_id", type_="foreignkey")
        batch.drop_constraint("uq_offer_move_token_hash", type_="unique")
        batch.drop_constraint("uq_offer_token_hash", type_="unique")
        batch.drop_column("move_token_hash")
        batch.drop_column("holds")
        batch.drop_column("moves_id")
        batch.drop_column("token_hash")
