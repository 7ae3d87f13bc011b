"""Listeners called directly, without HTTP: a real Services on the test database (Slack is the
stand-in), a context as the services middleware leaves it, and an `ack` that records its answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_bolt import BoltContext

from bot.devtools.slack_standin import SlackStandIn
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.clock import ManualClock
from bot.rules.roles import add_role
from bot.wiring.db import Database
from bot.wiring.services import Services
from handlers.context import put_services
from models.tables import Candidate, Role
from tests.conftest import HIRING_CHANNEL, HIRING_MANAGER, RECRUITER, make_settings, services_for


class FakeAck:
    """Bolt's `ack`, keeping what each call answered."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, text: str | None = None, **kwargs: Any) -> None:
        self.calls.append({"text": text, **kwargs} if text is not None else kwargs)

    @property
    def answer(self) -> dict[str, Any]:
        """The one answer given; a listener acks exactly once."""
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


@pytest.fixture
def services(db: Database, slack: SlackStandIn) -> Iterator[Services]:
    built = services_for(make_settings(db.url, slack), clock=ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
    yield built
    built.db.dispose()


@pytest.fixture
def context(services: Services) -> BoltContext:
    context = BoltContext()
    put_services(context, services)
    return context


@pytest.fixture
def ack() -> FakeAck:
    return FakeAck()


@pytest.fixture
def role(services: Services) -> Role:
    with services.db.transaction() as session:
        return add_role(
            session,
            services.kits,
            title="Backend Developer",
            kit_key="backend-mid",
            channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER],
            recruiter_ids=[RECRUITER],
        )


@pytest.fixture
def candidate(services: Services, role: Role) -> Candidate:
    form = CandidateForm(name="Casey Candidate", email="casey@example.org", role_id=role.id or 0)
    with services.db.transaction() as session:
        return create_candidate(session, services.kits, form, RECRUITER, services.clock.now())
