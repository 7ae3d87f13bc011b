"""Times offered to a candidate: their DM (one button a time, in their own time zone), what it
becomes once they pick, and the thread's note of what was offered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section, user, users
from models.kit import Stage

OFFER_PICK = "offer_pick"


def time_label(starts_at: datetime, minutes: int, tz: ZoneInfo) -> str:
    """E.g. "Tue 10 Mar, 14:00-15:00 (GMT)": the zone's abbreviation on that day."""
    start = starts_at.astimezone(tz)
    end = (starts_at + timedelta(minutes=minutes)).astimezone(tz)
    return f"{start:%a %d %b, %H:%M}-{end:%H:%M} ({start:%Z})"


def pick_value(offer_id: int, starts_at: datetime) -> str:
    return f"{offer_id}:{starts_at:%Y-%m-%dT%H:%M:%SZ}"


def offer_blocks(
    *,
    offer_id: int,
    company: str | None,
    stage_name: str,
    minutes: int,
    prep: str | None,
    times: Sequence[datetime],
    tz: ZoneInfo,
    taken: bool = False,
) -> list[Block]:
    """Candidate-facing only: the stage, its length, the prep guide's opening, the times. `taken`:
    shown again after the time they picked was just taken by someone else."""
    at = f" at {escape(company)}" if company else ""
    blocks: list[Block] = []
    if taken:
        blocks.append(section(":warning: That time was just taken. Here are the ones still free."))
    blocks.append(section(f"Please pick a time for your *{escape(stage_name)}*{at} ({minutes} minutes)."))
    if prep:
        blocks.append(context(clip(escape(prep.strip().split("\n\n", 1)[0]), 300)))
    buttons = [
        ButtonElement(text=time_label(t, minutes, tz), action_id=f"{OFFER_PICK}:{n}", value=pick_value(offer_id, t))
        for n, t in enumerate(times[:20])
    ]
    for first in range(0, len(buttons), 5):
        blocks.append(ActionsBlock(block_id=f"offer:{offer_id}:{first}", elements=buttons[first : first + 5]))
    if not buttons:
        blocks.append(section("None of the times is free any more: your recruiter will send new ones."))
    blocks.append(context(f"Times are in your Slack time zone, {escape(tz.key)}."))
    return blocks


def booked_blocks(stage_name: str, starts_at: datetime, minutes: int, tz: ZoneInfo) -> list[Block]:
    return [
        section(f":white_check_mark: Booked: your *{escape(stage_name)}* on {time_label(starts_at, minutes, tz)}."),
        context("The invite and your prep guide follow in a moment."),
    ]


def offered_note(
    actor: str, candidate_name: str, stage_name: str, panel: Sequence[str], count: int, *, by_link: bool = False
) -> list[Block]:
    """`by_link`: offered on the booking page (bot/web/), for a candidate without Slack."""
    where = "on the booking page" if by_link else "in Slack"
    return [
        section(
            f":calendar: {user(actor)} offered *{escape(candidate_name)}* {count} times for "
            f"*{escape(stage_name)}*, to pick from {where}."
        ),
        context(f"Panel: {users(panel)}"),
    ]


OFFER_VIEW = "offer_times"


def offer_modal(*, candidate_name: str, candidate_id: int, stages: Sequence[Stage], current_stage: str) -> View:
    """Offer the candidate times: the stage and panel; the times come from the panel's calendars."""
    options = [Option(value=s.key, text=clip(s.name, 75)) for s in stages[:100]]
    initial = next((o for o in options if o.value == current_stage), options[0] if options else None)
    blocks: list[Block] = [
        section(f"Offer *{escape(candidate_name)}* times to pick from, in Slack."),
        context("They get the times that suit the whole panel (working hours, calendars, caps), spread over "
                "several days, each a button in their own time zone; the first to pick a time gets it."),
        InputBlock(block_id="stage", label="Stage",
                   element=StaticSelectElement(action_id="value", options=options, initial_option=initial)),
        InputBlock(block_id="interviewers", label="Interviewers",
                   element=UserMultiSelectElement(action_id="value", placeholder="Pick the panel",
                                                  max_selected_items=10)),
        InputBlock(block_id="location", label="Video link or location", optional=True,
                   element=PlainTextInputElement(action_id="value", max_length=500)),
    ]  # fmt: skip
    return View(
        type="modal",
        callback_id=OFFER_VIEW,
        title="Offer times",
        submit="Offer",
        close="Cancel",
        private_metadata=json.dumps({"candidate_id": candidate_id}),
        blocks=blocks,
    )
