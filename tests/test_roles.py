"""Role rules, with no Slack: validation and atomic writes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.rules.errors import UserError
from bot.rules.roles import add_role, list_roles
from bot.wiring.db import Database
from models.tables import Candidate, Role
from tests.conftest import shipped_kits

KITS = shipped_kits()


def add(db: Database, **kw: object) -> Role:
    values: dict[str, object] = {
        "title": "Backend Developer",
        "kit_key": "backend-mid",
        "channel_id": "C0HIRING",
        "hiring_manager_ids": ["U0MANAGER"],
        "recruiter_ids": ["U0RECRUIT"],
        **kw,
    }
    with db.transaction() as session:
        return add_role(session, KITS, **values)  # type: ignore[arg-type]


def test_add_role_takes_kit_level_by_default(db: Database) -> None:
    role = add(db)
    assert role.id == 1 and role.level == "mid" and role.kit_key == "backend-mid"
    assert add(db, title="Senior", level="senior").level == "senior"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kit_key": "nope"}, "Unknown kit 'nope'. Available kits: backend-developer, backend-mid,"),
        ({"channel_id": "hiring"}, "'hiring' is not a Slack channel ID. Use the ID (like C0123ABCD)"),
        ({"hiring_manager_ids": []}, "A role needs at least one hiring manager"),
        ({"hiring_manager_ids": ["bob"]}, "--hiring-manager 'bob' is not a Slack user ID"),
        ({"recruiter_ids": ["U0AB,x y"]}, "--recruiter 'x y' is not a Slack user ID"),
        ({"title": "  "}, "The role needs a title"),
        ({"title": "x" * 121}, "The title is 121 characters; keep it to 120."),
        ({"level": "staff"}, "Unknown level 'staff'; use one of junior, mid, senior, principal."),
    ],
)
def test_bad_role_input_is_refused_with_the_fix(db: Database, overrides: dict, message: str) -> None:
    with pytest.raises(UserError) as caught:
        add(db, **overrides)
    assert caught.value.message.startswith(message)
    with db.read() as session:
        assert session.exec(select(Role)).all() == []


def test_duplicate_title_refused_and_nothing_written(db: Database) -> None:
    add(db)
    with pytest.raises(UserError, match="A role titled 'Backend Developer' already exists"):
        add(db)
    with db.read() as session:
        assert len(session.exec(select(Role)).all()) == 1


def test_transaction_rolls_back_everything_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        add_role(session, KITS, title="T", kit_key="backend-mid", channel_id="C1AB", hiring_manager_ids=["U1AB"])
        raise RuntimeError("boom after the insert")
    with db.read() as session:
        assert session.exec(select(Role)).all() == []


def test_list_roles_counts_candidates_by_status(db: Database) -> None:
    role = add(db)
    with db.transaction() as session:
        for status in ["active", "active", "hired"]:
            session.add(
                Candidate(role_id=role.id, name="A", name_key="a", email="a@x.io", stage_key="s", status=status)
            )
    with db.read() as session:
        (summary,) = list_roles(session, KITS)
    assert summary.by_status == {"active": 2, "hired": 1}
    assert summary.kit is not None and summary.kit.key == "backend-mid"
