"""Kit validation: every shipped kit loads, and each kind of mistake gets an exact, useful message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.rules.kits import load_kits, parse_kit
from bot.wiring.settings import SHIPPED_KITS
from models.kit import Kit, StageKind
from tests.conftest import shipped_kits

VALID = textwrap.dedent(
    """\
    key: backend-mid
    title: Backend Developer
    level: mid
    questions:
      - key: async-systems
        kind: competency
        title: Asynchronous systems
        prompt: Tell me about a system that processed work asynchronously.
        positive: [Handles duplicates idempotently]
        negative: [Lost messages without detection]
        anchors: {exceeds: Designs for it, meets: Handles it, below: Ignores it}
      - key: cv-experience
        kind: criterion
        title: Relevant experience
        prompt: Does the resume show relevant work?
    stages:
      - key: screen
        name: Resume screening
        kind: review
        questions: [cv-experience]
      - key: hm-technical
        name: Hiring manager technical
        kind: interview
        duration_minutes: 60
        questions: [async-systems]
        prep: Bring examples of systems you built.
    """
)


def edit(mutate) -> str:
    data = yaml.safe_load(VALID)
    mutate(data)
    return yaml.safe_dump(data, sort_keys=False)


def problems(text: str) -> list[str]:
    kit, found = parse_kit(text, "kits/x.yaml")
    assert kit is None, "a broken kit must not load"
    return [str(p) for p in found]


def test_valid_kit_loads() -> None:
    kit, found = parse_kit(VALID, "kits/x.yaml")
    assert found == []
    assert isinstance(kit, Kit)
    assert kit.stage("hm-technical").questions == ["async-systems"]
    assert kit.feedback_due_hours == 48


BROKEN = [
    (
        "unknown question reference",
        lambda d: d["stages"][1]["questions"].append("foo"),
        ["kits/x.yaml: stages[1].questions[1]: unknown question 'foo'"],
    ),
    (
        "misspelled question reference gets a suggestion",
        lambda d: d["stages"][1].__setitem__("questions", ["async-system"]),
        [
            "kits/x.yaml: stages[1].questions[0]: unknown question 'async-system'; did you mean 'async-systems'?",
            "kits/x.yaml: questions[0]: question 'async-systems' is not used by any stage; "
            "add it to a stage's questions or remove it",
        ],
    ),
    (
        "misspelled field",
        lambda d: d["stages"][1].__setitem__("duraton_minutes", 60),
        ["kits/x.yaml: stages[1].duraton_minutes: unknown field 'duraton_minutes'; did you mean 'duration_minutes'?"],
    ),
    (
        "unknown stage kind",
        lambda d: d["stages"][0].__setitem__("kind", "screening"),
        [
            "kits/x.yaml: stages[0].kind: 'screening' is not allowed; use one of 'review', 'call', 'interview', "
            "'take_home', 'presentation', 'simulation', 'references' or 'offer'"
        ],
    ),
    (
        "missing title",
        lambda d: d.pop("title"),
        ["kits/x.yaml: title: required field is missing"],
    ),
    (
        "key is not a slug",
        lambda d: d.__setitem__("key", "Backend Mid"),
        [
            "kits/x.yaml: key: 'Backend Mid' is not a valid key: use lowercase letters, digits and single hyphens "
            "(e.g. 'backend-mid')"
        ],
    ),
    (
        "interview without a duration",
        lambda d: d["stages"][1].pop("duration_minutes"),
        ["kits/x.yaml: stages[1].duration_minutes: interview stages need a duration in minutes"],
    ),
    (
        "indicator too long for a checkbox",
        lambda d: d["questions"][0]["positive"].append("x" * 80),
        ["kits/x.yaml: questions[0].positive[1]: is 80 characters long; at most 75 fit here"],
    ),
    (
        "duplicate question key",
        lambda d: d["questions"].append(dict(d["questions"][0])),
        ["kits/x.yaml: questions[2].key: duplicate question key 'async-systems' (first at questions[0])"],
    ),
    (
        "review stage rating a competency",
        lambda d: d["stages"][0]["questions"].append("async-systems"),
        ["kits/x.yaml: stages[0].questions[1]: review stages rate criteria; 'async-systems' is a competency question"],
    ),
    (
        "negative duration",
        lambda d: d["stages"][1].__setitem__("duration_minutes", -5),
        ["kits/x.yaml: stages[1].duration_minutes: must be greater than 0, got -5"],
    ),
    (
        "no stages",
        lambda d: d.__setitem__("stages", []),
        ["kits/x.yaml: stages: needs at least 1 item(s)"],
    ),
    (
        "unknown level",
        lambda d: d.__setitem__("level", "staff"),
        ["kits/x.yaml: level: 'staff' is not allowed; use one of 'junior', 'mid', 'senior' or 'principal'"],
    ),
    (
        "take-home without its section",
        lambda d: d["stages"].append({"key": "project", "name": "Project", "kind": "take_home"}),
        [
            "kits/x.yaml: stages[2].take_home: a take_home stage needs a 'take_home' section "
            "with at least due_days and brief"
        ],
    ),
    (
        "duration that is not a number",
        lambda d: d["stages"][1].__setitem__("duration_minutes", "an hour"),
        ["kits/x.yaml: stages[1].duration_minutes: expected a whole number, got 'an hour'"],
    ),
    (
        "anchors missing one rating",
        lambda d: d["questions"][0]["anchors"].pop("below"),
        ["kits/x.yaml: questions[0].anchors.below: required field is missing"],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in BROKEN], ids=[n for n, _, _ in BROKEN])
def test_broken_kit_gets_exact_message(mutate, expected: list[str]) -> None:
    assert problems(edit(mutate)) == expected


def test_yaml_syntax_error_names_line() -> None:
    assert problems("key: a\ntitle: [unclosed\n") == [
        "kits/x.yaml: line 3, column 1: not valid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_file_that_is_not_a_mapping() -> None:
    assert problems("- just\n- a list\n") == [
        "kits/x.yaml: a kit must be a mapping of fields (key, title, stages …), found a list"
    ]
    assert problems("") == [
        "kits/x.yaml: a kit must be a mapping of fields (key, title, stages …), found an empty file"
    ]


def test_broken_kit_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(VALID)
    (tmp_path / "bad.yaml").write_text(edit(lambda d: d.__setitem__("key", "other-kit") or d.pop("stages")))
    (tmp_path / "dupe.yml").write_text(VALID)
    (tmp_path / "notes.txt").write_text("not a kit")
    catalog = load_kits([tmp_path])
    assert list(catalog.kits) == ["backend-mid"]
    assert [p.message for p in catalog.problems] == [
        "required field is missing",
        f"kit key 'backend-mid' is already used by {catalog.files['backend-mid']}",
    ]


def test_cli_validate_prints_every_problem_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "good.yaml").write_text(VALID)
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit(lambda d: (d.__setitem__("key", "bad-kit"), d["stages"][1]["questions"].append("foo"))))
    assert main(["kits", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "ok  " in out and "backend-mid (2 stages, 2 questions)" in out
    assert "stages[1].questions[1]: unknown question 'foo'" in out
    assert "1 valid, 1 with problems (1 problems)" in out


def test_cli_validate_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kits", "validate", str(tmp_path / "nope.yaml")]) == 1
    assert "nope.yaml: no such file or directory" in capsys.readouterr().out


# The shipped kits: one per seed guide, each complete and loadable.
SHIPPED = {
    "backend-developer",
    "backend-mid",
    "code-insights-backend",
    "senior-backend-application",
    "senior-backend-scalability",
}


def test_shipped_kits_all_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kits", "validate", str(SHIPPED_KITS)]) == 0
    out = capsys.readouterr().out
    assert "5 valid, 0 with problems" in out
    catalog = load_kits([SHIPPED_KITS])
    assert set(catalog.kits) == SHIPPED


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_shipped_kit_is_complete(key: str) -> None:
    kit = shipped_kits().kits[key]
    # Every kit takes a candidate from first contact to an offer, and every live round is scored.
    assert kit.stages[-1].kind is StageKind.offer
    for stage in kit.stages:
        if stage.kind in (StageKind.interview, StageKind.presentation, StageKind.simulation):
            assert stage.questions, f"{key}: {stage.key} has nothing to score"
        if stage.kind not in (StageKind.review,):
            assert stage.prep, f"{key}: {stage.key} has no candidate prep"
    for question in kit.questions:
        if question.kind is not StageKind.review and question.kind.value != "criterion":
            assert question.positive and question.negative, f"{key}: {question.key} lacks indicators"


def test_structured_kit_carries_levels_anchors_and_exercises() -> None:
    kit = shipped_kits().kits["backend-mid"]
    kinds = {q.kind.value for q in kit.questions}
    assert kinds == {"competency", "attitude", "criterion", "exercise"}
    assert any(q.levels and q.levels.junior and q.levels.principal for q in kit.questions)
    exercises = [q for q in kit.questions if q.exercise]
    assert any(len(q.exercise.variants) >= 2 for q in exercises if q.exercise)  # with and without AI
    # The guide gives scoring anchors for the presentation and the work simulation.
    stage_of = {key: s.kind for s in kit.stages for key in s.questions}
    scored = [q for q in exercises if stage_of[q.key] in (StageKind.presentation, StageKind.simulation)]
    assert len(scored) == 2 and all(q.anchors for q in scored)


def test_take_home_kit_has_kickoff_brief_and_presentation() -> None:
    kit = shipped_kits().kits["senior-backend-application"]
    take_home = [s for s in kit.stages if s.kind is StageKind.take_home]
    assert take_home and take_home[0].take_home and take_home[0].take_home.compensation
    index = kit.stages.index(take_home[0])
    assert any(s.kind is StageKind.presentation for s in kit.stages[index + 1 :])
    assert any(s.response_promise_hours == 48 for s in kit.stages)
