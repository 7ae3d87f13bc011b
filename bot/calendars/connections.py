"""People's own calendars: connecting one (checked with a real request first), disconnecting, and
what is connected. The password is stored encrypted with SECRET_KEY and never logged, shown or
returned; every change is audited.

Connecting answers a Slack modal, which must answer within three seconds: the check gets less.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.calendars.caldav_calendar import LOOPBACK, CalDavCalendar
from bot.calendars.provider import CalendarAuthError, CalendarError, CalendarNotFound, CalendarUnreachable
from bot.calendars.secrets import NO_KEY, NoSecretKey, Vault
from bot.rules.calendar_plan import queue_person
from bot.rules.errors import UserError
from bot.rules.roles import USER_ID
from bot.wiring.db import Database
from models.tables import AuditLog, CalendarConnection

log = logging.getLogger("interview_bot.calendars")

CHECK_TIMEOUT = 2.5
MAX_URL = 500
MAX_USERNAME = 200
MAX_PASSWORD = 500
Input = Literal["url", "username", "password"] | None


class ConnectProblem(UserError):
    """Why a calendar could not be connected, for the person connecting it: `field` is the input
    at fault ("url", "username", "password", or None when it is the bot's setup)."""

    def __init__(self, message: str, field: Input = None) -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True)
class ConnectionInfo:
    """A connection as it may be shown: everything but the secret."""

    user_id: str
    provider: str
    url: str
    username: str
    paused: bool
    failures: int
    last_error: str | None
    connected_at: datetime


def _info(row: CalendarConnection) -> ConnectionInfo:
    return ConnectionInfo(
        user_id=row.user_id,
        provider=row.provider,
        url=row.url,
        username=row.username,
        paused=row.paused_at is not None,
        failures=row.failures,
        last_error=row.last_error,
        connected_at=row.connected_at,
    )


def _validated(user_id: str, url: str, username: str, password: str) -> tuple[str, str, str]:
    if not USER_ID.match(user_id):
        raise ConnectProblem(f"'{user_id[:40]}' is not a Slack user ID (they look like U0123ABCD).")
    url, username, password = url.strip(), username.strip(), password.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        raise ConnectProblem("The calendar URL is not a valid URL: copy it again from your calendar.", "url") from None
    if not url:
        raise ConnectProblem("Give the calendar's URL (CalDAV), e.g. https://cloud.example.com/remote.php/dav/…", "url")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectProblem("The calendar URL must start with https:// and name a server.", "url")
    if parts.username or parts.password:
        # It would be stored and shown as the URL is.
        raise ConnectProblem("Take the username and password out of the URL: they have fields of their own.", "url")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        # The password would cross the network in the clear.
        raise ConnectProblem("The calendar URL must use https:// so the password is not sent in the clear.", "url")
    if len(url) > MAX_URL:
        raise ConnectProblem(f"The calendar URL is longer than {MAX_URL} characters.", "url")
    if not username:
        raise ConnectProblem("Give the username you sign in to the calendar with.", "username")
    if len(username) > MAX_USERNAME:
        raise ConnectProblem(f"The username is longer than {MAX_USERNAME} characters.", "username")
    if not password:
        raise ConnectProblem("Give an app password: make one in your calendar provider's settings.", "password")
    if len(password) > MAX_PASSWORD:
        raise ConnectProblem(f"The app password is longer than {MAX_PASSWORD} characters.", "password")
    return url, username, password


def _check(url: str, username: str, password: str, tz: ZoneInfo) -> None:
    """A real request with these credentials; its failure as a problem with the right field."""
    shown = url if len(url) <= 80 else url[:79] + "…"
    try:
        CalDavCalendar(url, username, password, tz=tz, timeout=CHECK_TIMEOUT).check()
    except CalendarAuthError:
        raise ConnectProblem(
            f"The calendar at {shown} turned the username or app password down: check both, or make a new "
            "app password in your calendar provider's settings and paste that.",
            "password",
        ) from None
    except CalendarNotFound as exc:
        raise ConnectProblem(str(exc) if len(str(exc)) <= 300 else f"There is no calendar at {shown}.", "url") from None
    except CalendarUnreachable:
        raise ConnectProblem(
            f"The bot could not reach {shown}: check the calendar URL, or try again if the server is down.", "url"
        ) from None
    except CalendarError:
        raise ConnectProblem(
            f"{shown} did not answer as a CalDAV calendar: give the URL of the calendar itself.", "url"
        ) from None


def connect_caldav(
    db: Database,
    vault: Vault,
    user_id: str,
    url: str,
    username: str,
    password: str,
    *,
    actor: str,
    now: datetime,
    tz: ZoneInfo,
) -> CalendarConnection:
    """Connect (or connect again) `user_id`'s CalDAV calendar: the input checked, then the calendar
    itself, then the row written with its password encrypted, and audited, in one transaction.
    Raises ConnectProblem naming what to fix."""
    url, username, password = _validated(user_id, url, username, password)
    if not vault.ready:
        raise ConnectProblem(NO_KEY)
    _check(url, username, password, tz)
    secret = vault.encrypt(password)
    with db.transaction() as session:
        row = session.get(CalendarConnection, user_id) or CalendarConnection(user_id=user_id, provider="caldav")
        row.provider, row.url, row.username, row.secret = "caldav", url, username, secret
        row.failures, row.paused_at, row.last_error = 0, None, None
        row.connected_by, row.connected_at = actor, now
        session.add(row)
        # The host only: a calendar path often holds the username.
        session.add(
            AuditLog(
                at=now,
                actor_id=actor,
                action="calendar_connect",
                subject=f"user:{user_id}",
                detail=f"caldav {urlsplit(url).hostname}",
            )
        )
        session.flush()
        # Every round of theirs still to come goes into it (again, after a pause or a new calendar).
        queue_person(session, user_id, now)
    log.info("calendar connected for %s (caldav, %s) by %s", user_id, urlsplit(url).hostname, actor)
    return row


def disconnect(db: Database, user_id: str, *, actor: str, now: datetime) -> bool:
    """Forget `user_id`'s calendar (its password with it); False when none was connected. Events
    already written stay in that calendar."""
    with db.transaction() as session:
        row = session.get(CalendarConnection, user_id)
        if row is None:
            return False
        session.delete(row)
        session.add(
            AuditLog(
                at=now, actor_id=actor, action="calendar_disconnect", subject=f"user:{user_id}", detail=row.provider
            )
        )
    log.info("calendar disconnected for %s by %s", user_id, actor)
    return True


def connections(db: Database) -> list[ConnectionInfo]:
    with db.read() as session:
        rows = session.exec(select(CalendarConnection).order_by(col(CalendarConnection.user_id))).all()
    return [_info(r) for r in rows]


def connection_info(db: Database, user_id: str) -> ConnectionInfo | None:
    with db.read() as session:
        row = session.get(CalendarConnection, user_id)
    return _info(row) if row is not None else None


def calendar_for(
    row: CalendarConnection, vault: Vault, tz: ZoneInfo, email: str | None = None
) -> CalDavCalendar | None:
    """The calendar to write to, or None when it cannot be used as stored: not CalDAV, or its
    password encrypted with another SECRET_KEY (or none set now); its owner must connect again."""
    if row.provider != "caldav" or not row.secret:
        return None
    try:
        password = vault.decrypt(row.secret)
    except NoSecretKey:
        return None
    if password is None:
        return None
    return CalDavCalendar(row.url, row.username, password, tz=tz, email=email)
