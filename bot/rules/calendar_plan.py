"""The calendar side of a round's life: which connected calendars must be written when a round is
scheduled, moved or cancelled, or its candidate purged (subscribed in bot/rules/lifecycle.py).

Each write is an outbox row (kind `calendar_event`) for one calendar: `caldav:<user>` (a person's
own calendar) or `google:<round>` (the Workspace organizer's calendar, whose event names the panel). A row
carries no content: it is sent as the round is at that moment, so it creates, moves or deletes the
event, and a newer change supersedes the rows still waiting. Rows for one calendar are sent one at
a time (the dispatcher's claim takes one per target), so an older write never lands after a newer one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select, update

from bot.rules.invites import is_meeting
from bot.rules.message_kinds import Kind, outbox_row
from bot.rules.round_events import RoundEvent
from bot.rules.rounds import RoundContext
from models.tables import (
    CalendarConnection,
    Interview,
    InterviewKind,
    InterviewStatus,
    OutboxMessage,
    OutboxState,
    PanelMember,
)

# The organizer calendar's connection row (set up from the Google settings at start-up).
GOOGLE_CONNECTION = "google"
CALDAV = "caldav"
GOOGLE = "google"
TARGET_PREFIX = "caldav:"


def caldav_target(user_id: str) -> str:
    return TARGET_PREFIX + user_id


def target_user(target: str) -> str | None:
    """The person whose own calendar a row writes, or None for the organizer's calendar."""
    return target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else None


def active_people(session: Session, people: Iterable[str]) -> set[str]:
    """Which of `people` have a connected CalDAV calendar that is not paused."""
    wanted = set(people)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(CalendarConnection.user_id).where(
                col(CalendarConnection.user_id).in_(wanted),
                CalendarConnection.provider == CALDAV,
                col(CalendarConnection.paused_at).is_(None),
            )
        )
    )


def google_on(session: Session) -> bool:
    connection = session.get(CalendarConnection, GOOGLE_CONNECTION)
    return connection is not None and connection.paused_at is None


def _queue(session: Session, interview: Interview, targets: Iterable[str], now: datetime) -> None:
    targets = list(dict.fromkeys(targets))
    if not targets:
        return
    # What waits for these calendars is superseded: the new row writes the round as it is now.
    session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.interview_id) == interview.id,
            col(OutboxMessage.kind) == Kind.calendar_event,
            col(OutboxMessage.target).in_(targets),
            col(OutboxMessage.state) == OutboxState.pending,
            # One being written now finishes; the new row waits behind it (one row per calendar at a time).
            col(OutboxMessage.attempts) == 0,
        )
        .values(state=OutboxState.cancelled)
    )
    earlier = Counter(
        session.exec(
            select(OutboxMessage.target).where(
                col(OutboxMessage.interview_id) == interview.id, col(OutboxMessage.kind) == Kind.calendar_event
            )
        )
    )
    for target in targets:
        # Keyed by the invite's version and how many writes of it came before (a reconnect writes
        # the same version again).
        tag = f"v{interview.sequence}.{earlier[target]}"
        session.add(outbox_row(Kind.calendar_event, target, interview.candidate_id, interview.id, now, now, tag=tag))


def google_target(interview: Interview) -> str:
    # One target per round, not one for the whole organizer calendar: rows of one target go one at
    # a time, which each round needs (its versions in order), and the organization does not.
    return f"{GOOGLE}:{interview.id}"


def round_targets(session: Session, interview: Interview, people: Iterable[str]) -> list[str]:
    """The calendars that hold a round's events for `people`: their own, and the organizer's."""
    people = list(people)
    mine = active_people(session, people)
    return [caldav_target(u) for u in people if u in mine] + ([google_target(interview)] if google_on(session) else [])


def on_round_event(session: Session, event: RoundEvent) -> None:
    ctx = event.ctx
    if event.what not in ("scheduled", "moved", "cancelled") or not is_meeting(ctx):
        return
    # Who left the panel has their event deleted by the same kind of row.
    _queue(session, ctx.interview, round_targets(session, ctx.interview, [*ctx.attendees, *event.removed]), event.now)


def forget_rounds(session: Session, contexts: Iterable[RoundContext], now: datetime) -> None:
    """A purge: every meeting round of the candidate, past ones too, leaves the calendars (the
    events name the candidate). The rows find the candidate purged and delete."""
    for ctx in contexts:
        if is_meeting(ctx):
            ctx.interview.sequence += 1  # a new version of the event: its removal
            session.add(ctx.interview)
            _queue(session, ctx.interview, round_targets(session, ctx.interview, ctx.attendees), now)


def queue_person(session: Session, user_id: str, now: datetime) -> int:
    """A person (re)connected their calendar: every round of theirs still to come is written into
    it. Returns how many."""
    rounds = session.exec(
        select(Interview)
        .join(PanelMember, col(PanelMember.interview_id) == col(Interview.id))
        .where(
            PanelMember.interviewer_id == user_id,
            col(Interview.status) == InterviewStatus.scheduled,
            col(Interview.ends_at) > now,
            # Meetings only: not a take-home's assignment, nor a review (which starts as it ends).
            col(Interview.kind) != InterviewKind.assignment,
            col(Interview.starts_at) < col(Interview.ends_at),
        )
    ).all()
    for interview in rounds:
        _queue(session, interview, [caldav_target(user_id)], now)
    return len(rounds)
