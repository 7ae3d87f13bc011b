"""A purge's Slack clean-up run at once, for the command line, rather than on the dispatcher's next tick.

The job's row is claimed like the dispatcher claims it (a lease, one more attempt), so no dispatcher
takes it meanwhile, then recorded like the dispatcher records it: done (its payload erased), or
failed and left queued for the dispatcher to retry with backoff (and given up on after the last
attempt, the recruiters told).
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, update

from bot.delivery import recording
from bot.delivery.dispatcher import Dispatcher, PassResult
from bot.delivery.posting import Job, Outcome, wall_clock
from bot.delivery.purge_cleanup import PurgeCleaner
from bot.delivery.rendering import Rendered
from bot.wiring.services import Services
from models.tables import OutboxMessage, OutboxState


def clean_up_now(dispatcher: Dispatcher, row_id: int) -> list[str]:
    """Run the clean-up job `row_id`; what it did, or why it is left to the dispatcher, as lines to print."""
    services = dispatcher.services
    row = _claim(services, dispatcher, row_id)
    where = f"(outbox #{row_id})"
    if row is None:
        return [f"The Slack clean-up is already under way or waiting for a retry: the dispatcher does it {where}."]
    cleaner = PurgeCleaner(services, dispatcher.client, row)
    lease_until = wall_clock() + dispatcher.lease
    try:
        through = cleaner.run(lease_until - dispatcher.lease / 4)
    except Exception as exc:
        result = PassResult()
        dispatcher.failed(row, exc, result)
        error = getattr(getattr(exc, "response", None), "get", lambda _k: None)("error") or type(exc).__name__
        then = "it gave up, and the recruiters are told" if result.dead else f"the dispatcher retries it {where}"
        return [f"The Slack clean-up failed this time ({error}); {then}.", *_so_far(cleaner)]
    if not through:
        recording.release(services.db, [row], None)  # for the dispatcher to go on with, now
        return [f"The Slack clean-up is not finished yet; the dispatcher goes on with it {where}.", *_so_far(cleaner)]
    job = Job(row, Rendered(row.target, post=False), lease_until)
    recording.mark_sent(services.db, [Outcome(job, "sent", wall_clock())], dispatcher.pacing.channel_interval)
    return ["In Slack:", *(f"  - {line}" for line in cleaner.progress.lines())]


def _so_far(cleaner: PurgeCleaner) -> list[str]:
    return ["Done so far:", *(f"  - {line}" for line in cleaner.progress.lines())]


def _claim(services: Services, dispatcher: Dispatcher, row_id: int) -> OutboxMessage | None:
    """Lease the row as the dispatcher would, unless it is not pending or another claim holds it."""
    wall = wall_clock()
    with services.db.transaction() as session:
        taken = session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.state) == OutboxState.pending,
                or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < wall),
            )
            .values(claimed_until=wall + dispatcher.lease, attempts=OutboxMessage.attempts + 1)
        )
        if not taken.rowcount:
            return None
        return session.get(OutboxMessage, row_id)
