"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:03:01.339480
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_event",
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("kit_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("hiring_manager_ids", sa.JSON(), nullable=False),
        sa.Column("recruiter_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("title"),
    )
    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("slack_user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("thread_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["role.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidate_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_role_id"), ["role_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_slack_user_id"), ["slack_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_status"), ["status"], unique=False)

    op.create_table(
        "interview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scheduled_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("debriefed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interview_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interview_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interview_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interview_status"), ["status"], unique=False)

    op.create_table(
        "stage_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("from_stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("to_stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stage_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_event_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("sent_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("sent_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_state"), ["state"], unique=False)

    op.create_table(
        "panel_member",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
        ),
        sa.PrimaryKeyConstraint("interview_id", "interviewer_id"),
    )
    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_member_interviewer_id"), ["interviewer_id"], unique=False)

    op.create_table(
        "scorecard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("recommendation", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interview_id", "interviewer_id"),
    )
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecard_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecard_interviewer_id"), ["interviewer_id"], unique=False)

    op.create_table(
        "question_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rating", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("positive_observed", sa.JSON(), nullable=False),
        sa.Column("negative_observed", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecard.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scorecard_id", "question_key"),
    )
    with op.batch_alter_table("question_rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_rating_question_key"), ["question_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_rating_scorecard_id"), ["scorecard_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("question_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_rating_scorecard_id"))
        batch_op.drop_index(batch_op.f("ix_question_rating_question_key"))

    op.drop_table("question_rating")
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecard_interviewer_id"))
        batch_op.drop_index(batch_op.f("ix_scorecard_interview_id"))

    op.drop_table("scorecard")
    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_member_interviewer_id"))

    op.drop_table("panel_member")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_state"))
        batch_op.drop_index(batch_op.f("ix_outbox_interview_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_due_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_candidate_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("stage_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_event_candidate_id"))
        batch_op.drop_index(batch_op.f("ix_stage_event_at"))

    op.drop_table("stage_event")
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_status"))
        batch_op.drop_index(batch_op.f("ix_interview_starts_at"))
        batch_op.drop_index(batch_op.f("ix_interview_ends_at"))
        batch_op.drop_index(batch_op.f("ix_interview_candidate_id"))

    op.drop_table("interview")
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_status"))
        batch_op.drop_index(batch_op.f("ix_candidate_slack_user_id"))
        batch_op.drop_index(batch_op.f("ix_candidate_role_id"))
        batch_op.drop_index(batch_op.f("ix_candidate_name_key"))
        batch_op.drop_index(batch_op.f("ix_candidate_email"))

    op.drop_table("candidate")
    op.drop_table("role")
    op.drop_table("processed_event")
