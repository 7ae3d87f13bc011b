"""Tables that stop growing: old event keys and finished outbox rows are deleted, in batches, and
never a row a key check or a purge still reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.delivery.pruning import prune, prune_outbox, prune_processed_events
from bot.rules.message_kinds import Kind, outbox_row
from bot.wiring.db import Database
from models.tables import (
    Candidate,
    Interview,
    InterviewStatus,
    OutboxMessage,
    OutboxState,
    ProcessedEvent,
    Role,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=120)


def test_event_and_form_keys_older_than_a_day_go_in_batches_and_told_once_keys_stay(db: Database) -> None:
    with db.transaction() as session:
        for n in range(5):
            session.add(ProcessedEvent(event_id=f"event:Ev{n}", received_at=NOW - timedelta(hours=30)))
        session.add(ProcessedEvent(event_id="view:V1", received_at=NOW - timedelta(hours=25)))
        session.add(ProcessedEvent(event_id="event:recent", received_at=NOW - timedelta(hours=23)))
        session.add(ProcessedEvent(event_id="line:notice:U1", received_at=OLD))

    assert prune_processed_events(db, NOW - timedelta(days=1), batch=2) == 6

    with db.read() as session:
        left = set(session.exec(select(ProcessedEvent.event_id)))
    assert left == {"event:recent", "line:notice:U1"}


def test_finished_rows_past_the_retention_go_and_rows_still_read_stay(db: Database) -> None:
    with db.transaction() as session:
        role = Role(title="Backend", kit_key="k", channel_id="C1")
        session.add(role)
        session.flush()
        alive = Candidate(role_id=role.id or 0, name="A", name_key="a", email="a@x.org", stage_key="s")
        purged = Candidate(role_id=role.id or 0, name="", name_key="", email="", stage_key="s", purged_at=OLD)
        session.add_all([alive, purged])
        session.flush()

        def round_of(candidate: Candidate, status: InterviewStatus) -> int:
            interview = Interview(candidate_id=candidate.id or 0, stage_key="s", starts_at=OLD, ends_at=OLD,
                                  status=status)  # fmt: skip
            session.add(interview)
            session.flush()
            return interview.id or 0

        closed, open_, purged_round = (
            round_of(alive, InterviewStatus.debriefed),
            round_of(alive, InterviewStatus.scheduled),
            round_of(purged, InterviewStatus.cancelled),
        )
        rows = {
            # Gone: a report about nobody, a round's reminder cancelled and one given up on,
            # a sent message about a purged candidate.
            "report": (Kind.report, None, None, OutboxState.sent, "1.1"),
            "cancelled": (Kind.scorecard_reminder, alive.id, closed, OutboxState.cancelled, None),
            "dead": (Kind.briefing, alive.id, closed, OutboxState.dead, None),
            "purged": (Kind.panel_invite, purged.id, purged_round, OutboxState.sent, "1.2"),
            # Kept: a sent message a purge of its candidate would delete, a row of a round still
            # scheduled (a move reads its keys), a row not finished.
            "alive": (Kind.panel_invite, alive.id, closed, OutboxState.sent, "1.3"),
            "scheduled": (Kind.prep_reminder, alive.id, open_, OutboxState.cancelled, None),
            "pending": (Kind.report, None, None, OutboxState.pending, None),
        }
        for tag, (kind, candidate_id, interview_id, state, ts) in rows.items():
            row = outbox_row(kind, "U1", candidate_id, interview_id, OLD, OLD, tag=tag)
            row.state, row.sent_ts, row.sent_channel = state, ts, "D1" if ts else None
            row.sent_at = OLD if state == OutboxState.sent else None
            session.add(row)
        # Sent yesterday: within the retention. Also the highest id, kept so SQLite never hands it out again.
        recent = outbox_row(Kind.report, "U1", None, None, NOW - timedelta(days=1), OLD, tag="recent")
        recent.state, recent.sent_at = OutboxState.sent, NOW - timedelta(days=1)
        session.add(recent)

    assert prune_outbox(db, NOW - timedelta(days=90), batch=2) == 4

    with db.read() as session:
        left = {key.rsplit(":", 1)[1] for key in session.exec(select(OutboxMessage.idempotency_key))}
    assert left == {"alive", "scheduled", "pending", "recent"}


def test_the_retentions_are_the_hours_and_days_given(db: Database) -> None:
    with db.transaction() as session:
        session.add(ProcessedEvent(event_id="event:a", received_at=NOW - timedelta(hours=3)))
        for tag in ("a", "b"):
            row = outbox_row(Kind.report, "U1", None, None, NOW - timedelta(days=10), NOW - timedelta(days=10), tag=tag)
            row.state = OutboxState.dead
            session.add(row)

    assert prune(db, NOW, event_hours=4, outbox_days=90) == (0, 0)
    # The newest row stays whatever its age.
    assert prune(db, NOW, event_hours=2, outbox_days=7) == (1, 1)
