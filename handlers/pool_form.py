"""The schedule form's *From the pool*: the choice, shown when the stage has a pool, and the
suggestions with the fairest free panel for each time (bot/rules/pools.py)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from blocks.pools import from_pool_block, pool_suggestion_blocks
from bot.rules.availability import limits_for, zone
from bot.rules.pools import expand, pool_of, suggest_from_pool
from bot.wiring.services import Services
from models.kit import TIMED_STAGE_KINDS, Kit, Stage


def pool_parts(
    services: Services, role_id: int, kit: Kit, stage: Stage, panel: Sequence[str], from_pool: bool, minutes: int,
    tz: str, besides: int | None = None,
) -> tuple[Block | None, list[Block] | None]:  # fmt: skip
    """(the *From the pool* choice, or None without a pool; the pool's suggestions when it is
    chosen, else None). A take-home's kickoff meeting has no pool."""
    if stage.kind not in TIMED_STAGE_KINDS:
        return None, None
    with services.db.read() as session:
        pool = pool_of(session, services.kits, role_id, stage.key)
    members = expand(pool.qualified, pool.trainees, services.permissions.directory.usergroup_members)
    if not members:
        return None, None
    choice = from_pool_block(members, services.display_name, from_pool)
    if not from_pool:
        return choice, None
    size = min(stage.panel_size or len(panel) or 1, len(members))
    limits = limits_for(kit, stage)
    times = services.panel_times(members, limits)
    with services.db.read() as session:
        found = suggest_from_pool(session, members, times, minutes, services.clock.now(), limits, size,
                                  besides=besides)  # fmt: skip
    zones = {m.user_id: m.tz for m in found.members}
    blocks = pool_suggestion_blocks(found.slots, found.reasons, found.silent, zones, zone(tz), services.display_name,
                                    size=size, horizon_days=limits.horizon_days)  # fmt: skip
    return choice, blocks
