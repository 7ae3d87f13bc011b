"""The *Offer times* form: the recruiter picks the stage and the panel, the times that suit the
panel are proposed (spread over days; the recruiter can take some out or put others in), and how the
candidate gets them: a DM in Slack, or a booking page's link to send. The schedule form and this one
switch into each other (*I pick the time* / *Let the candidate pick*), keeping the stage and panel."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    OptionGroup,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section
from blocks.pools import pool_options, pool_value
from blocks.rounds import revised, who_picks_block
from blocks.times import Names, slot_value, suggestion_options
from bot.rules.slots import Availability, PoolSlot, Slot
from models.kit import Stage

S = TypeVar("S", bound=Slot)

OFFER_VIEW = "offer_times"
# The stage or the panel picked: the times are proposed again (handlers/actions/offers.py).
OFFER_REFRESH = "offer_refresh"
BY_SLACK, BY_LINK = "slack", "link"
# Slack: a multi-select shows at most 100 options.
MAX_TIME_OPTIONS = 100
MAX_OFFERED = 20


def offer_form(
    *,
    candidate_name: str,
    candidate_id: int,
    stages: Sequence[Stage],
    stage_key: str,
    panel: Sequence[str] = (),
    slots: Sequence[Slot] | None = None,
    chosen: Sequence[Slot] = (),
    availability: Sequence[Availability] = (),
    tz: ZoneInfo,
    name: Names,
    in_slack: bool,
    horizon_days: int = 10,
    revision: int = 0,
    holds: bool = False,
    outside_day: str | None = None,
    pool: Block | None = None,
    pooled: str | None = None,
) -> View:
    """`slots`: the panel's free times (None: no panel yet); `chosen`: those proposed, preselected.
    `in_slack`: the candidate has a Slack user, so a DM is possible (else only a link). `pool`: the
    *From the pool* choice, when the stage has a pool; `pooled`: it is ticked, and why there is no
    time if there is none: the slots are then PoolSlots, each time with its own panel."""
    options = [Option(value=s.key, text=clip(s.name, 75)) for s in stages[:100]]
    initial = next((o for o in options if o.value == stage_key), options[0] if options else None)
    blocks: list[Block] = [
        section(f"Offer *{escape(candidate_name)}* times to pick from."),
        who_picks_block(candidate_picks=True),
        InputBlock(block_id="stage", label="Stage", dispatch_action=True,
                   element=StaticSelectElement(action_id=OFFER_REFRESH, options=options, initial_option=initial)),
    ]  # fmt: skip
    if pool is not None:
        blocks.append(pool)
    if pooled is None:
        blocks.append(InputBlock(block_id="interviewers", label="Interviewers", dispatch_action=True,
                                 element=UserMultiSelectElement(action_id=OFFER_REFRESH, placeholder="Pick the panel",
                                                                initial_users=list(panel) or None,
                                                                max_selected_items=10)))  # fmt: skip
        blocks += _times(slots, chosen, availability, tz, name, horizon_days, revision)
    else:
        blocks += _pool_times([s for s in slots or [] if isinstance(s, PoolSlot)],
                              [s for s in chosen if isinstance(s, PoolSlot)], tz, name, revision, pooled)  # fmt: skip
    if outside_day:
        blocks.append(context(f":warning: None of the panel's times falls inside the candidate's day (08:00-20:00, "
                              f"{escape(outside_day)}): these are the panel's earliest. Pick other interviewers "
                              "for kinder times."))  # fmt: skip
    how = [Option(value=BY_LINK, text="On a booking page: a link for you to send them")]
    if in_slack:
        how.insert(0, Option(value=BY_SLACK, text="In Slack: a message with a button a time"))
    blocks += [
        InputBlock(block_id="how", label="How they pick",
                   element=RadioButtonsElement(action_id="value", options=how, initial_option=how[0])),
        InputBlock(block_id="location", label="Video link or location", optional=True,
                   element=PlainTextInputElement(action_id="value", max_length=500)),
        context("The first to pick a time gets it; each pick is checked against the panel's calendars again. "
                + ("The times are held in the panel's connected calendars until the candidate picks." if holds else
                   "Offered times are not held: the panel can still be booked into them until the candidate picks.")),
    ]  # fmt: skip
    return View(
        type="modal",
        callback_id=OFFER_VIEW,
        title="Offer times",
        submit="Offer",
        close="Cancel",
        private_metadata=json.dumps({"candidate_id": candidate_id, "revision": revision}),
        blocks=blocks,
    )


def _times(
    slots: Sequence[Slot] | None,
    chosen: Sequence[Slot],
    availability: Sequence[Availability],
    tz: ZoneInfo,
    name: Names,
    horizon_days: int,
    revision: int,
) -> list[Block]:
    if slots is None:
        return [context("Pick the interviewers to see the times that suit all of them.")]
    if not slots:
        return [context(f"No time in the next {horizon_days} working days suits the whole panel (their working "
                        "hours, calendars and caps on interviews): pick other interviewers.")]  # fmt: skip
    groups = suggestion_options(_shown(slots, chosen), availability, tz, name, limit=MAX_TIME_OPTIONS)
    hint = f"Free for the whole panel, {tz.key} time; spread over several days. Take some out or add others."
    return [_times_input(groups, [slot_value(s) for s in chosen], hint, revision)]


def _shown(slots: Sequence[S], chosen: Sequence[S]) -> list[S]:
    """The proposed times, then the earliest others, up to Slack's 100 options, in time order."""
    return sorted({*chosen, *slots[: MAX_TIME_OPTIONS - len(chosen)]}, key=lambda s: s.starts_at)


def _times_input(groups: list[OptionGroup], chosen: Sequence[str], hint: str, revision: int) -> InputBlock:
    """*Times to offer*, the `chosen` values preselected."""
    by_value = {o.value: o for g in groups for o in g.options or []}
    initial = [by_value[v] for v in chosen if v in by_value]
    return InputBlock(
        block_id=revised("times", revision),
        label="Times to offer",
        hint=hint,
        element=StaticMultiSelectElement(
            action_id="value", option_groups=groups, initial_options=initial or None,
            max_selected_items=MAX_OFFERED, placeholder="Pick the times to offer",
        ),
    )  # fmt: skip


def _pool_times(
    slots: Sequence[PoolSlot], chosen: Sequence[PoolSlot], tz: ZoneInfo, name: Names, revision: int, why_none: str
) -> list[Block]:
    """*Times to offer* from the pool: each time with the fairest free panel (and trainee) then."""
    if not slots:
        return [context(clip(why_none, 3000))]
    groups = pool_options(_shown(slots, chosen), tz, name, limit=MAX_TIME_OPTIONS)
    hint = (f"Each with the fairest free panel from the pool, {tz.key} time; whoever is shown is booked if the "
            "candidate picks it. Take some out or add others.")  # fmt: skip
    return [_times_input(groups, [pool_value(s) for s in chosen], hint, revision)]


def link_view(candidate_name: str, url: str, expires_at: datetime, tz: ZoneInfo) -> View:
    """After offering by link: the link, shown this once (only its hash is kept)."""
    return View(
        type="modal",
        title="Times offered",
        close="Done",
        blocks=[
            section(f"Send *{escape(candidate_name)}* this link to pick a time:"),
            section(f"```{url}```"),
            context(
                f"It books one time and works until {expires_at.astimezone(tz):%a %d %b %H:%M} ({tz.key}). "
                "Copy it now: it is shown only here. Offering times again replaces it."
            ),
        ],
    )
