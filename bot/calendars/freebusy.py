"""The panel's busy times from their calendars, for finding a time: asked in parallel, each with a
timeout, and kept for a minute (a recruiter picking a panel, then a time, then submitting asks
the same calendars three times in a minute).

A person's calendar is their connected CalDAV calendar, else (with the Google organizer set up
and their Slack e-mail known) their Google calendar by e-mail. A calendar that fails or does not
answer in time is named as silent: the finder still counts their rounds booked in the bot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.calendars.connections import calendar_for
from bot.calendars.provider import Busy, CalendarError
from bot.calendars.providers import google_organizer
from bot.calendars.secrets import Vault
from bot.wiring.db import Database
from bot.wiring.settings import Settings
from models.tables import CalendarConnection, PersonRecord

log = logging.getLogger("interview_bot.freebusy")

Span = tuple[datetime, datetime]
# Ten people on a panel at most; two rooms for a second form at the same moment.
WORKERS = 12


@dataclass(frozen=True)
class PanelBusy:
    busy: Mapping[str, Sequence[Span]] = field(default_factory=dict)
    # Whose calendar did not answer in time, or failed.
    silent: tuple[str, ...] = ()


def _days(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """The window rounded out to whole UTC days: a form opened a minute later asks the same."""
    start = starts_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = ends_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return start, end


class FreeBusy:
    def __init__(
        self,
        settings: Settings,
        vault: Vault,
        db: Database,
        *,
        timeout: float = 4.0,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        workers: int = WORKERS,
    ) -> None:
        self.settings, self.vault, self.db = settings, vault, db
        self.timeout, self.ttl, self.clock = timeout, ttl, clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="freebusy")
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, datetime, datetime], tuple[float, list[Span]]] = {}

    def forget(self, user_id: str) -> None:
        """Drop what is kept of a person's calendar (they connected or disconnected one)."""
        with self._lock:
            for key in [k for k in self._cache if k[0] == user_id]:
                del self._cache[key]

    def panel(
        self, user_ids: Sequence[str], starts_at: datetime, ends_at: datetime, *, timeout: float | None = None
    ) -> PanelBusy:
        """`timeout`: a shorter wait than the instance's (a form submission has Slack's 3 s)."""
        start, end = _days(starts_at, ends_at)
        busy: dict[str, list[Span]] = {}
        silent: list[str] = []
        wanted: list[str] = []
        now = self.clock()
        with self._lock:
            for user_id in dict.fromkeys(user_ids):
                hit = self._cache.get((user_id, start, end))
                if hit is not None and now - hit[0] < self.ttl:
                    busy[user_id] = hit[1]
                else:
                    wanted.append(user_id)
        jobs = self._jobs(wanted, start, end, silent)
        futures = {self._pool.submit(job): who for who, job in jobs.items()}
        limit = self.timeout if timeout is None else min(timeout, self.timeout)
        done, _ = wait(futures, timeout=limit)
        for future, who in futures.items():
            if future not in done:
                log.info("calendar of %s did not answer within %.1f s", ",".join(who), limit)
                silent.extend(who)
                continue
            try:
                answers = future.result()
            except CalendarError as exc:
                log.info("calendar of %s failed: %s", ",".join(who), exc)
                silent.extend(who)
                continue
            stamp = self.clock()
            for user_id, spans in answers.items():
                if isinstance(spans, CalendarError):
                    log.info("calendar of %s failed: %s", user_id, spans)
                    silent.append(user_id)
                    continue
                busy[user_id] = spans
                with self._lock:
                    self._cache[(user_id, start, end)] = (stamp, spans)
        clipped = {
            u: [(max(s, starts_at), min(e, ends_at)) for s, e in b if e > starts_at and s < ends_at]
            for u, b in busy.items()
        }
        return PanelBusy(clipped, tuple(u for u in user_ids if u in silent))

    def _jobs(
        self, user_ids: list[str], start: datetime, end: datetime, silent: list[str]
    ) -> dict[tuple[str, ...], Callable[[], Mapping[str, list[Span] | CalendarError]]]:
        """One job per CalDAV calendar, one for everyone asked through Google."""
        if not user_ids:
            return {}
        with self.db.read() as session:
            rows = {
                r.user_id: r
                for r in session.exec(select(CalendarConnection).where(col(CalendarConnection.user_id).in_(user_ids)))
            }
            emails = {
                p.user_id: p.email
                for p in session.exec(select(PersonRecord).where(col(PersonRecord.user_id).in_(user_ids)))
                if p.email
            }
        jobs: dict[tuple[str, ...], Callable[[], Mapping[str, list[Span] | CalendarError]]] = {}
        by_email: dict[str, str] = {}
        for user_id in user_ids:
            row = rows.get(user_id)
            if row is not None and row.provider == "caldav":
                if row.paused_at is not None:
                    silent.append(user_id)  # its owner has been told to connect it again
                    continue
                calendar = calendar_for(row, self.vault, self.settings.organizer_zone, emails.get(user_id))
                if calendar is None:
                    silent.append(user_id)
                    continue
                jobs[(user_id,)] = _caldav_job(user_id, calendar.busy, start, end)
            elif self.settings.google_calendar and user_id in emails:
                by_email[emails[user_id]] = user_id
        if by_email:
            organizer = google_organizer(self.settings)
            jobs[tuple(by_email.values())] = _google_job(by_email, organizer.busy_of, start, end)
        return jobs


def _spans(found: Sequence[Busy]) -> list[Span]:
    merged: list[Span] = []
    for busy in sorted(found, key=lambda b: (b.starts_at, b.ends_at)):
        if merged and busy.starts_at <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], busy.ends_at))
        else:
            merged.append((busy.starts_at, busy.ends_at))
    return merged


def _caldav_job(
    user_id: str, ask: Callable[[datetime, datetime], list[Busy]], start: datetime, end: datetime
) -> Callable[[], Mapping[str, list[Span] | CalendarError]]:
    return lambda: {user_id: _spans(ask(start, end))}


def _google_job(
    by_email: Mapping[str, str],
    ask: Callable[[Sequence[str], datetime, datetime], Mapping[str, list[Busy] | CalendarError]],
    start: datetime,
    end: datetime,
) -> Callable[[], Mapping[str, list[Span] | CalendarError]]:
    def job() -> Mapping[str, list[Span] | CalendarError]:
        answers = ask(list(by_email), start, end)
        out: dict[str, list[Span] | CalendarError] = {}
        for email, user_id in by_email.items():
            found = answers.get(email, CalendarError(f"Google did not answer for {email}."))
            out[user_id] = found if isinstance(found, CalendarError) else _spans(found)
        return out

    return job
