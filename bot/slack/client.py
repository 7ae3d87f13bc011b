"""Web API clients: one for listeners (retries a dropped connection and honours 429s), one for
the dispatcher (no retries: it paces, backs off and honours Retry-After itself)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.wiring.settings import Settings


def slack_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        # Interactive calls honour 429 Retry-After; the dispatcher paces and retries on its own.
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def dispatcher_client(settings: Settings) -> WebClient:
    # No automatic retries: the dispatcher honours Retry-After and backs off on its own schedule.
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10, retry_handlers=[])
