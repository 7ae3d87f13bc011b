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
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section, user, users

OFFER_PICK = "offer_pick"
# *None of these work*: a short form for the times that would suit (its submission: OFFER_NONE_VIEW).
OFFER_NONE = "offer_none"
OFFER_NONE_VIEW = "offer_none_of_these"
# *Need a different time?* on the confirmation: the candidate's own reschedule (bot/rules/candidate_moves.py).
OFFER_MOVE = "offer_move"


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
    moving_from: datetime | None = None,
) -> list[Block]:
    """Candidate-facing only: the stage, its length, the prep guide's opening, the times. `taken`:
    shown again after the time they picked was just taken by someone else; `moving_from`: the time
    booked now, when they asked to move it."""
    at = f" at {escape(company)}" if company else ""
    blocks: list[Block] = []
    if taken:
        blocks.append(section(":warning: That time was just taken. Here are the ones still free."))
    if moving_from is not None:
        blocks.append(section(f"Please pick a new time for your *{escape(stage_name)}*{at} ({minutes} minutes). "
                              f"Until you do, it stays on {time_label(moving_from, minutes, tz)}."))  # fmt: skip
    else:
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
        blocks.append(section("None of the times is free any more: tell us which times would suit you."))
    none = ButtonElement(text="None of these work", action_id=OFFER_NONE, value=str(offer_id))
    blocks.append(ActionsBlock(block_id=f"offer:{offer_id}:none", elements=[none]))
    blocks.append(context(f"Times are in your Slack time zone, {escape(tz.key)}."))
    return blocks


def booked_blocks(
    stage_name: str, starts_at: datetime, minutes: int, tz: ZoneInfo, *, move_id: int | None = None, moved: bool = False
) -> list[Block]:
    """The confirmation; `move_id`: the round, when the candidate may still move it themselves."""
    done = "Moved" if moved else "Booked"
    blocks: list[Block] = [
        section(f":white_check_mark: {done}: your *{escape(stage_name)}* on {time_label(starts_at, minutes, tz)}."),
        context("The updated invite follows in a moment." if moved else
                "The invite and your prep guide follow in a moment."),
    ]  # fmt: skip
    if move_id is not None:
        button = ButtonElement(text="Need a different time?", action_id=OFFER_MOVE, value=str(move_id))
        blocks.append(ActionsBlock(block_id=f"move:{move_id}", elements=[button]))
    return blocks


def none_work_modal(offer_id: int, stage_name: str, channel: str, message_ts: str) -> View:
    """The candidate's *None of these work*: which days and times would suit them."""
    return View(
        type="modal",
        callback_id=OFFER_NONE_VIEW,
        title="Other times",
        submit="Send",
        close="Cancel",
        private_metadata=json.dumps({"offer": offer_id, "channel": channel, "ts": message_ts}),
        blocks=[
            section(f"Which days and times would suit you for your *{escape(stage_name)}*?"),
            InputBlock(
                block_id="note",
                label="Times that would work",
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=2000,
                    placeholder="e.g. Thursday or Friday afternoon, after 14:00 my time",
                ),
            ),
            context("Your recruiter gets this and will send you new times."),
        ],
    )


def none_work_sent_blocks(stage_name: str) -> list[Block]:
    return [
        section(f"Thanks: we passed the times that suit you for your *{escape(stage_name)}* to your recruiter."),
        context("They will send you new times."),
    ]


def answered_blocks(what: str, candidate_name: str, stage_name: str, words: str | None) -> list[Block]:
    """The thread's, and the recruiters', news of an offer answered without a pick."""
    blocks: list[Block]
    if what == "declined":
        blocks = [section(f":speech_balloon: *{escape(candidate_name)}* said none of the times for "
                          f"*{escape(stage_name)}* work. What would suit them:")]  # fmt: skip
        blocks.append(section(clip(quote(words or ""), 3000)))
    else:
        blocks = [section(f":hourglass: The times offered to *{escape(candidate_name)}* for *{escape(stage_name)}* "
                          "expired without a pick.")]  # fmt: skip
    blocks.append(context("Offer new times, or schedule the round, from the candidate's card."))
    return blocks


def quote(text: str) -> str:
    return "\n".join(f"> {escape(line)}" for line in text.splitlines() or [""])


def offered_note(
    actor: str,
    candidate_name: str,
    stage_name: str,
    panel: Sequence[str],
    count: int,
    by_link: bool = False,
    moving: bool = False,
    pooled: bool = False,
) -> list[Block]:
    """`pooled`: offered from the pool, each time with its own panel (`panel`: everyone on any)."""
    where = "on the booking page (a link the recruiter sends)" if by_link else "in Slack"
    said = (
        f":arrows_counterclockwise: *{escape(candidate_name)}* asked to move their *{escape(stage_name)}*: "
        f"they were offered {count} new times, to pick from {where}. The round stays where it is until they pick."
        if moving
        else f":calendar: {user(actor)} offered *{escape(candidate_name)}* {count} times for "
        f"*{escape(stage_name)}*, to pick from {where}."
    )
    return [
        section(said),
        context(f"From the pool, each time its own panel among {users(panel)}" if pooled else f"Panel: {users(panel)}"),
    ]
