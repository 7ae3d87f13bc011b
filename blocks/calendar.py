"""Calendars in the App Home: the person's feed link, and their own calendar (connect, disconnect,
reconnect when writing to it is paused); the modal that connects one."""

from __future__ import annotations

from typing import Literal, Protocol

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section

FEED_NEW = "calendar_feed_new"
# A link button: Slack still tells the app it was clicked.
FEED_OPEN = "calendar_feed_open"
CONNECT = "calendar_connect"
DISCONNECT = "calendar_disconnect"
# The modal's callback id (a view, not a button: Bolt matches them apart).
CONNECT_VIEW = "calendar_connect"
URL, USERNAME, PASSWORD = "url", "username", "password"

# Why there is no feed link: the setting that is missing.
FeedMissing = Literal["public_url", "secret_key"]

URL_HINT = (
    "The address of the calendar itself (CalDAV). Nextcloud: Calendar › the calendar's ⋯ menu › Copy private "
    "link (https://cloud.example.com/remote.php/dav/calendars/you/personal/). Fastmail: Settings › Calendars › "
    "the calendar › CalDAV URL. iCloud: the calendar's URL from a CalDAV client "
    "(https://pNN-caldav.icloud.com/…/calendars/…/)."
)
PASSWORD_HINT = (
    "An app password is one your calendar provider issues for apps, not your sign-in password "
    "(Nextcloud: Settings › Security › Devices & sessions; Fastmail: Settings › Privacy & Security › "
    "App passwords; iCloud: account.apple.com › App-Specific Passwords). It is stored encrypted."
)


class Connection(Protocol):
    """A connected calendar as shown (bot.calendars.connections.ConnectionInfo): never its secret."""

    @property
    def url(self) -> str: ...

    @property
    def username(self) -> str: ...

    @property
    def paused(self) -> bool: ...

    @property
    def last_error(self) -> str | None: ...


def feed_blocks(feed_url: str | None, missing: FeedMissing | None) -> list[Block]:
    if feed_url is None:
        if missing == "secret_key":
            why = "Calendar feeds need SECRET_KEY set on the bot (or a Slack signing secret to sign the links)."
        else:
            why = "Calendar feeds need PUBLIC_URL: the address people reach the bot at, e.g. https://interviews.example.com."
        return [context(f"{why} Ask whoever runs the bot.")]
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Subscribe in your calendar*: every interview you are in, kept up to date. Add this link "
                "as a calendar subscription (from a URL); keep it to yourself."
            ),
            accessory=ButtonElement(text="Subscribe", url=feed_url, action_id=FEED_OPEN),
        ),
        context(f"`{escape(feed_url)}`"),
        ActionsBlock(
            block_id="calendar_feed",
            elements=[
                ButtonElement(
                    text="New link",
                    action_id=FEED_NEW,
                    value="new",
                    confirm=ConfirmObject(
                        title="A new link?",
                        text="The old link stops working: calendars subscribed to it stop updating.",
                        confirm="New link",
                        deny="Keep this one",
                    ),
                )
            ],
        ),
    ]


def connection_blocks(connection: Connection | None, *, can_store: bool) -> list[Block]:
    """`can_store`: SECRET_KEY is set, so a password can be kept."""
    if connection is None:
        blocks: list[Block] = [
            SectionBlock(
                text=MarkdownTextObject(
                    text="*Your own calendar*: connect it (CalDAV: Nextcloud, Fastmail, iCloud and others) and "
                    "your interviews are written into it."
                ),
                accessory=ButtonElement(text="Connect your calendar", action_id=CONNECT, value="connect"),
            )
        ]
        if not can_store:
            blocks.append(context("Connecting a calendar needs SECRET_KEY set on the bot: ask whoever runs it."))
        return blocks
    where = f"`{escape(clip(connection.url, 500))}` as *{escape(clip(connection.username, 200))}*"
    disconnect = ButtonElement(
        text="Disconnect",
        action_id=DISCONNECT,
        value="disconnect",
        confirm=ConfirmObject(
            title="Disconnect your calendar?",
            text="Nothing more is written into it; the events already there stay.",
            confirm="Disconnect",
            deny="Keep it",
        ),
    )
    if connection.paused:
        problem = escape(clip(connection.last_error or "it kept failing", 500))
        return [
            section(f":warning: *Writing to your calendar is paused*: {problem}\nConnected: {where}"),
            ActionsBlock(
                block_id="calendar_connection",
                elements=[
                    ButtonElement(text="Reconnect", action_id=CONNECT, value="reconnect", style="primary"),
                    disconnect,
                ],
            ),
        ]
    return [
        section(f"*Your own calendar*: {where}. Your interviews are written into it."),
        ActionsBlock(block_id="calendar_connection", elements=[disconnect]),
    ]


def calendar_blocks(
    *,
    feed_url: str | None,
    feed_missing: FeedMissing | None,
    connection: Connection | None,
    can_store: bool,
    connectable: bool = True,
) -> list[Block]:
    """The Home's "Your calendar" section; `connectable` False: the feed alone (candidates)."""
    return [
        section("*Your calendar*"),
        *feed_blocks(feed_url, feed_missing),
        *(connection_blocks(connection, can_store=can_store) if connectable else []),
    ]


def connect_modal(url: str = "", username: str = "") -> View:
    """Connect (or, prefilled, reconnect) a CalDAV calendar."""
    return View(
        type="modal",
        callback_id=CONNECT_VIEW,
        title="Connect your calendar",
        submit="Connect",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=URL,
                label="Calendar URL",
                hint=URL_HINT,
                element=PlainTextInputElement(
                    action_id="value",
                    initial_value=url or None,
                    max_length=500,
                    placeholder="https://cloud.example.com/remote.php/dav/calendars/you/personal/",
                ),
            ),
            InputBlock(
                block_id=USERNAME,
                label="Username",
                element=PlainTextInputElement(action_id="value", initial_value=username or None, max_length=200),
            ),
            InputBlock(
                block_id=PASSWORD,
                label="App password",
                hint=PASSWORD_HINT,
                element=PlainTextInputElement(action_id="value", max_length=500),
            ),
        ],
    )
