"""Block Kit as a person would read it, in a terminal: for the offline demo's transcript."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

Json = dict[str, Any]

BOLD, DIM, ITALIC, RESET = "\033[1m", "\033[2m", "\033[3m", "\033[0m"
EMOJI = {
    "wave": "👋", "arrow_right": "➡️", "tada": "🎉", "x": "❌", "double_vertical_bar": "⏸",
    "leftwards_arrow_with_hook": "↩️", "calendar": "📅", "memo": "📝", "alarm_clock": "⏰",
    "rotating_light": "🚨", "warning": "⚠️", "no_entry_sign": "🚫", "arrows_counterclockwise": "🔄",
    "large_green_circle": "🟢", "mag": "🔍", "white_check_mark": "✅", "white_large_square": "⬜",
    "bar_chart": "📊", "speech_balloon": "💬",
}  # fmt: skip

_DATE = re.compile(r"<!date\^(\d+)\^([^|>]*)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<((?:https?|mailto):[^>]+)>")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text


def mrkdwn(text: str, names: Mapping[str, str], tz: tzinfo, style: Style) -> str:
    """Slack mrkdwn to terminal text: mentions, dates in the reader's zone, links, emphasis."""

    def date(match: re.Match[str]) -> str:
        when = datetime.fromtimestamp(int(match.group(1)), UTC).astimezone(tz)
        return when.strftime("%a %d %b %Y, %H:%M") + (f" ({when.tzname()})" if when.tzname() else "")

    text = _DATE.sub(date, text)
    text = _USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + names.get(m.group(1), m.group(1)), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", lambda m: style(BOLD, m.group(1)), text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", lambda m: style(ITALIC, m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else str(obj or "")


def render_blocks(
    blocks: list[Json], names: Mapping[str, str], *, tz: tzinfo = UTC, color: bool = False, width: int = 88
) -> list[str]:
    style = Style(color)

    def md(obj: Any) -> str:
        return mrkdwn(_text(obj), names, tz, style)

    def wrap(text: str, indent: str = "") -> list[str]:
        lines: list[str] = []
        for raw in text.splitlines() or [""]:
            lines.extend(textwrap.wrap(raw, width, initial_indent=indent, subsequent_indent=indent) or [indent])
        return lines

    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"))
            out += [style(BOLD, title), style(BOLD, "═" * min(len(title), width))]
        elif kind == "section":
            if block.get("text"):
                out += wrap(md(block["text"]))
            for field in block.get("fields") or []:
                out += wrap(md(field).replace("\n", ": ", 1), "  ")
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                out.append(f"  [ {_text(accessory.get('text'))} ]")
        elif kind == "context":
            out += [style(DIM, line) for line in wrap(" · ".join(md(e) for e in block.get("elements", [])))]
        elif kind == "divider":
            out.append(style(DIM, "─" * min(width, 40)))
        elif kind == "actions":
            out.append("  ".join(f"[ {_text(e.get('text'))} ]" for e in block.get("elements", [])))
        elif kind == "input":
            label = _text(block.get("label"))
            element = block.get("element") or {}
            options = ", ".join(_text(o.get("text")) for o in element.get("options", []))
            out.append(f"  {label}: ____" + (f"  ({options})" if options else ""))
    return out


def render_message(message: Json, names: Mapping[str, str], *, tz: tzinfo = UTC, color: bool = False) -> list[str]:
    if message.get("blocks"):
        return render_blocks(message["blocks"], names, tz=tz, color=color)
    lines = [mrkdwn(message.get("text", ""), names, tz, Style(color))] if message.get("text") else []
    # A file share (a report's charts, an invite): its names.
    lines += [
        f"  📎 {f.get('name')}" + (f" ({f['title']})" if f.get("title") else "") for f in message.get("files") or []
    ]
    return lines or [""]
