"""Digests: several reminders to one person as one message (bot/rules/digests.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from blocks.common import context, escape, section, slack_date, users
from blocks.messages import scorecard_button
from blocks.scorecard import SNOOZE
from bot.rules.rounds import RoundContext
from models.kit import StageKind

# Two blocks an item, and the opening and buttons: well inside Slack's 50 blocks a message.
MAX_ITEMS = 20


@dataclass(frozen=True)
class Item:
    """One round in a digest: when its feedback is due, and who is still missing (escalations)."""

    round: RoundContext
    due: datetime
    missing: Sequence[str] = ()


def scorecard_digest(items: Sequence[Item], snooze: int | None) -> list[Block]:
    """To an interviewer: each open scorecard with its *Submit* button and due time; `snooze`: the
    digest's outbox row, for *Remind me tomorrow*."""
    blocks: list[Block] = [section(f":alarm_clock: Reminder: {len(items)} of your scorecards are still open.")]
    for item in items[:MAX_ITEMS]:
        ctx = item.round
        review = ctx.stage.kind is StageKind.review
        noun = "review" if review else "scorecard"
        blocks.append(
            section(
                f"• *{escape(ctx.candidate.name)}* ({escape(ctx.stage.name)}), your {noun}: "
                f"due by {slack_date(item.due)}."
            )
        )
        blocks.append(
            scorecard_button(
                ctx.interview.id or 0,
                "Submit review" if review else "Submit scorecard",
                block_id=f"scorecard:{ctx.interview.id}",
            )
        )
    if len(items) > MAX_ITEMS:
        blocks.append(context(f"{len(items) - MAX_ITEMS} more are on your App Home."))
    if snooze is not None:
        blocks.append(
            ActionsBlock(
                block_id="snooze",
                elements=[ButtonElement(text="Remind me tomorrow", action_id=SNOOZE, value=str(snooze))],
            )
        )
    blocks.append(context("Others' feedback stays hidden from you until yours is in."))
    return blocks


def escalation_digest(items: Sequence[Item]) -> list[Block]:
    """To a recruiter: each round whose feedback is overdue, with whom it waits on."""
    lines = [
        f"• *{escape(i.round.candidate.name)}* ({escape(i.round.stage.name)}), due by {slack_date(i.due)}: "
        f"still waiting on {users(i.missing)}"
        for i in items[:MAX_ITEMS]
    ]
    more = [context(f"And {len(items) - MAX_ITEMS} more.")] if len(items) > MAX_ITEMS else []
    return [
        section(f":rotating_light: Feedback is overdue for {len(items)} rounds."),
        section("\n".join(lines)[:2900]),
        *more,
    ]
