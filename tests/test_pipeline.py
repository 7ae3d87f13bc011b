"""Pipeline rules with no Slack: forms, transitions, search, boards, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.rules.candidates import CandidateForm, FormErrors, create_candidate, find_candidates, fold
from bot.rules.errors import UserError
from bot.rules.pipeline import change_stage, pipeline_boards, waiting_on_recruiters
from bot.rules.roles import add_role
from bot.wiring.db import Database
from models.tables import Candidate, Interview, InterviewStatus, StageEvent
from tests.conftest import shipped_kits

KITS = shipped_kits()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def setup(db: Database, *names: str) -> list[int]:
    with db.transaction() as session:
        role = add_role(
            session, KITS, title="Backend", kit_key="backend-mid", channel_id="C0HIRING", hiring_manager_ids=["U0HM"]
        )
        ids = []
        for i, name in enumerate(names or ("Casey",)):
            form = CandidateForm.parse({"name": name, "email": f"c{i}@example.org", "role_id": role.id})
            ids.append(create_candidate(session, KITS, form, "U0REC", NOW).id)
    return ids


def test_fold_removes_case_and_accents() -> None:
    assert fold("  Zoë ÅNGSTRÖM ") == "zoe angstrom"
    assert fold("Łukasz") == "łukasz"  # no decomposition exists for Ł: kept, still lower-case


def test_form_collects_every_problem() -> None:
    with pytest.raises(FormErrors) as caught:
        CandidateForm.parse({"name": "", "email": "nope", "link": "ftp://x", "slack_user_id": "bob"})
    assert caught.value.errors == {
        "name": "Enter the candidate's name.",
        "email": "'nope' is not an email address; enter one like name@example.com.",
        "role_id": "Pick the role.",
        "slack_user_id": "Pick the candidate's Slack user from the list, or leave it empty.",
        "link": "'ftp://x' is not a web link; enter a full URL starting with https://.",
    }


def test_transitions_and_their_refusals(db: Database) -> None:
    (cid,) = setup(db)
    stages = KITS.kits["backend-mid"].stages
    with db.transaction() as session:
        with pytest.raises(UserError, match="Say why you hold Casey"):
            change_stage(session, KITS, cid, "hold", "U0REC", NOW)
        with pytest.raises(UserError, match=r"Casey is active; only held or rejected candidates can be reopened\."):
            change_stage(session, KITS, cid, "reopen", "U0REC", NOW)
        with pytest.raises(UserError, match="'promote' is not a stage change"):
            change_stage(session, KITS, cid, "promote", "U0REC", NOW)
    for i in range(1, len(stages)):
        with db.transaction() as session:
            change = change_stage(session, KITS, cid, "advance", "U0REC", NOW + timedelta(days=i))
        assert change.to_stage.key == stages[i].key and not change.hired
    with db.transaction() as session:
        change = change_stage(session, KITS, cid, "advance", "U0REC", NOW + timedelta(days=9))
    assert change.hired and change.event.action == "hire" and change.to_stage.key == stages[-1].key
    with db.transaction() as session, pytest.raises(UserError, match=r"Casey is hired; reopen them before advancing\."):
        change_stage(session, KITS, cid, "advance", "U0REC", NOW)
    with db.read() as session:
        candidate = session.get(Candidate, cid)
        assert candidate and candidate.stage_entered_at == NOW + timedelta(days=len(stages) - 1)


def test_stale_expected_state_changes_nothing(db: Database) -> None:
    (cid,) = setup(db)
    with db.transaction() as session:
        change_stage(session, KITS, cid, "advance", "U0REC", NOW, expected=("resume-screen", "active"))
    with db.transaction() as session, pytest.raises(UserError, match="has changed since this was shown"):
        change_stage(session, KITS, cid, "advance", "U0REC", NOW, expected=("resume-screen", "active"))


def test_concurrent_double_advance_takes_effect_once(db: Database) -> None:
    (cid,) = setup(db)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def click() -> None:
        barrier.wait()
        try:
            with db.transaction() as session:
                change_stage(session, KITS, cid, "advance", "U0REC", NOW, expected=("resume-screen", "active"))
            outcomes.append("changed")
        except UserError:
            outcomes.append("refused")

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["changed", "refused", "refused", "refused"]
    with db.read() as session:
        actions = [e.action for e in session.exec(select(StageEvent).where(StageEvent.candidate_id == cid))]
    assert actions == ["created", "advance"]


def test_search_by_id_email_and_folded_name(db: Database) -> None:
    ids = setup(db, "Zoë Ångström", "Zoltan Kovacs", "100% Real_Name")
    with db.read() as session:
        assert [c.id for c in find_candidates(session, "ZOE")] == [ids[0]]
        assert [c.id for c in find_candidates(session, f"#{ids[1]}")] == [ids[1]]
        assert [c.id for c in find_candidates(session, "c1@example")] == [ids[1]]
        assert len(find_candidates(session, "zo")) == 2
        # LIKE wildcards in the query are literal.
        assert [c.id for c in find_candidates(session, "100%")] == [ids[2]]
        assert find_candidates(session, "rea__name") == []  # would match real_name if _ were a wildcard
        assert find_candidates(session, "#999") == []


def test_boards_and_waiting(db: Database) -> None:
    ids = setup(db, "Ana", "Ben", "Cy")
    with db.transaction() as session:
        change_stage(session, KITS, ids[0], "advance", "U0REC", NOW + timedelta(days=1))
        change_stage(session, KITS, ids[2], "reject", "U0REC", NOW, reason="No")
    later = NOW + timedelta(days=8)
    with db.read() as session:
        (board,) = pipeline_boards(session, KITS, later)
        waiting = waiting_on_recruiters(session, KITS, later)
        (counted,) = pipeline_boards(session, KITS, later, names=False)
    counts = {c.stage.key: c.count for c in board.columns}
    assert counts["resume-screen"] == 1 and counts["hiring-manager-technical"] == 1
    assert board.by_status == {"active": 2, "rejected": 1}
    assert [[c.name for c, _ in column.candidates] for column in board.columns][:2] == [["Ben"], ["Ana"]]
    # Without names (the App Home): the same counts, no candidates read.
    assert [(c.count, c.candidates) for c in counted.columns] == [(c.count, []) for c in board.columns]
    assert counted.by_status == board.by_status
    # Ana moved a week ago to the day: not yet stale. Cy is rejected: nothing to decide.
    assert [(w.candidate.name, w.why) for w in waiting] == [("Ben", "8 days in this stage")]


def debriefed_round(session: Session, candidate_id: int, stage_key: str, at: datetime) -> None:
    session.add(
        Interview(
            candidate_id=candidate_id, stage_key=stage_key, starts_at=at - timedelta(hours=2),
            ends_at=at - timedelta(hours=1), status=InterviewStatus.debriefed, debriefed_at=at,
        )
    )  # fmt: skip


def test_waiting_when_all_feedback_is_in(db: Database) -> None:
    ana, ben, cy, dee = setup(db, "Ana", "Ben", "Cy", "Dee")
    with db.transaction() as session:
        change_stage(session, KITS, cy, "advance", "U0REC", NOW + timedelta(hours=5))
        debriefed_round(session, ana, "resume-screen", NOW + timedelta(hours=2))
        debriefed_round(session, ana, "resume-screen", NOW + timedelta(hours=1))  # two rounds: listed once
        debriefed_round(session, ben, "resume-screen", NOW + timedelta(hours=3))
        debriefed_round(session, cy, "resume-screen", NOW + timedelta(hours=4))  # a stage they have left
        debriefed_round(session, dee, "resume-screen", NOW - timedelta(hours=1))  # before they entered it
    later = NOW + timedelta(days=1)
    with db.read() as session:
        waiting = waiting_on_recruiters(session, KITS, later)
        two = waiting_on_recruiters(session, KITS, later, limit=2)
    decide = "all feedback is in; decide the next step"
    # The earliest debrief first; the limit counts candidates, not rounds.
    assert [(w.candidate.name, w.why) for w in waiting] == [("Ana", decide), ("Ben", decide)]
    assert [w.candidate.name for w in two] == ["Ana", "Ben"]
