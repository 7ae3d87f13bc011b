"""The Bolt app: Slack client, request verification, listeners."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

import handlers
from bot.services import Services


def slack_client(services: Services) -> WebClient:
    settings = services.settings
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        # Interactive calls honour 429 Retry-After; the dispatcher paces and retries on its own.
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def build_app(services: Services, *, socket_mode: bool = False) -> App:
    app = App(
        client=slack_client(services),
        signing_secret=None if socket_mode else services.settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # Answer in the request itself: Bolt's default runner adds ~12 ms polling for the ack.
        process_before_response=not socket_mode,
        logger=logging.getLogger("interview_bot.bolt"),
    )
    handlers.register(app, services)
    return app
