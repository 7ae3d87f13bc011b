"""Socket Mode end to end: the real `interview-bot socket` in a subprocess, with slack_sdk's own
Socket Mode client inside it, against the Web API stand-in and the Socket Mode stand-in.

Every step goes over the WebSocket as Slack sends it; answers come back in the envelope acks, which
the stand-in checks (the `slack` fixture fails a test on any violation, a late ack included)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from blocks.candidate import REVIEW
from blocks.scorecard import SUBMIT
from bot.devtools.slack_requests import Kind, answer_scorecard, users_value
from bot.devtools.slack_standin import SlackStandIn
from bot.devtools.slack_standin.socket_mode import SocketModeStandIn
from bot.rules.roles import add_role
from bot.wiring.db import Database
from models.tables import PersonRecord
from tests.conftest import BOT_TOKEN, HIRING_CHANNEL, HIRING_MANAGER, INTERVIEWER_1, RECRUITER, shipped_kits
from tests.flows import all_text, new_candidate_values

BIN = Path(sys.executable).parent / "interview-bot"
APP_TOKEN = "xapp-1-A0STANDIN-1-test"
WAIT = 20.0


@pytest.fixture
def socket(slack: SlackStandIn) -> Iterator[SocketModeStandIn]:
    with SocketModeStandIn(slack) as standin:
        yield standin


@contextmanager
def socket_process(tmp_path: Path, slack: SlackStandIn) -> Iterator[subprocess.Popen[str]]:
    """`interview-bot socket` on a migrated SQLite file with one role (backend-mid, whose first stage
    is a review); its output goes to a file, printed when the test fails."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    db.upgrade()
    with db.transaction() as session:
        add_role(
            session,
            shipped_kits(),
            title="Backend Developer",
            kit_key="backend-mid",
            channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER],
            recruiter_ids=[RECRUITER],
        )
        # The process runs on the real clock: the reviewer works around it, so their request is
        # never held for their working hours whatever the hour the test runs at.
        session.add(PersonRecord(user_id=INTERVIEWER_1, hours="mon-sun 00:00-24:00"))
    db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "KITS_DIR"}
    env.update(
        DATABASE_URL=url,
        HOME=str(tmp_path),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=slack.url,
        RECRUITERS=RECRUITER,
    )
    log = tmp_path / "socket.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN), "socket"], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    except BaseException:
        print(f"--- interview-bot socket output:\n{log.read_text()}")
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, log.read_text()
    assert APP_TOKEN not in log.read_text() and BOT_TOKEN not in log.read_text()


def opened_for(slack: SlackStandIn, user_id: str) -> int:
    return sum(1 for c in slack.calls_to("views.open") if slack.trigger_user(str(c.args.get("trigger_id"))) == user_id)


def next_view(slack: SlackStandIn, user_id: str, before: int) -> dict[str, Any]:
    slack.wait_for(lambda: opened_for(slack, user_id) > before, timeout=WAIT)
    return slack.open_views(user_id)[-1]


def button(messages: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for message in reversed(messages):
        for block in message.get("blocks", []):
            for element in [*block.get("elements", []), block.get("accessory") or {}]:
                if element.get("action_id") == action_id:
                    return element
    raise AssertionError(f"no {action_id} button in {all_text(messages)}")


def test_socket_mode_from_new_candidate_to_scorecard(
    tmp_path: Path, slack: SlackStandIn, socket: SocketModeStandIn
) -> None:
    with socket_process(tmp_path, slack):
        socket.wait_connected(WAIT)
        assert [c.error for c in slack.calls_to("apps.connections.open")] == [None]

        # /candidate new: the ack is bare, the lazy listener opens the modal.
        assert socket.command(RECRUITER, "/candidate", "new").payload is None
        view = next_view(slack, RECRUITER, 0)
        assert view["callback_id"] == "candidate_new"

        # A bad value: the errors travel back in the envelope's ack, keyed to the modal's input.
        bad = socket.view_submission(RECRUITER, view, new_candidate_values(email="casey.example.org"))
        assert bad.payload is not None and bad.payload["response_action"] == "errors"
        assert bad.payload["errors"]["email"].startswith("'casey.example.org' is not an email address")
        assert slack.messages(HIRING_CHANNEL) == []

        assert socket.view_submission(RECRUITER, view, new_candidate_values()).payload is None
        slack.wait_for(lambda: bool(slack.messages(HIRING_CHANNEL)), timeout=WAIT)
        (card,) = slack.messages(HIRING_CHANNEL)
        assert "Casey Candidate" in all_text(card)

        # The card's "Ask for a review": the review modal, one reviewer, a round that ends now.
        review = button([card], REVIEW)
        ack = socket.block_action(
            RECRUITER,
            REVIEW,
            review["value"],
            block_id="candidate_card",
            channel_id=HIRING_CHANNEL,
            message_ts=card["ts"],
        )
        assert ack.payload is None
        view = next_view(slack, RECRUITER, 1)
        assert view["callback_id"] == "review_assign"
        assert socket.view_submission(RECRUITER, view, {"interviewers": users_value([INTERVIEWER_1])}).payload is None

        # The request is an outbox row: the dispatcher ticking in the process sends it (so this also
        # proves `socket` sends scheduled messages). Its button opens the scorecard.
        slack.wait_for(lambda: "Submit review" in all_text(slack.dm_messages(INTERVIEWER_1)), timeout=WAIT)
        submit = button(slack.dm_messages(INTERVIEWER_1), SUBMIT)
        assert socket.block_action(INTERVIEWER_1, SUBMIT, submit["value"], block_id="scorecard").payload is None
        view = next_view(slack, INTERVIEWER_1, 0)
        while True:
            values = answer_scorecard(view, rating="meets", pick=1, recommendation="yes", notes="Solid.")
            answer = socket.view_submission(INTERVIEWER_1, view, values).payload
            if not answer or answer.get("response_action") != "push":
                break
            view = answer["view"]
        assert answer in (None, {"response_action": "clear"})

        def scorecard_in() -> bool:
            thread = slack.thread(HIRING_CHANNEL, card["ts"])
            return any("1 of 1 in" in all_text(m) for m in thread)

        slack.wait_for(scorecard_in, timeout=WAIT)


def test_apps_connections_open_needs_an_app_level_token(slack: SlackStandIn, socket: SocketModeStandIn) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=slack.url).apps_connections_open(app_token=BOT_TOKEN)
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=APP_TOKEN, base_url=slack.url).chat_postMessage(channel=HIRING_CHANNEL, text="hi")
    assert refused.value.response["error"] == "not_allowed_token_type"
    # Like Slack, the app-level token goes in the Authorization header, not in the form.
    form = httpx.post(f"{slack.url}apps.connections.open", data={"token": APP_TOKEN}).json()
    assert form == {"ok": False, "error": "invalid_auth"}
    url = WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith(f"ws://127.0.0.1:{socket.port}/link/?ticket=")
    socket.stop()
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)
    assert refused.value.response["error"] == "access_denied"


def test_acks_are_checked_as_slack_would(slack: SlackStandIn, socket: SocketModeStandIn) -> None:
    """An app that answers wrongly (a bare WebSocket client here): each wrong answer is a violation."""
    url = WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)["url"]
    with connect(url) as app:
        hello = json.loads(app.recv(timeout=5))
        assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": slack.app_id}
        for used_or_forged in (url, url.replace("ticket=", "ticket=forged")):
            with pytest.raises(InvalidStatus, match="401"):
                connect(used_or_forged).close()

        def answer(kind: Kind, payload: dict[str, Any], ack: dict[str, Any] | None) -> str:
            envelope_id = socket.push(kind, payload)
            envelope = json.loads(app.recv(timeout=5))
            assert envelope["envelope_id"] == envelope_id and envelope["payload"] == payload
            app.send(json.dumps({"envelope_id": envelope_id, **({"payload": ack} if ack is not None else {})}))
            assert socket.wait_ack(envelope_id).payload == ack
            return envelope_id

        label = {"type": "plain_text", "text": "Name"}
        view = {"type": "modal", "callback_id": "x", "title": label, "submit": label,
                "blocks": [{"type": "input", "block_id": "name", "label": label,
                            "element": {"type": "plain_text_input", "action_id": "value"}}]}  # fmt: skip
        submission = {"type": "view_submission", "user": {"id": "U1"}, "view": view}
        answer("interactive", submission, {"response_action": "errors", "errors": {"name": "Enter a name."}})
        answer("slash_commands", {"command": "/x", "text": ""}, {"text": "hi", "response_type": "ephemeral"})
        answer("events_api", {"type": "event_callback", "event": {"type": "app_home_opened"}}, None)
        assert slack.violations == []

        answer("interactive", submission, {"response_action": "errors", "errors": {"email": "Bad."}})
        answer("interactive", submission, {"response_action": "push", "view": {**view, "title": None}})
        clicked = answer("interactive", {"type": "block_actions", "actions": []}, {"text": "clicked"})
        answer("slash_commands", {"command": "/x"}, {"text": "hi", "response_type": "loud"})
        app.send(json.dumps({"envelope_id": clicked}))
        app.send("not json")
        slack.wait_for(lambda: len(slack.violations) == 6)
        socket.stop()  # Slack says goodbye before it closes
        assert json.loads(app.recv(timeout=5)) == {
            "type": "disconnect",
            "reason": "link_disabled",
            "debug_info": {"host": "socket-standin"},
        }
    assert len(socket.acks) == 7  # a second ack is not one
    problems = [v.problem for v in slack.violations]
    assert problems == [
        "errors.email: no input block with that block_id in the modal",
        "view.title: a modal needs a title",
        "ack payload for a block_actions envelope, which accepts none: Slack drops it",
        "response_type: 'loud' is neither ephemeral nor in_channel",
        f"a second ack for envelope {clicked}",
        "a message that is not an ack ({envelope_id, payload?})",
    ]
    slack.clear_violations()
