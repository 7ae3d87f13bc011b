"""The schedule form's *From the pool*: the choice, shown when the stage has a pool, the
suggestions with the fairest free panel for each time (bot/rules/pools.py), and *Trainee* when
the pool has trainees (bot/rules/training.py): the one closest to finishing who is free then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from blocks.pools import from_pool_block, pool_suggestion_blocks
from blocks.training import trainee_block
from bot.rules.availability import limits_for, zone
from bot.rules.pools import expand, pool_of, suggest_from_pool
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
    field = trainee_block(ahead, trainee, services.display_name, revision) if pool.trainees else None
    members = expand(pool.qualified, pool.trainees, services.permissions.directory.usergroup_members)
    if not members:
        return PoolParts(trainee=field)
    choice = from_pool_block(members, services.display_name, from_pool)
    if not from_pool:
        return PoolParts(choice, None, field)
    size = min(stage.panel_size or len(panel) or 1, len(members))
    limits = limits_for(kit, stage)
    times = services.panel_times([*members, *trainees], limits)
    with services.db.read() as session:
        found = suggest_from_pool(session, members, times, minutes, now, limits, size, trainees=trainees)
    zones = {m.user_id: m.tz for m in found.members}
    blocks = pool_suggestion_blocks(found.slots, found.reasons, found.silent, zones, zone(tz), services.display_name,
                                    size=size, horizon_days=limits.horizon_days)  # fmt: skip
    return PoolParts(choice, blocks, field)
