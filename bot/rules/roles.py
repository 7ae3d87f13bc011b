"""Roles: an open position with its kit, hiring channel, hiring managers and recruiters."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from bot.rules.errors import NotFound, UserError
from bot.rules.ids import is_row_id
from bot.rules.kits import KitCatalog
from bot.rules.permissions import Permissions
from models.kit import Kit, Level
from models.tables import Candidate, Role

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}\Z")
# \Z, not $: "$" also matches before a trailing newline. 32 characters at most, like the columns.
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}\Z")


@dataclass(frozen=True)
class RoleSummary:
    role: Role
    kit: Kit | None
    by_status: dict[str, int]


def add_role(
    session: Session,
    kits: KitCatalog,
    *,
    title: str,
    kit_key: str,
    channel_id: str,
    hiring_manager_ids: list[str],
    recruiter_ids: list[str] | None = None,
    level: str | None = None,
    created_by: str | None = None,
) -> Role:
    title = title.strip()
    if not title:
        raise UserError("The role needs a title, e.g. --title 'Backend Developer'.")
    if len(title) > 120:
        raise UserError(f"The title is {len(title)} characters; keep it to 120.")
    kit = kits.get(kit_key)
    if kit is None:
        known = ", ".join(sorted(kits.kits)) or "none loaded"
        raise UserError(f"Unknown kit '{kit_key}'. Available kits: {known} (see `interview-bot kits validate`).")
    channel_id = channel_id.strip().lstrip("#")
    if not CHANNEL_ID.match(channel_id):
        raise UserError(
            f"'{channel_id}' is not a Slack channel ID. Use the ID (like C0123ABCD) from the channel's "
            "details, not its name, and invite the bot to that channel."
        )
    managers = _user_ids(hiring_manager_ids, "--hiring-manager")
    if not managers:
        raise UserError("A role needs at least one hiring manager (--hiring-manager U0123ABCD).")
    recruiters = _user_ids(recruiter_ids or [], "--recruiter")
    if level is not None and level not in Level.__members__:
        raise UserError(f"Unknown level '{level}'; use one of {', '.join(Level.__members__)}.")
    if session.exec(select(Role).where(Role.title == title)).first() is not None:
        raise UserError(f"A role titled '{title}' already exists; pick another title.")
    role = Role(
        title=title,
        kit_key=kit.key,
        level=level or (kit.level.value if kit.level else None),
        channel_id=channel_id,
        hiring_manager_ids=managers,
        recruiter_ids=recruiters,
        created_by=created_by,
    )
    session.add(role)
    session.flush()
    return role


def _user_ids(values: list[str], option: str) -> list[str]:
    ids: list[str] = []
    for raw in values:
        for part in raw.split(","):
            value = part.strip().lstrip("@")
            if not value:
                continue
            if not USER_ID.match(value):
                raise UserError(
                    f"{option} '{value}' is not a Slack user ID (like U0123ABCD, from the person's profile)."
                )
            if value not in ids:
                ids.append(value)
    return ids


def list_roles(session: Session, kits: KitCatalog) -> list[RoleSummary]:
    roles = session.exec(select(Role).where(col(Role.active)).order_by(col(Role.title))).all()
    counts: dict[int, Counter[str]] = {}
    rows = session.exec(
        select(Candidate.role_id, Candidate.status, func.count())
        .where(col(Candidate.purged_at).is_(None))
        .group_by(col(Candidate.role_id), col(Candidate.status))
    ).all()
    for role_id, status, count in rows:
        counts.setdefault(role_id, Counter())[status] = count
    return [RoleSummary(role, kits.get(role.kit_key), dict(counts.get(role.id or 0, {}))) for role in roles]


def kit_for(kits: KitCatalog, role: Role) -> Kit:
    kit = kits.get(role.kit_key)
    if kit is None:
        raise UserError(
            f"The kit '{role.kit_key}' of the role '{role.title}' is not loaded; "
            "run `interview-bot kits validate` and fix it."
        )
    return kit


def require_role_recruiter(
    session: Session, permissions: Permissions, user_id: str, role_id: int, action: str
) -> Role | None:
    """The role, if `user_id` may `action` for it: a recruiter of this role, or of every role."""
    role = session.get(Role, role_id)
    permissions.require_recruiter(user_id, action, role.recruiter_ids if role else [])
    return role


def get_role(session: Session, role_id: int) -> Role:
    role = session.get(Role, role_id) if is_row_id(role_id) else None
    if role is None or not role.active:
        raise NotFound(f"There is no open role #{role_id}; `/hiring roles` lists them.", field="role_id")
    return role


def open_roles(session: Session) -> list[Role]:
    return list(session.exec(select(Role).where(col(Role.active)).order_by(col(Role.title))).all())


def role_recruiters(role: Role, fallback: Iterable[str] = ()) -> list[str]:
    """Who hears what a role's recruiters decide on (debriefs, escalations, promise reminders,
    delivery failures): the role's recruiters, or `fallback` (the RECRUITERS list) when it names none."""
    return list(dict.fromkeys(role.recruiter_ids or sorted(fallback)))
