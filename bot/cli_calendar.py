"""`interview-bot calendar connect | list | disconnect`: people's own calendars, for an admin.

The password is read from stdin (or typed at a prompt), never from the command line, where other
users of the machine could read it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.rules.errors import UserError
from bot.wiring.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.wiring.db import Database


def register(sub: Any) -> None:
    """Adds `calendar` to the CLI's subcommands (`sub`: argparse's subparsers action)."""
    calendar = sub.add_parser("calendar", help="people's own calendars (CalDAV): connect, list, disconnect")
    calendar_sub = calendar.add_subparsers(metavar="ACTION")
    connect = calendar_sub.add_parser("connect", help="connect someone's CalDAV calendar (checked first)")
    connect.add_argument("user", metavar="SLACK_USER_ID", help="whose calendar, e.g. U0123ABCD")
    connect.add_argument("--caldav-url", required=True, help="the calendar's own CalDAV URL")
    connect.add_argument("--username", required=True, help="the username to sign in to the calendar with")
    connect.add_argument("--password-stdin", action="store_true", help="read the app password from stdin")
    connect.set_defaults(run=cmd_connect)
    listing = calendar_sub.add_parser("list", help="connected calendars and their state (no passwords)")
    listing.set_defaults(run=cmd_list)
    disconnect = calendar_sub.add_parser("disconnect", help="forget someone's calendar and its password")
    disconnect.add_argument("user", metavar="SLACK_USER_ID")
    disconnect.set_defaults(run=cmd_disconnect)


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    from bot.wiring.db import Database

    db = Database(settings.database_url)
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        # One line: a trailing newline (echo, a here-string) is not part of the password.
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        return getpass.getpass("App password: ")
    raise UserError("Give the app password on stdin with --password-stdin (never on the command line).")


def cmd_connect(args: argparse.Namespace) -> int:
    from bot.calendars.connections import connect_caldav
    from bot.calendars.secrets import Vault

    settings = load_settings()
    password = _password(args.password_stdin)
    with open_database(settings) as db:
        row = connect_caldav(
            db,
            Vault(settings.secret_key, settings.slack_signing_secret),
            args.user,
            args.caldav_url,
            args.username,
            password,
            actor=cli_actor(),
            now=datetime.now(UTC),
            tz=settings.organizer_zone,
        )
    print(f"connected {row.user_id}'s calendar {row.url} as {row.username} (checked: it answered)")
    return 0


def _state(paused: bool, failures: int, last_error: str | None) -> str:
    if paused:
        return f"paused: {last_error or 'kept failing'}"
    if failures:
        return f"failing ({failures} in a row): {last_error or '?'}"
    return "ok"


def cmd_list(_args: argparse.Namespace) -> int:
    from bot.calendars.connections import connections

    with open_database(load_settings()) as db:
        found = connections(db)
    if not found:
        print("no calendars connected: `interview-bot calendar connect U… --caldav-url URL --username NAME`")
        return 0
    rows = [("USER", "PROVIDER", "URL", "USERNAME", "STATE")]
    rows += [(c.user_id, c.provider, c.url, c.username, _state(c.paused, c.failures, c.last_error)) for c in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_disconnect(args: argparse.Namespace) -> int:
    from bot.calendars.connections import disconnect

    with open_database(load_settings()) as db:
        done = disconnect(db, args.user, actor=cli_actor(), now=datetime.now(UTC))
    if not done:
        raise UserError(f"{args.user} has no calendar connected; `interview-bot calendar list` shows who has.")
    print(f"disconnected {args.user}'s calendar (its password is deleted; events already written stay)")
    return 0
