"""interview: drop ix_interview_open, the partial index of open rounds that the App Home's count of
scorecards overdue now read; that count now comes from the report's aggregates of waiting seats

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'scheduled' AND kind <> 'kickoff'")


def upgrade() -> None:
    op.drop_index("ix_interview_open", table_name="interview")


def downgrade() -> None:
    op.create_index(
        "ix_interview_open", "interview", ["ends_at", "id", "candidate_id"], postgresql_where=OPEN, sqlite_where=OPEN
    )
