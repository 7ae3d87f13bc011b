"""People's working hours and caps: stored per person, set by an admin with `interview-bot hours`,
read back by the slot finder's inputs (bot/rules/people.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.rules.people import schedule_of
from bot.wiring.db import Database
from tests.conftest import INTERVIEWER_1


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
