"""Purging a candidate in Slack: the confirmation, the card once purged, and what was erased."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject

from blocks.candidate import PURGE
from blocks.common import clip, context, escape, header, section, slack_date
from bot.rules.purge import PurgePreview, PurgeResult, SlackCleanup


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


def purged_card_text(result: PurgeResult) -> str:
    return f"Candidate purged: #{result.candidate_id}, {result.role_title}"


def purged_card_blocks(result: PurgeResult) -> list[Block]:
    """The card once the candidate is purged: nothing personal, no buttons."""
    return [
        header("Candidate purged"),
        section(
            f"#{result.candidate_id} · {escape(result.role_title)}: this candidate's personal data was erased "
            f"on {slack_date(result.at, '{date_short_pretty}')} at a recruiter's request."
        ),
    ]


def purge_done_blocks(result: PurgeResult, cleanup: SlackCleanup) -> list[Block]:
    erased = "\n".join(f"• {escape(line)}" for line in result.lines())
    slack = "\n".join(f"• {escape(line)}" for line in cleanup.lines())
    blocks: list[Block] = [
        section(f":wastebasket: *{escape(result.label)}* ({escape(result.role_title)}).\n{erased}"),
        section(f"*In Slack*\n{slack}"),
        context(f"Logged as audit entry #{result.audit_id}."),
    ]
    return blocks


def purge_done_text(result: PurgeResult, cleanup: SlackCleanup) -> str:
    problems = f"; {len(cleanup.failures)} Slack messages could not be cleaned up" if cleanup.failures else ""
    return f"{result.label}{problems}"
