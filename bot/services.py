"""What every listener and job needs, built once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.clock import Clock, SystemClock
from bot.db import Database
from bot.kits import KitCatalog, load_kits
from bot.metrics import Metrics
from bot.settings import Settings

log = logging.getLogger("interview_bot")


@dataclass
class Services:
    settings: Settings
    db: Database
    kits: KitCatalog
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        kits = load_kits([settings.kits_path])
        for problem in kits.problems:
            # A broken kit is skipped, never fatal: the others keep working.
            log.warning("kit skipped: %s", problem)
        return cls(settings=settings, db=Database(settings.database_url), kits=kits, clock=clock or SystemClock())
