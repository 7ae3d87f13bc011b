"""The recruiter's half of the loop, end to end over HTTP: add, card and thread, stage changes,
refusals, search, pipeline list, App Home and export."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import select

from blocks.candidate import ADVANCE, HOLD, REJECT, REOPEN, REVIEW, SCHEDULE
from blocks.common import slack_date
from bot.cli import main
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.lifecycle import cancel
from bot.rules.pipeline import PER_STAGE, change_stage, stage_events
from bot.rules.rounds import load_round
from bot.rules.scheduling import schedule_round
from models.tables import Candidate, StageEvent
from tests.conftest import (
    CANDIDATE,
    HIRING_CHANNEL,
    HIRING_MANAGER,
    INTERVIEWER_1,
    MEMBER,
    RECRUITER,
    RunningApp,
)
from tests.flows import (
    add_candidate,
    all_text,
    card,
    card_button,
    click_card,
    click_for_view,
    command_for_view,
    make_role,
    new_candidate_values,
    open_new_candidate,
    reload,
    replies,
    said,
    submit_reason,
    wait_replies,
)


def events_of(app: RunningApp, candidate: Candidate) -> list[StageEvent]:
    with app.services.db.read() as session:
        return stage_events(session, candidate.id or 0)


def test_add_candidate_posts_card_and_thread(app: RunningApp) -> None:
    make_role(app)
    view = open_new_candidate(app)
    assert view["callback_id"] == "candidate_new"
    # The only role is preselected.
    role_block = next(b for b in view["blocks"] if b.get("block_id") == "role_id")
    assert role_block["element"]["initial_option"]["value"] == "1"

    candidate = add_candidate(app, name="Casey Candidate", slack_user=CANDIDATE)
    assert candidate.channel_id == HIRING_CHANNEL and candidate.stage_key == "resume-screen"
    parent = card(app, candidate)
    # One metadata scheme for every message the bot posts: its outbox row, and the candidate it is about.
    assert parent["metadata"]["event_type"] == "interview_bot_outbox"
    assert parent["metadata"]["event_payload"]["candidate_id"] == candidate.id
    text = all_text(parent["blocks"])
    for expected in ["Casey Candidate", "Backend Developer · mid", "1 of 6: Resume screening", "active", "0 days"]:
        assert expected in text
    assert "none scheduled" in text and f"<@{RECRUITER}>" in text
    # The first stage of backend-mid is a resume screen, so the card offers a review too.
    assert [b["action_id"] for b in parent["blocks"][-1]["elements"]] == [REVIEW, SCHEDULE, ADVANCE, HOLD, REJECT]
    (created,) = replies(app, candidate)
    assert f"<@{RECRUITER}> added *Casey Candidate* for Backend Developer" in created["text"]
    assert [e.action for e in events_of(app, candidate)] == ["created"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter the candidate's name."),
        ({"email": "casey.example.org"}, "email", "'casey.example.org' is not an email address"),
        ({"link": "example.org/cv"}, "link", "'example.org/cv' is not a web link; enter a full URL"),
        ({"role_id": None}, "role_id", "Pick the role."),
        ({"role_id": 999}, "role_id", "There is no open role #999"),
        ({"name": "x" * 201}, "name", "The name is 201 characters; keep it to 200."),
    ],
)
def test_bad_input_is_answered_in_the_modal(app: RunningApp, values: dict, field: str, message: str) -> None:
    make_role(app)
    view = open_new_candidate(app)
    response = app.client.view_submission(RECRUITER, view, new_candidate_values(**values))
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"][field].startswith(message)
    with app.services.db.read() as session:
        assert session.exec(select(Candidate)).all() == []
    assert app.slack.calls_to("chat.postMessage") == []


def test_same_email_for_same_role_is_refused_with_link(app: RunningApp) -> None:
    make_role(app)
    first = add_candidate(app, email="dup@example.org")
    view = open_new_candidate(app)
    response = app.client.view_submission(RECRUITER, view, new_candidate_values(email="DUP@example.org"))
    error = response.json()["errors"]["email"]
    assert error.startswith("DUP@example.org is already in the Backend Developer pipeline as Casey Candidate")
    assert f"https://slack.com/archives/{HIRING_CHANNEL}/p{first.thread_ts.replace('.', '')}" in error
    # Another role may have the same person.
    make_role(app, title="Platform Engineer", kit="senior-backend-scalability")
    view = open_new_candidate(app)
    ok = app.client.view_submission(RECRUITER, view, new_candidate_values(email="dup@example.org", role_id=2))
    assert ok.status_code == 200 and not ok.text


def test_advance_through_every_stage_to_hired(app: RunningApp) -> None:
    make_role(app)
    kit = app.services.kits.kits["backend-mid"]
    candidate = add_candidate(app, slack_user=CANDIDATE)
    for number, stage in enumerate(kit.stages[1:], start=2):
        app.clock.advance(timedelta(days=2))
        click_card(app, RECRUITER, candidate, ADVANCE)
        wait_replies(app, candidate, number)
        candidate = reload(app, candidate)
        assert candidate.stage_key == stage.key
        assert f"{number} of {len(kit.stages)}: {stage.name}" in all_text(card(app, candidate)["blocks"])
        assert f"to *{stage.name}*" in replies(app, candidate)[-1]["text"]
        # The candidate hears what is next, with the stage's prep and nothing interviewer-only.
        app.slack.wait_for(lambda n=number: len(app.slack.dm_messages(CANDIDATE)) >= n - 1)
        dm = all_text(app.slack.dm_messages(CANDIDATE)[-1])
        assert f"Next: {stage.name}" in dm
        if stage.prep:
            assert stage.prep.strip().splitlines()[0][:40] in dm
        for key in stage.questions:
            question = kit.question(key)
            assert question.prompt[:60] not in dm
            for indicator in question.positive + question.negative:
                assert indicator not in dm
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, len(kit.stages) + 1)
    candidate = reload(app, candidate)
    assert candidate.status == "hired"
    assert "marked *Casey Candidate* as *hired*" in replies(app, candidate)[-1]["text"]
    assert card(app, candidate)["blocks"][-1]["type"] != "actions"  # no more buttons
    actions = [e.action for e in events_of(app, candidate)]
    assert actions == ["created"] + ["advance"] * (len(kit.stages) - 1) + ["hire"]
    assert app.slack.calls_to("chat.update")  # the card changed in place


def test_hold_reject_and_reopen_with_reasons(app: RunningApp) -> None:
    make_role(app)
    candidate = add_candidate(app)
    view = click_for_view(app, RECRUITER, candidate, HOLD)
    assert view["callback_id"] == "stage_reason"
    # A hold needs a reason, answered in the modal.
    response = submit_reason(app, RECRUITER, view, "")
    assert response.json() == {
        "response_action": "errors",
        "errors": {"reason": "Say why you hold Casey Candidate; the reason goes in the thread."},
    }
    assert submit_reason(app, RECRUITER, view, "Waiting on headcount").status_code == 200
    wait_replies(app, candidate, 2)
    candidate = reload(app, candidate)
    assert candidate.status == "on_hold"
    held = replies(app, candidate)[-1]
    assert "put *Casey Candidate* on hold" in held["text"] and "Waiting on headcount" in all_text(held["blocks"])
    assert [b["action_id"] for b in card(app, candidate)["blocks"][-1]["elements"]] == [REOPEN, REJECT]

    view = click_for_view(app, RECRUITER, candidate, REJECT)
    assert submit_reason(app, RECRUITER, view, "Role filled internally").status_code == 200
    wait_replies(app, candidate, 3)
    assert reload(app, candidate).status == "rejected"

    view = click_for_view(app, RECRUITER, candidate, REOPEN)
    assert submit_reason(app, RECRUITER, view, None).status_code == 200
    wait_replies(app, candidate, 4)
    candidate = reload(app, candidate)
    assert candidate.status == "active" and candidate.stage_key == "resume-screen"
    events = events_of(app, candidate)
    assert [(e.action, e.from_status, e.to_status, e.reason) for e in events[1:]] == [
        ("hold", "active", "on_hold", "Waiting on headcount"),
        ("reject", "on_hold", "rejected", "Role filled internally"),
        ("reopen", "rejected", "active", None),
    ]
    assert all(e.actor_id == RECRUITER for e in events)


def test_stage_changes_from_commands(app: RunningApp) -> None:
    make_role(app)
    candidate = add_candidate(app, name="Zoë Ångström", email="zoe@example.org")
    response = app.client.command(RECRUITER, "/candidate", "advance zoe")
    assert "Advance *Zoë Ångström* from *1 of 6: Resume screening* to *Hiring manager technical interview*?" in said(
        response
    )
    button = response.json()["blocks"][-1]["elements"][0]
    app.client.block_action(RECRUITER, ADVANCE, button["value"], channel_id="C0GENERAL", message_ts="1.0")
    wait_replies(app, candidate, 2)
    assert reload(app, candidate).stage_key == "hiring-manager-technical"

    view = command_for_view(app, RECRUITER, "/candidate", f"reject #{candidate.id}")
    assert view["private_metadata"] and "Reject *Zoë Ångström*?" in all_text(view["blocks"])
    submit_reason(app, RECRUITER, view, "Not enough depth in async systems")
    wait_replies(app, candidate, 3)
    assert reload(app, candidate).status == "rejected"

    text = said(app.client.command(RECRUITER, "/candidate", "advance zoe"))
    assert "Zoë Ångström is rejected; reopen them before advancing." in text
    assert "Say which candidate" in said(app.client.command(RECRUITER, "/candidate", "hold"))
    assert "No candidate matches 'nobody'" in said(app.client.command(RECRUITER, "/candidate", "advance nobody"))


def test_double_click_changes_state_once(app: RunningApp) -> None:
    make_role(app)
    candidate = add_candidate(app)
    button = card_button(app, candidate, ADVANCE)
    for _ in range(2):
        app.client.block_action(
            RECRUITER, ADVANCE, button["value"], channel_id=HIRING_CHANNEL, message_ts=candidate.thread_ts
        )
    app.slack.wait_for(lambda: bool(app.slack.ephemerals(RECRUITER)))
    assert "has changed since this was shown" in all_text(app.slack.ephemerals(RECRUITER)[-1])
    assert reload(app, candidate).stage_key == "hiring-manager-technical"
    assert [e.action for e in events_of(app, candidate)] == ["created", "advance"]


def test_non_recruiter_is_refused_at_every_step(app: RunningApp) -> None:
    make_role(app)
    candidate = add_candidate(app)
    refusal = "Only recruiters can"
    for text in ["new", "list", f"advance #{candidate.id}", f"hold #{candidate.id}", f"reject #{candidate.id}"]:
        response = said(app.client.command(HIRING_MANAGER, "/candidate", text))
        assert refusal in response and f"<@{RECRUITER}>" in response, text
    for action_id in (ADVANCE, HOLD, REJECT):
        click_card(app, MEMBER, candidate, action_id)
    app.slack.wait_for(lambda: len(app.slack.ephemerals(MEMBER)) >= 3)
    assert all(refusal in all_text(m) for m in app.slack.ephemerals(MEMBER))
    # A forged submission of the modal is refused too.
    view = open_new_candidate(app)
    forged = app.client.view_submission(MEMBER, view, new_candidate_values(email="other@example.org"))
    assert forged.json()["errors"]["role_id"].startswith("Only recruiters can add candidates.")
    reason_view = {
        "type": "modal",
        "callback_id": "stage_reason",
        "private_metadata": json.dumps({"candidate_id": candidate.id, "action": "reject", "expected": ["x", "y"]}),
        "blocks": [],
    }
    rejected = submit_reason(app, MEMBER, reason_view, "forged")
    assert rejected.json()["errors"]["reason"].startswith("Only recruiters can reject candidates.")
    assert app.slack.open_views(HIRING_MANAGER) == [] and app.slack.open_views(MEMBER) == []
    assert [e.action for e in events_of(app, reload(app, candidate))] == ["created"]
    assert reload(app, candidate).status == "active"


def test_usergroup_and_role_recruiters(app: RunningApp) -> None:
    app.slack.add_usergroup("S0RECRUIT", "recruiting", [INTERVIEWER_1])
    app.services.permissions.recruiter_groups = ("recruiting",)
    make_role(app, recruiter_ids=[HIRING_MANAGER])
    # A member of the @recruiting group may add candidates …
    add_candidate(app, user_id=INTERVIEWER_1, email="group@example.org")
    # … and so may a recruiter named on the role, for that role.
    candidate = add_candidate(app, user_id=HIRING_MANAGER, email="role@example.org")
    click_card(app, HIRING_MANAGER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    assert reload(app, candidate).stage_key == "hiring-manager-technical"
    assert app.slack.calls_to("usergroups.list")


def test_candidate_search(app: RunningApp) -> None:
    make_role(app)
    zoe = add_candidate(app, name="Zoë Ångström", email="zoe@example.org")
    add_candidate(app, name="Zoltan Kovacs", email="zk@example.org")
    for query in ["zoe", "ZOË ÅNGSTRÖM", "angstr", "zoe@example", f"#{zoe.id}", str(zoe.id)]:
        text = said(app.client.command(MEMBER, "/candidate", query))
        assert "Zoë Ångström" in text and "Zoltan" not in text, query
        assert "zoe@example.org" not in text  # members see no personal details
    internal = said(app.client.command(RECRUITER, "/candidate", "zoe"))
    assert "zoe@example.org" in internal and "Open the candidate thread" in internal
    several = said(app.client.command(MEMBER, "/candidate", "zo"))
    assert "2 candidates match 'zo'" in several and "/candidate #id" in several
    assert "No candidate matches 'nobody'" in said(app.client.command(MEMBER, "/candidate", "nobody"))


def test_guests_and_candidates_see_nothing(app: RunningApp) -> None:
    make_role(app)
    add_candidate(app, slack_user=CANDIDATE)
    for text in ["Casey", "list", "#1", "new"]:
        response = said(app.client.command(CANDIDATE, "/candidate", text))
        assert "Casey" not in response, text
        assert "only available to members of the hiring team" in response or "Only recruiters" in response
    assert "only available to members of the hiring team" in said(app.client.command(CANDIDATE, "/hiring", "roles"))


def test_pipeline_list(app: RunningApp) -> None:
    make_role(app)
    make_role(app, title="Platform Engineer", kit="senior-backend-scalability")
    a = add_candidate(app, name="Ana Alpha", email="a@example.org")
    add_candidate(app, name="Ben Beta", email="b@example.org")
    app.clock.advance(timedelta(days=3))
    click_card(app, RECRUITER, a, ADVANCE)
    wait_replies(app, a, 2)
    app.clock.advance(timedelta(days=2))
    text = said(app.client.command(RECRUITER, "/candidate", "list"))
    assert "Backend Developer · 2 candidates" in text and "Platform Engineer · 0 candidates" in text
    assert "*Resume screening* (1): Ben Beta 5d" in text
    assert "*Hiring manager technical interview* (1): Ana Alpha 2d" in text
    only = said(app.client.command(RECRUITER, "/candidate", "list platform"))
    assert "Platform Engineer" in only and "Backend Developer" not in only
    assert "No open role matches 'sales'" in said(app.client.command(RECRUITER, "/candidate", "list sales"))


def test_pipeline_list_caps_each_stage(app: RunningApp) -> None:
    """A stage with many candidates lists the longest-waiting few and says how many more there are,
    so the message stays within Slack's limits however large the pipeline."""
    role = make_role(app)
    with app.services.db.transaction() as session:
        for i in range(30):
            form = CandidateForm.parse({"name": f"Person {i:02d}", "email": f"p{i}@example.org", "role_id": role.id})
            create_candidate(session, app.services.kits, form, RECRUITER, app.clock.now() - timedelta(days=40 - i))
    text = said(app.client.command(RECRUITER, "/candidate", "list"))
    assert "Backend Developer · 30 candidates" in text
    shown = ", ".join(f"Person {i:02d} {40 - i}d" for i in range(PER_STAGE))
    assert f"*Resume screening* (30): {shown} +{30 - PER_STAGE} more" in text
    assert f"Person {PER_STAGE:02d}" not in text


def test_app_home_for_recruiters_and_others(app: RunningApp) -> None:
    make_role(app)
    add_candidate(app, name="Stale Sam", email="sam@example.org")
    app.clock.advance(timedelta(days=8))
    for user in (RECRUITER, MEMBER):
        app.client.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME"})
    app.slack.wait_for(lambda: app.slack.home(RECRUITER) is not None and app.slack.home(MEMBER) is not None)
    recruiter_home = all_text(app.slack.home(RECRUITER))
    assert (
        "Waiting on you" in recruiter_home
        and "Stale Sam" in recruiter_home
        and "8 days in this stage" in recruiter_home
    )
    assert "*Backend Developer* (1 candidates, 0 hired)" in recruiter_home and "Resume screening 1" in recruiter_home
    member_home = all_text(app.slack.home(MEMBER))
    assert "Stale Sam" not in member_home and "/hiring help" in member_home


def test_export_holds_every_stage_event(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    make_role(app)
    candidate = add_candidate(app)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    submit_reason(app, RECRUITER, click_for_view(app, RECRUITER, candidate, HOLD), "Paused")
    wait_replies(app, candidate, 3)
    monkeypatch.setenv("DATABASE_URL", app.services.db.url)
    capsys.readouterr()
    assert main(["export"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["title"] for r in data["roles"]] == ["Backend Developer"]
    assert data["candidates"][0]["email"] == "casey@example.org"
    assert [(e["action"], e["to_stage"], e["reason"]) for e in data["stage_events"]] == [
        ("created", "resume-screen", "Referral"),
        ("advance", "hiring-manager-technical", None),
        ("hold", "hiring-manager-technical", "Paused"),
    ]
    assert main(["export", "--format", "csv", "--out", str(tmp_path)]) == 0
    with (tmp_path / "stage_events.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["action"] for r in rows] == ["created", "advance", "hold"]
    with (tmp_path / "roles.csv").open() as handle:
        assert next(csv.DictReader(handle))["hiring_manager_ids"] == HIRING_MANAGER


def test_the_summary_shows_the_next_scheduled_round(app: RunningApp) -> None:
    make_role(app)
    casey = add_candidate(app)
    add_candidate(app, name="Ana Alpha", email="a@example.org")
    assert "Next interview" not in said(app.client.command(RECRUITER, "/candidate", "casey"))
    start = app.clock.now().replace(minute=0, second=0, microsecond=0)
    with app.services.db.transaction() as session:
        ids = [
            schedule_round(
                session, app.services.kits, candidate_id=casey.id or 0, stage_key="hiring-manager-technical",
                interviewer_ids=[INTERVIEWER_1], starts_at=start + timedelta(days=days), duration_minutes=60,
                location=None, actor=RECRUITER, now=app.clock.now(), anyway=True,
            ).interview.id or 0
            for days in (1, 5, 3, 4)
        ]  # fmt: skip
    app.clock.advance(timedelta(days=2))  # the first is over; the one on day 3 is next
    with app.services.db.transaction() as session:
        cancel(session, load_round(session, app.services.kits, ids[2]), actor=RECRUITER, now=app.clock.now())
        for action, reason in (("hold", "on leave"), ("reopen", "back")):
            change_stage(session, app.services.kits, casey.id or 0, action, RECRUITER, app.clock.now(), reason=reason)
    sent: list[str] = []
    for engine in app.services.db.engines:
        event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    text = said(app.client.command(RECRUITER, "/candidate", "casey"))
    # Day 3 was cancelled: day 4 is next, though scheduled after day 5.
    assert f"Next interview: {slack_date(start + timedelta(days=4))}" in text
    # Each stage event once, in order, whatever the rounds: the history comes with the next round.
    history = [line.split("> ", 1)[1] for line in text.splitlines() if f"by <@{RECRUITER}>" in line]
    assert [h.split(" by ")[0] for h in history] == ["created", "put on hold", "reopened"], text
    # The search, then the role, the next round and the stage events: two reads on both databases.
    assert len([s for s in sent if s.lstrip().startswith("SELECT")]) == 2, sent
    assert "Next interview" not in said(app.client.command(RECRUITER, "/candidate", "ana"))
