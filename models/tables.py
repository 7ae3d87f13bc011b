"""SQLModel tables. Times are timezone-aware UTC on every database.

`table=True` models skip pydantic validation, so input is validated by the
services before it reaches these classes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ColumnElement, DateTime, Index, Text, TypeDecorator, UniqueConstraint, or_, text
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel, col

# The report's aggregates live beside the history they count, on the same metadata.
from models.report_tables import ReportCount, ReportValue  # noqa: F401


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """DateTime(timezone=True) that also comes back aware from SQLite, which drops the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def time_field(*, nullable: bool = False, index: bool = False, **kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index, **kw)


class CandidateStatus(StrEnum):
    active = "active"
    on_hold = "on_hold"
    rejected = "rejected"
    hired = "hired"


class Rating(StrEnum):
    below = "below"
    meets = "meets"
    exceeds = "exceeds"
    not_assessed = "not_assessed"


class Recommendation(StrEnum):
    strong_no = "strong_no"
    no = "no"
    yes = "yes"
    strong_yes = "strong_yes"


class InterviewStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"
    debriefed = "debriefed"


class InterviewKind(StrEnum):
    """What a row of `interview` is: a scored round (a meeting or a review), a take-home assignment
    (sent now, due later), or a take-home's kickoff meeting (briefed, not scored)."""

    round = "round"
    assignment = "assignment"
    kickoff = "kickoff"


class OutboxState(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"
    cancelled = "cancelled"


class Role(SQLModel, table=True):
    """An open position: its kit, its hiring channel and the people who run it."""

    __tablename__ = "role"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120, unique=True)
    kit_key: str = Field(max_length=64)
    level: str | None = Field(default=None, max_length=16)
    channel_id: str = Field(max_length=32)
    hiring_manager_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    recruiter_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
    # Its recruiters get the weekly interviewer-load digest of its pools (bot/rules/load_digest.py).
    load_digest: bool = False
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = time_field(default_factory=utcnow)


class Candidate(SQLModel, table=True):
    # Pipeline boards (bench/scale.py). Each also serves lookups by its first column alone, so role_id
    # and status have no index of their own.
    __table_args__ = (
        # Counts per role, stage and status, read from the index alone.
        Index("ix_candidate_board_counts", "role_id", "stage_key", "status", "purged_at"),
        # The longest-waiting open candidates of each stage.
        Index("ix_candidate_board_open", "status", "role_id", "stage_key", "stage_entered_at", "purged_at"),
        # The candidate of a thread in the hiring channel (Reply to candidate).
        Index("ix_candidate_thread", "channel_id", "thread_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    role_id: int = Field(foreign_key="role.id")
    name: str = Field(max_length=200)
    # Lower-cased, accent-free copy of the name for search.
    name_key: str = Field(max_length=200, index=True)
    # Looked up case-insensitively: ix_candidate_email_lower on lower(email) (migration 0019).
    email: str = Field(max_length=254)
    slack_user_id: str | None = Field(default=None, max_length=32, index=True)
    source: str | None = Field(default=None, max_length=200)
    link: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, sa_type=Text)
    stage_key: str = Field(max_length=64)
    status: str = Field(default=CandidateStatus.active, max_length=16)
    stage_entered_at: datetime = time_field(default_factory=utcnow)
    channel_id: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = time_field(default_factory=utcnow)
    purged_at: datetime | None = time_field(default=None, nullable=True)


# Indexes the migrations keep and the models do not describe: each database's own for the candidate
# search (0017: SQLite's FTS5 table and its shadow tables, PostgreSQL's pg_trgm indexes), and the
# one of lower(email) (0019), an expression index, which SQLite's reflection skips.
UNMODELLED = ("candidate_search", "ix_candidate_name_trgm", "ix_candidate_email_trgm", "ix_candidate_email_lower")


def modeled(name: str | None, _type: str, _parents: object) -> bool:
    """Alembic's `include_name` hook: the models do not describe the indexes of `UNMODELLED`."""
    return not (name or "").startswith(UNMODELLED)


class StageEvent(SQLModel, table=True):
    """Append-only history of a candidate's stage and status."""

    __tablename__ = "stage_event"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    at: datetime = time_field(default_factory=utcnow, index=True)
    actor_id: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=24)
    from_stage: str | None = Field(default=None, max_length=64)
    to_stage: str | None = Field(default=None, max_length=64)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, sa_type=Text)


class Interview(SQLModel, table=True):
    """One round: a stage of the kit held at a time with a panel (see `InterviewKind`)."""

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    stage_key: str = Field(max_length=64)
    starts_at: datetime = time_field(index=True)
    ends_at: datetime = time_field(index=True)
    location: str | None = Field(default=None, max_length=500)
    status: str = Field(default=InterviewStatus.scheduled, max_length=16, index=True)
    kind: str = Field(default=InterviewKind.round, max_length=16, sa_column_kwargs={"server_default": "round"})
    # The exercise variant picked for this round (a key of one of the stage's exercises), if any.
    variant: str | None = Field(default=None, max_length=64)
    scheduled_by: str | None = Field(default=None, max_length=32)
    # iCalendar SEQUENCE of the round's events: raised on every move and on cancelling, so calendars
    # take the newest version of the invite over any older one.
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = time_field(default_factory=utcnow)
    debriefed_at: datetime | None = time_field(default=None, nullable=True)


class TrainingPart(StrEnum):
    """A trainee's part on a round (PanelMember.training, bot/rules/training.py)."""

    # Watches: briefed and invited, never asked to score.
    shadow = "shadow"
    # Leads and scores; the qualified interviewers on the round sign off on them.
    reverse_shadow = "reverse_shadow"


class PanelMember(SQLModel, table=True):
    __tablename__ = "panel_member"
    # A person's rounds, from the index alone (the primary key leads with the round); also serves
    # lookups by interviewer_id alone.
    __table_args__ = (Index("ix_panel_member_interviewer_round", "interviewer_id", "interview_id"),)

    interview_id: int = Field(foreign_key="interview.id", primary_key=True)
    interviewer_id: str = Field(max_length=32, primary_key=True)
    # A trainee's part on the round (TrainingPart); None: an interviewer.
    training: str | None = Field(default=None, max_length=16)
    # When their scorecard is due, counted in their working days (bot/rules/delivery_windows.py): set
    # when the round is planned, moved or its work received; the request, reminder, escalation and the
    # report's on-time figure all read it. None on rounds planned before it was kept.
    due_at: datetime | None = time_field(default=None, nullable=True)
    # How often they put off its reminder ("Remind me tomorrow"): at most twice.
    snoozes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


def scoring(seat: Any = None) -> ColumnElement[bool]:
    """The panel rows of people who score their round: everyone but its shadows (`seat`: an alias)."""
    training = col(PanelMember.training) if seat is None else seat.training
    return or_(training.is_(None), training != TrainingPart.shadow)


class Scorecard(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("interview_id", "interviewer_id"),
        # A person's scorecards by round (pending ones are the rounds not in it), from the index alone;
        # also serves lookups by interviewer_id alone.
        Index("ix_scorecard_interviewer_round", "interviewer_id", "interview_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", index=True)
    interviewer_id: str = Field(max_length=32)
    recommendation: str = Field(max_length=16)
    notes: str = Field(sa_type=Text)
    submitted_at: datetime = time_field(default_factory=utcnow)
    updated_at: datetime = time_field(default_factory=utcnow)


class QuestionRating(SQLModel, table=True):
    """A rating for one question on one scorecard, with the indicators observed."""

    __tablename__ = "question_rating"
    __table_args__ = (UniqueConstraint("scorecard_id", "question_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scorecard_id: int = Field(foreign_key="scorecard.id", index=True)
    question_key: str = Field(max_length=64, index=True)
    rating: str = Field(max_length=16)
    positive_observed: list[str] = Field(default_factory=list, sa_type=JSON)
    negative_observed: list[str] = Field(default_factory=list, sa_type=JSON)


class OutboxMessage(SQLModel, table=True):
    """A message to send later; claimed with a lease so several instances send it once."""

    __tablename__ = "outbox"
    # The dispatcher's claim reads only pending rows, by due time: an index of those alone stays
    # small however many rows were sent, and is written only while a row is pending (both databases
    # take a partial index).
    __table_args__ = (
        Index(
            "ix_outbox_pending_due",
            "due_at",
            "id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    target: str = Field(max_length=32)
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    interview_id: int | None = Field(default=None, foreign_key="interview.id", index=True)
    due_at: datetime = time_field(index=True)
    # Not indexed on its own: every query by state asks for pending rows (ix_outbox_pending_due).
    state: str = Field(default=OutboxState.pending, max_length=16)
    attempts: int = 0
    claimed_until: datetime | None = time_field(default=None, nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    idempotency_key: str = Field(max_length=200, unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    sent_channel: str | None = Field(default=None, max_length=32)
    sent_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = time_field(default=None, nullable=True)
    created_at: datetime = time_field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Who did what, for actions that must be accountable later (a purge). `detail` never holds personal data."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_field(default_factory=utcnow, index=True)
    # A Slack user id, or `cli:<os user>` for the command line.
    actor_id: str = Field(max_length=64)
    action: str = Field(max_length=32)
    # What it was done to, e.g. `candidate:12`.
    subject: str = Field(max_length=64, index=True)
    detail: str | None = Field(default=None, sa_type=Text)


class ProcessedEvent(SQLModel, table=True):
    """Slack event ids already handled, so Slack's retries take effect once."""

    __tablename__ = "processed_event"

    event_id: str = Field(max_length=64, primary_key=True)
    # Indexed for the pruning of old keys (bot/delivery/pruning.py).
    received_at: datetime = time_field(default_factory=utcnow, index=True)


class CalendarConnection(SQLModel, table=True):
    """A calendar the bot writes rounds into: a person's own CalDAV calendar (`user_id` their Slack
    user), or the Google Workspace organizer calendar (`user_id` GOOGLE_CONNECTION, set up from the
    settings). The secret is Fernet-encrypted with SECRET_KEY; nothing else here is secret."""

    __tablename__ = "calendar_connection"

    user_id: str = Field(max_length=32, primary_key=True)
    provider: str = Field(max_length=16)
    url: str = Field(default="", max_length=500)
    username: str = Field(default="", max_length=200)
    secret: str = Field(default="", sa_type=Text)
    # Writes that failed in a row; a success sets it back to 0.
    failures: int = 0
    # Set when the connection kept failing (a revoked password): nothing is written until it is
    # connected again, and its owner has been told how.
    paused_at: datetime | None = time_field(default=None, nullable=True)
    last_error: str | None = Field(default=None, max_length=300)
    connected_by: str | None = Field(default=None, max_length=64)
    connected_at: datetime = time_field(default_factory=utcnow)


class CalendarFeed(SQLModel, table=True):
    """A person's subscribable feed (`GET /calendar/<token>.ics`). Only the token's SHA-256 is
    stored; the token itself is derived again from `nonce` and the server's key to show the link."""

    __tablename__ = "calendar_feed"

    # A Slack user id (an interviewer or a candidate).
    owner_id: str = Field(max_length=32, primary_key=True)
    nonce: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = time_field(default_factory=utcnow)


class PersonRecord(SQLModel, table=True):
    """What the bot keeps about a person to find them a time: their working hours (a spec, see
    bot/rules/working_hours.py; none stored means the default) and their caps on interviews.
    Their time zone and e-mail come from Slack when known."""

    __tablename__ = "person"

    user_id: str = Field(max_length=32, primary_key=True)
    email: str | None = Field(default=None, max_length=254)
    tz: str | None = Field(default=None, max_length=64)
    hours: str | None = Field(default=None, max_length=500)
    max_per_day: int | None = None
    max_per_week: int | None = None
    # When `tz` and `email` were last read from Slack (users.info, or a user_change event).
    refreshed_at: datetime | None = time_field(default=None, nullable=True)
    updated_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime = time_field(default_factory=utcnow)


class PoolMember(SQLModel, table=True):
    """Who may interview for a role's stage (bot/rules/pools.py): a qualified interviewer, a Slack
    user group (resolved when scheduling), or a trainee on their way to qualifying."""

    __tablename__ = "pool_member"

    role_id: int = Field(foreign_key="role.id", primary_key=True)
    stage_key: str = Field(max_length=64, primary_key=True)
    # U... (a person) or S... (a user group).
    member_id: str = Field(max_length=32, primary_key=True)
    trainee: bool = False
    added_by: str = Field(max_length=64)
    added_at: datetime = time_field(default_factory=utcnow)
    # A trainee: reverse shadows they need beyond the kit's path (a recruiter's *Not yet* adds one),
    # and when the recruiters were asked to add them to the pool (their path done).
    extra_reverse_shadows: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    proposed_at: datetime | None = time_field(default=None, nullable=True)


class TrainingSignoff(SQLModel, table=True):
    """A qualified interviewer's word on a trainee's reverse shadow: ready, or needs more practice."""

    __tablename__ = "training_signoff"

    interview_id: int = Field(foreign_key="interview.id", primary_key=True)
    evaluator_id: str = Field(max_length=32, primary_key=True)
    trainee_id: str = Field(max_length=32, index=True)
    ready: bool
    comment: str | None = Field(default=None, sa_type=Text)
    signed_at: datetime = time_field(default_factory=utcnow)
