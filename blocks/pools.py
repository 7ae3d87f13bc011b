"""Scheduling from a pool, in the schedule form: *From the pool* (a checkbox, shown when the stage
has a pool), then *Suggested time* with the fairest free panel for each time; picking one fills in
the time and the panel, which the recruiter can still change. With no time, why: each member's
reason (their caps, their calendar...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    OptionGroup,
    StaticSelectElement,
)

from blocks.common import clip, context, escape
from blocks.times import MAX_SUGGESTIONS, SUGGESTED, Names, reason_text, silent_text
from bot.rules.slots import PoolSlot, Reason

FROM_POOL = "from_pool"


def pool_value(slot: PoolSlot) -> str:
    """A suggestion's value: the time and the panel chosen for it (Slack allows 150 characters)."""
    return f"{slot.starts_at:%Y-%m-%dT%H:%MZ}|{','.join(slot.panel)}"


def from_pool_block(qualified: Sequence[str], name: Names, checked: bool) -> ActionsBlock:
    who = ", ".join(name(u) for u in qualified)
    option = Option(
        value="yes",
        text=clip(f"From the pool ({len(qualified)}: {who})", 75),
        description="The fairest free panel: the fewest interviews in two weeks first",
    )
    return ActionsBlock(
        block_id=FROM_POOL,
        elements=[
            CheckboxesElement(action_id=FROM_POOL, options=[option], initial_options=[option] if checked else None)
        ],
    )


def pool_suggestion_blocks(
    slots: Sequence[PoolSlot],
    reasons: Sequence[Reason],
    silent: Sequence[str],
    zones: Mapping[str, ZoneInfo],
    tz: ZoneInfo,
    name: Names,
    *,
    size: int,
    horizon_days: int,
) -> list[Block]:
    blocks: list[Block] = []
    if slots:
        groups = []
        for day, day_slots in groupby(slots[:MAX_SUGGESTIONS], key=lambda s: s.starts_at.astimezone(tz).date()):
            options = [
                Option(
                    value=pool_value(s),
                    text=f"{s.starts_at.astimezone(tz):%a %d %b, %H:%M}-{s.ends_at.astimezone(tz):%H:%M}",
                    description=clip(", ".join(name(u) for u in s.panel), 75),
                )
                for s in day_slots
            ]
            groups.append(OptionGroup(label=f"{day:%A %d %B}", options=options))
        blocks.append(
            InputBlock(
                block_id=SUGGESTED,
                label="Suggested time and panel",
                optional=True,
                dispatch_action=True,
                hint=f"{size} from the pool, free then, inside their hours and under their caps; {tz.key} time. "
                "Picking one fills in the interviewers, date and time.",
                element=StaticSelectElement(action_id=SUGGESTED, placeholder="Pick a time", option_groups=groups),
            )
        )
    else:
        why = "; ".join(reason_text(r, name, zones, tz) for r in reasons) or "nobody in the pool is free"
        said = (
            f"No time in the next {horizon_days} working days has {size} of the pool free: {escape(why)}. "
            "Pick interviewers yourself, or raise their caps."
        )
        blocks.append(context(clip(said, 3000)))
    if silent:
        blocks.append(context(silent_text(silent, name)))
    return blocks
