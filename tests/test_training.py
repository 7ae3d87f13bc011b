"""Training new interviewers (bot/rules/training.py): a trainee shadows, then reverse-shadows, is
signed off and proposed for the pool; shadows never score nor count in a debrief."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.rules.availability import PanelTimes, limits_for
from bot.rules.errors import Forbidden, UserError
from bot.rules.pools import add_members, loads, suggest_from_pool
from bot.rules.rounds import load_round
from bot.rules.scheduling import schedule_round
from bot.rules.scorecards import check_can_score, debrief_for, pending_for, submit_scorecard
from bot.rules.training import closest_first, decide, part_for, progress_of, shadow_note, sign_off
from bot.wiring.db import Database
from models.tables import OutboxMessage, PoolMember, TrainingPart
from tests.conftest import RECRUITER, shipped_kits
from tests.test_availability import NOW, STAGE, candidates
from tests.test_pools import POOL, ZONES, pooled
from tests.test_purge import answers_for

TRAINEE = "U0TRAINEE1"
ZONED = {**ZONES, TRAINEE: "America/New_York"}


def with_trainee(db: Database) -> None:
    pooled(db)
    with db.transaction() as session:
        add_members(session, shipped_kits(), 1, STAGE, [TRAINEE], trainee=True, actor=RECRUITER, now=NOW)


def book_from_pool(db: Database, candidate_id: int, now: datetime, size: int = 1) -> tuple[int, str | None]:
    """What a recruiter does with *From the pool*: the first suggestion, with its trainee."""
    kit = shipped_kits().kits["backend-mid"]
    with db.transaction() as session:
        ahead = closest_first(progress_of(session, shipped_kits(), 1, STAGE, [TRAINEE], now))
        found = suggest_from_pool(session, POOL, PanelTimes(zones=ZONED), 60, now, limits_for(kit, kit.stage(STAGE)),
                                  size, trainees=[p.user_id for p in ahead])  # fmt: skip
        slot = found.slots[0]
        ctx = schedule_round(session, shipped_kits(), candidate_id=candidate_id, stage_key=STAGE,
                             interviewer_ids=list(slot.panel), starts_at=slot.starts_at, duration_minutes=60,
                             location=None, actor=RECRUITER, now=now, times=PanelTimes(zones=ZONED),
                             trainee=slot.trainee)  # fmt: skip
        return ctx.interview.id or 0, slot.trainee


def kinds_to(db: Database, target: str) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(OutboxMessage.kind).where(OutboxMessage.target == target)))


def test_a_trainee_shadows_twice_reverse_shadows_is_signed_off_and_joins_the_pool(db: Database) -> None:
    ids = candidates(db, 13)
    with_trainee(db)
    now, parts = NOW, []
    for n, candidate_id in enumerate(ids[:12]):
        interview_id, trainee = book_from_pool(db, candidate_id, now)
        with db.read() as session:
            ctx = load_round(session, shipped_kits(), interview_id)
            counts = [load.recent for load in loads(session, POOL, now).values()]
        assert max(counts) - min(counts) <= 1, (n, counts)  # the qualified stay within one round
        if trainee:
            parts.append(TrainingPart.shadow if TRAINEE in ctx.shadows else TrainingPart.reverse_shadow)
        if ctx.reverse_shadow:
            assert ctx.reverse_shadow == TRAINEE and TRAINEE in ctx.panel and ctx.evaluators
            with db.transaction() as session, pytest.raises(UserError, match="once the round is over"):
                sign_off(session, shipped_kits(), interview_id, ctx.evaluators[0], ready=True, comment=None,
                         now=now)  # fmt: skip
            after = ctx.interview.ends_at + timedelta(minutes=5)
            with db.transaction() as session, pytest.raises(Forbidden, match="Only the qualified interviewers"):
                sign_off(session, shipped_kits(), interview_id, TRAINEE, ready=True, comment=None, now=after)
            with db.transaction() as session, pytest.raises(UserError, match="should practise"):
                sign_off(session, shipped_kits(), interview_id, ctx.evaluators[0], ready=False, comment=" ",
                         now=after)  # fmt: skip
            with db.transaction() as session:
                signed = sign_off(session, shipped_kits(), interview_id, ctx.evaluators[0], ready=True,
                                  comment="Calm and thorough.", now=after, recruiters=[RECRUITER])  # fmt: skip
            assert signed.complete and signed.done
        elif TRAINEE in ctx.shadows:
            assert TRAINEE not in ctx.panel
        now += timedelta(hours=28)  # twelve rounds over two weeks
    assert parts == [TrainingPart.shadow, TrainingPart.shadow, TrainingPart.reverse_shadow]
    with db.read() as session:
        progress = progress_of(session, shipped_kits(), 1, STAGE, [TRAINEE], now)[TRAINEE]
    assert progress.done and progress.proposed and progress.text() == "2 of 2 shadows, 1 of 1 reverse shadows"
    assert "training_done" in kinds_to(db, RECRUITER)
    # The shadows were briefed and invited, never asked to score; the reverse shadow was.
    shadow_kinds = kinds_to(db, TRAINEE)
    assert shadow_kinds.count("briefing") == 3 and shadow_kinds.count("panel_invite") == 3
    assert shadow_kinds.count("scorecard_request") == 1 and shadow_kinds.count("shadow_note") == 2
    # *Add to pool*: qualified, and picked alone (the least loaded of the pool now).
    with db.transaction() as session:
        said = decide(session, shipped_kits(), 1, STAGE, TRAINEE, add=True, actor=RECRUITER, now=now)
        again = decide(session, shipped_kits(), 1, STAGE, TRAINEE, add=False, actor=RECRUITER, now=now)
    assert "is now in the pool" in said and "already qualified" in again
    with db.transaction() as session:
        member = session.get(PoolMember, (1, STAGE, TRAINEE))
        assert member is not None and not member.trainee
        kit = shipped_kits().kits["backend-mid"]
        found = suggest_from_pool(session, [*POOL, TRAINEE], PanelTimes(zones=ZONED), 60, now,
                                  limits_for(kit, kit.stage(STAGE)), 1)  # fmt: skip
    assert found.slots[0].panel == (TRAINEE,)


def test_not_yet_asks_for_one_more_reverse_shadow_and_a_needs_more_practice_does_not_count(db: Database) -> None:
    ids = candidates(db, 6)
    with_trainee(db)
    now = NOW
    reverse = []
    for candidate_id in ids:
        interview_id, _trainee = book_from_pool(db, candidate_id, now)
        with db.read() as session:
            ctx = load_round(session, shipped_kits(), interview_id)
        if ctx.reverse_shadow:
            reverse.append(interview_id)
            after = ctx.interview.ends_at + timedelta(minutes=1)
            first = len(reverse) == 1
            with db.transaction() as session:
                sign_off(session, shipped_kits(), interview_id, ctx.evaluators[0], ready=not first,
                         comment="Probe deeper on trade-offs." if first else None, now=after,
                         recruiters=[RECRUITER])  # fmt: skip
            if len(reverse) == 2:
                with db.transaction() as session:
                    said = decide(session, shipped_kits(), 1, STAGE, TRAINEE, add=False, actor=RECRUITER, now=now)
                assert "one more reverse shadow" in said
        now += timedelta(hours=30)
    with db.read() as session:
        progress = progress_of(session, shipped_kits(), 1, STAGE, [TRAINEE], now)[TRAINEE]
        updates = session.exec(select(OutboxMessage.payload).where(col(OutboxMessage.kind) == "training_update")).all()
    # Needs more practice, then ready (proposed), then Not yet, then ready again: proposed again.
    assert len(reverse) == 3 and progress.needs_reverse == 2 and progress.reverse == 2 and progress.proposed
    assert [u.get("what") for u in updates].count("not_yet") == 1


def test_who_may_take_part_as_a_trainee_and_the_shadows_note(db: Database) -> None:
    ids = candidates(db, 2)
    with_trainee(db)
    with db.transaction() as session:
        for trainee, panel, said in (
            (POOL[0], [POOL[1]], "is not training for this stage"),
            (TRAINEE, [TRAINEE], "take them off the interviewers"),
        ):
            with pytest.raises(UserError, match=said):
                part_for(session, shipped_kits(), 1, STAGE, trainee, panel, NOW)
    interview_id, trainee = book_from_pool(db, ids[0], NOW)
    assert trainee == TRAINEE
    with db.read() as session:
        ctx = load_round(session, shipped_kits(), interview_id)
        assert pending_for(session, shipped_kits(), TRAINEE, ctx.interview.ends_at) == []
    with pytest.raises(Forbidden, match="shadows do not submit scorecards"):
        check_can_score(ctx, TRAINEE, ctx.interview.ends_at)
    # The interviewer's scorecard is the whole panel's: the debrief goes out without the shadow.
    with db.transaction() as session:
        done = submit_scorecard(session, shipped_kits(), interview_id, ctx.panel[0], answers_for(session, interview_id),
                                "yes", "Good.", ctx.interview.ends_at)  # fmt: skip
        debrief = debrief_for(session, shipped_kits(), interview_id)
    assert done.complete and [s.interviewer_id for s, _ in debrief.scorecards] == [ctx.panel[0]]
    assert sum(debrief.recommendations().values()) == 1
    with db.transaction() as session, pytest.raises(Forbidden, match="Only the round's shadows"):
        shadow_note(session, shipped_kits(), interview_id, POOL[0], "I learned a lot", NOW)
    with db.transaction() as session:
        assert shadow_note(session, shipped_kits(), interview_id, TRAINEE, "How to probe on scale.", NOW) == 1
    with db.transaction() as session, pytest.raises(UserError, match="already"):
        shadow_note(session, shipped_kits(), interview_id, TRAINEE, "Again", NOW)
