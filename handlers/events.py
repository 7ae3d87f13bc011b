"""Events API listeners: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from blocks.home import home_view
from bot.commands import APP_HOME_OPENED
from bot.pipeline import pipeline_boards, waiting_on_recruiters
from bot.services import Services


def register(app: App, services: Services) -> None:
    def ack_event(ack: Ack) -> None:
        ack()

    def publish_home(client: WebClient, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        if services.permissions.is_recruiter(user_id):
            now = services.clock.now()
            with services.db.read() as session:
                boards = pipeline_boards(session, services.kits, now)
                waiting = waiting_on_recruiters(session, services.kits, now)
            view = home_view(is_recruiter=True, boards=boards, waiting=waiting)
        else:
            view = home_view(is_recruiter=False)
        client.views_publish(user_id=user_id, view=view.to_dict())

    app.event(APP_HOME_OPENED)(ack=ack_event, lazy=[publish_home])
