"""Loading and validating interview kits.

Every problem is reported as ``<file>: <path inside it>: <what is wrong>`` so a
recruiter editing YAML can go straight to the line. A broken kit is skipped and
reported; it never stops the bot.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from models.kit import TIMED_STAGE_KINDS, Kit, QuestionKind, StageKind

KIT_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class KitProblem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


@dataclass
class KitCatalog:
    """The kits that loaded, by key, and the problems with the ones that did not."""

    kits: dict[str, Kit] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    problems: list[KitProblem] = field(default_factory=list)

    def get(self, key: str) -> Kit | None:
        return self.kits.get(key)


def format_loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model that owns the last field of ``loc``, for 'did you mean' hints."""
    model: Any = Kit
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if model else None
        if info is None:
            return None
        model = inner_model(info.annotation)
    return model


def inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = inner_model(arg)
        if found is not None:
            return found
    meta = getattr(annotation, "__origin__", None)
    if meta is not None and meta is not annotation:
        return inner_model(meta)
    return None


def _describe(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    loc = error["loc"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        model = _model_at(loc)
        name = str(loc[-1])
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; allowed fields: {', '.join(allowed)}"
        return f"unknown field '{name}'{hint}"
    if kind in ("enum", "literal_error"):
        expected = ctx.get("expected", "")
        return f"'{value}' is not allowed; use one of {expected}"
    if kind == "string_pattern_mismatch":
        return f"'{value}' is not a valid key: use lowercase letters, digits and single hyphens (e.g. 'backend-mid')"
    if kind == "string_too_long":
        return f"is {len(str(value))} characters long; at most {ctx['max_length']} fit here"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {value!r}"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, got {value!r}"
    if kind == "greater_than":
        return f"must be greater than {ctx['gt']}, got {value!r}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}, got {value!r}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}, got {value!r}"
    if kind in ("string_type",):
        return f"expected text, got {type(value).__name__} {value!r}"
    if kind in ("list_type",):
        return f"expected a list, got {type(value).__name__}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of fields, got {type(value).__name__}"
    return str(error["msg"])


def check_references(kit: Kit) -> list[tuple[str, str]]:
    """Rules that span fields: references, uniqueness, what each stage kind needs."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, question in enumerate(kit.questions):
        if question.key in seen:
            problems.append(
                (
                    f"questions[{i}].key",
                    f"duplicate question key '{question.key}' (first at questions[{seen[question.key]}])",
                )
            )
        else:
            seen[question.key] = i
        if question.kind is QuestionKind.exercise and question.exercise is None:
            problems.append(
                (
                    f"questions[{i}].exercise",
                    "exercise questions need an 'exercise' section (variants, roles, do_not, candidate_brief …)",
                )
            )
        overlap = set(question.positive) & set(question.negative)
        if overlap:
            problems.append(
                (f"questions[{i}]", f"indicator listed as both positive and negative: '{sorted(overlap)[0]}'")
            )
    stage_keys: dict[str, int] = {}
    used: set[str] = set()
    for s, stage in enumerate(kit.stages):
        where = f"stages[{s}]"
        if stage.key in stage_keys:
            problems.append(
                (f"{where}.key", f"duplicate stage key '{stage.key}' (first at stages[{stage_keys[stage.key]}])")
            )
        else:
            stage_keys[stage.key] = s
        if stage.kind in TIMED_STAGE_KINDS and stage.duration_minutes is None:
            problems.append((f"{where}.duration_minutes", f"{stage.kind.value} stages need a duration in minutes"))
        if stage.kind is StageKind.take_home and stage.take_home is None:
            problems.append(
                (f"{where}.take_home", "a take_home stage needs a 'take_home' section with at least due_days and brief")
            )
        if stage.kind is not StageKind.take_home and stage.take_home is not None:
            problems.append(
                (
                    f"{where}.take_home",
                    f"only take_home stages have a 'take_home' section, this one is {stage.kind.value}",
                )
            )
        in_stage: set[str] = set()
        for q, key in enumerate(stage.questions):
            if key not in seen:
                close = difflib.get_close_matches(key, list(seen), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append((f"{where}.questions[{q}]", f"unknown question '{key}'{hint}"))
                continue
            if key in in_stage:
                problems.append((f"{where}.questions[{q}]", f"question '{key}' is listed twice in this stage"))
            in_stage.add(key)
            used.add(key)
            if stage.kind is StageKind.review and kit.question(key).kind is not QuestionKind.criterion:
                problems.append(
                    (
                        f"{where}.questions[{q}]",
                        f"review stages rate criteria; '{key}' is a {kit.question(key).kind.value} question",
                    )
                )
    for i, question in enumerate(kit.questions):
        if question.key in seen and seen[question.key] == i and question.key not in used:
            problems.append(
                (
                    f"questions[{i}]",
                    f"question '{question.key}' is not used by any stage; add it to a stage's questions or remove it",
                )
            )
    return problems


# libyaml's loader where PyYAML was built with it: the pure-Python one takes 0.20 s for the five
# shipped kits (libyaml 0.02 s), which every CLI command and every process start paid.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pure_python_error(text: str, libyaml: yaml.YAMLError) -> yaml.YAMLError:
    """The pure-Python loader's error for `text`, which libyaml refused: its wording is the plainer
    ("expected ',' or ']', but got '<stream end>'" rather than "did not find expected ',' or ']'").
    libyaml's own if the pure-Python loader finds nothing wrong."""
    try:
        yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return exc
    return libyaml


def parse_kit(text: str, file: str) -> tuple[Kit | None, list[KitProblem]]:
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as libyaml:
        exc = _pure_python_error(text, libyaml)
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [KitProblem(file, where, f"not valid YAML: {problem}")]
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        return None, [KitProblem(file, "", f"a kit must be a mapping of fields (key, title, stages …), found {found}")]
    try:
        kit = Kit.model_validate(data)
    except ValidationError as exc:
        return None, [KitProblem(file, format_loc(e["loc"]), _describe(e)) for e in exc.errors()]
    problems = [KitProblem(file, path, message) for path, message in check_references(kit)]
    return (None, problems) if problems else (kit, [])


def kit_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in KIT_SUFFIXES and p.is_file()))
        else:
            files.append(path)
    return files


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_kits(paths: Iterable[Path]) -> KitCatalog:
    catalog = KitCatalog()
    for path in kit_files(paths):
        name = display_path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            catalog.problems.append(KitProblem(name, "", "no such file or directory"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            catalog.problems.append(KitProblem(name, "", f"cannot read the file: {exc}"))
            continue
        kit, problems = parse_kit(text, name)
        catalog.problems.extend(problems)
        if kit is None:
            continue
        if kit.key in catalog.kits:
            catalog.problems.append(
                KitProblem(name, "key", f"kit key '{kit.key}' is already used by {catalog.files[kit.key]}")
            )
            continue
        catalog.kits[kit.key] = kit
        catalog.files[kit.key] = name
    return catalog


def stage_index(kit: Kit, stage_key: str) -> int:
    try:
        return kit.stage_index(stage_key)
    except KeyError:
        # The kit was edited and the stage removed: keep the candidate visible at the start.
        return 0
