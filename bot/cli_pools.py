"""`interview-bot pool add | remove | list`: the interviewers qualified for a role's stage, and its
trainees, for an admin (recruiters use the App Home)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.cli_calendar import cli_actor, open_database
from bot.rules.errors import UserError
from bot.rules.kits import load_kits
from bot.rules.load_digest import set_digest
from bot.rules.pools import Pool, add_members, pools, remove_members
from bot.rules.training import Progress, progress_of
from bot.wiring.settings import load_settings
from models.tables import Role


def register(sub: Any) -> None:
    """Adds `pool` to the CLI's subcommands (`sub`: argparse's subparsers action)."""
    pool = sub.add_parser("pool", help="who interviews for a role's stage (qualified and trainees)")
    pool_sub = pool.add_subparsers(metavar="ACTION")
    for name, run, what in (("add", cmd_add, "add people to a pool"), ("remove", cmd_remove, "take people out")):
        action = pool_sub.add_parser(name, help=what)
        action.add_argument("--role", required=True, help="the role's ID or exact title (`interview-bot role list`)")
        action.add_argument("--stage", required=True, help="the kit stage's key, e.g. hiring-manager-technical")
        action.add_argument("users", nargs="+", metavar="SLACK_USER_ID")
        if name == "add":
            action.add_argument("--trainee", action="store_true", help="as trainees, not yet qualified")
        action.set_defaults(run=run)
    digest = pool_sub.add_parser("digest", help="a role's weekly interviewer-load digest to its recruiters")
    digest.add_argument("--role", required=True, help="the role's ID or exact title")
    digest.add_argument("state", choices=["on", "off"])
    digest.set_defaults(run=cmd_digest)
    listing = pool_sub.add_parser("list", help="the pools, by role and stage")
    listing.add_argument("--role", default=None, help="one role's (ID or exact title)")
    listing.set_defaults(run=cmd_list)


def _role_id(session: Session, role: str) -> int:
    found = session.get(Role, int(role)) if role.isdigit() else None
    found = found or session.exec(select(Role).where(col(Role.title) == role)).first()
    if found is None or found.id is None:
        raise UserError(f"There is no role '{role}': `interview-bot role list` shows their IDs and titles.")
    return found.id


def _line(pool: Pool, progress: dict[str, Progress] | None = None) -> str:
    """The pool on one line; with `progress`, each trainee's way along their path."""
    qualified = ", ".join(pool.qualified) or "nobody yet"
    shown = [f"{t} ({progress[t].text()})" if progress and t in progress else t for t in pool.trainees]
    trainees = f"; trainees: {', '.join(shown)}" if shown else ""
    return f"{pool.role.title} · {pool.stage_name} ({pool.stage_key}): {qualified}{trainees}"


def cmd_add(args: argparse.Namespace) -> int:
    settings = load_settings()
    kits = load_kits([settings.kits_path])
    with open_database(settings) as db, db.transaction() as session:
        pool = add_members(session, kits, _role_id(session, args.role), args.stage, args.users,
                           trainee=args.trainee, actor=cli_actor(), now=datetime.now(UTC))  # fmt: skip
        print(_line(pool))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    settings = load_settings()
    kits = load_kits([settings.kits_path])
    with open_database(settings) as db, db.transaction() as session:
        print(_line(remove_members(session, kits, _role_id(session, args.role), args.stage, args.users)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    settings = load_settings()
    kits = load_kits([settings.kits_path])
    with open_database(settings) as db, db.read() as session:
        found = pools(session, kits, [_role_id(session, args.role)] if args.role else None)
        now = datetime.now(UTC)
        lines = [_line(p, progress_of(session, kits, p.role.id or 0, p.stage_key, p.trainees, now)) for p in found]
    print(
        "\n".join(lines) if lines else "no pools yet: add one with `interview-bot pool add --role R --stage KEY U...`"
    )
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    with open_database(load_settings()) as db, db.transaction() as session:
        role = set_digest(session, _role_id(session, args.role), args.state == "on")
        said = "gets" if role.load_digest else "no longer gets"
        print(f"{role.title}: its recruiters {said} the weekly interviewer-load digest (Mondays, from 09:00 UTC)")
    return 0
