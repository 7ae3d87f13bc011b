"""Every listener, lazy ones included, finds the one services container in Bolt's context."""

from __future__ import annotations

import copy

import pytest
from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot.wiring.services import Services
from handlers.context import ProvideServices, put_services, services_of


def test_the_middleware_puts_the_services_in_the_context_and_goes_on(services: Services) -> None:
    request = BoltRequest(body="")
    went_on: list[bool] = []

    def next_() -> BoltResponse:
        went_on.append(True)
        return BoltResponse(status=200)

    answer = ProvideServices(services).process(req=request, resp=BoltResponse(status=200), next=next_)
    assert services_of(request.context) is services
    assert went_on == [True] and answer is not None and answer.status == 200


def test_a_lazy_listener_gets_the_same_services_not_a_copy(services: Services) -> None:
    # What Bolt's thread runner hands a lazy listener: a deep copy of the request's copyable part.
    # The container holds locks (the clock, the engine), so copying it would fail, and Bolt would
    # leave it out of the lazy listener's context.
    context = BoltContext()
    put_services(context, services)
    copied = copy.deepcopy(BoltRequest(body="", context=context).to_copyable())
    assert services_of(copied.context) is services


def test_a_context_without_services_says_so() -> None:
    with pytest.raises(LookupError, match="services"):
        services_of(BoltContext())
