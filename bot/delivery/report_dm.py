"""Deliver a hiring report in Slack: the figures as blocks with the charts attached, in a DM.

A DM, not the channel the command came from: calibration and turnaround name interviewers, and
reports are for recruiters and hiring managers only. Charts go up with the files upload v2 flow
(files.getUploadURLExternal, the bytes, files.completeUploadExternal) in one call, and the
report's blocks ride on the same share so figures and charts are one message.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select

from blocks.common import to_dicts
from blocks.reports import report_blocks
from bot.reporting.charts import charts_for
from bot.reporting.reports import build_report, parse_report_args, pick_role, reportable_roles
from bot.reporting.types import Report
from bot.rules.errors import UserError
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
    with services.db.read() as session:
        roles = list(session.exec(select(Role).where(col(Role.id).in_(request.role_ids)).order_by(col(Role.id))))
        return build_report(session, services.kits, roles, services.clock.now(), since=request.since)


def send_report(services: Services, request: ReportRequest) -> dict[str, Any]:
    """Build the report and post it to the person's DM with its charts; returns the share's response."""
    report = build(services, request)
    part = report.roles[0] if request.one_role and report.roles else report.overall
    blocks = to_dicts(report_blocks(report, role_detail=request.one_role))
    charts = charts_for(part, services.display_name)
    client = services.slack
    dm = client.conversations_open(users=request.user_id)["channel"]["id"]
    text = f"Hiring report: {part.title}"
    if not charts:
        return client.chat_postMessage(channel=dm, text=text, blocks=blocks).data  # type: ignore[return-value]
    response = client.files_upload_v2(
        channel=dm,
        file_uploads=[
            {"content": c.png, "filename": c.filename, "title": c.title, "alt_txt": c.alt[:1000]} for c in charts
        ],
        blocks=json.dumps(blocks),
    )
    return response.data  # type: ignore[return-value]
