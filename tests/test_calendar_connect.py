"""Connecting a calendar, against a real Radicale that checks passwords: from the App Home's modal
over signed HTTP, and from the command line. The password is stored encrypted and never shown."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from blocks.calendar import CONNECT, DISCONNECT
from bot.calendars.connections import calendar_for, connection_info
from bot.calendars.secrets import Vault
from bot.cli import main
from bot.devtools.radicale import Radicale
from bot.devtools.slack_requests import text_value
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.invites import Invite
from bot.wiring.db import Database
from models.tables import AuditLog, CalendarConnection
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RunningApp, running_app
from tests.flows import all_text, new_view, views_opened

SECRET_KEY = "connect-test-secret-key-0123456789abcdef"
PASSWORD = "ines-app-pw-7Q2x"
OTHER_PASSWORD = "ivan-app-pw-3K9z"
WRONG = "not-her-password-51"


@pytest.fixture(scope="module")
def checking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """A Radicale that checks passwords (one per test module)."""
    server = Radicale(tmp_path_factory.mktemp("radicale-pw"), passwords={"ines": PASSWORD, "ivan": OTHER_PASSWORD})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def keyed_app(db: Database, slack: SlackStandIn) -> Iterator[RunningApp]:
    with running_app(db, slack, secret_key=SECRET_KEY) as app:
        yield app


def home(app: RunningApp, user: str) -> dict[str, Any]:
    app.client.event({"type": "app_home_opened", "user": user, "tab": "home"})
    app.wait_idle()
    view = app.slack.home(user)
    assert view is not None
    return view


def button(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for item in [*block.get("elements", []), block.get("accessory") or {}]:
            if item.get("action_id") == action_id:
                return dict(item)
    raise AssertionError(f"no {action_id} button")


def open_connect(app: RunningApp, user: str) -> dict[str, Any]:
    """Click Connect (or Reconnect) in the Home; the modal it opens."""
    view = home(app, user)
    before = views_opened(app, user)
    clicked = button(view, CONNECT)
    response = app.client.block_action(user, CONNECT, clicked["value"], block_id="calendar", view=view)
    assert response.status_code == 200 and not response.text, response.text
    modal = new_view(app, user, before)
    assert modal["callback_id"] == "calendar_connect"
    return modal


def submit(app: RunningApp, user: str, modal: dict[str, Any], url: str, username: str, password: str) -> dict[str, Any]:
    values = {"url": text_value(url), "username": text_value(username), "password": text_value(password)}
    response = app.client.view_submission(user, modal, values)
    assert response.status_code == 200, response.text
    app.wait_idle()
    return response.json() if response.text else {}


def stored(app: RunningApp, user: str) -> CalendarConnection | None:
    with app.services.db.read() as session:
        return session.get(CalendarConnection, user)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connect_from_the_home_checks_the_calendar_and_stores_the_password_encrypted(
    keyed_app: RunningApp, checking: Radicale
) -> None:
    app = keyed_app
    url = checking.make_calendar("ines", PASSWORD)
    modal = open_connect(app, INTERVIEWER_1)
    hints = all_text(modal)
    assert "app password is one your calendar provider issues for apps" in hints
    assert all(name in hints for name in ("Nextcloud", "Fastmail", "iCloud"))

    refused = submit(app, INTERVIEWER_1, modal, url, "ines", WRONG)
    assert refused["response_action"] == "errors" and list(refused["errors"]) == ["password"]
    assert "turned the username or app password down" in refused["errors"]["password"]
    assert WRONG not in json.dumps(refused)
    missing = submit(app, INTERVIEWER_1, modal, url + "nope/", "ines", PASSWORD)
    assert list(missing["errors"]) == ["url"] and "no calendar at" in missing["errors"]["url"]
    down = submit(app, INTERVIEWER_1, modal, f"http://127.0.0.1:{closed_port()}/dav/", "ines", PASSWORD)
    assert list(down["errors"]) == ["url"] and "could not reach" in down["errors"]["url"]
    clear = submit(app, INTERVIEWER_1, modal, "http://dav.example.com/cal/", "ines", PASSWORD)
    assert list(clear["errors"]) == ["url"] and "https://" in clear["errors"]["url"]
    inline = submit(app, INTERVIEWER_1, modal, url.replace("http://", f"http://ines:{PASSWORD}@"), "ines", PASSWORD)
    assert list(inline["errors"]) == ["url"] and "out of the URL" in inline["errors"]["url"]
    assert PASSWORD not in json.dumps(inline)
    assert stored(app, INTERVIEWER_1) is None

    assert submit(app, INTERVIEWER_1, modal, url, " ines ", PASSWORD) == {}  # the modal closes
    row = stored(app, INTERVIEWER_1)
    assert row is not None
    assert (row.provider, row.url, row.username, row.failures, row.paused_at) == ("caldav", url, "ines", 0, None)
    assert PASSWORD not in row.secret and Vault(SECRET_KEY).decrypt(row.secret) == PASSWORD
    assert row.connected_by == INTERVIEWER_1
    # The stored connection writes: the calendar the bot will use is the one that was checked.
    calendar = calendar_for(row, app.services.vault, app.services.settings.organizer_zone)
    assert calendar is not None
    starts = app.clock.now()
    calendar.put(Invite("round-1@interview-bot", 0, "Round", "Text", starts, starts, None, False))
    assert calendar.get("round-1@interview-bot") is not None
    # The Home shows the calendar connected, and nothing secret.
    shown = app.slack.home(INTERVIEWER_1)
    assert shown is not None and url in all_text(shown) and "ines" in all_text(shown)
    assert PASSWORD not in json.dumps(shown) and button(shown, DISCONNECT)
    with app.services.db.read() as session:
        audit = session.exec(select(AuditLog)).all()
    assert [(a.action, a.subject, a.actor_id) for a in audit] == [
        ("calendar_connect", f"user:{INTERVIEWER_1}", INTERVIEWER_1)
    ]
    assert PASSWORD not in json.dumps([a.model_dump(mode="json") for a in audit])
    # Another SECRET_KEY cannot read it: the owner must connect again.
    assert calendar_for(row, Vault("another-key"), app.services.settings.organizer_zone) is None
    # A candidate (a guest) is on no panel: their Home offers the feed, not a calendar to connect.
    guest = all_text(home(app, CANDIDATE))
    assert "Your calendar" in guest and "Connect your calendar" not in guest


def test_disconnect_and_reconnect_a_paused_calendar(keyed_app: RunningApp, checking: Radicale) -> None:
    app = keyed_app
    url = checking.make_calendar("ivan", OTHER_PASSWORD)
    assert submit(app, INTERVIEWER_2, open_connect(app, INTERVIEWER_2), url, "ivan", OTHER_PASSWORD) == {}
    with app.services.db.transaction() as session:
        row = session.get(CalendarConnection, INTERVIEWER_2)
        assert row is not None
        row.paused_at, row.failures, row.last_error = app.clock.now(), 5, "The calendar turned the password down."
        session.add(row)
    paused = all_text(home(app, INTERVIEWER_2))
    assert "Writing to your calendar is paused" in paused and "turned the password down" in paused
    # Reconnect opens the same modal with the URL and username filled in, never the password.
    modal = open_connect(app, INTERVIEWER_2)
    initial = {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"] if b["type"] == "input"}
    assert initial == {"url": url, "username": "ivan", "password": None}
    assert submit(app, INTERVIEWER_2, modal, url, "ivan", OTHER_PASSWORD) == {}
    again = stored(app, INTERVIEWER_2)
    assert again is not None and (again.paused_at, again.failures, again.last_error) == (None, 0, None)

    view = home(app, INTERVIEWER_2)
    response = app.client.block_action(INTERVIEWER_2, DISCONNECT, "disconnect", block_id="calendar", view=view)
    assert response.status_code == 200 and not response.text
    app.wait_idle()
    assert stored(app, INTERVIEWER_2) is None and connection_info(app.services.db, INTERVIEWER_2) is None
    assert button(app.slack.home(INTERVIEWER_2) or {}, CONNECT)["value"] == "connect"
    with app.services.db.read() as session:
        actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]  # type: ignore[arg-type]
    assert actions == ["calendar_connect", "calendar_connect", "calendar_disconnect"]


def test_without_secret_key_the_modal_says_to_set_it(app: RunningApp, checking: Radicale) -> None:
    url = checking.make_calendar("ines", PASSWORD)
    assert "needs SECRET_KEY" in all_text(home(app, INTERVIEWER_1))
    answer = submit(app, INTERVIEWER_1, open_connect(app, INTERVIEWER_1), url, "ines", PASSWORD)
    assert answer["response_action"] == "errors" and "SECRET_KEY" in answer["errors"]["url"]
    assert stored(app, INTERVIEWER_1) is None


def test_cli_connect_list_disconnect(
    db: Database,
    checking: Radicale,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    url = checking.make_calendar("ines", PASSWORD)
    connect = ["calendar", "connect", INTERVIEWER_1, "--caldav-url", url, "--username", "ines", "--password-stdin"]

    def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(args)
        out, err = capsys.readouterr()
        assert PASSWORD not in out + err and WRONG not in out + err
        return code, out, err

    code, _, err = run(connect, WRONG + "\n")
    assert code == 1 and "turned the username or app password down" in err
    code, _, err = run([*connect[:4], url + "nope/", *connect[5:]], PASSWORD + "\n")
    assert code == 1 and "no calendar at" in err
    code, out, _ = run(connect, PASSWORD + "\n")
    assert code == 0 and out.strip() == f"connected {INTERVIEWER_1}'s calendar {url} as ines (checked: it answered)"
    with db.read() as session:
        row = session.get(CalendarConnection, INTERVIEWER_1)
    assert row is not None and Vault(SECRET_KEY).decrypt(row.secret) == PASSWORD
    assert row.connected_by is not None and row.connected_by.startswith("cli:")

    code, out, _ = run(["calendar", "list"])
    header, line = out.strip().splitlines()
    assert code == 0 and header.split() == ["USER", "PROVIDER", "URL", "USERNAME", "STATE"]
    assert line.split() == [INTERVIEWER_1, "caldav", url, "ines", "ok"]

    assert run(["calendar", "disconnect", INTERVIEWER_1])[0] == 0
    code, _, err = run(["calendar", "disconnect", INTERVIEWER_1])
    assert code == 1 and "has no calendar connected" in err
    code, out, _ = run(["calendar", "list"])
    assert code == 0 and out.startswith("no calendars connected")

    monkeypatch.delenv("SECRET_KEY")
    code, _, err = run(connect, PASSWORD + "\n")
    assert code == 1 and "SECRET_KEY is not set" in err
