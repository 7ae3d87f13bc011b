"""APScheduler 3 ticking the dispatcher. In-memory job store only: each process ticks on its
own and the outbox lease decides who sends what (APScheduler's FAQ: never share a job store)."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.delivery.dispatcher import Dispatcher


class DispatchScheduler(BackgroundScheduler):
    """Stops the dispatcher before waiting for its tick: a tick may be pacing a burst or waiting
    out Slack's Retry-After, and shutdown should not wait for that."""

    def __init__(self, dispatcher: Dispatcher, **options: object) -> None:
        super().__init__(**options)
        self.dispatcher = dispatcher

    def shutdown(self, wait: bool = True) -> None:
        self.dispatcher.stop()
        super().shutdown(wait=wait)


def start_ticking(dispatcher: Dispatcher, *, seconds: float = 1.0) -> DispatchScheduler:
    # A tick runs until nothing due is left (max_instances=1): a burst is paced within one tick.
    scheduler = DispatchScheduler(
        dispatcher, timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    )
    scheduler.add_job(dispatcher.tick, "interval", seconds=seconds, id="dispatch", next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler
