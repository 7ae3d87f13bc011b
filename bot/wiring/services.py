"""What every listener and job needs, built once at start-up."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.calendars.secrets import Vault
from bot.rules.availability import Found, PanelTimes, suggest, window
from bot.rules.clock import Clock, SystemClock
from bot.rules.kits import KitCatalog, load_kits
from bot.rules.people import known_zones, remember
from bot.rules.permissions import Permissions, Person
from bot.rules.slots import Limits
from bot.slack.client import slack_client
from bot.slack.directory import SlackDirectory
from bot.wiring.db import Database
from bot.wiring.metrics import Metrics
from bot.wiring.settings import Settings

if TYPE_CHECKING:
    from bot.calendars.freebusy import FreeBusy

log = logging.getLogger("interview_bot")

# Reports are built one at a time: a burst of requests queues instead of competing for the CPU and
# the database, and matplotlib (the charts) promises no thread safety, even with a figure per thread.
REPORT_WORKERS = 1
# A panel is ten people at most.
LOOKUP_WORKERS = 5


def report_pool() -> Executor:
    """Where hiring reports are built, apart from Bolt's lazy listeners (whose modals must open
    within three seconds of their trigger). Its thread starts with the first report."""
    return ThreadPoolExecutor(max_workers=REPORT_WORKERS, thread_name_prefix="report")


@dataclass
class Services:
    settings: Settings
    db: Database
    kits: KitCatalog
    slack: WebClient
    permissions: Permissions
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)
    reports: Executor = field(default_factory=report_pool)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        kits: KitCatalog | None = None,
        reports: Executor | None = None,
    ) -> Services:
        """`kits`: the catalog already parsed from `settings.kits_path` (tests parse it once);
        `reports`: where reports are built (tests pass one they can wait on)."""
        if kits is None:
            kits = load_kits([settings.kits_path])
        for problem in kits.problems:
            # A broken kit is skipped, never fatal: the others keep working.
            log.warning("kit skipped: %s", problem)
        client = slack_client(settings)
        permissions = Permissions(settings.recruiter_ids, settings.recruiter_groups, SlackDirectory(client))
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            kits=kits,
            slack=client,
            permissions=permissions,
            clock=clock or SystemClock(),
            reports=reports if reports is not None else report_pool(),
        )

    @cached_property
    def vault(self) -> Vault:
        """Calendar passwords (SECRET_KEY) and feed links (SECRET_KEY, else the Slack signing secret)."""
        return Vault(self.settings.secret_key, self.settings.slack_signing_secret)

    @cached_property
    def freebusy(self) -> FreeBusy:
        """The panel's calendars, asked in parallel and kept for a minute."""
        # Imported when first asked: the CalDAV, iCalendar and HTTP clients behind it cost every
        # command-line call ~0.3 s of imports, and most never read a calendar.
        from bot.calendars.freebusy import FreeBusy

        return FreeBusy(self.settings, self.vault, self.db)

    def close(self) -> None:
        """At shutdown: reports already asked for are built and queued (the outbox sends them, now
        or after a restart), then the database connections are closed."""
        self.reports.shutdown(wait=True)
        self.db.dispose()

    def panel_times(
        self, panel: Sequence[str], limits: Limits, around: datetime | None = None, timeout: float | None = None
    ) -> PanelTimes:
        """What the slot finder needs from outside the bot about a panel: their zones and what their
        calendars say for the finder's window (stretched to `around`, a time typed in the form);
        `timeout`: the longest wait for a calendar."""
        start, end = window(self.clock.now(), limits)
        if around is not None:
            start, end = min(start, around - timedelta(days=1)), max(end, around + timedelta(days=1))
        zones = self.zones_of(panel)
        found = self.freebusy.panel(list(panel), start, end, timeout=timeout)
        return PanelTimes(zones=zones, busy=found.busy, silent=found.silent)

    def free_slots(
        self, panel: Sequence[str], limits: Limits, minutes: int, *, besides: int | None = None,
        timeout: float | None = None, count: int = 100,
    ) -> Found:  # fmt: skip
        """The panel's next free times (their calendars asked, the bot's rules applied); `besides`:
        a round being moved, which does not block itself."""
        times = self.panel_times(panel, limits, timeout=timeout)
        with self.db.read() as session:
            return suggest(session, panel, times, minutes, self.clock.now(), limits, besides=besides, count=count)

    def zone_of(self, user_id: str) -> str:
        return self.zones_of([user_id])[user_id]

    def zones_of(self, user_ids: Sequence[str]) -> dict[str, str]:
        """People's Slack time zones, from the `person` table: those not known yet, or a day old, are
        asked of Slack (users.info, in parallel) and stored, with their e-mail."""
        now = self.clock.now()
        with self.db.read() as session:
            zones, stale = known_zones(session, user_ids, now)
        if stale and self.settings.slack_bot_token:
            found = [(u, p) for u, p in zip(stale, self.lookups.map(self._slack_person, stale), strict=True) if p]
            zones.update((user_id, person.tz) for user_id, person in found)
            if found:
                try:
                    with self.db.transaction() as session:  # one write for the panel
                        for user_id, person in sorted(found, key=lambda f: f[0]):  # one lock order
                            remember(session, user_id, tz=person.tz, email=person.email, now=now)
                except IntegrityError:
                    pass  # another request stored them at the same moment: the next form reads theirs
        return {user_id: zones.get(user_id) or "UTC" for user_id in user_ids}

    @cached_property
    def lookups(self) -> ThreadPoolExecutor:
        """Where a panel's Slack profiles are read at once (a form waits for them)."""
        return ThreadPoolExecutor(max_workers=LOOKUP_WORKERS, thread_name_prefix="lookup")

    def _slack_person(self, user_id: str) -> Person | None:
        try:
            return self.permissions.directory.person(user_id)
        except SlackApiError as exc:
            # The stored zone (if any) is used; the next form asks again.
            log.warning("could not read %s from Slack (%s)", user_id, exc.response.get("error"))
            return None

    def display_name(self, user_id: str) -> str:
        """A person's name for places Slack does not render mentions (charts, HTML); the ID when
        Slack cannot be asked (no token, offline)."""
        if not self.settings.slack_bot_token:
            return user_id
        try:
            person = self.permissions.directory.person(user_id)
        except Exception:  # a report must not fail for want of a name
            log.warning("could not look up %s for a report; showing the ID", user_id)
            return user_id
        return person.name if person else user_id
