"""The events of a round's life, as bot/rules/lifecycle.py emits them to its subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.rules.rounds import RoundContext

# scheduled: a new round (a meeting, a kickoff, a review, a take-home sent); moved: its time, length,
# place or panel changed; cancelled; received: a take-home's work came in; ended: the round is closed
# (debriefed, or an unscored take-home received).
What = Literal["scheduled", "moved", "cancelled", "received", "ended"]


@dataclass(frozen=True)
class Overrides:
    """What a booking went over at the recruiter's word: whose other interviews, and which of the
    other rules for whom (user, why: see bot/rules/slots.py)."""

    booked: tuple[str, ...] = ()
    reasons: tuple[tuple[str, str], ...] = ()


NO_OVERRIDES = Overrides()


@dataclass(frozen=True)
class RoundEvent:
    what: What
    # The round as it is now (after the change).
    ctx: RoundContext
    actor: str
    now: datetime
    # Who hears what recruiters decide on: the role's recruiters, or the RECRUITERS list.
    recruiters: tuple[str, ...] = ()
    # moved: where the round was.
    old_starts_at: datetime | None = None
    old_ends_at: datetime | None = None
    old_panel: tuple[str, ...] = ()
    # cancelled with the candidate's stage: "rejected", "hired", "on_hold" or "purged".
    why: str | None = None
    # Nothing in the candidate's thread (a purge: the thread is being cleaned up).
    quiet: bool = False
    # scheduled, moved: what the recruiter booked the round over (another interview, someone's hours...).
    overrides: Overrides = NO_OVERRIDES

    @property
    def added(self) -> list[str]:
        return [u for u in self.ctx.panel if u not in self.old_panel] if self.what == "moved" else []

    @property
    def removed(self) -> list[str]:
        return [u for u in self.old_panel if u not in self.ctx.panel] if self.what == "moved" else []
