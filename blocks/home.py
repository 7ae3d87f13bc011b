"""The App Home tab."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from blocks.common import clip, context, divider, escape, header, section, slack_date
from blocks.reports import home_report_blocks
from blocks.scorecard import pending_blocks
from bot.reporting.home import Summary
from bot.rules.candidates import thread_link
from bot.rules.pipeline import RoleBoard, Waiting
from bot.rules.scorecards import PendingScorecard

EXPLAIN = (
    "I coordinate interviews for your hiring team. When you are on an interview panel, I send you "
    "a briefing before the round with the questions you own and what to listen for, then ask for your "
    "scorecard when the round ends. Your feedback stays blind: nobody sees it before they have "
    "submitted their own.\nType `/hiring help` to see every command."
)


def interviewer_blocks(upcoming: Sequence[PendingScorecard], pending: Sequence[PendingScorecard]) -> list[Block]:
    blocks: list[Block] = [section("*Your upcoming interviews*")]
    if upcoming:
        lines = [
            f"• {slack_date(u.interview.starts_at)}: *{escape(u.candidate.name)}* · {escape(u.stage_name)}"
            + (f" · {escape(u.interview.location)}" if u.interview.location else "")
            for u in upcoming[:15]
        ]
        blocks.append(section("\n".join(lines)))
    else:
        blocks.append(context("No interviews scheduled for you."))
    blocks.extend(pending_blocks(pending)[:16])
    return blocks


def home_view(
    *,
    is_recruiter: bool,
    boards: Sequence[RoleBoard] = (),
    waiting: Sequence[Waiting] = (),
    upcoming: Sequence[PendingScorecard] = (),
    pending: Sequence[PendingScorecard] = (),
    report: Summary | None = None,
    calendar: Sequence[Block] = (),
    hours: Sequence[Block] = (),
    pools: Sequence[Block] = (),
) -> View:
    """`report`: the headline figures for recruiters and hiring managers (the roles they may see);
    `calendar`: the person's "Your calendar" section (blocks/calendar.py); `hours`: their working
    hours (blocks/hours.py)."""
    blocks: list[Block] = [header("Interview coordinator")]
    blocks.extend(interviewer_blocks(upcoming, pending))
    if calendar:
        blocks.append(divider())
        blocks.extend(calendar)
    if hours:
        blocks.append(divider())
        blocks.extend(hours)
    if pools:
        blocks.append(divider())
        blocks.extend(pools)
    blocks.append(divider())
    if report is not None:
        blocks.extend(home_report_blocks(report))
        blocks.append(divider())
    if not is_recruiter:
        blocks.append(section(EXPLAIN))
        return View(type="home", blocks=blocks)
    blocks.append(section("*Waiting on you*"))
    if waiting:
        lines = []
        for item in waiting[:20]:
            link = thread_link(item.candidate.channel_id, item.candidate.thread_ts)
            name = f"<{link}|{escape(item.candidate.name)}>" if link else escape(item.candidate.name)
            lines.append(f"• {name} · {escape(item.role.title)}: {item.why}")
        blocks.append(section("\n".join(lines)))
    else:
        blocks.append(context("Nothing is waiting on a decision."))
    blocks.append(divider())
    blocks.append(section("*Your roles*"))
    if not boards:
        blocks.append(context("No open roles yet: add one with `interview-bot role add`."))
    for board in boards[:20]:
        counts = " · ".join(f"{escape(c.stage.name)} {c.count}" for c in board.columns) or "kit not loaded"
        total = sum(board.by_status.values())
        hired = board.by_status.get("hired", 0)
        blocks.append(
            section(clip(f"*{escape(board.role.title)}* ({total} candidates, {hired} hired)\n{counts}", 2900))
        )
    blocks.append(context("`/candidate new` adds a candidate · `/candidate list` shows the pipeline"))
    return View(type="home", blocks=blocks)
