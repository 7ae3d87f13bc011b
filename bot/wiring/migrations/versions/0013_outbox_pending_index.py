"""outbox: a partial index of the pending rows for the dispatcher's claim, instead of one of every row's
state; processed_event by age, for pruning; interview: a partial index of the open rounds for the App Home

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")
OPEN = sa.text("status = 'scheduled' AND kind <> 'kickoff'")


def upgrade() -> None:
    op.create_index("ix_outbox_pending_due", "outbox", ["due_at", "id"], postgresql_where=PENDING, sqlite_where=PENDING)
    op.drop_index("ix_outbox_state", table_name="outbox")
    op.create_index("ix_processed_event_received_at", "processed_event", ["received_at"])
    op.create_index(
        "ix_interview_open", "interview", ["ends_at", "id", "candidate_id"], postgresql_where=OPEN, sqlite_where=OPEN
    )


def downgrade() -> None:
    op.drop_index("ix_interview_open", table_name="interview")
    op.drop_index("ix_processed_event_received_at", table_name="processed_event")
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.drop_index("ix_outbox_pending_due", table_name="outbox")
