"""The slash commands the app answers: one definition for the listeners, the help and manifest.yml."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    text: str
    what: str
    who: str = "anyone"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    usage_hint: str
    usages: tuple[Usage, ...]


HIRING = CommandSpec(
    name="/hiring",
    description="Help, open roles and interview kits",
    usage_hint="help | roles | kits",
    usages=(
        Usage("/hiring help", "what this bot does and every command"),
        Usage("/hiring roles", "open roles with their kit, channel, hiring managers and pipeline counts"),
        Usage("/hiring kits", "the interview kits: stages, durations and question counts"),
    ),
)

COMMANDS: tuple[CommandSpec, ...] = (HIRING,)


def usage_lines(spec: CommandSpec) -> str:
    return "\n".join(f"• `{u.text}`: {u.what}" + ("" if u.who == "anyone" else f" _({u.who})_") for u in spec.usages)
