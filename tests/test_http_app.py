"""The real app over HTTP: signed requests in, acknowledgements out, health and metrics."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlmodel import select

from bot.cli import main
from bot.devtools.slack_standin import check_blocks
from bot.rules.commands import COMMANDS
from bot.wiring.db import Database
from bot.wiring.server import HttpServer, WebApp
from models.tables import Role
from tests.conftest import HIRING_CHANNEL, HIRING_MANAGER, MEMBER, RECRUITER, RunningApp, make_settings, services_for


def ack_text(response: httpx.Response) -> str:
    """All the text of an ephemeral answer, after checking its blocks against Slack's limits."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert check_blocks(body.get("blocks", [])) == []
    return body.get("text", "") + "\n" + json.dumps(body.get("blocks", []), ensure_ascii=False)


def test_hiring_help_over_signed_http(app: RunningApp) -> None:
    text = ack_text(app.client.command(MEMBER, "/hiring", "help"))
    for spec in COMMANDS:
        assert spec.name in text
    assert "/hiring roles" in text and "/hiring kits" in text


def test_every_registered_command_answers_and_others_do_not(app: RunningApp) -> None:
    for spec in COMMANDS:
        assert app.client.command(MEMBER, spec.name, "").status_code == 200
        help_text = ack_text(app.client.command(MEMBER, spec.name, "help"))
        assert all(usage.text in help_text for usage in spec.usages)
        # No argument prints help too, except /scorecard: bare, it lists your pending scorecards.
        if spec.name != "/scorecard":
            assert ack_text(app.client.command(MEMBER, spec.name, "")) == help_text
    assert "no scorecards to submit" in ack_text(app.client.command(MEMBER, "/scorecard", ""))
    assert app.client.command(MEMBER, "/nonexistent", "").status_code == 404


def test_unknown_subcommand_names_the_problem_and_usage(app: RunningApp) -> None:
    text = ack_text(app.client.command(MEMBER, "/hiring", "rolez"))
    assert "`/hiring rolez` is not a command I know." in text
    assert "/hiring roles" in text  # the right usage follows


@pytest.mark.parametrize(
    ("offset", "signature"),
    [
        (0, "v0=" + "0" * 64),  # bad signature
        (-6 * 60, None),  # stale: over five minutes old
        (6 * 60, None),  # from the future
        (0, ""),  # missing signature
    ],
    ids=["bad-signature", "stale", "future", "missing-signature"],
)
def test_unverified_requests_get_401_and_run_nothing(app: RunningApp, offset: int, signature: str | None) -> None:
    before = len(app.slack.calls)
    timestamp = int(time.time()) + offset
    response = app.client.command(RECRUITER, "/hiring", "roles", timestamp=timestamp, signature=signature)
    assert response.status_code == 401
    assert "blocks" not in response.text
    assert len(app.slack.calls) == before
    metrics = httpx.get(f"{app.url}/metrics").text
    assert 'interview_bot_slack_requests_total{kind="unverified",outcome="rejected"} 1.0' in metrics


def test_unsigned_request_without_headers_is_refused(app: RunningApp) -> None:
    response = httpx.post(
        f"{app.url}/slack/events",
        content=b"command=%2Fhiring&text=help&user_id=U1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401


def test_transport_problems_get_4xx(app: RunningApp) -> None:
    assert app.client.post("command=/hiring", "text/plain").status_code == 415
    assert app.client.post("x" * (1024 * 1024 + 1), "application/x-www-form-urlencoded").status_code == 413
    assert app.client.post("{not json", "application/json").status_code == 400
    assert httpx.get(f"{app.url}/slack/events").status_code == 405
    assert httpx.get(f"{app.url}/nope").status_code == 404
    # The server keeps serving after all of that.
    assert app.client.command(MEMBER, "/hiring", "help").status_code == 200


def test_url_verification_challenge(app: RunningApp) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = app.client.post(body, "application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc123"}


def test_hiring_roles_lists_a_role_added_with_the_cli(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "No open roles yet" in ack_text(app.client.command(MEMBER, "/hiring", "roles"))
    monkeypatch.setenv("DATABASE_URL", app.services.db.url)
    monkeypatch.setenv("KITS_DIR", str(app.services.settings.kits_path))
    code = main(
        [
            "role", "add", "--title", "Backend Developer", "--kit", "backend-mid", "--channel", HIRING_CHANNEL,
            "--hiring-manager", HIRING_MANAGER, "--recruiter", RECRUITER,
        ]
    )  # fmt: skip
    assert code == 0
    assert "added role 1: Backend Developer (kit backend-mid" in capsys.readouterr().out
    text = ack_text(app.client.command(MEMBER, "/hiring", "roles"))
    assert "*Backend Developer* · mid" in text
    assert f"<#{HIRING_CHANNEL}>" in text and f"<@{HIRING_MANAGER}>" in text and f"<@{RECRUITER}>" in text
    assert "Candidates: none yet" in text


def test_hiring_kits_lists_every_shipped_kit(app: RunningApp) -> None:
    text = ack_text(app.client.command(MEMBER, "/hiring", "kits"))
    for key in app.services.kits.kits:
        assert f"`{key}`" in text
    assert "Interview kits (5)" in text
    assert "did not load" not in text


def test_broken_kit_is_reported_not_fatal(db: Database, slack, tmp_path) -> None:
    from tests.conftest import SIGNING_SECRET
    from tests.test_kits import VALID

    (tmp_path / "good.yaml").write_text(VALID)
    (tmp_path / "broken.yaml").write_text("key: broken\ntitle: [oops\n")
    services = services_for(make_settings(db.url, slack, kits_dir=tmp_path))
    from bot.devtools.slack_requests import SignedSlackClient
    from bot.wiring.app import build_app

    server = HttpServer(WebApp(build_app(services), services), host="127.0.0.1", port=0)
    server.start()
    client = SignedSlackClient(f"http://127.0.0.1:{server.port}", SIGNING_SECRET)
    try:
        text = ack_text(client.command(MEMBER, "/hiring", "kits"))
        assert "`backend-mid`" in text
        assert "1 kit file(s) did not load" in text and "broken.yaml" in text
    finally:
        client.close()  # an open keep-alive connection would hold the server's loop for seconds
        server.stop()


def test_health_and_metrics(app: RunningApp) -> None:
    health = httpx.get(f"{app.url}/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    app.client.command(MEMBER, "/hiring", "help")
    app.client.command(MEMBER, "/hiring", "help")
    metrics = httpx.get(f"{app.url}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'interview_bot_slack_requests_total{kind="command",outcome="ok"} 2.0' in metrics.text
    assert 'interview_bot_ack_seconds_count{kind="command"} 2.0' in metrics.text
    assert 'interview_bot_ack_seconds_bucket{kind="command",le="3.0"} 2.0' in metrics.text


def test_healthz_503_when_database_unreachable(slack, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
    services = services_for(make_settings(url, slack))
    from bot.wiring.app import build_app

    server = HttpServer(WebApp(build_app(services), services), host="127.0.0.1", port=0)
    server.start()
    try:
        response = httpx.get(f"http://127.0.0.1:{server.port}/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "database unreachable"}
    finally:
        server.stop()


def test_role_table_round_trips_lists(db: Database) -> None:
    with db.transaction() as session:
        session.add(Role(title="X", kit_key="k", channel_id="C1", hiring_manager_ids=["U1", "U2"]))
    with db.read() as session:
        role = session.exec(select(Role)).one()
        assert role.hiring_manager_ids == ["U1", "U2"] and role.recruiter_ids == []
        assert role.created_at.tzinfo is not None


def table_counts(app: RunningApp) -> dict[str, int]:
    from sqlalchemy import func as sql_func
    from sqlmodel import SQLModel

    with app.services.db.read() as session:
        return {
            t.name: session.exec(select(sql_func.count()).select_from(t)).one() for t in SQLModel.metadata.sorted_tables
        }


def test_hostile_requests_get_4xx_run_nothing_and_write_nothing(app: RunningApp) -> None:
    from tests.flows import make_role

    make_role(app)
    before, calls = table_counts(app), len(app.slack.calls)
    view = json.dumps({"type": "view_submission", "user": {"id": RECRUITER}, "view": {"callback_id": "candidate_new"}})
    cases = [
        app.client.post("payload=%7Bnot-json", "application/x-www-form-urlencoded"),  # signed, malformed form
        app.client.post("[1, 2", "application/json"),  # signed, malformed JSON
        app.client.post(f"payload={view}", "application/x-www-form-urlencoded", signature="v0=" + "1" * 64),
        app.client.post("command=%2Fcandidate&text=new", "application/x-www-form-urlencoded", timestamp=1),
        app.client.post("\xff\xfe", "application/json"),
        httpx.post(
            f"{app.url}/slack/events", content=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "application/json"}
        ),
        httpx.post(
            f"{app.url}/slack/events", content=b"a=b", headers={"Content-Type": "multipart/form-data; boundary=x"}
        ),
    ]
    assert [r.status_code for r in cases] == [400, 400, 401, 401, 400, 413, 415]
    assert all("Traceback" not in r.text for r in cases)
    assert table_counts(app) == before and len(app.slack.calls) == calls
    assert app.client.command(MEMBER, "/hiring", "help").status_code == 200  # still serving
