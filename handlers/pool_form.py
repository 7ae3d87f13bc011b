"""The schedule form's *From the pool*: the choice, shown when the stage has a pool, the
suggestions with the fairest free panel for each time (bot/rules/pools.py), and *Trainee* when
the pool has trainees (bot/rules/training.py): the one closest to finishing who is free then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from blocks.pools import from_pool_block, pool_suggestion_blocks
from blocks.training import trainee_block
from bot.rules.availability import limits_for, zone
from bot.rules.offers import in_their_day, spread
from bot.rules.pools import expand, pool_of, suggest_from_pool
from bot.rules.slots import PoolSlot, Reason
from bot.rules.training import closest_first, progress_of
from bot.wiring.services import Services
from models.kit import TIMED_STAGE_KINDS, Kit, Stage


@dataclass(frozen=True)
class PoolParts:
    choice: Block | None = None  # *From the pool*, when the stage has a pool
    suggestions: list[Block] | None = None  # the pool's times and panels, when it is chosen
    trainee: Block | None = None  # *Trainee*, when the pool has trainees


def pool_parts(
    services: Services, role_id: int, kit: Kit, stage: Stage, panel: Sequence[str], from_pool: bool, minutes: int,
    tz: str, trainee: str | None = None, revision: int = 0,
) -> PoolParts:  # fmt: skip
    """The form's pool parts for the stage. A take-home's kickoff meeting has no pool."""
    if stage.kind not in TIMED_STAGE_KINDS:
        return PoolParts()
    now = services.clock.now()
    with services.db.read() as session:
        pool = pool_of(session, services.kits, role_id, stage.key)
        ahead = closest_first(progress_of(session, services.kits, role_id, stage.key, pool.trainees, now))
    trainees = [p.user_id for p in ahead]
    trainee_field = trainee_block(ahead, trainee, services.display_name, revision) if pool.trainees else None
    members = expand(pool.qualified, pool.trainees, services.permissions.directory.usergroup_members)
    if not members:
        return PoolParts(trainee=trainee_field)
    choice = from_pool_block(members, services.display_name, from_pool)
    if not from_pool:
        return PoolParts(choice, None, trainee_field)
    size = min(stage.panel_size or len(panel) or 1, len(members))
    limits = limits_for(kit, stage)
    times = services.panel_times([*members, *trainees], limits)
    with services.db.read() as session:
        found = suggest_from_pool(session, members, times, minutes, now, limits, size, trainees=trainees)
    zones = {m.user_id: m.tz for m in found.members}
    blocks = pool_suggestion_blocks(found.slots, found.reasons, found.silent, zones, zone(tz), services.display_name,
                                    size=size, horizon_days=limits.horizon_days)  # fmt: skip
    return PoolParts(choice, blocks, trainee_field)


@dataclass(frozen=True)
class PoolOffer:
    """Times to offer *From the pool*: the pool's free times with their panels, those proposed."""

    choice: Block
    slots: list[PoolSlot] | None = None  # None: *From the pool* is not ticked
    chosen: list[PoolSlot] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    zones: dict[str, ZoneInfo] = field(default_factory=dict)
    silent: tuple[str, ...] = ()
    size: int = 1


def pool_offer(
    services: Services, role_id: int, kit: Kit, stage: Stage, from_pool: bool, candidate_tz: ZoneInfo
) -> PoolOffer | None:
    """The offer form's *From the pool*, when the stage has a pool: ticked, the times proposed (as
    for a named panel: spread over the candidate's days, inside them where the pool allows), each
    with the fairest free panel and the trainee closest to finishing who is free then."""
    if stage.kind not in TIMED_STAGE_KINDS:
        return None
    now = services.clock.now()
    with services.db.read() as session:
        pool = pool_of(session, services.kits, role_id, stage.key)
        ahead = closest_first(progress_of(session, services.kits, role_id, stage.key, pool.trainees, now))
    members = expand(pool.qualified, pool.trainees, services.permissions.directory.usergroup_members)
    if not members:
        return None
    choice = from_pool_block(members, services.display_name, from_pool)
    if not from_pool:
        return PoolOffer(choice)
    trainees = [p.user_id for p in ahead]
    size = min(stage.panel_size or 1, len(members))
    limits = limits_for(kit, stage)
    times = services.panel_times([*members, *trainees], limits)
    with services.db.read() as session:
        found = suggest_from_pool(session, members, times, stage.duration_minutes or 60, now, limits, size,
                                  trainees=trainees, count=100)  # fmt: skip
    theirs = in_their_day(found.slots, candidate_tz)
    chosen = spread(theirs or found.slots, stage.offer_count or kit.scheduling.offer_count, kit.scheduling.offer_days,
                    candidate_tz)  # fmt: skip
    zones = {m.user_id: m.tz for m in found.members}
    return PoolOffer(choice, list(found.slots), chosen, found.reasons, zones, found.silent, size)
