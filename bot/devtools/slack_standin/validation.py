"""Block Kit payload checks: what Slack would refuse in ``blocks``, ``view`` and ``metadata``.

Every payload is parsed with ``slack_sdk.models``, round-tripped through ``to_dict()``
and compared with what was sent; the limits slack_sdk does not check are enforced here.
Public so bot code and tests can check a payload without a server.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, BlockElement, ConfirmObject, Option, OptionGroup, TextObject
from slack_sdk.models.views import View

from bot.devtools.slack_standin.state import Json

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
# Option limits per element type; Slack refuses more, slack_sdk only checks the selects.
OPTION_LIMITS = {"checkboxes": 10, "radio_buttons": 10, "static_select": 100, "multi_static_select": 100}
# Elements whose options Slack matches initial_option(s) against.
_OPTION_ELEMENTS = {*OPTION_LIMITS, "overflow"}


def check_blocks(blocks: Any, *, limit: int = MESSAGE_BLOCK_LIMIT, where: str = "blocks") -> list[str]:
    """Problems Slack would report for a ``blocks`` array ([] when valid)."""
    if not isinstance(blocks, list):
        return [f"{where}: must be an array of blocks, got {_json_type(blocks)}"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{where}: {len(blocks)} blocks, at most {limit} allowed")
    first_seen: dict[str, str] = {}
    for i, block in enumerate(blocks):
        path = f"{where}[{i}]"
        problems.extend(_check_block(block, path))
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in first_seen:
                problems.append(f"{path}.block_id: duplicate block_id {block_id!r} (first at {first_seen[block_id]})")
            first_seen.setdefault(block_id, path)
    return list(dict.fromkeys(problems))


def check_view(view: Any, *, expected_type: str) -> list[str]:
    """Problems Slack would report for a ``view`` of ``expected_type`` ("modal" or "home")."""
    if not isinstance(view, dict):
        return [f"view: must be an object, got {_json_type(view)}"]
    problems: list[str] = []
    if view.get("type") != expected_type:
        problems.append(f"view.type: must be {expected_type!r} here, got {view.get('type')!r}")
    blocks = view.get("blocks")
    if not blocks:
        problems.append("view.blocks: a view needs at least one block")
    else:
        problems.extend(check_blocks(blocks, limit=VIEW_BLOCK_LIMIT, where="view.blocks"))
    # Blocks were checked above; a placeholder keeps View's own block checks from
    # reporting a bad block a second time while the rest of the view is round-tripped.
    shell = {k: v for k, v in view.items() if k != "blocks"}
    try:
        normal = View(**copy.deepcopy(shell), blocks=[{"type": "divider"}]).to_dict()
    except Exception as exc:
        problems.append(f"view: {_describe(exc)}")
    else:
        normal.pop("blocks", None)
        problems.extend(_diff(shell, normal, "view"))
    for key in ("title", "submit", "close"):
        text = view.get(key)
        if isinstance(text, dict) and text.get("type") != "plain_text":
            problems.append(f"view.{key}: must be a plain_text object")
    if view.get("type") == "modal":
        if not view.get("title"):
            problems.append("view.title: a modal needs a title")
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            problems.append("view.submit: a modal with input blocks needs a submit button")
    return list(dict.fromkeys(problems))


def check_metadata(metadata: Any) -> list[str]:
    """Problems with a message ``metadata`` argument ([] when valid)."""
    if not isinstance(metadata, dict):
        return [f"metadata: must be an object with event_type and event_payload, got {_json_type(metadata)}"]
    problems = []
    event_type = metadata.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        problems.append("metadata.event_type: must be a non-empty string")
    if not isinstance(metadata.get("event_payload"), dict):
        problems.append(f"metadata.event_payload: must be an object, got {_json_type(metadata.get('event_payload'))}")
    problems.extend(
        f"metadata.{key}: unknown key" for key in metadata if key not in {"event_type", "event_payload", "entities"}
    )
    return problems


def _message_problems(args: Json, *, allow_metadata: bool) -> list[str]:
    problems: list[str] = []
    text = args.get("text")
    if text is not None and not isinstance(text, str):
        problems.append(f"text: must be a string, got {_json_type(text)}")
    elif isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
        problems.append(f"text: {len(text)} characters, at most {MESSAGE_TEXT_LIMIT} allowed")
    blocks = args.get("blocks")
    if blocks is not None:
        problems.extend(check_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT))
        has_fallback = any(isinstance(args.get(k), str) and args[k].strip() for k in ("text", "markdown_text"))
        if blocks and not has_fallback:
            problems.append("text: a message with blocks needs a `text` fallback for notifications and screen readers")
    if allow_metadata and args.get("metadata") is not None:
        problems.extend(check_metadata(args["metadata"]))
    return problems


def _check_block(block: Any, path: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"{path}: must be an object, got {_json_type(block)}"]
    block_type = block.get("type")
    if not isinstance(block_type, str):
        return [f"{path}: missing block type"]
    problems: list[str] = []
    try:
        parsed = Block.parse(copy.deepcopy(block))
        if parsed is None:
            return [f"{path}: unknown block type {block_type!r}"]
        # to_dict() runs slack_sdk's JSON validators (length limits etc.).
        normal = parsed.to_dict()
    except Exception as exc:
        problems.append(f"{path} ({block_type}): {_describe(exc)}")
    else:
        problems.extend(_diff(block, normal, path))
    problems.extend(_check_elements(block, path))
    return problems


def _check_elements(block: Json, path: str) -> list[str]:
    """Checks slack_sdk skips, applied to every element nested anywhere in the block."""
    problems: list[str] = []
    action_ids: dict[str, str] = {}
    for where, node in _walk(block, path):
        action_id = node.get("action_id")
        if isinstance(action_id, str) and "type" in node:
            if action_id in action_ids:
                problems.append(f"{where}.action_id: duplicate action_id {action_id!r} in one block")
            action_ids.setdefault(action_id, where)
        element_type = node.get("type")
        if element_type not in _OPTION_ELEMENTS:
            continue
        options = node.get("options")
        limit = OPTION_LIMITS.get(element_type)
        if limit is not None and isinstance(options, list) and len(options) > limit:
            problems.append(f"{where}: {element_type} has {len(options)} options, at most {limit} allowed")
        problems.extend(_check_options(node, where))
    return problems


def _check_options(element: Json, where: str) -> list[str]:
    # slack_sdk keeps static_select/radio_buttons/overflow options as raw dicts, so
    # round-trip each option here; for checkboxes this repeats the same diff (deduplicated).
    problems: list[str] = []
    known: list[Json] = []
    groups = element.get("option_groups")
    if isinstance(groups, list):
        for g, group in enumerate(groups):
            gpath = f"{where}.option_groups[{g}]"
            if not isinstance(group, dict):
                problems.append(f"{gpath}: must be an object")
                continue
            try:
                normal_group = OptionGroup(**copy.deepcopy(group)).to_dict()
            except Exception as exc:
                problems.append(f"{gpath}: {_describe(exc)}")
                continue
            problems.extend(_diff({k: v for k, v in group.items() if k != "options"}, normal_group, gpath))
            for o, option in enumerate(group.get("options") or []):
                problems.extend(_check_option(option, f"{gpath}.options[{o}]", known))
            if len(group.get("options") or []) > 100:
                problems.append(f"{gpath}: {len(group['options'])} options, at most 100 allowed")
    options = element.get("options")
    for o, option in enumerate(options if isinstance(options, list) else []):
        problems.extend(_check_option(option, f"{where}.options[{o}]", known))
    if isinstance(element.get("initial_option"), dict):
        initial = [(f"{where}.initial_option", element["initial_option"])]
    else:
        raw = element.get("initial_options")
        initial = [(f"{where}.initial_options[{i}]", o) for i, o in enumerate(raw)] if isinstance(raw, list) else []
    for ipath, option in initial:
        chosen: list[Json] = []
        problems.extend(_check_option(option, ipath, chosen))
        # Slack requires initial options to be exact copies of offered options.
        if chosen and known and chosen[0] not in known:
            problems.append(f"{ipath}: does not exactly match any of the options")
    return problems


def _check_option(option: Any, path: str, normals: list[Json]) -> list[str]:
    if not isinstance(option, dict):
        return [f"{path}: must be an object, got {_json_type(option)}"]
    try:
        normal = Option(**copy.deepcopy(option)).to_dict()
    except Exception as exc:
        return [f"{path}: {_describe(exc)}"]
    normals.append(normal)
    return _diff(option, normal, path, _BLOCK_OPTION_FIELDS)


def _diff(sent: Any, normal: Any, path: str, fields: frozenset[str] | None = None) -> list[str]:
    """What got lost or changed when slack_sdk round-tripped ``sent`` into ``normal``.

    Keys that only appear in ``normal`` are defaults slack_sdk fills in (confirm's
    "Yes"/"No", number_input's is_decimal_allowed, file's source), not mistakes.
    ``fields`` names the keys allowed at the top level when ``sent`` has no ``type``.
    """
    if isinstance(sent, dict):
        if normal is None:
            return [f"{path}: unknown element type {sent.get('type')!r}"]
        if not isinstance(normal, dict):
            return [f"{path}: expected {_json_type(normal)}, got object"]
        problems: list[str] = []
        for key, value in sent.items():
            sub = f"{path}.{key}"
            if value is None:
                continue  # slack_sdk drops nulls; treat them as absent
            if key not in normal:
                problems.append(_dropped(sent, key, value, sub, fields))
                continue
            problems.extend(_diff(value, normal[key], sub))
        return problems
    if isinstance(sent, list):
        if not isinstance(normal, list):
            return [f"{path}: expected {_json_type(normal)}, got array"]
        if len(sent) != len(normal):
            return [f"{path}: only {len(normal)} of {len(sent)} items are valid"]
        return [p for i, (s, n) in enumerate(zip(sent, normal, strict=True)) for p in _diff(s, n, f"{path}[{i}]")]
    if sent == normal and _json_type(sent) == _json_type(normal):
        return []
    if isinstance(sent, int | float) and not isinstance(sent, bool) and normal == str(sent):
        return []  # number_input stringifies initial/min/max values
    if isinstance(sent, str) and isinstance(normal, dict) and normal.get("type") in ("plain_text", "mrkdwn"):
        return [f"{path}: must be a text object like {{'type': 'plain_text', 'text': ...}}, got a string"]
    if _json_type(sent) != _json_type(normal):
        return [f"{path}: expected {_json_type(normal)}, got {_json_type(sent)}"]
    return [f"{path}: {sent!r} is not valid here (slack_sdk reads it as {normal!r})"]


def _dropped(parent: Json, key: str, value: Any, path: str, fields: frozenset[str] | None) -> str:
    """Explain why slack_sdk dropped ``parent[key]`` during the round trip."""
    if value in ([], {}, ""):
        return f"{path}: must not be empty"
    if isinstance(value, dict) and "type" in value and _unknown_element(value):
        return f"{path}: unknown element type {value['type']!r}"
    owner = parent.get("type")
    if isinstance(owner, str) and owner in _FIELDS_BY_TYPE:
        fields = _FIELDS_BY_TYPE[owner]
    if fields is not None:
        if key not in fields:
            return f"{path}: unknown key {key!r}" + (f" for a {owner}" if isinstance(owner, str) else "")
    elif key not in _ALL_FIELDS:
        return f"{path}: unknown key {key!r}"
    return f"{path}: slack_sdk could not read this {_json_type(value)} (wrong type?)"


def _unknown_element(value: Json) -> bool:
    try:
        return BlockElement.parse(copy.deepcopy(value)) is None
    except Exception:
        return False


def _model_fields() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Constructor argument names of slack_sdk's Block Kit classes, per ``type`` and overall.

    Used only to word problems: "unknown key" versus "value of the wrong type".
    """
    per_type: dict[str, frozenset[str]] = {}
    everything: set[str] = set()
    pending: list[type] = [Block, BlockElement, TextObject, Option, OptionGroup, ConfirmObject, View]
    seen: set[type] = set()
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
        params = inspect.signature(cls).parameters
        names = frozenset(p for p in params if p not in {"self", "others", "kwargs", "subtype"})
        everything.update(names)
        type_name = getattr(cls, "type", None)
        if isinstance(type_name, str):
            # Subclasses sharing a type (SelectElement/StaticSelectElement) pool their fields.
            per_type[type_name] = per_type.get(type_name, frozenset()) | names | {"type"}
    return per_type, frozenset(everything | {"type"})


_FIELDS_BY_TYPE, _ALL_FIELDS = _model_fields()
# Block Kit option objects; Option() also takes the legacy dialog "label".
_BLOCK_OPTION_FIELDS = frozenset({"text", "value", "description", "url"})


def _walk(node: Any, path: str) -> Iterator[tuple[str, Json]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _describe(exc: Exception) -> str:
    if isinstance(exc, SlackObjectFormationError):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"missing required key {exc}"
    if isinstance(exc, TypeError):
        # e.g. "PlainTextObject.__init__() got an unexpected keyword argument 'verbatim'"
        return re.sub(r"\.__init__\(\)", "", str(exc))
    return f"{type(exc).__name__}: {exc}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
