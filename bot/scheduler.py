"""APScheduler 3 ticking the dispatcher. In-memory job store only: each process ticks on its
own and the outbox lease decides who sends what (APScheduler's FAQ: never share a job store)."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.dispatcher import Dispatcher


def start_ticking(dispatcher: Dispatcher, *, seconds: float = 1.0) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    )
    scheduler.add_job(dispatcher.tick, "interval", seconds=seconds, id="dispatch", next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler
