"""`interview-bot hours set | show`: a person's working hours and caps on interviews, for an admin."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from bot.cli_calendar import cli_actor, open_database
from bot.rules.people import Schedule, schedule_of, set_schedule
from bot.rules.working_hours import EXAMPLE
from bot.wiring.settings import load_settings


def register(sub: Any) -> None:
    """Adds `hours` to the CLI's subcommands (`sub`: argparse's subparsers action)."""
    hours = sub.add_parser("hours", help="people's working hours and caps on interviews")
    hours_sub = hours.add_subparsers(metavar="ACTION")
    put = hours_sub.add_parser("set", help=f'set someone\'s working hours, e.g. "{EXAMPLE}", and caps')
    put.add_argument("user", metavar="SLACK_USER_ID")
    put.add_argument("spec", nargs="?", default=None, help=f'the hours, e.g. "{EXAMPLE}" (left as they are if omitted)')
    put.add_argument("--max-per-day", type=int, default=None, help="interviews a day at most (default 3)")
    put.add_argument("--max-per-week", type=int, default=None, help="interviews a week at most (default 8)")
    put.set_defaults(run=cmd_set)
    show = hours_sub.add_parser("show", help="someone's working hours and caps")
    show.add_argument("user", metavar="SLACK_USER_ID")
    show.set_defaults(run=cmd_show)


def _line(user_id: str, schedule: Schedule) -> str:
    hours = schedule.hours.spec() + ("" if schedule.own_hours else " (the default)")
    return f"{user_id}: {hours}; at most {schedule.max_per_day} interviews a day, {schedule.max_per_week} a week"


def cmd_set(args: argparse.Namespace) -> int:
    with open_database(load_settings()) as db, db.transaction() as session:
        schedule = set_schedule(
            session, args.user, spec=args.spec, max_per_day=args.max_per_day, max_per_week=args.max_per_week,
            actor=cli_actor(), now=datetime.now(UTC),
        )  # fmt: skip
    print(_line(args.user, schedule))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_database(load_settings()) as db, db.read() as session:
        print(_line(args.user, schedule_of(session, args.user)))
    return 0
