"""Finding a time, in Slack: the schedule form's *Suggested time*, why a typed time does not suit
the panel, the override's note in the thread, and `/interview times`.

Times are shown in the reader's zone; each panel member's own time is added where it differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, InputBlock, Option, OptionGroup, StaticSelectElement

from blocks.common import clip, context, escape, section, user
from bot.rules.slots import Availability, Reason, Slot

SUGGESTED = "suggested"
# Slack: a select shows at most 100 options; the form offers the next 25.
MAX_SUGGESTIONS = 25

# Each rule as a person reads it, after their name (mrkdwn and plain text alike).
WHY = {
    "outside_hours": "is outside their working hours",
    "busy": "is busy (a buffer is kept free either side of a round)",
    "day_cap": "has reached their interviews for the day",
    "week_cap": "has reached their interviews for the week",
    "notice": "needs more notice",
    "horizon": "is further ahead than times are offered",
}

Names = Callable[[str], str]


def slot_value(slot: Slot) -> str:
    return slot.starts_at.strftime("%Y-%m-%dT%H:%MZ")


def _local_times(slot: Slot, panel: Sequence[Availability], tz: ZoneInfo, name: Names) -> str:
    """Each member's own start time, for those whose clock reads differently from the reader's."""
    own = slot.starts_at.astimezone(tz).strftime("%H:%M")
    parts = []
    for who in panel:
        local = slot.starts_at.astimezone(who.tz)
        if local.strftime("%H:%M") != own or local.date() != slot.starts_at.astimezone(tz).date():
            parts.append(f"{name(who.user_id)} {local:%a %H:%M}")
    return ", ".join(parts)


def suggestion_options(
    slots: Sequence[Slot], panel: Sequence[Availability], tz: ZoneInfo, name: Names, limit: int = MAX_SUGGESTIONS
) -> list[OptionGroup]:
    """The slots grouped by the reader's local day, each labelled with its time there."""
    groups = []
    by_day = groupby(slots[:limit], key=lambda s: s.starts_at.astimezone(tz).date())
    for day, day_slots in by_day:
        options = []
        for slot in day_slots:
            start, end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
            others = _local_times(slot, panel, tz, name)
            options.append(
                Option(
                    value=slot_value(slot),
                    text=f"{start:%a %d %b, %H:%M}-{end:%H:%M}",
                    description=clip(others, 75) if others else None,
                )
            )
        groups.append(OptionGroup(label=f"{day:%A %d %B}", options=options))
    return groups


def suggestion_blocks(
    slots: Sequence[Slot] | None,
    panel: Sequence[Availability],
    silent: Sequence[str],
    tz: ZoneInfo,
    name: Names,
    *,
    horizon_days: int,
) -> list[Block]:
    """The form's *Suggested time*: a select of the next slots once the panel is picked (`slots`
    None: not yet), or why there is none."""
    if slots is None:
        return [context("Pick the interviewers to see the times that suit all of them.")]
    blocks: list[Block] = []
    if slots:
        blocks.append(
            InputBlock(
                block_id=SUGGESTED,
                label="Suggested time",
                optional=True,
                dispatch_action=True,
                hint=f"Free for the whole panel, inside their working hours, {tz.key} time. "
                "Picking one fills in the date and time below.",
                element=StaticSelectElement(
                    action_id=SUGGESTED,
                    placeholder="Pick a time that suits everyone",
                    option_groups=suggestion_options(slots, panel, tz, name),
                ),
            )
        )
    else:
        blocks.append(
            context(
                f"No time in the next {horizon_days} working days suits the whole panel "
                "(their working hours, calendars and caps on interviews). Pick other interviewers, "
                "or a date and time below."
            )
        )
    if silent:
        blocks.append(context(silent_text(silent, name)))
    return blocks


def silent_text(silent: Sequence[str], name: Names) -> str:
    people = ", ".join(f"{name(u)}'s" for u in silent)
    them = "their" if len(silent) > 1 else "the"
    return (
        f":warning: {people} calendar{'s' if len(silent) > 1 else ''} did not answer; "
        f"{them} interviews already booked here are still counted."
    )


def reason_text(reason: Reason, name: Names, zones: Mapping[str, ZoneInfo], reader: ZoneInfo) -> str:
    """One person's reason, plain text (a modal error), in the reader's zone."""
    text = f"{name(reason.user_id)} {WHY[reason.why]}"
    if reason.why == "busy" and "/" in reason.detail:
        text = f"{name(reason.user_id)} is busy"
        start_text, end_text = reason.detail.split("/", 1)
        start = datetime.strptime(start_text, "%Y-%m-%dT%H:%MZ").replace(tzinfo=ZoneInfo("UTC"))
        end = datetime.strptime(f"{start_text[:11]}{end_text}", "%Y-%m-%dT%H:%MZ").replace(tzinfo=ZoneInfo("UTC"))
        text += f" {start.astimezone(reader):%H:%M}-{end.astimezone(reader):%H:%M} (a buffer is kept either side)"
    elif reason.why in ("day_cap", "week_cap") and reason.detail:
        text += f" ({reason.detail} booked)"
    elif reason.why == "outside_hours" and reason.user_id in zones:
        text += (
            f" ({reason.detail} in {zones[reason.user_id].key})" if reason.detail else f" ({zones[reason.user_id].key})"
        )
    elif reason.why == "notice" and reason.detail:
        earliest = datetime.strptime(reason.detail, "%Y-%m-%dT%H:%MZ").replace(tzinfo=ZoneInfo("UTC"))
        text = f"{name(reason.user_id)} needs more notice: the earliest is {earliest.astimezone(reader):%a %d %b %H:%M}"
    return text


def overridden_line(overridden: Sequence[Sequence[str]]) -> str:
    """The thread's record of an override of the panel's hours, calendars, caps or notice."""
    said = "; ".join(f"{user(u)} {WHY.get(why, why)}" for u, why in overridden)
    return f":warning: Scheduled anyway: {said}."


def times_blocks(
    candidate_name: str,
    stage_name: str,
    minutes: int,
    slots: Sequence[Slot],
    panel: Sequence[Availability],
    silent: Sequence[str],
    tz: ZoneInfo,
    name: Names,
    *,
    horizon_days: int,
) -> list[Block]:
    """`/interview times`: the next free slots for a candidate's next round, by day."""
    who = ", ".join(user(p.user_id) for p in panel)
    blocks: list[Block] = [
        section(f"*Free times for {escape(candidate_name)}: {escape(stage_name)}* ({minutes} min) with {who}")
    ]
    if not slots:
        blocks.append(
            section(
                f"No time in the next {horizon_days} working days suits the whole panel. "
                "Name other interviewers: `/interview times <candidate> @someone @someone-else`."
            )
        )
    for day, day_slots in groupby(slots[:MAX_SUGGESTIONS], key=lambda s: s.starts_at.astimezone(tz).date()):
        lines = []
        for slot in day_slots:
            start, end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
            others = _local_times(slot, panel, tz, name)
            lines.append(f"• {start:%H:%M}-{end:%H:%M}" + (f" _({escape(others)})_" if others else ""))
        blocks.append(section(clip(f"*{day:%A %d %B}*\n" + "\n".join(lines), 3000)))
    if silent:
        blocks.append(context(silent_text(silent, name)))
    blocks.append(context(f"Times in {tz.key}. Schedule one from the candidate's card."))
    return blocks


def pool_reasons(reasons: Sequence[Reason], zones: Mapping[str, ZoneInfo], tz: ZoneInfo, name: Names) -> str:
    """Why a pool has no time, member by member."""
    return "; ".join(reason_text(r, name, zones, tz) for r in reasons) or "nobody in the pool is free"
