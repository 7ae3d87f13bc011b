"""The weekly interviewer-load digest (bot/rules/load_digest.py), to one recruiter of a role: its
pools' load as it is when sent; nothing once the role stopped it or closed."""

from __future__ import annotations

from blocks.common import to_dicts
from blocks.reports import load_digest_blocks
from bot.delivery.rendering import Rendered, Rendering
from bot.reporting.load import pool_loads
from models.tables import OutboxMessage, Role


def load_digest(r: Rendering, row: OutboxMessage) -> Rendered | None:
    role_id = (row.payload or {}).get("role")
    if not isinstance(role_id, int):
        return None
    with r.services.db.read() as session:
        role = session.get(Role, role_id)
        if role is None or not role.active or not role.load_digest:
            return None
        loads = pool_loads(session, r.services.kits, [role_id], r.services.clock.now())
    blocks = load_digest_blocks(role.title, loads)
    return Rendered(row.target, f"Interviewer load for {role.title}", to_dicts(blocks))
