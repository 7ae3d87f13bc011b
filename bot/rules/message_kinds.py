"""The kinds of outbox message: the one list of them, and one row of a kind.

Each kind is the key its rows store, with what the rest of the code needs to know about it: how
reports name it, whether it is posted in the candidate's thread, whether its due time follows the
round when the round moves, whether it is on the line between a candidate and the hiring team, and
whether it is urgent (sent whatever the reader's hour) or waits for their working hours.
The dispatcher renders each kind with the renderer bot/delivery/kinds.py registers for its key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum, StrEnum, unique
from typing import Any, ParamSpec

from sqlalchemy import insert
from sqlmodel import Session

from models.tables import OutboxMessage, OutboxState

P = ParamSpec("P")


class Fact(Enum):
    """What may be true of a kind."""

    # Posted in the candidate's thread in the hiring channel, not to the row's target directly.
    thread = "thread"
    # Due relative to the round's times, so moved with the round when it is rescheduled.
    timed = "timed"
    # Between a candidate and the hiring team: about no round, its text in the row's payload.
    line = "line"
    # Only while the candidate is in the process: never sent once they are rejected, hired or purged.
    in_process = "in_process"
    # The payload is needed only until the row is sent, then erased (report figures, purge ids).
    transient = "transient"
    # A write to a calendar, not to Slack: sent by its own dispatcher lane, so a calendar that is
    # down never holds up Slack messages (nor Slack's rate limits the calendars).
    calendar = "calendar"
    # Goes out when due whatever the hour (bot/rules/delivery_windows.py): to the team only; every
    # other message to a person waits for their working hours, and a candidate's for 08:00-21:00.
    urgent = "urgent"
    # Urgent when its round starts soon (within 24 hours for the team, 12 for the candidate).
    urgent_if_soon = "urgent_if_soon"


@unique
class Kind(StrEnum):
    """Outbox message kinds. A member is the key stored in `OutboxMessage.kind` (it compares equal
    to that string), with its name in reports and its facts."""

    report_name: str
    thread: bool
    timed: bool
    line: bool
    in_process: bool
    transient: bool
    calendar: bool
    urgent: bool
    urgent_if_soon: bool

    def __new__(cls, key: str, report_name: str, *facts: Fact) -> Kind:
        kind = str.__new__(cls, key)
        kind._value_ = key
        kind.report_name = report_name
        kind.thread = Fact.thread in facts
        kind.timed = Fact.timed in facts
        kind.line = Fact.line in facts
        kind.in_process = Fact.in_process in facts
        kind.transient = Fact.transient in facts
        kind.calendar = Fact.calendar in facts
        kind.urgent = Fact.urgent in facts
        kind.urgent_if_soon = Fact.urgent_if_soon in facts
        return kind

    prep = "prep", "prep guide", Fact.in_process
    prep_reminder = "prep_reminder", "prep reminder", Fact.timed, Fact.in_process
    briefing = "briefing", "briefing", Fact.timed, Fact.in_process, Fact.urgent
    scorecard_request = "scorecard_request", "scorecard request", Fact.timed, Fact.in_process
    scorecard_reminder = "scorecard_reminder", "scorecard reminder", Fact.timed, Fact.in_process
    escalation = "escalation", "feedback escalation", Fact.timed, Fact.in_process
    escalation_thread = "escalation_thread", "feedback escalation", Fact.thread, Fact.timed, Fact.in_process
    cancelled = "round_cancelled", "cancellation notice", Fact.urgent_if_soon
    rescheduled = "round_rescheduled", "reschedule notice", Fact.in_process, Fact.urgent_if_soon
    debrief_thread = "debrief_thread", "debrief", Fact.thread, Fact.in_process
    debrief = "debrief", "debrief", Fact.in_process
    # To the role's recruiters when another row gives up; retried until Slack takes it, never given up.
    dead_letter = "dead_letter", "delivery failure notice", Fact.urgent
    # To the recruiters, before a response-time promise to the candidate runs out.
    promise = "promise_reminder", "response promise reminder", Fact.timed, Fact.in_process
    # Take-home stages (bot/rules/take_home.py).
    take_home_brief = "take_home_brief", "take-home brief", Fact.in_process
    take_home_reminder = "take_home_reminder", "take-home reminder", Fact.in_process
    take_home_missing = "take_home_missing", "missing take-home notice", Fact.in_process
    # The line between a candidate and the hiring team (bot/rules/line.py).
    line_relay = "line_relay", "message from the candidate", Fact.thread, Fact.line, Fact.urgent
    line_reply = "line_reply", "message to the candidate", Fact.line
    line_reply_thread = (
        "line_reply_thread",
        "message to the candidate (thread copy)",
        Fact.thread,
        Fact.line,
        Fact.urgent,
    )
    # To someone who wrote to the bot without being a candidate: what this conversation is for (once).
    line_notice = "line_notice", "notice to a non-candidate", Fact.urgent
    # The candidate's thread (bot/rules/thread_notes.py): the card that heads it, kept to the latest
    # state (one pending row per card), and the notes replied under it, in order.
    card = "card", "candidate card", Fact.urgent
    thread_note = "thread_note", "thread note", Fact.thread, Fact.urgent
    # To the candidate when they move on: what the next stage is, with its prep guide.
    next_step = "next_step", "next step", Fact.in_process
    # A hiring report to the person who asked (bot/delivery/report_dm.py), built before it is queued.
    report = "report", "hiring report", Fact.transient, Fact.urgent
    # The Slack clean-up after a purge (bot/delivery/purge_cleanup.py): the ids it needs until it is done.
    purge_cleanup = "purge_cleanup", "purge clean-up", Fact.transient, Fact.urgent
    # To each interviewer when a round is scheduled: what, when, with whom, and the invite (.ics) when
    # they have no connected calendar.
    panel_invite = "panel_invite", "panel invite", Fact.in_process, Fact.urgent
    # A round's event in one connected calendar (bot/rules/calendar_plan.py), written as the round is
    # when the row is sent: created, moved or deleted. Sent by the calendar lane, apart from Slack.
    calendar_event = "calendar_event", "calendar event", Fact.calendar, Fact.urgent
    # An open offer's held times in one person's connected calendar (bot/rules/holds.py): put, or removed.
    calendar_hold = "calendar_hold", "held times", Fact.calendar, Fact.urgent
    # To the candidate: times to pick from for a stage (bot/rules/offers.py), one button each.
    offer = "offer", "times offered", Fact.in_process
    # To each recruiter of the role: the candidate said none of the offered times work, or let them expire.
    offer_answer = "offer_answer", "answer to offered times", Fact.urgent
    # To each recruiter of a role that opted in: its pools' interviewer load, weekly (bot/rules/load_digest.py).
    load_digest = "load_digest", "interviewer load digest"
    # Training new interviewers (bot/rules/training.py): after a reverse shadow, each qualified
    # interviewer on it is asked to sign off on the trainee; after a shadowed round, the shadow is
    # asked what they learned (their words go to the panel, their trainers); the trainee hears how
    # their rounds went and when their path is done; the role's recruiters are asked to add them.
    signoff_request = "signoff_request", "sign-off request", Fact.timed
    shadow_note = "shadow_note", "shadow's note prompt", Fact.timed
    shadow_learned = "shadow_learned", "note from a shadow", Fact.transient
    training_update = "training_update", "training update"
    training_done = "training_done", "trainee ready for the pool"
    # To the owner of a connected calendar that kept failing: how to reconnect it (once per pause).
    calendar_paused = "calendar_paused", "calendar paused notice", Fact.urgent
    # To an interviewer, several scorecard reminders (or to a recruiter, several escalations) due at the
    # same working-hours start, as one message (bot/rules/digests.py): the rounds in its payload.
    digest = "digest", "reminder digest"


BY_KEY: dict[str, Kind] = {kind.value: kind for kind in Kind}
# Kinds whose due time follows the round when it moves.
TIMED_KINDS = tuple(kind for kind in Kind if kind.timed)
THREAD_KINDS = tuple(kind for kind in Kind if kind.thread)
LINE_KINDS = tuple(kind for kind in Kind if kind.line)
# The dispatcher lanes: calendar writes, and everything that goes to Slack.
CALENDAR_KINDS = tuple(kind for kind in Kind if kind.calendar)
SLACK_KINDS = tuple(kind for kind in Kind if not kind.calendar)


def report_name(key: str) -> str:
    """How reports name a row's kind; a key no longer known is shown as it is."""
    kind = BY_KEY.get(key)
    return kind.report_name if kind is not None else key


def outbox_values(
    kind: str,
    target: str,
    candidate_id: int | None,
    interview_id: int | None,
    due: datetime,
    now: datetime,
    tag: str = "",
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One scheduled message's columns (`outbox_row` makes the model of them, `queue` inserts them).
    The idempotency key makes a second copy of the same message impossible; `tag` tells apart
    messages of the same kind that may rightly repeat (each reschedule notice). A message about no
    round is keyed by its candidate."""
    scope = f"round:{interview_id}" if interview_id is not None else f"candidate:{candidate_id}"
    key = f"{scope}:{kind}:{target}" + (f":{tag}" if tag else "")
    return {
        "kind": kind,
        "target": target,
        "candidate_id": candidate_id,
        "interview_id": interview_id,
        "due_at": max(due, now),
        "idempotency_key": key,
        "payload": payload or {},
        "created_at": now,
        "state": OutboxState.pending,
        "attempts": 0,
    }


def _as_model(values: Callable[P, dict[str, Any]]) -> Callable[P, OutboxMessage]:
    def build(*args: P.args, **kwargs: P.kwargs) -> OutboxMessage:
        return OutboxMessage(**values(*args, **kwargs))

    return build


# One scheduled message, as a model to add to the session; its arguments are `outbox_values`'.
outbox_row = _as_model(outbox_values)

_QUEUE = insert(OutboxMessage)


def queue(session: Session, *rows: dict[str, Any]) -> None:
    """Rows of `outbox_values` inserted as they are, for a hot path whose caller needs no objects back:
    no model built, nothing for the flush to do (a submission's note and card: 0.15–0.2 ms less on
    SQLite, 0.25–0.4 ms on PostgreSQL, bench/README). The session flushes what it holds first, so
    ids keep the order the rows were queued in."""
    session.execute(_QUEUE, list(rows))
