"""Events API listeners: the App Home tab."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from blocks.home import home_view
from bot.commands import APP_HOME_OPENED
from bot.errors import Forbidden
from bot.pipeline import pipeline_boards, waiting_on_recruiters
from bot.reports import Report, build_report, reportable_roles
from bot.scorecards import pending_for, upcoming_for
from bot.services import Services


def register(app: App, services: Services) -> None:
    def ack_event(ack: Ack) -> None:
        ack()

    def publish_home(client: WebClient, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        now = services.clock.now()
        recruiter = services.permissions.is_recruiter(user_id)
        if not recruiter:
            person = services.permissions.directory.person(user_id)
            if person is None or person.is_guest:
                # Guests (candidates) get the plain explanation and nothing else.
                client.views_publish(user_id=user_id, view=home_view(is_recruiter=False).to_dict())
                return
        with services.db.read() as session:
            upcoming = upcoming_for(session, services.kits, user_id, now)
            pending = pending_for(session, services.kits, user_id, now)
            boards = pipeline_boards(session, services.kits, now) if recruiter else []
            waiting = waiting_on_recruiters(session, services.kits, now) if recruiter else []
            report = home_report(session, user_id, now)
        view = home_view(
            is_recruiter=recruiter, boards=boards, waiting=waiting, upcoming=upcoming, pending=pending, report=report
        )
        client.views_publish(user_id=user_id, view=view.to_dict())

    def home_report(session: Session, user_id: str, now: datetime) -> Report | None:
        """The headline figures for the roles this person may report on; None for everyone else."""
        try:
            roles = reportable_roles(session, services.permissions, user_id)
        except Forbidden:
            return None
        return build_report(session, services.kits, roles, now) if roles else None

    app.event(APP_HOME_OPENED)(ack=ack_event, lazy=[publish_home])
