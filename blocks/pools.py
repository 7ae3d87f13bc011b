"""Scheduling from a pool, in the schedule form: *From the pool* (a checkbox, shown when the stage
has a pool), then *Suggested time* with the fairest free panel for each time; picking one fills in
the time and the panel, which the recruiter can still change. With no time, why: each member's
reason (their caps, their calendar...)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    OptionGroup,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section, users
from blocks.rounds import revised
from blocks.times import MAX_SUGGESTIONS, SUGGESTED, Names, pool_reasons, silent_text
from bot.rules.pools import Pool
from bot.rules.slots import PoolSlot, Reason
from bot.rules.training import Progress

FROM_POOL = "from_pool"


def pool_value(slot: PoolSlot) -> str:
    """A suggestion's value: the time, the panel chosen for it and its trainee (Slack allows 150
    characters)."""
    return f"{slot.starts_at:%Y-%m-%dT%H:%MZ}|{','.join(slot.panel)}|{slot.trainee or ''}"


def pool_options(
    slots: Sequence[PoolSlot], tz: ZoneInfo, name: Names, limit: int = MAX_SUGGESTIONS
) -> list[OptionGroup]:
    """The times by the reader's local day, each with its panel (and trainee) from the pool."""
    groups = []
    for day, day_slots in groupby(slots[:limit], key=lambda s: s.starts_at.astimezone(tz).date()):
        options = [
            Option(
                value=pool_value(s),
                text=f"{s.starts_at.astimezone(tz):%a %d %b, %H:%M}-{s.ends_at.astimezone(tz):%H:%M}",
                description=clip(", ".join(name(u) for u in s.panel)
                                 + (f" + {name(s.trainee)} (trainee)" if s.trainee else ""), 75),
            )
            for s in day_slots
        ]  # fmt: skip
        groups.append(OptionGroup(label=f"{day:%A %d %B}", options=options))
    return groups


def parse_pool_value(value: str) -> tuple[datetime, tuple[str, ...], str | None]:
    """A pool suggestion's time, panel and trainee (see `pool_value`)."""
    at, _, rest = value.partition("|")
    panel, _, trainee = rest.partition("|")
    starts = datetime.strptime(at, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    return starts, tuple(u for u in panel.split(",") if u), trainee or None


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
        groups = pool_options(slots, tz, name)
        blocks.append(
            InputBlock(
                block_id=SUGGESTED,
                label="Suggested time and panel",
                optional=True,
                dispatch_action=True,
                hint=f"{size} from the pool, free then, inside their hours and under their caps; {tz.key} time. "
                "Picking one fills in the interviewers, trainee, date and time.",
                element=StaticSelectElement(action_id=SUGGESTED, placeholder="Pick a time", option_groups=groups),
            )
        )
    else:
        why = pool_reasons(reasons, zones, tz, name)
        said = (
            f"No time in the next {horizon_days} working days has {size} of the pool free: {escape(why)}. "
            "Pick interviewers yourself, or raise their caps."
        )
        blocks.append(context(clip(said, 3000)))
    if silent:
        blocks.append(context(silent_text(silent, name)))
    return blocks


POOLS_EDIT = "pools_edit"
POOLS_VIEW = "pools_edit_view"
POOL_PICKED = "pool_picked"


def pools_section(
    mine: Sequence[tuple[Pool, bool]], every: Sequence[Pool] | None, name: Names,
    training: Mapping[tuple[int, str], Progress] | None = None,
) -> list[Block]:  # fmt: skip
    """The App Home's *Pools*: the person's own, with their training progress where they are a
    trainee; for recruiters (`every`), all of them and the editor."""
    blocks: list[Block] = [section("*Pools*")]
    if mine:
        lines = []
        for p, trainee in mine:
            line = f"• {escape(p.role.title)} · {escape(p.stage_name)}"
            progress = (training or {}).get((p.role.id or 0, p.stage_key)) if trainee else None
            if progress is not None:
                line += f": training, {progress.text()}"
            elif trainee:
                line += " (trainee)"
            lines.append(line)
        blocks.append(section("You interview for:\n" + "\n".join(lines)))
    elif every is None:
        blocks.append(context("You are in no interviewer pool yet."))
    if every is not None:
        lines = [
            f"• {escape(p.role.title)} · {escape(p.stage_name)}: {users(p.qualified)}"
            + (f"; trainees {users(p.trainees)}" if p.trainees else "")
            for p in every[:30]
        ]
        blocks.append(section(clip("\n".join(lines), 3000)) if lines else context("No pools yet."))
        blocks.append(ActionsBlock(block_id="pools", elements=[
            ButtonElement(text="Edit pools", action_id=POOLS_EDIT, value="edit")]))  # fmt: skip
    return blocks


def pool_choice(role_id: int, stage_key: str) -> str:
    return f"{role_id}:{stage_key}"


def pools_modal(
    choices: Sequence[tuple[int, str, str]], chosen: str, qualified: Sequence[str], trainees: Sequence[str],
    revision: int = 0,
) -> View:  # fmt: skip
    """Edit one pool: pick the role's stage (`choices`: role id, stage key, label), then its people."""
    options = [Option(value=pool_choice(r, k), text=clip(label, 75)) for r, k, label in choices[:100]]
    initial = next((o for o in options if o.value == chosen), options[0] if options else None)
    blocks: list[Block] = [
        InputBlock(block_id="pool", label="Role and stage", dispatch_action=True,
                   element=StaticSelectElement(action_id=POOL_PICKED, options=options, initial_option=initial)),
        InputBlock(block_id=revised("qualified", revision), label="Qualified interviewers", optional=True,
                   element=UserMultiSelectElement(action_id="value", initial_users=list(qualified) or None)),
        InputBlock(block_id=revised("trainees", revision), label="Trainees", optional=True,
                   element=UserMultiSelectElement(action_id="value", initial_users=list(trainees) or None)),
        context("Scheduling *From the pool* picks the fairest free panel among the qualified interviewers."),
    ]  # fmt: skip
    return View(type="modal", callback_id=POOLS_VIEW, title="Interviewer pools", submit="Save", close="Cancel",
                private_metadata=json.dumps({"revision": revision}), blocks=blocks)  # fmt: skip
