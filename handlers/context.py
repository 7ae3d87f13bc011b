"""The services container in Bolt's context: how every listener, lazy ones included, reaches it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.wiring.services import Services

SERVICES = "services"


class Shared:
    """Holds the container in the context. Bolt deep-copies a request's context for its lazy
    listeners; the container (database engine, Slack client, clock) must be the same object there."""

    __slots__ = ("services",)

    def __init__(self, services: Services) -> None:
        self.services = services

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared:
        return self


def put_services(context: BoltContext, services: Services) -> None:
    context[SERVICES] = Shared(services)


def services_of(context: BoltContext) -> Services:
    shared = context.get(SERVICES)
    if not isinstance(shared, Shared):
        raise LookupError("no services in this context: handlers.register installs the middleware that puts them")
    return shared.services


class ProvideServices(Middleware):
    """A global middleware: every request's context carries `services`. A `Middleware` rather than
    a function, which Bolt would call through its argument injection at every request."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        put_services(req.context, self.services)
        return next()
