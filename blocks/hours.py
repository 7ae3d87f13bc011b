"""Working hours in the App Home: what the bot books a person into (their hours, in their own
time zone, and their caps on interviews), and the modal where they change them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from blocks.common import context, escape, section, slack_date

HOURS_EDIT = "hours_edit"
HOURS_VIEW = "hours_edit"  # the modal's callback id (a view, not a button: Bolt matches them apart)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_IDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAY, MAX_WEEK = "max_per_day", "max_per_week"


def hours_section(
    *,
    spec: str,
    own: bool,
    tz: str,
    max_per_day: int,
    max_per_week: int,
    coming: Sequence[tuple[str, datetime]] = (),
) -> list[Block]:
    """`spec`: the canonical working-hours spec (bot/rules/working_hours.py); `coming`: what the bot
    will send the person next (as reports name it) and when."""
    said = escape(spec) if own else f"{escape(spec)} (the default)"
    next_lines = "\n".join(f"• {slack_date(at)}: {escape(what)}" for what, at in coming)
    return [
        section("*Your working hours*"),
        section(
            f"Interviews are only offered in these hours, {escape(tz)} time: `{said}`.\n"
            f"At most {max_per_day} interviews a day and {max_per_week} a week.\n"
            "Reminders and requests reach you only in these hours; briefings and urgent changes come when due."
        ),
        section(f"*What I will send you next*\n{next_lines}") if coming else context("Nothing is queued for you."),
        ActionsBlock(
            block_id="hours",
            elements=[ButtonElement(text="Edit working hours", action_id=HOURS_EDIT, value="edit")],
        ),
        context("Your time zone is the one in your Slack profile."),
    ]


def hours_modal(*, days: Sequence[str], max_per_day: int, max_per_week: int, tz: str) -> View:
    """`days`: each weekday's ranges as written (`09:00-12:00, 13:00-17:00`), Monday first."""
    blocks: list[Block] = [
        section(f"When may interviews be booked for you? Times are {escape(tz)}, your Slack time zone."),
        context("Write each day's ranges like `09:00-12:00, 13:00-17:00`; leave a day empty if you do not work then."),
    ]
    for day_id, name, ranges in zip(DAY_IDS, WEEKDAYS, days, strict=True):
        blocks.append(
            InputBlock(
                block_id=day_id,
                label=name,
                optional=True,
                element=PlainTextInputElement(
                    action_id="value", max_length=100, initial_value=ranges or None, placeholder="09:00-17:00"
                ),
            )
        )
    for block_id, label, value, top in (
        (MAX_DAY, "Interviews a day, at most", max_per_day, 20),
        (MAX_WEEK, "Interviews a week, at most", max_per_week, 60),
    ):
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=label,
                element=NumberInputElement(
                    action_id="value",
                    is_decimal_allowed=False,
                    min_value="1",
                    max_value=str(top),
                    initial_value=str(value),
                ),
            )
        )
    return View(
        type="modal",
        callback_id=HOURS_VIEW,
        title="Working hours",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"tz": tz}),
        blocks=blocks,
    )
