"""The Bolt app: request verification and listeners, on the shared Slack client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlmodel import col, delete

import handlers
from bot.rules.idempotency import AlreadyDone, once
from bot.wiring.services import Services
from models.tables import ProcessedEvent


def build_app(services: Services, *, socket_mode: bool = False, listener_executor: Executor | None = None) -> App:
    app = App(
        # Named, or Bolt names it from `inspect.stack()`, which reads the source of every frame of
        # the caller's stack: 50–100 ms for each app a test builds.
        name="interview-bot",
        client=services.slack,
        signing_secret=None if socket_mode else services.settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # In both modes: the ack half runs before Bolt answers, and lazy listeners get a copy of the
        # request made after it, so what the ack half put in `context` (the modal to open) reaches
        # them; with False Bolt copies the request first. In Socket Mode the answer's payload
        # (e.g. `response_action: errors`) travels back in the envelope's ack.
        process_before_response=True,
        logger=logging.getLogger("interview_bot.bolt"),
        # None: Bolt's own thread pool. Tests pass one they can wait on.
        listener_executor=listener_executor,
    )
    app.use(EventOnce(services))
    app.error(forget_failed_event(services))
    handlers.register(app, services)
    return app


class EventOnce(Middleware):
    """Events API deliveries take effect once per event_id (Slack retries them, Bolt does not
    deduplicate). `forget_failed_event` removes the record when a listener fails, so Slack's
    retry of that event runs again. A `Middleware`, not a function: Bolt builds a function's
    arguments anew for every request, commands and submissions too (bench/README)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                with self.services.db.transaction() as session:
                    once(session, f"event:{event_id}", self.services.clock.now())
            except AlreadyDone:
                return BoltResponse(status=200, body="")
        next()
        return resp


def forget_failed_event(services: Services) -> Callable[..., None]:
    def on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        logger.error("listener failed: %r", error)
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with services.db.transaction() as session:
                session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.event_id) == f"event:{event_id}"))

    return on_error
