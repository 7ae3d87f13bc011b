"""Runtime configuration, from environment variables and `.env`."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SETUP_HINT = "see 'Create the Slack app' in README.md"
SHIPPED_KITS = Path(__file__).resolve().parents[2] / "kits"

_BOT_TOKEN = re.compile(r"^xoxb-[A-Za-z0-9-]+$")
_APP_TOKEN = re.compile(r"^xapp-[A-Za-z0-9-]+$")
_SECRET = re.compile(r"^[0-9a-fA-F]{16,}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///interview-bot.db"
    kits_dir: Path = Path("kits")
    recruiters: str = ""
    port: int = Field(default=3000, ge=1, le=65535)
    # How long a dispatcher owns a claimed message before another instance may take it over.
    dispatch_lease_seconds: float = Field(default=60, gt=0, le=3600)
    # How long Slack event and form submission ids are kept to refuse a retry (Slack retries within minutes).
    processed_event_retention_hours: float = Field(default=24, ge=1)
    # How long finished outbox rows (sent, given up, cancelled) are kept (bot/delivery/pruning.py).
    outbox_retention_days: float = Field(default=90, ge=1)
    # Encrypts calendar passwords at rest and signs calendar feed links; keep it secret and stable.
    secret_key: str | None = None
    # Where people reach the bot's HTTP server (calendar feed links), e.g. https://interviews.example.com
    public_url: str | None = None
    # The organizer's time zone: invites are written in it (with its VTIMEZONE).
    calendar_timezone: str = "UTC"
    # Google Workspace: a service account with domain-wide delegation, acting as the organizer.
    google_service_account_file: Path | None = None
    google_calendar_organizer: str | None = None
    # The Calendar API's root, for a proxy or a stand-in (None: Google's own, from the bundled discovery document).
    google_api_url: str | None = None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://interviews.example.com")
        return value.rstrip("/")

    @field_validator("calendar_timezone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin") from None
        return value

    @property
    def organizer_zone(self) -> ZoneInfo:
        return ZoneInfo(self.calendar_timezone)

    @property
    def google_calendar(self) -> bool:
        """Whether rounds go into Google Workspace calendars (both settings given)."""
        return bool(self.google_service_account_file and self.google_calendar_organizer)

    @cached_property
    def recruiter_ids(self) -> frozenset[str]:
        return frozenset(p for p in _split(self.recruiters) if not p.startswith("@"))

    @cached_property
    def recruiter_groups(self) -> frozenset[str]:
        return frozenset(p[1:] for p in _split(self.recruiters) if p.startswith("@"))

    @property
    def kits_path(self) -> Path:
        """KITS_DIR, or the kits shipped with the package when the default folder is absent."""
        if self.kits_dir == Path("kits") and not self.kits_dir.is_dir():
            return SHIPPED_KITS
        return self.kits_dir

    def require_http(self) -> None:
        self._require("SLACK_BOT_TOKEN", self.slack_bot_token, _BOT_TOKEN, "a bot token starting with xoxb-")
        self._require(
            "SLACK_SIGNING_SECRET",
            self.slack_signing_secret,
            _SECRET,
            "the app's signing secret (hex, from Basic Information)",
        )

    def require_bot_token(self) -> None:
        self._require("SLACK_BOT_TOKEN", self.slack_bot_token, _BOT_TOKEN, "a bot token starting with xoxb-")

    def require_socket(self) -> None:
        self._require("SLACK_BOT_TOKEN", self.slack_bot_token, _BOT_TOKEN, "a bot token starting with xoxb-")
        self._require("SLACK_APP_TOKEN", self.slack_app_token, _APP_TOKEN, "an app-level token starting with xapp-")

    @staticmethod
    def _require(name: str, value: str | None, pattern: re.Pattern[str], what: str) -> None:
        if not value:
            raise ConfigError(f"{name} is not set: it must be {what}; {SETUP_HINT}")
        if not pattern.match(value.strip()):
            raise ConfigError(f"{name} is malformed: it must be {what}; {SETUP_HINT}")


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"{name} is invalid: {first['msg']}; {SETUP_HINT}") from None
