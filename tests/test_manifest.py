"""manifest.yml is valid for Slack and matches what the app actually answers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from bot.rules.commands import COMMANDS, EVENTS, SHORTCUTS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_matches_slack_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest()), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_manifest_lists_exactly_the_registered_commands() -> None:
    listed = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert set(listed) == {spec.name for spec in COMMANDS}
    for spec in COMMANDS:
        assert listed[spec.name]["description"] == spec.description
        assert listed[spec.name]["usage_hint"] == spec.usage_hint
        assert listed[spec.name]["url"].endswith("/slack/events")


def test_manifest_subscribes_to_exactly_the_handled_events() -> None:
    subscriptions = manifest()["settings"]["event_subscriptions"]
    assert subscriptions["bot_events"] == list(EVENTS)
    assert subscriptions["request_url"].endswith("/slack/events")


def test_manifest_points_every_request_at_one_endpoint() -> None:
    data = manifest()
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert "commands" in data["oauth_config"]["scopes"]["bot"]


def test_manifest_lists_exactly_the_registered_shortcuts() -> None:
    listed = {s["callback_id"]: s for s in manifest()["features"]["shortcuts"]}
    assert set(listed) == {spec.callback_id for spec in SHORTCUTS}
    for spec in SHORTCUTS:
        assert (listed[spec.callback_id]["name"], listed[spec.callback_id]["type"]) == (spec.name, spec.type)
        assert listed[spec.callback_id]["description"] == spec.description
    # A DM to the bot arrives as message.im, which needs the im:history scope.
    assert "im:history" in manifest()["oauth_config"]["scopes"]["bot"]


def test_manifest_grants_what_the_line_to_candidates_calls() -> None:
    scopes = manifest()["oauth_config"]["scopes"]["bot"]
    # files.info and the download of a candidate's file, its upload into the thread, the ✅ on their DM.
    for scope in ("files:read", "files:write", "reactions:write"):
        assert scope in scopes
