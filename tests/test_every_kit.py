"""Every shipped kit from the first stage to hired, over HTTP into the real app:
the demo's loop (reviews, rounds, take-homes, checklists, a late interviewer), with what each
person received checked against the kit: the candidate gets a prep guide for every round, the
brief for every take-home and a note for every stage, and none of the kit's interviewer-only
text; interviewers get a briefing for every round and a request for every scorecard; the
recruiter gets every debrief; every checklist item is ticked in the thread."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from blocks.common import escape
from bot.devtools.demo import Demo
from bot.devtools.demo_loop import CASEY, CHANNEL, INES, RECRUITER
from bot.rules.rounds import stage_variants
from models.kit import TIMED_STAGE_KINDS, Kit, StageKind
from tests.conftest import shipped_kits

KITS = shipped_kits()


def interviewer_only(kit: Kit) -> list[str]:
    """Text only interviewers may see: prompts, indicators, anchors, guides, exercise detail.
    Short phrases are left out: they could appear anywhere by chance."""
    texts: list[str] = []
    for question in kit.questions:
        texts += [question.prompt, *question.positive, *question.negative]
        if question.anchors:
            texts += [question.anchors.exceeds, question.anchors.meets, question.anchors.below]
        if question.exercise:
            texts += [*question.exercise.do_not, *question.exercise.constraints]
            texts += [v.instructions for v in question.exercise.variants]
    texts += [s.interviewer_guide for s in kit.stages if s.interviewer_guide]
    return [t for t in texts if len(t) >= 40]


def md(text: str) -> str:
    """`text` as it appears in a message's mrkdwn, inside the recorded JSON."""
    return json.dumps(escape(text), ensure_ascii=False)[1:-1]


def plain(text: str) -> str:
    """`text` as it appears in a message's fallback text or a header, inside the recorded JSON."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def sent_to(calls: list[dict[str, Any]], channel: str) -> list[str]:
    return [
        json.dumps(c["args"], ensure_ascii=False)
        for c in calls
        if c["method"] == "chat.postMessage" and c["args"].get("channel") == channel and c["error"] is None
    ]


@pytest.mark.parametrize("key", sorted(KITS.kits))
def test_every_kit_runs_from_first_stage_to_hired(key: str, tmp_path: Path) -> None:
    kit = KITS.kits[key]
    out, progress = io.StringIO(), io.StringIO()
    traffic = tmp_path / "traffic.json"
    assert Demo(key, out=out, progress=progress, color=False).run(traffic) == 0, progress.getvalue()
    calls = json.loads(traffic.read_text())
    transcript = out.getvalue()
    assert f"through all {len(kit.stages)} stages of '{kit.title}' to hired" in transcript
    assert "0 Block Kit problems" in transcript

    timed = [s for s in kit.stages if s.kind in TIMED_STAGE_KINDS]
    take_homes = [s for s in kit.stages if s.kind is StageKind.take_home]
    reviews = [s for s in kit.stages if s.kind is StageKind.review]

    candidate = sent_to(calls, CASEY.id)
    for stage in timed:
        assert any(f"your *{md(stage.name)}*" in m and "is scheduled" in m for m in candidate), stage.key
    for stage in take_homes:
        assert any(f"here is your *{md(stage.name)}*" in m for m in candidate), stage.key
        if stage.take_home and stage.take_home.kickoff_minutes:
            assert any(f"your *{md(stage.name)} kickoff*" in m for m in candidate), stage.key
    for stage in kit.stages[1:]:
        assert any(f"Next step: {plain(stage.name)}" in m for m in candidate), stage.key
    for secret in interviewer_only(kit):
        for message in candidate:
            assert json.dumps(secret, ensure_ascii=False)[1:-1] not in message, (secret, message[:200])

    ines = sent_to(calls, INES.id)
    for stage in timed:
        assert any(f"Briefing: {plain(stage.name)}" in m for m in ines), stage.key
        offered = stage_variants(kit, stage)
        if offered:  # the demo picks the first variant: its instructions only
            briefing = next(m for m in ines if f"Briefing: {plain(stage.name)}" in m)
            assert md(f"Variant for this round, *{offered[0].title}*") in briefing, stage.key
    for stage in take_homes:
        if stage.take_home and stage.take_home.kickoff_minutes:
            assert any(f"Briefing: {plain(stage.name)} kickoff" in m for m in ines), stage.key
    for stage in reviews:
        assert any(f"against the *{md(stage.name)}* criteria" in m for m in ines), stage.key

    recruiter = sent_to(calls, RECRUITER.id)
    scored = [s for s in [*timed, *reviews] if s.questions] + [s for s in take_homes if s.questions]
    for stage in scored:
        assert any(f"Debrief: Casey Candidate · {plain(stage.name)}" in m for m in recruiter), stage.key
    thread = sent_to(calls, CHANNEL)
    for stage in kit.stages:
        for item in stage.checklist:
            assert any("ticked" in m and md(item) in m for m in thread), item
    assert any("as *hired*" in m for m in thread)
