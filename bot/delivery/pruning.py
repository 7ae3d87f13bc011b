"""Tables that stop growing: the scheduler's sweep deletes what nothing reads any more, a few
hundred rows a transaction so no lock is held for long.

`processed_event`: only the keys whose retry has a short window, Slack event ids (`event:`, Slack
retries within minutes) and form submissions (`view:`, a replayed request is refused by its
signature's timestamp after five minutes). Keys meant to hold for good (`line:notice:`, told once
who is no candidate) are kept.

`outbox`: finished rows (sent, given up, cancelled) past the retention, with three rows kept
whatever their age, so that no message can be queued or sent twice and no purge misses one:

- a row of a round that is still scheduled. Only a scheduled round takes new messages from its
  existing keys (a move: bot/rules/message_plan.py `_moved` reads them); a cancelled or debriefed
  round never changes again. Every other key is new by construction: a new round's id, a tag
  with a time, a uuid, an offer's id and what happened to it, or an ISO week (the load digest,
  only ever queued for the current week); the one untagged key about nobody, the line notice, is
  guarded by its `line:notice:` key, which is kept.
- a sent Slack message about a candidate not yet purged: a purge deletes it by its channel and ts
  (bot/rules/purge.py `_sent`), read from this row. A purge copies them into its clean-up job, so
  after it they may go.
- the row with the highest id: SQLite gives a new row the highest id plus one, so deleting it would
  hand its id out again (a dead-letter notice's key names the row it is about).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_
from sqlmodel import col, select

from bot.wiring.db import Database
from models.tables import Candidate, Interview, InterviewStatus, OutboxMessage, OutboxState, ProcessedEvent

BATCH = 500
# Keys that only refuse a retry, which Slack makes within minutes.
SHORT_LIVED = ("event:", "view:")
FINISHED = (OutboxState.sent, OutboxState.dead, OutboxState.cancelled)


def prune_processed_events(db: Database, before: datetime, batch: int = BATCH) -> int:
    """Delete event and form submission keys received before `before`; how many."""
    stale = and_(
        col(ProcessedEvent.received_at) < before,
        or_(*(col(ProcessedEvent.event_id).startswith(prefix) for prefix in SHORT_LIVED)),
    )
    total = 0
    while True:
        with db.transaction() as session:
            keys = list(session.exec(select(ProcessedEvent.event_id).where(stale).limit(batch)))
            if keys:
                session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.event_id).in_(keys)))
        total += len(keys)
        if len(keys) < batch:
            return total


def prunable_outbox(before: datetime) -> ColumnElement[bool]:
    """Finished rows, done with before `before`, that no key check or purge reads (module docstring)."""
    rounds_over = select(Interview.id).where(
        col(Interview.status) != InterviewStatus.scheduled, col(Interview.ends_at) < before
    )
    purged = select(Candidate.id).where(col(Candidate.purged_at).is_not(None))
    last = select(func.max(OutboxMessage.id)).scalar_subquery()
    return and_(
        col(OutboxMessage.state).in_(FINISHED),
        col(OutboxMessage.due_at) < before,
        or_(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.sent_at) < before),
        col(OutboxMessage.id) < last,
        or_(col(OutboxMessage.interview_id).is_(None), col(OutboxMessage.interview_id).in_(rounds_over)),
        or_(
            col(OutboxMessage.state) != OutboxState.sent,
            col(OutboxMessage.sent_ts).is_(None),
            and_(col(OutboxMessage.candidate_id).is_(None), col(OutboxMessage.interview_id).is_(None)),
            col(OutboxMessage.candidate_id).in_(purged),
        ),
    )


def prune_outbox(db: Database, before: datetime, batch: int = BATCH) -> int:
    """Delete the finished outbox rows `prunable_outbox` allows; how many."""
    total = 0
    while True:
        with db.transaction() as session:
            ids = list(
                session.exec(
                    select(OutboxMessage.id).where(prunable_outbox(before)).order_by(col(OutboxMessage.id)).limit(batch)
                )
            )
            if ids:
                session.exec(delete(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
        total += len(ids)
        if len(ids) < batch:
            return total


def prune(db: Database, now: datetime, event_hours: float, outbox_days: float) -> tuple[int, int]:
    """Both prunes with their retentions; (events, outbox rows) deleted."""
    events = prune_processed_events(db, now - timedelta(hours=event_hours))
    rows = prune_outbox(db, now - timedelta(days=outbox_days))
    return events, rows
