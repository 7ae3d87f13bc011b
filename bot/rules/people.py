"""A person's working hours and caps on interviews, as set by them or an admin (the `person`
table); the defaults where nothing is set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.rules.errors import UserError
from bot.rules.roles import USER_ID
from bot.rules.working_hours import WorkingHours
from models.tables import PersonRecord

MAX_PER_DAY = 3
MAX_PER_WEEK = 8
# Caps beyond these are typing mistakes, not a schedule.
DAY_LIMIT, WEEK_LIMIT = 20, 60


@dataclass(frozen=True)
class Schedule:
    """When a person may be booked, and how often."""

    hours: WorkingHours
    max_per_day: int
    max_per_week: int
    # Whether the hours are their own or the default.
    own_hours: bool


def schedule_of(session: Session, user_id: str) -> Schedule:
    row = session.get(PersonRecord, user_id)
    hours = WorkingHours.parse(row.hours) if row is not None and row.hours else None
    return Schedule(
        hours=hours or WorkingHours.default(),
        max_per_day=(row.max_per_day if row is not None and row.max_per_day else None) or MAX_PER_DAY,
        max_per_week=(row.max_per_week if row is not None and row.max_per_week else None) or MAX_PER_WEEK,
        own_hours=hours is not None,
    )


def set_schedule(
    session: Session,
    user_id: str,
    *,
    spec: str | None,
    max_per_day: int | None,
    max_per_week: int | None,
    actor: str,
    now: datetime,
) -> Schedule:
    """Set what is given (None leaves it as it is). Raises UserError naming what is wrong."""
    if not USER_ID.match(user_id):
        raise UserError(f"`{user_id}` is not a Slack user ID: they look like U0123ABCD.", field="user")
    hours = WorkingHours.parse(spec) if spec is not None else None
    if max_per_day is not None and not 1 <= max_per_day <= DAY_LIMIT:
        raise UserError(f"Interviews a day must be between 1 and {DAY_LIMIT}.", field="max_per_day")
    if max_per_week is not None and not 1 <= max_per_week <= WEEK_LIMIT:
        raise UserError(f"Interviews a week must be between 1 and {WEEK_LIMIT}.", field="max_per_week")
    row = session.get(PersonRecord, user_id, with_for_update=True) or PersonRecord(user_id=user_id)
    if hours is not None:
        row.hours = hours.spec()
    if max_per_day is not None:
        row.max_per_day = max_per_day
    if max_per_week is not None:
        row.max_per_week = max_per_week
    day = row.max_per_day or MAX_PER_DAY
    if day > (row.max_per_week or MAX_PER_WEEK):
        raise UserError(
            f"{day} interviews a day is more than {row.max_per_week or MAX_PER_WEEK} a week: raise the weekly cap too.",
            field="max_per_day",
        )
    row.updated_by, row.updated_at = actor[:64], now
    session.add(row)
    session.flush()
    return schedule_of(session, user_id)
