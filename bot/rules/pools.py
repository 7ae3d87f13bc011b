"""Interviewer pools: who may interview for a role's stage, and choosing a fair panel from them.

A pool is per role and stage: qualified interviewers, and trainees. Scheduling *From the pool* lets
the slot finder pick the panel at each time among the qualified members who are free, inside their
hours and under their caps: fewest rounds in the last 14 days first (ties: least recently
interviewed, then a draw seeded by the time, so the same form shows the same panel), which keeps
everyone's load within one round of each other over time.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.rules.availability import PanelTimes, panel_of
from bot.rules.errors import UserError
from bot.rules.kits import KitCatalog
from bot.rules.roles import USER_ID, get_role, kit_for
from bot.rules.slots import Availability, Limits, PoolSlot, Reason, find_pool_slots, why_never
from models.kit import TIMED_STAGE_KINDS
from models.tables import Interview, InterviewKind, InterviewStatus, PanelMember, PoolMember, Role, scoring

# The window load is counted over.
LOAD_DAYS = 14
# A Slack user group, by its handle: its members are read from Slack when scheduling.
GROUP = re.compile(r"^@[a-z0-9][a-z0-9._-]{0,20}\Z")


def is_group(member_id: str) -> bool:
    return member_id.startswith("@")


@dataclass(frozen=True)
class Pool:
    role: Role
    stage_key: str
    stage_name: str
    qualified: tuple[str, ...]
    trainees: tuple[str, ...]


@dataclass(frozen=True)
class Load:
    recent: int  # rounds in the last LOAD_DAYS days (and booked ahead)
    last: datetime | None  # the latest round's start


def _stage(kits: KitCatalog, role: Role, stage_key: str) -> tuple[str, str]:
    kit = kit_for(kits, role)
    try:
        stage = kit.stage(stage_key)
    except KeyError:
        keys = ", ".join(s.key for s in kit.stages if s.kind in TIMED_STAGE_KINDS)
        raise UserError(f"The kit {kit.key} has no stage '{stage_key}'. Its interview stages: {keys}.",
                        field="stage") from None  # fmt: skip
    if stage.kind not in TIMED_STAGE_KINDS:
        raise UserError(f"{stage.name} is not an interview: pools are for stages with a panel.", field="stage")
    return stage.key, stage.name


def add_members(
    session: Session, kits: KitCatalog, role_id: int, stage_key: str, user_ids: Iterable[str], *,
    trainee: bool, actor: str, now: datetime,
) -> Pool:  # fmt: skip
    """Add people to a pool (or move them between qualified and trainee). One transaction."""
    role = get_role(session, role_id)
    key, _ = _stage(kits, role, stage_key)
    people = list(dict.fromkeys(u.strip() for u in user_ids if u.strip()))
    if not people:
        raise UserError("Name at least one person: their Slack user ID, like U0123ABCD.", field="user")
    for user_id in people:
        if not (USER_ID.match(user_id) or GROUP.match(user_id)):
            raise UserError(
                f"`{user_id}` is not a Slack user ID (like U0123ABCD) nor a user group's handle (like @backend-panel).",
                field="user",
            )
        if trainee and is_group(user_id):
            raise UserError(f"{user_id} is a group: trainees are named one by one.", field="user")
        row = session.get(PoolMember, (role.id, key, user_id))
        if row is None:
            row = PoolMember(role_id=role.id or 0, stage_key=key, member_id=user_id, added_by=actor[:64], added_at=now)
        row.trainee = trainee
        session.add(row)
    session.flush()
    return pool_of(session, kits, role.id or 0, key)


def set_pool(
    session: Session, kits: KitCatalog, role_id: int, stage_key: str, qualified: Sequence[str],
    trainees: Sequence[str], *, actor: str, now: datetime,
) -> Pool:  # fmt: skip
    """The pool becomes exactly these people (the App Home's editor). One transaction."""
    both = sorted(set(qualified) & set(trainees))
    if both:
        raise UserError(f"<@{both[0]}> is both qualified and a trainee: keep them in one list.", field="trainees")
    role = get_role(session, role_id)
    key, _ = _stage(kits, role, stage_key)
    for row in session.exec(
        select(PoolMember).where(col(PoolMember.role_id) == role_id, col(PoolMember.stage_key) == key)
    ).all():
        # The editor lists people only: the pool's user groups stay (the CLI manages them).
        if row.member_id not in set(qualified) | set(trainees) and not is_group(row.member_id):
            session.delete(row)
    session.flush()
    if qualified:
        add_members(session, kits, role_id, key, qualified, trainee=False, actor=actor, now=now)
    if trainees:
        add_members(session, kits, role_id, key, trainees, trainee=True, actor=actor, now=now)
    return pool_of(session, kits, role_id, key)


def remove_members(session: Session, kits: KitCatalog, role_id: int, stage_key: str, user_ids: Iterable[str]) -> Pool:
    role = get_role(session, role_id)
    key, _ = _stage(kits, role, stage_key)
    for user_id in dict.fromkeys(user_ids):
        row = session.get(PoolMember, (role.id, key, user_id))
        if row is None:
            raise UserError(f"{user_id} is not in the pool for {role.title}, {key}.", field="user")
        session.delete(row)
    session.flush()
    return pool_of(session, kits, role.id or 0, key)


def pool_of(session: Session, kits: KitCatalog, role_id: int, stage_key: str) -> Pool:
    role = get_role(session, role_id)
    key, name = _stage(kits, role, stage_key)
    rows = session.exec(
        select(PoolMember).where(col(PoolMember.role_id) == role_id, col(PoolMember.stage_key) == key)
    ).all()
    qualified = tuple(sorted(r.member_id for r in rows if not r.trainee))
    return Pool(role, key, name, qualified, tuple(sorted(r.member_id for r in rows if r.trainee)))


def pools(session: Session, kits: KitCatalog, role_ids: Collection[int] | None = None) -> list[Pool]:
    """Every pool with anyone in it (of these roles), by role and the kit's stage order: two
    queries, whatever the number of pools. A pool whose stage the kit no longer has is left out."""
    query = select(PoolMember)
    if role_ids is not None:
        query = query.where(col(PoolMember.role_id).in_(set(role_ids)))
    members: dict[tuple[int, str], list[PoolMember]] = defaultdict(list)
    for row in session.exec(query).all():
        members[(row.role_id, row.stage_key)].append(row)
    roles = {r.id: r for r in session.exec(select(Role).where(col(Role.id).in_({k[0] for k in members})))}
    found = []
    for (role_id, key), rows in members.items():
        role = roles.get(role_id)
        if role is None or not role.active:
            continue
        stages = [s for s in kit_for(kits, role).stages if s.kind in TIMED_STAGE_KINDS]
        order = [s.key for s in stages]
        if key not in order:
            continue
        name = stages[order.index(key)].name
        qualified = tuple(sorted(r.member_id for r in rows if not r.trainee))
        trainees = tuple(sorted(r.member_id for r in rows if r.trainee))
        found.append((role.title, order.index(key), Pool(role, key, name, qualified, trainees)))
    return [p for _, _, p in sorted(found, key=lambda f: (f[0], f[1]))]


def mine(every: Sequence[Pool], user_id: str) -> list[tuple[Pool, bool]]:
    """The pools a person is in by name, and whether as a trainee."""
    return [(p, user_id in p.trainees) for p in every if user_id in p.qualified or user_id in p.trainees]


def loads(session: Session, people: Sequence[str], now: datetime) -> dict[str, Load]:
    """Each person's rounds over the last LOAD_DAYS days and ahead (cancelled ones aside)."""
    since = now - timedelta(days=LOAD_DAYS)
    rows = session.exec(
        select(PanelMember.interviewer_id, func.count(), func.max(Interview.starts_at))
        .join(Interview, col(Interview.id) == col(PanelMember.interview_id))
        .where(
            col(PanelMember.interviewer_id).in_(set(people)),
            scoring(),
            col(Interview.status) != InterviewStatus.cancelled,
            col(Interview.kind) != InterviewKind.assignment,
            col(Interview.starts_at) >= since,
        )
        .group_by(col(PanelMember.interviewer_id))
    ).all()
    found = {user: Load(int(count), _aware(last)) for user, count, last in rows}
    return {user: found.get(user, Load(0, None)) for user in people}


def expand(members: Sequence[str], trainees: Sequence[str], group_members: Callable[[str], Iterable[str]]) -> list[str]:
    """The pool's qualified people: its users and its groups' members (`group_members` reads a
    group by handle), each once, trainees aside."""
    out: dict[str, None] = {}
    for member in members:
        for user_id in sorted(group_members(member[1:])) if is_group(member) else [member]:
            if user_id not in trainees:
                out[user_id] = None
    return list(out)


def fairest(free: Sequence[str], load: dict[str, Load], size: int, seed: datetime) -> tuple[str, ...] | None:
    """`size` of the free members, the least loaded first (ties: least recently interviewed, then a
    draw seeded by `seed`); None when fewer are free."""
    if len(free) < size:
        return None
    draw = random.Random(seed.timestamp())
    shuffled = list(free)
    draw.shuffle(shuffled)
    never = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(shuffled, key=lambda u: (load[u].recent, load[u].last or never))
    return tuple(ranked[:size])


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class FoundPool:
    slots: list[PoolSlot]
    members: list[Availability]
    silent: tuple[str, ...]
    # When there is no time: what keeps each member out (their caps, their calendars...).
    reasons: list[Reason]


def suggest_from_pool(
    session: Session, members: Sequence[str], times: PanelTimes, minutes: int, now: datetime, limits: Limits,
    size: int, *, besides: int | None = None, count: int = 25, trainees: Sequence[str] = (),
) -> FoundPool:  # fmt: skip
    """The earliest times with the fairest free panel of `size` from the pool's qualified members,
    and the first of `trainees` (closest to finishing first) free then too."""
    people = panel_of(session, [*members, *trainees], times, now, limits, besides=besides)
    load = loads(session, members, now)
    slots = find_pool_slots(people, minutes, now, limits, lambda free, at: fairest(free, load, size, at), count,
                            trainees)  # fmt: skip
    qualified = [p for p in people if p.user_id not in trainees]
    return FoundPool(slots, qualified, times.silent, [] if slots else why_never(qualified, minutes, now, limits))
