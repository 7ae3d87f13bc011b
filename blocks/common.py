"""Small builders shared by the views. Pure: domain values in, slack_sdk blocks out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

SECTION_TEXT_MAX = 3000
HEADER_MAX = 150


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Escape user text for mrkdwn so names cannot ping or format."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, HEADER_MAX), emoji=True))


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(t, SECTION_TEXT_MAX)) for t in texts[:10]])


def divider() -> DividerBlock:
    return DividerBlock()


# Slack's user ids (U..., or W... on Enterprise Grid): anything else is an actor without a Slack
# user (the candidate on the booking page), named as plain text.
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]+")


def user(user_id: str) -> str:
    return f"<@{user_id}>" if SLACK_USER_ID.fullmatch(user_id) else escape(user_id)


def users(user_ids: Sequence[str]) -> str:
    return ", ".join(user(u) for u in user_ids) or "nobody yet"


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>"


def slack_date(when: datetime, fmt: str = "{date_short_pretty} at {time}") -> str:
    """A time each reader sees in their own zone; the fallback is UTC."""
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{fmt}|{fallback}>"


def to_dicts(blocks: Sequence[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]
