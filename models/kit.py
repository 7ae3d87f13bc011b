"""The interview kit schema: one YAML file describes one hiring process.

Fields marked ``candidate_facing`` may be shown to candidates; every other text
field is interviewer-only and must never reach a candidate. ``candidate_fields``
lists them so tests and renderers share one definition.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=64),
]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
# Indicators become checkbox options in the scorecard modal: Slack caps option text at 75.
Indicator = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2900)]


def candidate_facing(**extra: Any) -> Any:
    return Field(json_schema_extra={"candidate_facing": True}, **extra)


class Level(StrEnum):
    junior = "junior"
    mid = "mid"
    senior = "senior"
    principal = "principal"


class QuestionKind(StrEnum):
    competency = "competency"
    attitude = "attitude"
    criterion = "criterion"
    exercise = "exercise"


class StageKind(StrEnum):
    review = "review"
    call = "call"
    interview = "interview"
    take_home = "take_home"
    presentation = "presentation"
    simulation = "simulation"
    references = "references"
    offer = "offer"


# Stages that are a meeting at a set time with a set length.
TIMED_STAGE_KINDS = frozenset({StageKind.call, StageKind.interview, StageKind.presentation, StageKind.simulation})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Anchors(Strict):
    """What each rating means for this question."""

    exceeds: Text
    meets: Text
    below: Text


class LevelExpectations(Strict):
    """What is expected at each level; any subset of levels."""

    junior: Text | None = None
    mid: Text | None = None
    senior: Text | None = None
    principal: Text | None = None


class Variant(Strict):
    """One way to run an exercise, e.g. a coding test with or without AI."""

    key: Slug
    title: Line
    instructions: Text
    # What the candidate is told when a round uses this variant, e.g. whether AI tools are allowed.
    candidate_note: Text | None = candidate_facing(default=None)


class SimulationRole(Strict):
    """A part the interviewer plays in a work simulation."""

    name: Line
    brief: Text


class Exercise(Strict):
    """Interviewer-side detail of a coding test, presentation prompt or work simulation."""

    variants: list[Variant] = []
    response_minutes: int | None = Field(default=None, gt=0, le=600)
    roles: list[SimulationRole] = []
    constraints: list[Text] = []
    do_not: list[Text] = []
    probes: list[Text] = []
    # What a candidate is told about the exercise: format, length, what to prepare.
    candidate_brief: Text | None = candidate_facing(default=None)


class Question(Strict):
    key: Slug
    kind: QuestionKind
    title: Line
    discipline: Line | None = None
    requirement: Text | None = None
    prompt: Text
    positive: list[Indicator] = []
    negative: list[Indicator] = []
    anchors: Anchors | None = None
    levels: LevelExpectations | None = None
    exercise: Exercise | None = None


class Timings(Strict):
    """When scheduled messages go out, relative to a round (the defaults unless a kit or stage says otherwise)."""

    prep_before_hours: float = Field(default=24, ge=0, le=24 * 14)
    briefing_before_minutes: float = Field(default=60, ge=0, le=24 * 60)
    reminder_after_hours: float = Field(default=24, gt=0, le=24 * 14)


class Scheduling(Strict):
    """How a round is fitted into the panel's week when finding a time (bot/rules/slots.py)."""

    # Kept free before and after every round (a stage may set its own).
    buffer_minutes: int = Field(default=10, ge=0, le=120)
    # How far ahead, in the panel's working hours, the earliest time offered is.
    notice_hours: float = Field(default=4, ge=0, le=24 * 10)
    # How many of the panel's working days ahead times are offered.
    horizon_days: int = Field(default=10, ge=1, le=60)
    # Times offered to a candidate to pick from, spread over at least `offer_days` days, open for
    # `offer_expiry_hours`.
    offer_count: int = Field(default=6, ge=1, le=20)
    offer_days: int = Field(default=3, ge=1, le=10)
    offer_expiry_hours: int = Field(default=48, ge=1, le=24 * 14)
    # The candidate may move a booked round themselves until this many hours before it, this many times.
    reschedule_cutoff_hours: int = Field(default=24, ge=0, le=24 * 14)
    reschedule_limit: int = Field(default=2, ge=0, le=10)
    # While an offer is open, its times are held in the panel's connected calendars ("[Hold]", tentative).
    holds: bool = False


class Training(Strict):
    """A trainee's path to qualifying for a stage's pool: rounds shadowed (watching), then rounds led
    in reverse shadow (they interview and score, a qualified interviewer signs off)."""

    shadow: int = Field(default=2, ge=0, le=20)
    reverse_shadow: int = Field(default=1, ge=0, le=20)


class TakeHome(Strict):
    due_days: int = Field(gt=0, le=60)
    effort_hours: Line | None = candidate_facing(default=None)
    brief: Text = candidate_facing()
    compensation: Text | None = candidate_facing(default=None)
    check_ins: Text | None = candidate_facing(default=None)
    kickoff_minutes: int | None = Field(default=None, gt=0, le=480)


class Stage(Strict):
    key: Slug
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    kind: StageKind
    duration_minutes: int | None = Field(default=None, gt=0, le=600)
    questions: list[Slug] = []
    prep: Text | None = candidate_facing(default=None)
    interviewer_guide: Text | None = None
    panel: Line | None = None
    response_promise_hours: int | None = candidate_facing(default=None, gt=0, le=24 * 30)
    take_home: TakeHome | None = None
    checklist: list[Line] = []
    timings: Timings | None = None
    buffer_minutes: int | None = Field(default=None, ge=0, le=120)
    # How many times a candidate is offered for this stage (None: the kit's `scheduling.offer_count`).
    offer_count: int | None = Field(default=None, ge=1, le=20)
    # How many interviewers a panel picked from the stage's pool has (None: as many as the recruiter picks).
    panel_size: int | None = Field(default=None, ge=1, le=10)
    # The path of this stage's trainees (None: the kit's `training`).
    training: Training | None = None


class Kit(Strict):
    key: Slug
    title: Line
    company: Line | None = candidate_facing(default=None)
    level: Level | None = None
    summary: Text | None = candidate_facing(default=None)
    candidate_guide: Text | None = candidate_facing(default=None)
    feedback_due_hours: int = Field(default=48, gt=0, le=24 * 30)
    response_promise_hours: int | None = candidate_facing(default=None, gt=0, le=24 * 30)
    timings: Timings = Timings()
    scheduling: Scheduling = Scheduling()
    training: Training = Training()
    questions: list[Question] = []
    stages: Annotated[list[Stage], Field(min_length=1)]

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)

    def stage_index(self, key: str) -> int:
        for index, stage in enumerate(self.stages):
            if stage.key == key:
                return index
        raise KeyError(key)

    def timings_for(self, stage: Stage) -> Timings:
        return stage.timings or self.timings

    def training_for(self, stage: Stage) -> Training:
        return stage.training or self.training


def candidate_fields(model: type[BaseModel]) -> set[str]:
    """Names of the fields of ``model`` a candidate may see."""
    return {
        name
        for name, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("candidate_facing")
    }
