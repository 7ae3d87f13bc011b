"""The Bolt app: request verification and listeners, on the shared Slack client."""

from __future__ import annotations

import logging

from slack_bolt import App

import handlers
from bot.services import Services


def build_app(services: Services, *, socket_mode: bool = False) -> App:
    app = App(
        client=services.slack,
        signing_secret=None if socket_mode else services.settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # Answer in the request itself: Bolt's default runner adds ~12 ms polling for the ack.
        # Web API calls run afterwards in lazy listeners.
        process_before_response=not socket_mode,
        logger=logging.getLogger("interview_bot.bolt"),
    )
    handlers.register(app, services)
    return app
