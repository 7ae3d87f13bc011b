"""A hiring report for the person who asked, in their DM: built off the listeners, then queued.

A DM, not the channel the command came from: calibration and turnaround name interviewers, and
reports are for recruiters and hiring managers only. The lazy listener only hands the request to
the report pool (`Services.reports`), so however long a report takes to build, other lazy work (a
modal opening within its trigger's three seconds) never waits behind it. The built report (text,
blocks, the charts' PNGs) is queued as one outbox row: the dispatcher posts it as
bot/delivery/renderers/report.py says, and retries it like any row when Slack fails.
"""

from __future__ import annotations

import json
import logging
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from blocks.common import section, to_dicts
from blocks.reports import report_blocks
from bot.delivery.renderers.report import report_payload
from bot.reporting.charts import charts_for
from bot.reporting.reports import build_report, parse_report_args, pick_role, reportable_roles
from bot.reporting.types import Report
from bot.rules.errors import UserError
from bot.rules.message_kinds import Kind, outbox_row
from bot.wiring.services import Services
from models.tables import Role

log = logging.getLogger("interview_bot.reports")


@dataclass(frozen=True)
class ReportRequest:
    """What a person asked for, checked against what they may see (safe to hand to a lazy listener)."""

    user_id: str
    role_ids: tuple[int, ...]
    since: date | None
    one_role: bool

    def to_json(self) -> str:
        since = self.since.isoformat() if self.since else None
        return json.dumps([self.user_id, list(self.role_ids), since, self.one_role])

    @classmethod
    def from_json(cls, text: str) -> ReportRequest:
        user_id, role_ids, since, one_role = json.loads(text)
        return cls(user_id, tuple(role_ids), date.fromisoformat(since) if since else None, bool(one_role))


def request_report(services: Services, user_id: str, text: str) -> ReportRequest:
    """Parse `[role] [--since DATE]` and check the person may see it; UserError says what is wrong."""
    query, since = parse_report_args(text)
    with services.db.read() as session:
        roles = reportable_roles(session, services.permissions, user_id)
        if query:
            roles = [pick_role(roles, query)]
        elif not roles:
            raise UserError("There are no roles yet, so nothing to report. Add one with `interview-bot role add`.")
    return ReportRequest(user_id, tuple(r.id for r in roles if r.id is not None), since, bool(query))


def build(services: Services, request: ReportRequest) -> Report:
    with services.db.snapshot() as session:
        roles = list(session.exec(select(Role).where(col(Role.id).in_(request.role_ids)).order_by(col(Role.id))))
        return build_report(session, services.kits, roles, services.clock.now(), since=request.since)


def queue_report(services: Services, request: ReportRequest) -> Future[int | None]:
    """Hand the request to the report pool and return at once; the future gives the row's id."""
    return services.reports.submit(_build_and_queue, services, request)


def _build_and_queue(services: Services, request: ReportRequest) -> int | None:
    # Nobody waits on this future in the app: a failure is logged here or it would vanish.
    try:
        return build_and_queue(services, request)
    except Exception:
        log.exception("the hiring report for %s could not be built", request.user_id)
    try:
        # They were told it is on its way: they hear that it is not, rather than nothing.
        blocks = [section(f":warning: {REPORT_FAILED}").to_dict()]
        now = services.clock.now()
        with services.db.transaction() as session:
            tag = uuid.uuid4().hex
            payload = report_payload(tag, REPORT_FAILED, blocks, [])
            session.add(outbox_row(Kind.report, request.user_id, None, None, now, now, tag=tag, payload=payload))
    except Exception:
        log.exception("could not tell %s that their report failed", request.user_id)
    return None


REPORT_FAILED = (
    "I could not build your hiring report this time. Please ask for it again in a few minutes; "
    "if it keeps failing, your admin will find the reason in the bot's log."
)


def build_and_queue(services: Services, request: ReportRequest) -> int:
    """Build the report with its charts and queue it, due now, to the person's DM; the row's id."""
    report = build(services, request)
    part = report.roles[0] if request.one_role and report.roles else report.overall
    blocks = to_dicts(report_blocks(report, role_detail=request.one_role))
    charts = charts_for(part, services.display_name)
    ref = uuid.uuid4().hex
    payload = report_payload(ref, f"Hiring report: {part.title}", blocks, charts)
    now = services.clock.now()
    with services.db.transaction() as session:
        row = outbox_row(Kind.report, request.user_id, None, None, now, now, tag=ref, payload=payload)
        session.add(row)
        session.flush()
        row_id = row.id or 0
    log.info("hiring report for %s queued (outbox %s, %s charts)", request.user_id, row_id, len(charts))
    return row_id
