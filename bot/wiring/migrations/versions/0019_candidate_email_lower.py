"""candidate: ix_candidate_email_lower on lower(email), in place of ix_candidate_email on email.
Candidates are looked up by email case-insensitively (a new candidate's duplicate check, the
command line's purge by email), which no plain index serves: at 50,000 candidates on SQLite the
duplicate check read every open candidate of the role (12.6 ms) and the purge every candidate
(7.3 ms); by the index each takes microseconds. Nothing looked up the email as stored.
Plain CREATE and DROP INDEX, not a batch (a batch rebuilds the table on SQLite and drops the
search index's triggers, migration 0017). Not modelled: SQLite's reflection skips expression
indexes (models.tables.UNMODELLED).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_candidate_email_lower ON candidate (lower(email))")
    op.drop_index("ix_candidate_email", table_name="candidate")


def downgrade() -> None:
    op.create_index("ix_candidate_email", "candidate", ["email"])
    op.execute("DROP INDEX ix_candidate_email_lower")
