"""People's working hours and caps: stored per person, set by an admin with `interview-bot hours`,
read back by the slot finder's inputs (bot/rules/people.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blocks.hours import DAY_IDS, HOURS_EDIT, HOURS_VIEW, MAX_DAY, MAX_WEEK
from bot.cli import main
from bot.devtools.slack_requests import number_value, text_value
from bot.rules.people import schedule_of
from bot.wiring.db import Database
from models.tables import PersonRecord
from tests.conftest import INTERVIEWER_1, RunningApp
from tests.flows import all_text, new_view, views_opened
from tests.test_calendar_connect import button, home


def test_hours_set_and_show(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    monkeypatch.setenv("DATABASE_URL", db.url)

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out + err

    code, out = run("hours", "show", INTERVIEWER_1)
    assert code == 0 and "mon-fri 09:00-17:00 (the default); at most 3 interviews a day, 8 a week" in out
    code, out = run("hours", "set", INTERVIEWER_1, "Mon-Thu 10:00-16:00, fri 10:00-12:00", "--max-per-day", "2")
    assert code == 0 and out.strip() == (
        f"{INTERVIEWER_1}: mon-thu 10:00-16:00, fri 10:00-12:00; at most 2 interviews a day, 8 a week"
    )
    # A wrong spec or cap is refused naming it, and nothing changes.
    code, out = run("hours", "set", INTERVIEWER_1, "mon-thu 10:00-16:00, fry 10:00-12:00")
    assert code == 1 and "`fry 10:00-12:00` does not start with days" in out
    code, out = run("hours", "set", INTERVIEWER_1, "--max-per-week", "1")
    assert code == 1 and "2 interviews a day is more than 1 a week" in out
    code, out = run("hours", "set", "ines", "mon 09:00-10:00")
    assert code == 1 and "is not a Slack user ID" in out
    code, out = run("hours", "set", INTERVIEWER_1, "--max-per-week", "10")
    assert code == 0 and "mon-thu 10:00-16:00, fri 10:00-12:00; at most 2 interviews a day, 10 a week" in out
    with db.read() as session:
        schedule = schedule_of(session, INTERVIEWER_1)
    assert schedule.own_hours and schedule.hours.spec() == "mon-thu 10:00-16:00, fri 10:00-12:00"
    assert (schedule.max_per_day, schedule.max_per_week) == (2, 10)


def open_hours(app: RunningApp, user: str) -> dict[str, Any]:
    view = home(app, user)
    assert "Your working hours" in all_text(view) and "(the default)" in all_text(view)
    before = views_opened(app, user)
    clicked = button(view, HOURS_EDIT)
    assert app.client.block_action(user, HOURS_EDIT, clicked["value"], block_id="hours", view=view).status_code == 200
    modal = new_view(app, user, before)
    assert modal["callback_id"] == HOURS_VIEW
    return modal


def hours_values(days: dict[str, str], per_day: str = "3", per_week: str = "8") -> dict[str, Any]:
    values: dict[str, Any] = {day: text_value(days.get(day)) for day in DAY_IDS}
    values[MAX_DAY], values[MAX_WEEK] = number_value(per_day), number_value(per_week)
    return values


def test_each_person_sets_their_hours_and_caps_in_the_app_home(app: RunningApp) -> None:
    modal = open_hours(app, INTERVIEWER_1)
    # Filled in with the default, Monday to Friday, in Ines's own zone.
    fields = {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"] if b["type"] == "input"}
    assert [fields[d] for d in DAY_IDS] == ["09:00-17:00"] * 5 + [None, None]
    assert "America/Los_Angeles" in all_text(modal)
    # A wrong range is answered on its day, naming it; nothing is stored.
    bad = app.client.view_submission(
        INTERVIEWER_1, modal, hours_values({"mon": "09:00-12:00", "wed": "13:00-11:00"})
    ).json()
    assert list(bad["errors"]) == ["wed"] and "`13:00-11:00`, which ends before it starts" in bad["errors"]["wed"]
    too_many = app.client.view_submission(INTERVIEWER_1, modal, hours_values({"mon": "09:00-12:00"}, "9", "8")).json()
    assert list(too_many["errors"]) == [MAX_DAY]
    with app.services.db.read() as session:
        row = session.get(PersonRecord, INTERVIEWER_1)  # its zone is kept: nothing else
        assert row is not None and row.hours is None and row.max_per_day is None
    # Good hours: two ranges on Monday, Friday mornings; stored, and the Home says so.
    values = hours_values({"mon": "08:00-12:00, 13:00-16:00", "fri": "09:00-12:00"}, "2", "6")
    assert not app.client.view_submission(INTERVIEWER_1, modal, values).text
    app.wait_idle()
    with app.services.db.read() as session:
        schedule = schedule_of(session, INTERVIEWER_1)
    assert schedule.hours.spec() == "mon 08:00-12:00 13:00-16:00, fri 09:00-12:00"
    assert (schedule.max_per_day, schedule.max_per_week) == (2, 6)
    shown = all_text(app.slack.home(INTERVIEWER_1))
    assert (
        "mon 08:00-12:00 13:00-16:00, fri 09:00-12:00" in shown and "At most 2 interviews a day and 6 a week" in shown
    )
