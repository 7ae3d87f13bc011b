"""`interview-bot` command line: socket, dispatch, db, kits, role, candidate, export, report, demo;
serve, calendar, hours and pools (bot/cli_serve.py, bot/cli_calendar.py, bot/cli_hours.py, bot/cli_pools.py)."""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import cli_calendar, cli_hours, cli_pools, cli_serve
from bot.cli_serve import interrupt, open_services, start_dispatcher
from bot.rules.errors import UserError
from bot.wiring.settings import ConfigError, load_settings

log = logging.getLogger("interview_bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interview-bot", description="Interview coordinator for Slack. Configuration comes from env vars / .env."
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    cli_serve.register(sub)

    dispatch = sub.add_parser("dispatch", help="one dispatcher pass: send what is due, print counts, exit")
    dispatch.add_argument("--until", type=_iso_time, help="send everything due up to this ISO-8601 time (catch-up)")
    dispatch.set_defaults(run=cmd_dispatch)

    socket = sub.add_parser("socket", help="Socket Mode, for a workspace with no public URL")
    socket.add_argument("--no-dispatcher", action="store_true", help="do not send scheduled messages from this process")
    socket.set_defaults(run=cmd_socket)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="apply migrations")
    upgrade.set_defaults(run=cmd_db_upgrade)

    kits = sub.add_parser("kits", help="interview kits")
    kits_sub = kits.add_subparsers(metavar="ACTION")
    validate = kits_sub.add_parser("validate", help="validate kit files and print every problem")
    validate.add_argument("paths", nargs="*", type=Path, help="files or folders (default: KITS_DIR)")
    validate.set_defaults(run=cmd_kits_validate)

    role = sub.add_parser("role", help="open roles")
    role_sub = role.add_subparsers(metavar="ACTION")
    add = role_sub.add_parser("add", help="create a role")
    add.add_argument("--title", required=True)
    add.add_argument("--kit", required=True, help="kit key (see `interview-bot kits validate`)")
    add.add_argument("--channel", required=True, help="hiring channel ID, e.g. C0123ABCD")
    add.add_argument("--hiring-manager", action="append", required=True, help="Slack user ID; repeat for several")
    add.add_argument("--recruiter", action="append", default=[], help="Slack user ID; repeat for several")
    add.add_argument("--level", choices=["junior", "mid", "senior", "principal"], help="default: the kit's level")
    add.set_defaults(run=cmd_role_add)
    listing = role_sub.add_parser("list", help="list roles")
    listing.set_defaults(run=cmd_role_list)

    candidate = sub.add_parser("candidate", help="candidates")
    candidate_sub = candidate.add_subparsers(metavar="ACTION")
    purge = candidate_sub.add_parser(
        "purge",
        help="GDPR erasure: a candidate's personal data everywhere, and the bot's Slack messages about them",
    )
    purge.add_argument("who", metavar="ID_OR_EMAIL", help="the candidate's id (12 or #12) or email")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(run=cmd_candidate_purge)
    cli_calendar.register(sub)
    cli_hours.register(sub)
    cli_pools.register(sub)

    export = sub.add_parser(
        "export", help="roles, candidates, stage events, rounds, panels, scorecards and ratings as JSON or CSV"
    )
    export.add_argument("--format", choices=["json", "csv"], default="json")
    export.add_argument("--out", type=Path, help="json: a file (default stdout); csv: a folder (default ./export)")
    export.set_defaults(run=cmd_export)

    report = sub.add_parser("report", help="hiring analytics as a self-contained HTML page with charts")
    report.add_argument("--role", help="one role: its #id, title, or a unique part of the title (default: all)")
    report.add_argument("--since", help="candidates added and rounds held on or after this day (YYYY-MM-DD)")
    report.add_argument("--out", type=Path, default=Path("."), help="folder for report.html (default: here)")
    report.set_defaults(run=cmd_report)

    demo = sub.add_parser("demo", help="a full hiring loop against a local Slack stand-in, no Slack account needed")
    demo.add_argument("--kit", default="backend-mid", help="which shipped kit to run (default: backend-mid)")
    demo.add_argument("--json", type=Path, metavar="FILE", help="also write the recorded Slack traffic to FILE")
    demo.set_defaults(run=cmd_demo)
    return parser


def _iso_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an ISO-8601 time such as 2026-11-30T17:00:00+00:00"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def cmd_dispatch(args: argparse.Namespace) -> int:
    from bot.delivery.dispatcher import Dispatcher
    from bot.slack.client import dispatcher_client

    settings = load_settings()
    settings.require_bot_token()
    services = open_services(settings)
    # A 429 is waited out (Slack's Retry-After), then the pass goes on until nothing is due by --until.
    result = Dispatcher(services, dispatcher_client(settings)).run_until_idle(args.until)
    print(result)
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.wiring.app import build_app

    settings = load_settings()
    settings.require_socket()
    services = open_services(settings)
    bolt = build_app(services, socket_mode=True)
    # Scheduled messages (prep guides, briefings, reminders) go out in Socket Mode as under `serve`.
    scheduler = None if args.no_dispatcher else start_dispatcher(services, settings)
    signal.signal(signal.SIGTERM, interrupt)
    handler = SocketModeHandler(bolt, settings.slack_app_token)
    try:
        handler.start()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        handler.close()  # the WebSocket first: Slack then sends nothing more to a process that is going
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        services.close()
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from bot.wiring.db import Database

    settings = load_settings()
    db = Database(settings.database_url)
    db.upgrade()
    print(f"database is up to date ({db.engine.url.render_as_string(hide_password=True)})")
    return 0


def cmd_kits_validate(args: argparse.Namespace) -> int:
    from bot.rules.kits import load_kits

    paths = args.paths or [load_settings().kits_path]
    catalog = load_kits(paths)
    for key in sorted(catalog.kits):
        kit = catalog.kits[key]
        print(f"ok  {catalog.files[key]}: {key} ({len(kit.stages)} stages, {len(kit.questions)} questions)")
    for problem in catalog.problems:
        print(f"error  {problem}")
    if not catalog.kits and not catalog.problems:
        print(f"error  no kit files (*.yaml) found in {', '.join(map(str, paths))}")
        return 1
    files = len({p.file for p in catalog.problems})
    print(f"{len(catalog.kits)} valid, {files} with problems ({len(catalog.problems)} problems)")
    return 1 if catalog.problems else 0


def cmd_role_add(args: argparse.Namespace) -> int:
    from bot.rules.roles import add_role

    services = open_services()
    with services.db.transaction() as session:
        role = add_role(
            session,
            services.kits,
            title=args.title,
            kit_key=args.kit,
            channel_id=args.channel,
            hiring_manager_ids=args.hiring_manager,
            recruiter_ids=args.recruiter,
            level=args.level,
        )
        print(f"added role {role.id}: {role.title} (kit {role.kit_key}, channel {role.channel_id})")
    return 0


def cmd_role_list(_args: argparse.Namespace) -> int:
    from bot.rules.roles import list_roles

    services = open_services()
    with services.db.read() as session:
        summaries = list_roles(session, services.kits)
    if not summaries:
        print("no roles yet: add one with `interview-bot role add --title T --kit KEY --channel C --hiring-manager U`")
        return 0
    rows = [("ID", "TITLE", "KIT", "LEVEL", "CHANNEL", "HIRING MANAGERS", "RECRUITERS", "CANDIDATES")]
    for s in summaries:
        r = s.role
        rows.append(
            (
                str(r.id),
                r.title,
                r.kit_key + ("" if s.kit else " (not loaded)"),
                r.level or "-",
                r.channel_id,
                ",".join(r.hiring_manager_ids),
                ",".join(r.recruiter_ids) or "-",
                str(sum(s.by_status.values())),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.reporting.export import export_all, write_csv, write_json

    services = open_services()
    with services.db.snapshot() as session:  # every table as of one moment
        data = export_all(session)
    if args.format == "csv":
        for path in write_csv(data, args.out or Path("export")):
            print(f"wrote {path}")
    elif args.out:
        with args.out.open("w", encoding="utf-8") as handle:
            write_json(data, handle)
        print(f"wrote {args.out}")
    else:
        write_json(data, sys.stdout)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from bot.reporting.html import render_html
    from bot.reporting.reports import build_report, parse_since, pick_role
    from models.tables import Role

    services = open_services()
    since = parse_since(args.since) if args.since else None
    with services.db.snapshot() as session:
        roles = list(session.exec(select(Role).order_by(col(Role.id))))
        if not roles:
            raise UserError("There are no roles yet, so nothing to report. Add one with `interview-bot role add`.")
        if args.role:
            roles = [pick_role(roles, args.role)]
        report = build_report(session, services.kits, roles, services.clock.now(), since=since)
    page = render_html(report, services.display_name)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "report.html"
    path.write_text(page, encoding="utf-8")
    overall = report.overall.totals
    print(f"wrote {path} ({len(report.roles)} roles, {overall.added} candidates, {overall.hired} hired)")
    return 0


def cmd_candidate_purge(args: argparse.Namespace) -> int:
    from bot.rules.purge import find_for_purge, purge_candidate, purge_preview

    settings = load_settings()
    services = open_services(settings)
    with services.db.read() as session:
        candidate = find_for_purge(session, args.who)
        preview = purge_preview(session, candidate.id or 0)
    print(f"Candidate #{preview.candidate_id}: {preview.name} <{preview.email}>, {preview.role_title}")
    print("A purge erases, everywhere the bot keeps it:")
    for line in preview.lines():
        print(f"  - {line}")
    print("Anonymous counts (stages, statuses, ratings, recommendations) are kept. This cannot be undone.")
    if not args.yes:
        try:
            answer = input("Type yes to purge: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("Nothing was changed.")
            return 1
    actor = f"cli:{_os_user()}"
    with services.db.transaction() as session:
        result = purge_candidate(session, services.kits, preview.candidate_id, actor, services.clock.now())
    print(f"{result.label} ({result.role_title}), logged as audit entry #{result.audit_id} by {actor}:")
    for line in result.lines():
        print(f"  - {line}")
    if not settings.slack_bot_token:
        print(
            "Slack messages were not touched yet: SLACK_BOT_TOKEN is not set, so the bot cannot reach Slack. "
            f"The clean-up is queued (outbox #{result.cleanup_id}): the bot does it once it runs with a token."
        )
        return 0
    from bot.delivery.dispatcher import Dispatcher
    from bot.delivery.purge_now import clean_up_now

    for line in clean_up_now(Dispatcher(services, services.slack), result.cleanup_id):
        print(line)
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.devtools.demo import run_demo

    # The demo's own app logs nothing the reader needs; its progress goes to stderr.
    logging.getLogger().setLevel(logging.WARNING)
    return run_demo(args.kit, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
