"""Bolt listeners, grouped by Slack kind: plain functions that take Bolt's arguments and find the
services container in Bolt's context (`handlers.context.services_of`). Each kind's `register(app)`
only wires its listeners to their matchers."""

from __future__ import annotations

from slack_bolt import App

from bot.wiring.services import Services
from handlers import actions, commands, events, shortcuts, views
from handlers.context import ProvideServices


def register(app: App, services: Services) -> None:
    app.middleware(ProvideServices(services))
    # Bolt tries the listeners in this order until one matches (about 14 µs each): the kinds
    # answered inside a request first, the scorecard's submission first of all (bench/README).
    commands.register(app)
    views.register(app)
    actions.register(app)
    events.register(app)
    shortcuts.register(app)
