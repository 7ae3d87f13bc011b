"""Delivery windows at send time: a claimed row that is not urgent and falls outside its reader's
window is held (its `due_at` moved to the window's next start, why recorded in its payload), and is
rendered only when it goes out; reminders due together become one digest.

The window is read when the row is claimed, not when it was planned: the person's zone and hours
are the ones of the moment it would go out, and a held row is claimed, checked and rendered afresh
at its new time. The claim itself stays one indexed query; this reads the claim's readers in one
more (and asks Slack once per process for a person whose zone is not known yet).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, update

from bot.delivery.posting import wall_clock
from bot.delivery.rendering import Rendering
from bot.rules import digests
from bot.rules.delivery_windows import CANDIDATE_HOURS, Reader, deliver_at, is_person, readers
from bot.rules.errors import UserError
from bot.rules.message_kinds import BY_KEY
from bot.wiring.services import Services
from models.tables import OutboxMessage

log = logging.getLogger("interview_bot.dispatcher")


@dataclass
class Held:
    """What the window check did to one claim: the rows still to render and send, and how many were
    held for later or gathered into a digest."""

    send: list[OutboxMessage] = field(default_factory=list)
    held: int = 0
    digested: int = 0


class Windows:
    """The window check of one dispatcher."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # People whose zone was asked of Slack by this process: asked once, not at every claim.
        self._asked: set[str] = set()

    def readers_of(self, rows: list[OutboxMessage]) -> dict[str, Reader]:
        people = sorted({r.target for r in rows if is_person(r.target) and not _calendar(r)})
        if not people:
            return {}
        with self.services.db.read() as session:
            found = readers(session, people)
        unknown = [p for p in people if not found[p].known_zone and p not in self._asked]
        if unknown:
            self._asked.update(unknown)
            try:
                self.services.zones_of(unknown)  # stores what Slack says in the person table
            except Exception:
                log.exception("could not read time zones")
            with self.services.db.read() as session:
                found = readers(session, people)
        return found

    def check(self, rows: list[OutboxMessage], rendering: Rendering, until: datetime | None) -> Held:
        """Hold what is outside its reader's window, digest reminders due together, pass on the rest.

        A live pass (`until` None) checks each row at the moment it would go out, now. A pass told to
        send what is due by `until` (`interview-bot dispatch --until`, the demo, tests) checks each
        row at its own due time, as a live dispatcher would have: the same answer whatever the hour
        it runs at."""
        result = Held()
        if not rows:
            return result
        live = self.services.clock.now()
        people = self.readers_of(rows)
        held: list[tuple[OutboxMessage, datetime, str]] = []
        for row in rows:
            reader = people.get(row.target)
            to_candidate = reader is not None and _to_candidate(rendering, row)
            if reader is not None and to_candidate:
                reader = Reader(CANDIDATE_HOURS, reader.zone, True, reader.known_zone)
            now = live if until is None else row.due_at
            if (row.payload or {}).get("why") == "purged":
                # A purge's notice goes at once: the erasure of the person's Slack user waits for it.
                result.send.append(row)
                continue
            at = deliver_at(
                row.kind, row.due_at, reader, to_candidate=to_candidate, starts_at=_starts(rendering, row), now=now
            )
            if at > max(row.due_at, now):
                held.append((row, at, "the candidate's night" if to_candidate else "outside working hours"))
                continue
            if digests.digestible(row) and self._digest(row, until or live):
                result.digested += 1
                continue
            result.send.append(row)
        if held:
            self._hold(held)
            result.held = len(held)
        return result

    def _hold(self, held: list[tuple[OutboxMessage, datetime, str]]) -> None:
        with self.services.db.transaction() as session:
            for row, at, why in held:
                payload = dict(row.payload or {})
                payload.setdefault("held_from", row.due_at.isoformat())
                payload["held_because"] = why
                session.exec(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row.id)
                    # Not a failed attempt: the claim's count is given back.
                    .values(due_at=at, claimed_until=None, attempts=OutboxMessage.attempts - 1, payload=payload)
                )

    def _digest(self, row: OutboxMessage, until: datetime) -> bool:
        with self.services.db.transaction() as session:
            digest = digests.gather(session, row, until, wall_clock(), self.services.clock.now())
        if digest is not None:
            log.info("outbox %s and others to %s gathered into one digest", row.id, row.target)
        return digest is not None


def _calendar(row: OutboxMessage) -> bool:
    """A calendar write: it reaches nobody's Slack, so it has no window."""
    kind = BY_KEY.get(row.kind)
    return kind is not None and kind.calendar


def _to_candidate(rendering: Rendering, row: OutboxMessage) -> bool:
    if (row.payload or {}).get("audience") == "candidate":
        return True
    if row.candidate_id is None:
        return False
    candidate = rendering.candidate(row.candidate_id)
    return candidate is not None and candidate.slack_user_id == row.target


def _starts(rendering: Rendering, row: OutboxMessage) -> datetime | None:
    """The start of the round a move or cancellation is about, which decides whether it is urgent."""
    kind = BY_KEY.get(row.kind)
    if kind is None or not kind.urgent_if_soon:
        return None
    try:
        state = rendering.round(row)
    except UserError:
        return None
    return state.ctx.interview.starts_at if state is not None else None
