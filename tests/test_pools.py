"""Interviewer pools (bot/rules/pools.py): managed with `interview-bot pool`, and scheduling *From
the pool*: the fairest free panel for each time. Twelve rounds booked from a pool of three over two
weeks leave everyone within one round of the others; a member at their weekly cap is never picked;
with everyone capped the form says so, naming the caps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from blocks.candidate import ADVANCE, SCHEDULE
from blocks.pools import FROM_POOL
from blocks.reports import report_blocks
from bot.cli import main
from bot.devtools import form_actions
from bot.reporting.home import home_summary
from bot.reporting.html import render_html
from bot.reporting.reports import build_report
from bot.rules.availability import PanelTimes, limits_for
from bot.rules.errors import UserError
from bot.rules.people import set_schedule
from bot.rules.pools import add_members, loads, pool_of, suggest_from_pool
from bot.rules.scheduling import schedule_round
from bot.wiring.db import Database
from models.tables import Interview, Role
from tests.conftest import INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp, shipped_kits
from tests.flows import add_candidate, all_text, click_card, click_for_view, make_role, wait_replies
from tests.test_availability import NOW, STAGE, candidates
from tests.test_find_time import sqlite_only

THIRD = "U0INTTHREE"
POOL = [INTERVIEWER_1, INTERVIEWER_2, THIRD]
ZONES = {u: "America/New_York" for u in POOL}


def pooled(db: Database, role_id: int = 1) -> None:
    with db.transaction() as session:
        add_members(session, shipped_kits(), role_id, STAGE, POOL, trainee=False, actor=RECRUITER, now=NOW)


def test_a_pool_is_managed_and_bad_input_is_named(db: Database) -> None:
    candidates(db, 1)  # the role
    pooled(db)
    with db.transaction() as session:
        add_members(session, shipped_kits(), 1, STAGE, ["U0TRAINEE"], trainee=True, actor=RECRUITER, now=NOW)
        pool = pool_of(session, shipped_kits(), 1, STAGE)
    assert pool.qualified == tuple(sorted(POOL)) and pool.trainees == ("U0TRAINEE",)
    for stage, users, said in (
        ("no-such-stage", [THIRD], "has no stage 'no-such-stage'"),
        ("resume-screen", [THIRD], "not an interview"),
        (STAGE, ["casey"], "`casey` is not a Slack user ID"),
        (STAGE, [], "Name at least one person"),
    ):
        with pytest.raises(UserError, match=said), db.transaction() as session:
            add_members(session, shipped_kits(), 1, stage, users, trainee=False, actor=RECRUITER, now=NOW)


def test_twelve_rounds_from_a_pool_of_three_keep_everyone_within_one_round(db: Database) -> None:
    ids = candidates(db, 12)
    pooled(db)
    kit = shipped_kits().kits["backend-mid"]
    limits = limits_for(kit, kit.stage(STAGE))
    now = NOW
    for n, candidate_id in enumerate(ids):
        with db.transaction() as session:
            found = suggest_from_pool(session, POOL, PanelTimes(zones=ZONES), 60, now, limits, size=1)
            slot = found.slots[0]
            schedule_round(session, shipped_kits(), candidate_id=candidate_id, stage_key=STAGE,
                           interviewer_ids=list(slot.panel), starts_at=slot.starts_at, duration_minutes=60,
                           location=None, actor=RECRUITER, now=now, times=PanelTimes(zones=ZONES))  # fmt: skip
            counts = [load.recent for load in loads(session, POOL, now).values()]
        assert max(counts) - min(counts) <= 1, (n, counts)
        now += timedelta(hours=28)  # twelve rounds over two weeks
    with db.read() as session:
        assert sorted(load.recent for load in loads(session, POOL, NOW).values()) == [4, 4, 4]
        # The report's interviewer load says the same, per ISO week, with its spread and a chart.
        roles = list(session.exec(select(Role)))
        report = build_report(session, shipped_kits(), roles, now)
        summary = home_summary(session, shipped_kits(), roles, now)
    [pool] = report.overall.pools
    assert pool.stage_name == "Hiring manager technical interview" and len(pool.weeks) == 4
    assert sorted(m.total for m in pool.members) == [4, 4, 4] and pool.spread == 0
    assert pool.weeks[0] == "2026-W47" and sum(m.per_week[0] for m in pool.members) == 0  # before the first round
    assert report.roles[0].pools == report.overall.pools
    html = render_html(report)
    assert "<h3>Interviewer load</h3>" in html and "spread 0" in html and "Interviewer load: Times" in html
    assert "spread 0" in all_text([b.to_dict() for b in report_blocks(report, role_detail=False)])
    assert summary.load is not None and {summary.load[0][1], summary.load[1][1]} == {4}


def test_a_member_at_their_weekly_cap_is_never_picked_and_all_capped_is_named(db: Database) -> None:
    ids = candidates(db, 4)
    pooled(db)
    kit = shipped_kits().kits["backend-mid"]
    limits = limits_for(kit, kit.stage(STAGE))
    with db.transaction() as session:
        for user in POOL:
            set_schedule(session, user, spec=None, max_per_day=1, max_per_week=1, actor=RECRUITER, now=NOW)
    # THIRD has had their one interview this week: never picked this week, while the others are.
    with db.transaction() as session:
        schedule_round(session, shipped_kits(), candidate_id=ids[0], stage_key=STAGE, interviewer_ids=[THIRD],
                       starts_at=NOW + timedelta(hours=6), duration_minutes=60, location=None, actor=RECRUITER,
                       now=NOW)  # fmt: skip
        found = suggest_from_pool(session, POOL, PanelTimes(zones=ZONES), 60, NOW, limits, size=1, count=100)
    this_week = [s for s in found.slots if s.starts_at.isocalendar()[1] == NOW.isocalendar()[1]]
    assert this_week and all(THIRD not in s.panel for s in this_week)
    # Everyone at their cap (and a horizon inside this week): nothing, and why, per person.
    with db.transaction() as session:
        for n, user in enumerate([INTERVIEWER_1, INTERVIEWER_2], start=1):
            schedule_round(session, shipped_kits(), candidate_id=ids[n], stage_key=STAGE, interviewer_ids=[user],
                           starts_at=NOW + timedelta(days=1, hours=6 + n * 2), duration_minutes=60, location=None,
                           actor=RECRUITER, now=NOW)  # fmt: skip
        short = limits.__class__(**{**limits.__dict__, "horizon_days": 4})
        none = suggest_from_pool(session, POOL, PanelTimes(zones=ZONES), 60, NOW, short, size=1)
    assert none.slots == []
    assert sorted((r.user_id, r.why) for r in none.reasons) == sorted((u, "week_cap") for u in POOL)


def test_the_schedule_form_picks_the_panel_from_the_pool(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    pooled(app.services.db)
    candidate = add_candidate(app)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    view = click_for_view(app, RECRUITER, candidate, SCHEDULE)
    choice = next(b for b in view["blocks"] if b.get("block_id") == FROM_POOL)
    assert "From the pool (3:" in all_text([choice])
    option = choice["elements"][0]["options"][0]
    values: dict[str, Any] = {
        FROM_POOL: {FROM_POOL: {"type": "checkboxes", "selected_options": [option]}},
        "stage": {"value": {"type": "static_select", "selected_option": {"value": STAGE}}},
    }
    action = {"type": "checkboxes", "action_id": FROM_POOL, "block_id": FROM_POOL, "selected_options": [option]}
    ticked = form_actions.act_in_view(app.client, app.slack, RECRUITER, action, values)
    offered = form_actions.suggestions(ticked)
    assert offered and all("|" in o["value"] for o in offered)
    first = offered[0]
    chosen = first["value"].split("|")[1].split(",")
    assert len(chosen) == 1 and chosen[0] in POOL and first["description"]["text"]
    filled = form_actions.choose_suggestion(app.client, app.slack, RECRUITER, first, values)
    blocks = {str(b.get("block_id", "")).split("~")[0]: b for b in filled["blocks"]}
    assert blocks["interviewers"]["element"]["initial_users"] == chosen  # the panel, still changeable
    assert blocks["date"]["element"]["initial_date"] and blocks["time"]["element"]["initial_time"]


def test_pool_commands(db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                       tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db.url)
    candidates(db, 1)  # the role "Times"

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out + err

    code, out = run("pool", "add", "--role", "Times", "--stage", STAGE, INTERVIEWER_1, INTERVIEWER_2)
    assert (
        code == 0 and f"Times · Hiring manager technical interview ({STAGE}): {INTERVIEWER_1}, {INTERVIEWER_2}" in out
    )
    code, out = run("pool", "add", "--role", "1", "--stage", STAGE, "U0TRAINEE", "--trainee")
    assert code == 0 and "trainees: U0TRAINEE" in out
    code, out = run("pool", "remove", "--role", "1", "--stage", STAGE, INTERVIEWER_2)
    assert code == 0 and INTERVIEWER_2 not in out
    code, out = run("pool", "list")
    assert (
        code == 0
        and out.strip()
        == f"Times · Hiring manager technical interview ({STAGE}): {INTERVIEWER_1}; "
        "trainees: U0TRAINEE (0 of 2 shadows, 0 of 1 reverse shadows)"
    )
    code, out = run("pool", "digest", "--role", "Times", "on")
    assert code == 0 and "Times: its recruiters gets the weekly interviewer-load digest" in out
    code, out = run("pool", "add", "--role", "Nope", "--stage", STAGE, INTERVIEWER_1)
    assert code == 1 and "There is no role 'Nope'" in out
    with db.read() as session:
        assert session.exec(select(Interview)).all() == []


def test_with_everyone_capped_the_form_names_the_caps() -> None:
    from zoneinfo import ZoneInfo

    from blocks.pools import pool_suggestion_blocks
    from bot.rules.slots import Reason

    reasons = [Reason(INTERVIEWER_1, "week_cap", "8"), Reason(INTERVIEWER_2, "day_cap", "3")]
    names = {INTERVIEWER_1: "Ines", INTERVIEWER_2: "Ivan"}
    blocks = pool_suggestion_blocks([], reasons, [], {}, ZoneInfo("UTC"), names.__getitem__, size=1, horizon_days=10)
    text = all_text([b.to_dict() for b in blocks])
    assert "No time in the next 10 working days has 1 of the pool free" in text
    assert "Ines has reached their interviews for the week (8 booked)" in text
    assert "Ivan has reached their interviews for the day (3 booked)" in text and "raise their caps" in text


def test_recruiters_edit_pools_in_the_app_home_and_others_are_told_who_may(app: RunningApp) -> None:
    sqlite_only(app)
    from blocks.pools import POOL_PICKED, POOLS_EDIT, POOLS_VIEW
    from bot.devtools.slack_requests import users_value
    from tests.flows import new_view, views_opened
    from tests.test_calendar_connect import button, home

    make_role(app)
    view = home(app, RECRUITER)
    assert "*Pools*" in all_text(view) and "No pools yet." in all_text(view)
    before = views_opened(app, RECRUITER)
    app.client.block_action(RECRUITER, POOLS_EDIT, button(view, POOLS_EDIT)["value"], block_id="pools", view=view)
    modal = new_view(app, RECRUITER, before)
    assert modal["callback_id"] == POOLS_VIEW
    options = [o["value"] for o in next(b for b in modal["blocks"] if b["block_id"] == "pool")["element"]["options"]]
    assert f"1:{STAGE}" in options and "1:resume-screen" not in options  # interview stages only
    # Pick the stage (the editor refills), then save its people.
    chosen = {"value": f"1:{STAGE}"}
    action = {"type": "static_select", "action_id": POOL_PICKED, "block_id": "pool", "selected_option": chosen}
    pool_value = {"pool": {POOL_PICKED: {"type": "static_select", "selected_option": chosen}}}
    picked = form_actions.act_in_view(app.client, app.slack, RECRUITER, action, pool_value)
    ids = {str(b["block_id"]).split("~")[0]: b["block_id"] for b in picked["blocks"] if "block_id" in b}
    values = {
        **pool_value,
        ids["qualified"]: users_value([INTERVIEWER_1, INTERVIEWER_2]),
        ids["trainees"]: users_value([INTERVIEWER_2]),
    }
    refused = app.client.view_submission(RECRUITER, picked, values).json()
    assert "both qualified and a trainee" in refused["errors"][ids["trainees"]]
    values[ids["trainees"]] = users_value([THIRD])
    assert app.client.view_submission(RECRUITER, picked, values).text == ""
    app.wait_idle()
    with app.services.db.read() as session:
        pool = pool_of(session, shipped_kits(), 1, STAGE)
    assert pool.qualified == tuple(sorted([INTERVIEWER_1, INTERVIEWER_2])) and pool.trainees == (THIRD,)
    assert f"<@{INTERVIEWER_1}>" in all_text(app.slack.home(RECRUITER) or {})
    assert "You interview for:\n• Backend Developer · Hiring manager technical interview" in all_text(
        home(app, INTERVIEWER_1)
    )
    # An interviewer has no editor, and a forged click is answered with who may.
    interviewer_home = home(app, INTERVIEWER_2)
    assert not [b for b in interviewer_home["blocks"] if b.get("block_id") == "pools"]
    app.client.block_action(INTERVIEWER_2, POOLS_EDIT, "edit", block_id="pools", view=interviewer_home)
    app.wait_idle()
    told = [m for m in app.slack.dm_messages(INTERVIEWER_2) + app.slack.ephemerals(INTERVIEWER_2)]
    assert any("Only recruiters can change interviewer pools. Recruiters here:" in all_text(m) for m in told)


def test_a_user_group_in_a_pool_is_resolved_when_scheduling(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    app.slack.add_usergroup("S0PANEL", "backend-panel", [INTERVIEWER_1, THIRD])
    with app.services.db.transaction() as session:
        add_members(session, app.services.kits, 1, STAGE, ["@backend-panel", INTERVIEWER_2], trainee=False,
                    actor=RECRUITER, now=NOW)  # fmt: skip
        for bad, said in (("@Not A Handle", "nor a user group's handle"), ("@backend-panel", "trainees are named")):
            with pytest.raises(UserError, match=said):
                add_members(session, app.services.kits, 1, STAGE, [bad], trainee=True, actor=RECRUITER, now=NOW)
    candidate = add_candidate(app)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    view = click_for_view(app, RECRUITER, candidate, SCHEDULE)
    choice = next(b for b in view["blocks"] if b.get("block_id") == FROM_POOL)
    assert "From the pool (3:" in all_text([choice])  # the group's two and the one named
    # The App Home's editor edits people only: saving it keeps the group.
    from bot.rules.pools import set_pool

    with app.services.db.transaction() as session:
        pool = set_pool(session, app.services.kits, 1, STAGE, [INTERVIEWER_2], [], actor=RECRUITER, now=NOW)
    assert pool.qualified == ("@backend-panel", INTERVIEWER_2)
    # The load counts the named member, and the group's members who sat on the stage's rounds.
    from bot.reporting.load import pool_loads

    with app.services.db.transaction() as session:
        schedule_round(session, app.services.kits, candidate_id=candidate.id or 0, stage_key=STAGE,
                       interviewer_ids=[THIRD], starts_at=NOW + timedelta(days=1), duration_minutes=60,
                       location=None, actor=RECRUITER, now=NOW)  # fmt: skip
        [load] = pool_loads(session, app.services.kits, [1], NOW)
    assert {m.user_id: m.total for m in load.members} == {INTERVIEWER_2: 0, THIRD: 1}


def test_the_weekly_load_digest_goes_once_a_week_to_roles_that_asked(app: RunningApp) -> None:
    from bot.rules.load_digest import set_digest
    from bot.wiring.scheduler import sweep
    from tests.flows import dispatch, dms

    make_role(app)
    pooled(app.services.db)
    # A workspace member, so their round's messages go out rather than retrying behind each other.
    app.slack.add_user(THIRD, "thea")
    candidate = add_candidate(app)
    with app.services.db.transaction() as session:
        schedule_round(session, app.services.kits, candidate_id=candidate.id or 0, stage_key=STAGE,
                       interviewer_ids=[THIRD], starts_at=NOW + timedelta(days=1), duration_minutes=60,
                       location=None, actor=RECRUITER, now=NOW)  # fmt: skip
    app.clock.set(NOW.replace(hour=8))  # Monday before 09:00 UTC: not yet
    sweep(app.services)
    dispatch(app)
    assert not any("Interviewer load" in text for text in dms(app, RECRUITER))  # not asked for
    with app.services.db.transaction() as session:
        set_digest(session, 1, True)
    sweep(app.services)
    dispatch(app)
    assert not any("Interviewer load" in text for text in dms(app, RECRUITER))  # before Monday 09:00
    for hours in (2, 30, 50):  # Monday 10:00, Tuesday, Wednesday: one digest this week
        app.clock.set(NOW.replace(hour=8) + timedelta(hours=hours))
        sweep(app.services)
        dispatch(app)
    digests = [text for text in dms(app, RECRUITER) if "Interviewer load for Backend Developer" in text]
    assert len(digests) == 1
    assert "spread 1" in digests[0] and f"<@{THIRD}> 1" in digests[0] and f"<@{INTERVIEWER_1}> 0" in digests[0]
    # The next Monday's digest is queued at 09:00 UTC and waits for the recruiter's hours in New York.
    app.clock.set(NOW + timedelta(days=7, hours=1))
    sweep(app.services)
    dispatch(app)
    app.clock.set(NOW + timedelta(days=7, hours=5))  # the next Monday, 09:00 in New York
    sweep(app.services)
    dispatch(app)
    assert len([text for text in dms(app, RECRUITER) if "Interviewer load for" in text]) == 2
