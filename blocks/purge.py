"""Purging a candidate in Slack: the confirmation, the card once purged, and what was erased."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject

from blocks.candidate import PURGE
from blocks.common import clip, context, escape, header, section, slack_date
from bot.rules.candidates import thread_link
from bot.rules.purge import PurgePreview, PurgeResult
from bot.rules.purge_job import Progress, PurgeSummary, SlackMessage

# Messages left in Slack a notice lists one by one.
MAX_LISTED = 10


def purge_confirmation_blocks(preview: PurgePreview) -> list[Block]:
    lines = "\n".join(f"• {escape(line)}" for line in preview.lines())
    name = escape(preview.name)
    return [
        section(
            f"Purge *{name}* (#{preview.candidate_id}, {escape(preview.role_title)}, {escape(preview.email)})? "
            f"This erases, everywhere the bot keeps it:\n{lines}"
        ),
        context(
            "Anonymous counts (stages, statuses, ratings, recommendations) are kept for reports, and the purge "
            "is logged with your name. This cannot be undone."
        ),
        ActionsBlock(
            block_id="purge_confirmation",
            elements=[
                ButtonElement(
                    text="Purge personal data",
                    action_id=PURGE,
                    value=str(preview.candidate_id),
                    style="danger",
                    confirm=ConfirmObject(
                        title="Purge candidate?",
                        text=f"Erase everything about {clip(preview.name, 100)} (#{preview.candidate_id}) for good?",
                        confirm="Purge",
                        deny="Cancel",
                        style="danger",
                    ),
                )
            ],
        ),
    ]


def purged_card_text(summary: PurgeSummary) -> str:
    return f"Candidate purged: #{summary.candidate_id}, {summary.role_title}"


def purged_card_blocks(summary: PurgeSummary) -> list[Block]:
    """The card once the candidate is purged: nothing personal, no buttons."""
    return [
        header("Candidate purged"),
        section(
            f"#{summary.candidate_id} · {escape(summary.role_title)}: this candidate's personal data was erased "
            f"on {slack_date(summary.at, '{date_short_pretty}')} at a recruiter's request."
        ),
    ]


def _erased(summary: PurgeSummary) -> Block:
    erased = "\n".join(f"• {escape(line)}" for line in summary.erased)
    return section(f":wastebasket: *{escape(summary.label)}* ({escape(summary.role_title)}).\n{erased}")


def purge_started_blocks(result: PurgeResult) -> list[Block]:
    """The answer to the click: the data is erased; Slack is cleaned up next (bot/delivery/purge_cleanup.py)."""
    return [
        _erased(result.summary),
        section(
            "*In Slack* the clean-up is under way: the card is redacted and the bot's messages about them "
            "deleted. I'll send you a direct message when it is done."
        ),
        context(f"Logged as audit entry #{result.audit_id}."),
    ]


def purge_started_text(result: PurgeResult) -> str:
    return f"{result.label}: the data is erased; the Slack clean-up is under way"


def purge_done_blocks(summary: PurgeSummary, cleanup: Progress) -> list[Block]:
    """To who purged, once the Slack clean-up is done."""
    slack = "\n".join(f"• {escape(line)}" for line in cleanup.lines())
    return [
        _erased(summary),
        section(f"*In Slack*, the clean-up is done:\n{slack}"),
        context(f"Logged as audit entry #{summary.audit_id}."),
    ]


def purge_done_text(summary: PurgeSummary, cleanup: Progress) -> str:
    return f"{summary.label}: the Slack clean-up is done"


def purge_gave_up_blocks(
    summary: PurgeSummary, left: list[SlackMessage], attempts: int, error: str | None
) -> list[Block]:
    """To a recruiter: the Slack clean-up after a purge gave up; what is left to delete by hand."""
    listed = [f"• {escape(m.what)}: {_link(m)}" for m in left[:MAX_LISTED]]
    if len(left) > MAX_LISTED:
        listed.append(f"• and {len(left) - MAX_LISTED} more")
    return [
        section(
            f":warning: I could not finish the Slack clean-up after *{escape(summary.label)}* "
            f"({escape(summary.role_title)}) after {attempts} attempts"
            + (f" (last error: `{escape(clip(error, 200))}`)" if error else "")
            + ". The personal data is erased from the bot's database all the same."
        ),
        section(
            ("*Still in Slack*, to delete by hand (or ask a workspace admin):\n" + "\n".join(listed))
            if listed
            else "Nothing the bot knows of is left in Slack, but it could not finish checking."
        ),
    ]


def _link(message: SlackMessage) -> str:
    link = thread_link(message.channel, message.ts)
    return f"<{link}|open>" if link else f"{message.channel} {message.ts}"
