"""The thread's side of a round's life: the card refreshed and a note for each event (subscribed in
bot/rules/lifecycle.py; the rows are written by bot/rules/thread_notes.py)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.rules.round_events import RoundEvent
from bot.rules.thread_notes import note, refresh_card
from models.tables import InterviewKind

# How a round event reads in the thread (blocks/rounds.py).
ROUND_NOTES = {
    "scheduled": "scheduled",
    "moved": "rescheduled",
    "cancelled": "cancelled",
    "received": "take_home_received",
}


def on_round_event(session: Session, event: RoundEvent) -> None:
    """The thread's side of a round's life (subscribed in bot/rules/lifecycle.py)."""
    candidate = event.ctx.candidate
    if event.quiet:
        return
    if event.what == "ended":
        refresh_card(session, candidate, event.now)
        return
    what = ROUND_NOTES[event.what]
    if event.what == "scheduled" and event.ctx.interview.kind == InterviewKind.assignment:
        what = "take_home_sent"
    payload: dict[str, Any] = {"note": "round", "event": what, "round": event.ctx.interview.id, "actor": event.actor}
    if event.what == "moved":
        payload["old_starts_at"] = event.old_starts_at.isoformat() if event.old_starts_at else None
        payload["old_panel"] = list(event.old_panel)
    if event.why:
        payload["why"] = event.why
    if event.overrides.booked:
        payload["overbooked"] = list(event.overrides.booked)
    if event.overrides.reasons:
        payload["overridden"] = [list(pair) for pair in event.overrides.reasons]
    note(session, candidate, payload, event.now)
