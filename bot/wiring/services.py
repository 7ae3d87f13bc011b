"""What every listener and job needs, built once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.rules.clock import Clock, SystemClock
from bot.rules.kits import KitCatalog, load_kits
from bot.rules.permissions import Permissions
from bot.slack.client import slack_client
from bot.slack.directory import SlackDirectory
from bot.wiring.db import Database
from bot.wiring.metrics import Metrics
from bot.wiring.settings import Settings

log = logging.getLogger("interview_bot")


@dataclass
class Services:
    settings: Settings
    db: Database
    kits: KitCatalog
    slack: WebClient
    permissions: Permissions
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, clock: Clock | None = None, kits: KitCatalog | None = None
    ) -> Services:
        """`kits`: the catalog already parsed from `settings.kits_path` (tests parse it once)."""
        if kits is None:
            kits = load_kits([settings.kits_path])
        for problem in kits.problems:
            # A broken kit is skipped, never fatal: the others keep working.
            log.warning("kit skipped: %s", problem)
        client = slack_client(settings)
        permissions = Permissions(settings.recruiter_ids, settings.recruiter_groups, SlackDirectory(client))
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            kits=kits,
            slack=client,
            permissions=permissions,
            clock=clock or SystemClock(),
        )

    def display_name(self, user_id: str) -> str:
        """A person's name for places Slack does not render mentions (charts, HTML); the ID when
        Slack cannot be asked (no token, offline)."""
        if not self.settings.slack_bot_token:
            return user_id
        try:
            person = self.permissions.directory.person(user_id)
        except Exception:  # a report must not fail for want of a name
            log.warning("could not look up %s for a report; showing the ID", user_id)
            return user_id
        return person.name if person else user_id
