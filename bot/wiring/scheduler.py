"""APScheduler 3 ticking the dispatchers. In-memory job store only: each process ticks on its
own and the outbox lease decides who sends what (APScheduler's FAQ: never share a job store)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pruning import prune
from bot.rules.load_digest import queue_digests
from bot.rules.offers import expire_offers
from bot.wiring.services import Services

log = logging.getLogger("interview_bot.scheduler")


class DispatchScheduler(BackgroundScheduler):
    """Stops the dispatchers before waiting for their ticks: a tick may be pacing a burst or waiting
    out Slack's Retry-After, and shutdown should not wait for that."""

    def __init__(self, dispatchers: Sequence[Dispatcher], **options: object) -> None:
        super().__init__(**options)
        self.dispatchers = list(dispatchers)

    def shutdown(self, wait: bool = True) -> None:
        for dispatcher in self.dispatchers:
            dispatcher.stop()
        super().shutdown(wait=wait)


def start_ticking(
    *dispatchers: Dispatcher,
    seconds: float = 1.0,
    services: Services | None = None,
    sweep_seconds: float = 60,
    prune_seconds: float = 3600,
) -> DispatchScheduler:
    """Each dispatcher (a lane: bot/delivery/dispatcher.py `lanes`) ticks on its own job; with
    `services`, the sweeps run too (offers past their expiry marked so) and, hourly, the pruning
    of rows nothing reads any more."""
    # A tick runs until nothing due is left (max_instances=1): a burst is paced within one tick.
    scheduler = DispatchScheduler(
        dispatchers, timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    )
    for number, dispatcher in enumerate(dispatchers):
        scheduler.add_job(
            dispatcher.tick, "interval", seconds=seconds, id=f"dispatch-{number}", next_run_time=datetime.now(UTC)
        )
    if services is not None:
        scheduler.add_job(sweep, "interval", args=[services], seconds=sweep_seconds, id="sweep",
                          next_run_time=datetime.now(UTC))  # fmt: skip
        scheduler.add_job(prune_tables, "interval", args=[services], seconds=prune_seconds, id="prune",
                          next_run_time=datetime.now(UTC))  # fmt: skip
    scheduler.start()
    return scheduler


def sweep(services: Services) -> None:
    """The periodic tidying; never raises, so it keeps running. Each is idempotent: two processes
    sweeping at once skip each other's locked rows (offers), or the second one's digest rows are
    refused by their idempotency key and its transaction rolled back, to be swept again."""
    try:
        with services.db.transaction() as session:
            expired = expire_offers(session, services.clock.now())
            digests = queue_digests(session, services.clock.now(), services.permissions.recruiter_ids)
        if expired or digests:
            log.info("sweep: %d offers expired, %d load digests queued", len(expired), digests)
    except Exception:
        log.exception("sweep failed")


def prune_tables(services: Services) -> None:
    """Old event keys and finished outbox rows deleted (bot/delivery/pruning.py); never raises.
    Safe in two processes at once: each batch deletes what it selected, and a row gone is no error."""
    settings = services.settings
    try:
        events, rows = prune(
            services.db, services.clock.now(), settings.processed_event_retention_hours, settings.outbox_retention_days
        )
        if events or rows:
            log.info("prune: %d processed events, %d outbox rows deleted", events, rows)
    except Exception:
        log.exception("prune failed")
