"""candidate: ix_candidate_role_added on (role_id, created_at), for a `--since` cohort of the hiring
report: its candidates, their stage events, and whether the cohort starts before the history
(`keeps_every_row`) were found through every candidate of the roles. At 50,000 candidates on
SQLite, a cohort from 1 October (3,605 candidates): 50 → 5 ms for the candidates, 67 → 17 ms for
their events, 50 → 0.6 ms for the first candidate added (bench/README, ninth pass).
A plain CREATE INDEX, not a batch: a batch rebuilds the table on SQLite and drops the search
index's triggers (migration 0017).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 02:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_candidate_role_added", "candidate", ["role_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_candidate_role_added", table_name="candidate")
