"""Settings: defaults, parsing, and one clear line for a missing or malformed secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.wiring.db import normalize_url
from bot.wiring.settings import SHIPPED_KITS, ConfigError, Settings, load_settings


def settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = settings()
    assert s.database_url == "sqlite:///interview-bot.db"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.port == 3000
    assert s.kits_path == SHIPPED_KITS  # no ./kits here, so the shipped kits


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("PORT=4100\nRECRUITERS=U0AAA, @recruiting ,U0BBB\n")
    s = load_settings()
    assert s.port == 4100
    assert s.recruiter_ids == {"U0AAA", "U0BBB"} and s.recruiter_groups == {"recruiting"}


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({}, "SLACK_BOT_TOKEN is not set: it must be a bot token starting with xoxb-; see 'Create the Slack app'"),
        ({"slack_bot_token": "xoxp-user"}, "SLACK_BOT_TOKEN is malformed: it must be a bot token starting with xoxb-"),
        ({"slack_bot_token": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set: it must be the app's signing secret"),
        (
            {"slack_bot_token": "xoxb-1", "slack_signing_secret": "not hex!"},
            "SLACK_SIGNING_SECRET is malformed: it must be the app's signing secret",
        ),
    ],
)
def test_http_mode_needs_token_and_secret(values: dict, line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(**values).require_http()
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)
    assert str(caught.value).endswith("see 'Create the Slack app' in README.md")


def test_socket_mode_needs_app_token() -> None:
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN is not set"):
        settings(slack_bot_token="xoxb-1").require_socket()
    settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1-A-B").require_socket()


def test_malformed_values_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ConfigError, match=r"^PORT is invalid: .*; see 'Create the Slack app'"):
        load_settings(_env_file=None)
    monkeypatch.setenv("PORT", "3000")
    monkeypatch.setenv("SLACK_API_URL", "slack.com/api")
    with pytest.raises(ConfigError, match=r"^SLACK_API_URL is invalid"):
        load_settings(_env_file=None)


def test_plain_postgresql_url_uses_the_shipped_driver() -> None:
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgres://u:p@h:5433/db") == "postgresql+psycopg://u:p@h:5433/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
