"""A person's working hours and caps on interviews, as set by them or an admin (the `person`
table); the defaults where nothing is set."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from bot.rules.errors import UserError
from bot.rules.roles import USER_ID
from bot.rules.working_hours import DAYS, EXAMPLE, WorkingHours
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


# A person's zone is read from Slack again after a day (a user_change event updates it at once).
FRESH_FOR = timedelta(days=1)


def remember(session: Session, user_id: str, *, tz: str | None, email: str | None, now: datetime) -> None:
    """What Slack says of a person: their zone and e-mail (hours and caps stay as they are)."""
    row = session.get(PersonRecord, user_id, with_for_update=True)
    if row is None:
        row = PersonRecord(user_id=user_id, updated_at=now)
    elif row.tz == tz and row.email == email and row.refreshed_at and now - _utc(row.refreshed_at) < FRESH_FOR / 2:
        return  # nothing new, and recent: no write
    row.tz, row.email, row.refreshed_at = tz, email, now
    session.add(row)
    session.flush()


def known_zones(session: Session, user_ids: Collection[str], now: datetime) -> tuple[dict[str, str], list[str]]:
    """The zones stored for these people, and who must be asked of Slack (none stored, or stale)."""
    rows = {r.user_id: r for r in session.exec(select(PersonRecord).where(col(PersonRecord.user_id).in_(user_ids)))}
    zones: dict[str, str] = {}
    stale: list[str] = []
    for user_id in dict.fromkeys(user_ids):
        row = rows.get(user_id)
        if row is not None and row.tz:
            zones[user_id] = row.tz
        if row is None or not row.tz or row.refreshed_at is None or now - _utc(row.refreshed_at) >= FRESH_FOR:
            stale.append(user_id)
    return zones, stale


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


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


def day_ranges(hours: WorkingHours) -> list[str]:
    """Each weekday's ranges as a person writes them, Monday first ('' for a day off)."""
    out: list[str] = []
    for day in DAYS:
        one = WorkingHours(tuple(hours.days[n] if DAYS[n] == day else () for n in range(7)))
        text = one.spec()
        out.append(", ".join(text.split(" ", 1)[1].split()) if text != "none" else "")
    return out


def spec_from_days(days: Sequence[str]) -> str:
    """A spec from one text per weekday, Monday first; raises UserError on the weekday at fault
    (its field is the weekday's key, `mon`...)."""
    parts = []
    for day, text in zip(DAYS, days, strict=True):
        ranges = " ".join(text.replace(",", " ").split())
        if not ranges:
            continue
        try:
            WorkingHours.parse(f"{day} {ranges}")
        except UserError as exc:
            day_example = "Write the day's ranges like `09:00-12:00, 13:00-17:00`."
            raise UserError(exc.message.replace(f"Write them like `{EXAMPLE}`.", day_example), field=day) from None
        parts.append(f"{day} {ranges}")
    if not parts:
        raise UserError("Give the hours of at least one day, like `09:00-17:00`.", field="mon")
    return ", ".join(parts)
