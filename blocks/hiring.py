"""Views for `/hiring`: help, roles, kits."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from blocks.common import channel, context, divider, escape, header, section, users
from bot.rules.commands import COMMANDS, CommandSpec, usage_lines
from bot.rules.kits import KitCatalog
from bot.rules.roles import RoleSummary
from models.kit import TIMED_STAGE_KINDS, Kit

STATUS_LABELS = {"active": "active", "on_hold": "on hold", "rejected": "rejected", "hired": "hired"}


def help_blocks(commands: Sequence[CommandSpec] = COMMANDS) -> list[Block]:
    blocks: list[Block] = [
        header("Interview coordinator"),
        section(
            "I run your interview loop in Slack: a thread per candidate with a live card, "
            "interviewer briefings, blind scorecards, candidate prep and reminders for late feedback."
        ),
    ]
    for spec in commands:
        blocks.append(section(f"*{spec.name}*: {spec.description}\n{usage_lines(spec)}"))
    return blocks


def command_help_blocks(spec: CommandSpec) -> list[Block]:
    return [section(f"*{spec.name}*: {spec.description}\n{usage_lines(spec)}")]


def usage_error_blocks(problem: str, spec: CommandSpec) -> list[Block]:
    return [section(f":warning: {problem}"), context(f"Usage:\n{usage_lines(spec)}")]


def roles_blocks(summaries: Sequence[RoleSummary]) -> list[Block]:
    if not summaries:
        return [
            section(
                "No open roles yet. A recruiter adds one with\n"
                "`interview-bot role add --title 'Backend Developer' --kit backend-mid "
                "--channel C0123ABCD --hiring-manager U0123ABCD`"
            )
        ]
    blocks: list[Block] = [header(f"Open roles ({len(summaries)})")]
    for summary in summaries[:45]:
        role = summary.role
        kit = f"{escape(summary.kit.title)} (`{role.kit_key}`)" if summary.kit else f"`{role.kit_key}` (kit not loaded)"
        counts = ", ".join(f"{n} {STATUS_LABELS.get(s, s)}" for s, n in sorted(summary.by_status.items()))
        level = f" · {role.level}" if role.level else ""
        blocks.append(
            section(
                f"*{escape(role.title)}*{level}\n"
                f"Kit: {kit} · Channel: {channel(role.channel_id)}\n"
                f"Hiring managers: {users(role.hiring_manager_ids)}"
                + (f" · Recruiters: {users(role.recruiter_ids)}" if role.recruiter_ids else "")
                + f"\nCandidates: {counts or 'none yet'}"
            )
        )
    if len(summaries) > 45:
        blocks.append(context(f"…and {len(summaries) - 45} more: `interview-bot role list` shows all."))
    return blocks


def kit_line(kit: Kit) -> str:
    stages = " → ".join(
        f"{escape(s.name)}" + (f" ({s.duration_minutes} min)" if s.kind in TIMED_STAGE_KINDS else "")
        for s in kit.stages
    )
    level = f" · {kit.level.value}" if kit.level else ""
    return (
        f"*{escape(kit.title)}* `{kit.key}`{level}\n{stages}\n"
        f"{len(kit.questions)} questions · feedback due {kit.feedback_due_hours} h after each round"
    )


def kits_blocks(catalog: KitCatalog) -> list[Block]:
    blocks: list[Block] = [header(f"Interview kits ({len(catalog.kits)})")]
    if not catalog.kits:
        blocks.append(section("No kits loaded. Put kit YAML files in `KITS_DIR` (default `kits/`)."))
    for key in sorted(catalog.kits)[:40]:
        blocks.append(section(kit_line(catalog.kits[key])))
        blocks.append(divider())
    if catalog.problems:
        files = sorted({p.file for p in catalog.problems})
        blocks.append(
            context(
                f":warning: {len(files)} kit file(s) did not load ({', '.join(files)}). "
                "Run `interview-bot kits validate` to see each problem."
            )
        )
    return blocks
