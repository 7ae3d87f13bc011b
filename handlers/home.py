"""The App Home tab as each person sees it: published when they open it, and again when they change
something on it (their calendar feed or connection)."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlmodel import Session

from blocks.calendar import FeedMissing, calendar_blocks
from blocks.home import home_view
from blocks.hours import hours_section
from blocks.pools import pools_section
from bot.calendars.connections import connection_info
from bot.calendars.feeds import feed_link
from bot.reporting.home import Summary, home_summary
from bot.reporting.reports import reportable_roles
from bot.rules.availability import zone
from bot.rules.delivery_windows import Reader, coming_to
from bot.rules.errors import Forbidden
from bot.rules.people import schedule_of
from bot.rules.pipeline import pipeline_boards, waiting_on_recruiters
from bot.rules.pools import mine
from bot.rules.pools import pools as all_pools
from bot.rules.scorecards import pending_for, upcoming_for
from bot.rules.training import trainee_progress
from bot.wiring.services import Services


def publish(client: WebClient, services: Services, user_id: str) -> None:
    now = services.clock.now()
    recruiter = services.permissions.is_recruiter(user_id)
    if not recruiter:
        person = services.permissions.directory.person(user_id)
        if person is None or person.is_guest:
            # Guests (candidates) get the plain explanation and their feed, nothing else: they are on
            # no panel, so a connected calendar of theirs would never be written.
            calendar = calendar_section(services, user_id, now, connectable=False)
            client.views_publish(user_id=user_id, view=home_view(is_recruiter=False, calendar=calendar).to_dict())
            return
    calendar = calendar_section(services, user_id, now)
    tz = services.zone_of(user_id)
    with services.db.read() as session:
        schedule = schedule_of(session, user_id)
        reader = Reader(schedule.hours, zone(tz), schedule.own_hours, True)
        hours = hours_section(
            spec=schedule.hours.spec(), own=schedule.own_hours, tz=tz,
            max_per_day=schedule.max_per_day, max_per_week=schedule.max_per_week,
            coming=coming_to(session, user_id, reader, now),
        )  # fmt: skip
        upcoming = upcoming_for(session, services.kits, user_id, now)
        pending = pending_for(session, services.kits, user_id, now)
        boards = pipeline_boards(session, services.kits, now, names=False) if recruiter else []
        waiting = waiting_on_recruiters(session, services.kits, now) if recruiter else []
        report = home_report(services, session, user_id, now)
        every = all_pools(session, services.kits)
        own = mine(every, user_id)
        training = {
            (p.role.id or 0, p.stage_key): trainee_progress(session, services.kits, p.role.id or 0, p.stage_key,
                                                            user_id, now)
            for p, trainee in own
            if trainee
        }  # fmt: skip
        pools = pools_section(own, every if recruiter else None, services.display_name, training)
    view = home_view(
        is_recruiter=recruiter,
        boards=boards,
        waiting=waiting,
        upcoming=upcoming,
        pending=pending,
        report=report,
        calendar=calendar,
        hours=hours,
        pools=pools,
    )
    client.views_publish(user_id=user_id, view=view.to_dict())


def calendar_section(services: Services, user_id: str, now: datetime, *, connectable: bool = True) -> list[Block]:
    """The person's feed link (made on first use) and, for people who may be on a panel, their
    connected calendar, if any."""
    vault, public_url = services.vault, services.settings.public_url
    missing: FeedMissing | None = None
    if not vault.feeds_ready:
        missing = "secret_key"
    elif not public_url:
        missing = "public_url"
    feed_url = feed_link(services.db, vault, public_url, user_id, now) if missing is None and public_url else None
    return calendar_blocks(
        feed_url=feed_url,
        feed_missing=missing,
        connection=connection_info(services.db, user_id),
        can_store=vault.ready,
        connectable=connectable,
    )


def home_report(services: Services, session: Session, user_id: str, now: datetime) -> Summary | None:
    """The headline figures for the roles this person may report on; None for everyone else."""
    try:
        roles = reportable_roles(session, services.permissions, user_id)
    except Forbidden:
        return None
    return home_summary(session, services.kits, roles, now) if roles else None
