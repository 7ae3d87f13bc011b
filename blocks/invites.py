"""Messages about calendars: an interviewer's invite to a round when it is scheduled, and the
notice that a connected calendar was paused."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from blocks.common import context, escape, section
from blocks.rounds import panel_text, round_line
from bot.rules.rounds import RoundContext
from models.tables import InterviewKind

ICS_NOTE = "The invite is attached: open it to add the round to your calendar."


def panel_invite_message(ctx: RoundContext, *, attached: bool, shadow: bool = False) -> list[Block]:
    """To each interviewer (and `shadow`) when the round is scheduled: what, when, with whom. The
    briefing with the questions follows before the round."""
    who = f"*{escape(ctx.candidate.name)}* ({escape(ctx.role.title)})"
    part = "You are shadowing" if shadow else "You are on the panel"
    lines = [f"{part}: {round_line(ctx)} with {who}.", panel_text(ctx)]
    if ctx.interview.kind == InterviewKind.kickoff:
        lines.append("You hand over the take-home assignment; the work is scored once it arrives.")
    blocks: list[Block] = [section("\n".join(lines))]
    blocks.append(
        context(
            (ICS_NOTE + " " if attached else "It is in your connected calendar. ")
            + "Your briefing with the questions comes before the round."
        )
    )
    return blocks


def calendar_paused_message(url: str, error: str | None) -> list[Block]:
    """To the owner of a connected calendar that kept failing."""
    why = f"\n> {escape(error)}" if error else ""
    return [
        section(
            f":warning: I could not write your interviews into your calendar at {escape(url)}, so I have "
            f"stopped trying.{why}"
        ),
        section(
            "If you changed its password or revoked the app password, make a new app password with your "
            "calendar provider, then open my *Home* tab and choose *Reconnect*. Every interview still to "
            "come is written into it again once it is connected."
        ),
    ]
