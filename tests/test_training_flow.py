"""Training in Slack, end to end through the app: the schedule form adds the trainee from the pool,
shadows are briefed without a scorecard, the qualified interviewer signs off in a DM, recruiters
get *Add to pool* (anyone else is told who may), the App Home shows the trainee's progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from blocks.candidate import ADVANCE, SCHEDULE
from blocks.pools import FROM_POOL
from blocks.scorecard import SUBMIT
from blocks.times import SUGGESTED
from blocks.training import ADD_TO_POOL, SIGNOFF_READY, SIGNOFF_VIEW, TRAINEE
from bot.devtools import form_actions
from bot.devtools.slack_requests import text_value, users_value
from bot.rules.pools import add_members, pool_of
from bot.rules.rounds import load_round
from bot.rules.scheduling import schedule_round
from models.tables import Interview
from tests.conftest import HIRING_MANAGER, RECRUITER, RunningApp, shipped_kits
from tests.flows import (
    add_candidate,
    all_text,
    click_card,
    click_for_view,
    dispatch,
    dispatch_held,
    dm_button,
    dms,
    make_role,
    new_view,
    views_opened,
    wait_replies,
)
from tests.test_availability import STAGE
from tests.test_calendar_connect import home
from tests.test_find_time import sqlite_only
from tests.test_pools import POOL
from tests.test_training import TRAINEE as TRAINEE_ID


def test_a_trainee_is_added_from_the_pool_briefed_signed_off_and_added_in_slack(app: RunningApp) -> None:
    sqlite_only(app)
    app.slack.add_user(TRAINEE_ID, "tia", real_name="Tia Trainee")
    app.slack.add_user(POOL[2], "theo", real_name="Theo Third")
    make_role(app)
    with app.services.db.transaction() as session:
        add_members(session, shipped_kits(), 1, STAGE, POOL, trainee=False, actor=RECRUITER, now=app.clock.now())
        add_members(session, shipped_kits(), 1, STAGE, [TRAINEE_ID], trainee=True, actor=RECRUITER,
                    now=app.clock.now())  # fmt: skip
    candidate = add_candidate(app)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    view = click_for_view(app, RECRUITER, candidate, SCHEDULE)
    field = next(b for b in view["blocks"] if str(b.get("block_id", "")).startswith(TRAINEE))
    assert "0 of 2 shadows, 0 of 1 reverse shadows; next: shadow" in field["hint"]["text"]
    # From the pool: each time comes with its panel and the trainee, who fills in with it.
    option = next(b for b in view["blocks"] if b.get("block_id") == FROM_POOL)["elements"][0]["options"][0]
    values: dict[str, Any] = {
        FROM_POOL: {FROM_POOL: {"type": "checkboxes", "selected_options": [option]}},
        "stage": {"value": {"type": "static_select", "selected_option": {"value": STAGE}}},
    }
    action = {"type": "checkboxes", "action_id": FROM_POOL, "block_id": FROM_POOL, "selected_options": [option]}
    offered = form_actions.suggestions(form_actions.act_in_view(app.client, app.slack, RECRUITER, action, values))
    # The trainee (New York) is free later in the day than Ivan (São Paulo): times without them come first.
    first = next(o for o in offered if o["value"].endswith(f"|{TRAINEE_ID}"))
    assert "(trainee)" in first["description"]["text"]
    filled = form_actions.choose_suggestion(app.client, app.slack, RECRUITER, first, values)
    picked = {**values, SUGGESTED: {SUGGESTED: {"type": "static_select", "selected_option": first}}}
    blocks = {str(b.get("block_id", "")).split("~")[0]: b for b in filled["blocks"]}
    assert blocks[TRAINEE]["element"]["initial_user"] == TRAINEE_ID  # still changeable before submitting
    ids = {str(b["block_id"]).split("~")[0]: b["block_id"] for b in filled["blocks"] if "block_id" in b}
    chosen = first["value"].split("|")[1].split(",")
    starts = first["value"].split("|")[0]
    local = app.services.zone_of(RECRUITER)
    at = datetime.strptime(starts, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC).astimezone(ZoneInfo(local))
    submitted = {
        **picked,
        ids["interviewers"]: users_value(chosen),
        ids[TRAINEE]: {"value": {"type": "users_select", "selected_user": TRAINEE_ID}},
        ids["date"]: {"value": {"type": "datepicker", "selected_date": at.strftime("%Y-%m-%d")}},
        ids["time"]: {"value": {"type": "timepicker", "selected_time": at.strftime("%H:%M")}},
        "duration": {"value": {"type": "number_input", "value": "60"}},
        "location": text_value("https://meet.example.com/x"),
    }
    assert app.client.view_submission(RECRUITER, filled, submitted).text == ""
    app.wait_idle()
    with app.services.db.read() as session:
        interview = session.exec(select(Interview)).one()
        ctx = load_round(session, shipped_kits(), interview.id or 0)
    assert ctx.shadows == (TRAINEE_ID,) and TRAINEE_ID not in ctx.panel
    assert "shadowing: <@" in all_text(wait_replies(app, candidate, 3)[-1])
    dispatch(app, interview.ends_at)
    shadow_dms = "\n".join(dms(app, TRAINEE_ID))
    assert "You are shadowing" in shadow_dms and "not asked for a scorecard" in shadow_dms
    assert not any(
        e.get("action_id") == SUBMIT for m in app.slack.dm_messages(TRAINEE_ID) for b in m.get("blocks", [])
        for e in b.get("elements", [])
    )  # fmt: skip
    assert "What did you learn?" in shadow_dms

    # A second shadow and a reverse shadow later (booked like any round), then the sign-off in Slack.
    now = interview.ends_at + timedelta(hours=1)
    app.clock.set(now)
    with app.services.db.transaction() as session:
        second = schedule_round(session, shipped_kits(), candidate_id=candidate.id or 0, stage_key=STAGE,
                                interviewer_ids=[POOL[0]], starts_at=now + timedelta(hours=2), duration_minutes=60,
                                location=None, actor=RECRUITER, now=now, trainee=TRAINEE_ID, anyway=True)  # fmt: skip
    assert second.shadows == (TRAINEE_ID,)
    now += timedelta(hours=4)
    app.clock.set(now)
    with app.services.db.transaction() as session:
        reverse = schedule_round(session, shipped_kits(), candidate_id=candidate.id or 0, stage_key=STAGE,
                                 interviewer_ids=[POOL[1]], starts_at=now + timedelta(hours=2), duration_minutes=60,
                                 location=None, actor=RECRUITER, now=now, trainee=TRAINEE_ID, anyway=True)  # fmt: skip
    assert reverse.reverse_shadow == TRAINEE_ID and TRAINEE_ID in reverse.panel
    app.clock.set(reverse.interview.ends_at + timedelta(minutes=1))
    dispatch_held(app, POOL[1])  # the sign-off request waits for their working hours
    assert any("led" in m and "in reverse shadow" in m for m in dms(app, POOL[1]))
    button = dm_button(app, POOL[1], SIGNOFF_READY)
    before = views_opened(app, POOL[1])
    app.client.block_action(POOL[1], SIGNOFF_READY, button["value"], block_id="signoff", channel_id=f"D{POOL[1]}")
    modal = new_view(app, POOL[1], before)
    assert modal["callback_id"] == SIGNOFF_VIEW
    answer = app.client.view_submission(POOL[1], modal, {"comment": text_value("Clear, kind, on time.")})
    assert answer.text == ""
    app.wait_idle()
    # The trainee and the recruiters hear at their next working hours.
    dispatch_held(app, TRAINEE_ID)
    dispatch(app, app.clock.now() + timedelta(days=1))
    assert any("Ready from" in m and "Clear, kind, on time." in m for m in dms(app, TRAINEE_ID))
    assert any("You have finished training" in m for m in dms(app, TRAINEE_ID))
    assert "training, 2 of 2 shadows, 1 of 1 reverse shadows" in all_text(home(app, TRAINEE_ID))
    decision = dm_button(app, RECRUITER, ADD_TO_POOL)
    assert any("has finished training" in m for m in dms(app, RECRUITER))
    # Only recruiters of the role approve; the refusal names who may.
    app.client.block_action(HIRING_MANAGER, ADD_TO_POOL, decision["value"], block_id="training_decision",
                            channel_id=f"D{HIRING_MANAGER}")  # fmt: skip
    app.wait_idle()
    told = app.slack.dm_messages(HIRING_MANAGER) + app.slack.ephemerals(HIRING_MANAGER)
    assert any("add trainees to the pool" in all_text(m) and f"<@{RECRUITER}>" in all_text(m) for m in told)
    with app.services.db.read() as session:
        assert TRAINEE_ID in pool_of(session, shipped_kits(), 1, STAGE).trainees
    asked = next(m for m in app.slack.dm_messages(RECRUITER) if "has finished training" in all_text(m))
    app.client.block_action(RECRUITER, ADD_TO_POOL, decision["value"], block_id="training_decision",
                            channel_id=app.slack.dm_id(RECRUITER), message_ts=asked["ts"])  # fmt: skip
    app.wait_idle()
    with app.services.db.read() as session:
        assert TRAINEE_ID in pool_of(session, shipped_kits(), 1, STAGE).qualified
    updated = next(m for m in app.slack.dm_messages(RECRUITER) if m["ts"] == asked["ts"])
    assert "is now in the pool" in all_text(updated) and ADD_TO_POOL not in all_text(updated)
    dispatch(app, app.clock.now() + timedelta(days=1))
    assert any("added you to the pool" in m for m in dms(app, TRAINEE_ID))
