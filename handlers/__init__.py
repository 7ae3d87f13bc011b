"""Bolt listeners, grouped by Slack kind. Each module has `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.wiring.services import Services
from handlers import actions, commands, events, shortcuts, views


def register(app: App, services: Services) -> None:
    commands.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    views.register_rounds(app, services)
    views.register_line(app, services)
    events.register(app, services)
    shortcuts.register(app, services)
