"""indexes for pipeline boards and interviewers' rounds at scale (bench/scale.py)

Composite indexes that the App Home and `/candidate list` read from alone; each replaces the
single-column index it starts with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.create_index(
            "ix_candidate_board_counts", ["role_id", "stage_key", "status", "purged_at"], unique=False
        )
        batch_op.create_index(
            "ix_candidate_board_open",
            ["status", "role_id", "stage_key", "stage_entered_at", "purged_at"],
            unique=False,
        )
        batch_op.drop_index("ix_candidate_role_id")
        batch_op.drop_index("ix_candidate_status")

    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.create_index("ix_panel_member_interviewer_round", ["interviewer_id", "interview_id"], unique=False)
        batch_op.drop_index("ix_panel_member_interviewer_id")

    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.create_index("ix_scorecard_interviewer_round", ["interviewer_id", "interview_id"], unique=False)
        batch_op.drop_index("ix_scorecard_interviewer_id")


def downgrade() -> None:
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.create_index("ix_scorecard_interviewer_id", ["interviewer_id"], unique=False)
        batch_op.drop_index("ix_scorecard_interviewer_round")

    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.create_index("ix_panel_member_interviewer_id", ["interviewer_id"], unique=False)
        batch_op.drop_index("ix_panel_member_interviewer_round")

    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.create_index("ix_candidate_status", ["status"], unique=False)
        batch_op.create_index("ix_candidate_role_id", ["role_id"], unique=False)
        batch_op.drop_index("ix_candidate_board_open")
        batch_op.drop_index("ix_candidate_board_counts")
