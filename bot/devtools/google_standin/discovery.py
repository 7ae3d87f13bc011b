"""The Calendar API as its discovery document describes it (the copy bundled in googleapiclient, the
same one the provider builds its client from): which method a request is, and what is wrong with it.

Checked: the method exists for the HTTP verb and path; every query parameter is declared by the
method or is a standard one; required parameters are there, repeated only where allowed, enum and
boolean/integer values valid; the JSON body's property names (at every depth) exist in the schema,
with the right JSON types, and the properties the document marks required for the method are given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

Json = dict[str, Any]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "object": (dict,),
    "array": (list,),
}


@dataclass(frozen=True)
class Method:
    id: str
    verb: str
    path: str
    parameters: dict[str, Json]
    request: str | None
    pattern: re.Pattern[str]
    literals: int


@dataclass(frozen=True)
class Match:
    method: Method
    path_params: dict[str, str]


class NoMethod(Exception):
    """The request names no method of the API (no such path, or not with this verb)."""


@cache
def document() -> Json:
    """googleapiclient's bundled calendar v3 discovery document."""
    path = resources.files("googleapiclient") / "discovery_cache" / "documents" / "calendar.v3.json"
    loaded: Json = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def methods() -> tuple[Method, ...]:
    found: list[Method] = []

    def walk(node: Json) -> None:
        for desc in node.get("methods", {}).values():
            found.append(_method(desc))
        for child in node.get("resources", {}).values():
            walk(child)

    walk(document())
    return tuple(found)


def _method(desc: Json) -> Method:
    parts = desc["path"].split("/")
    regex = "/".join(
        f"(?P<{part[1:-1].lstrip('+')}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return Method(
        id=desc["id"],
        verb=desc["httpMethod"],
        path=desc["path"],
        parameters=desc.get("parameters", {}),
        request=(desc.get("request") or {}).get("$ref"),
        pattern=re.compile(regex + r"\Z"),
        literals=sum(not part.startswith("{") for part in parts),
    )


def match(verb: str, path: str) -> Match:
    """The method at `path` (relative to the service path, still percent-encoded) for `verb`."""
    candidates = [(m, hit) for m in methods() if (hit := m.pattern.match(path))]
    if not candidates:
        raise NoMethod(f"no method of the Calendar API has the path {path!r}")
    for method, hit in sorted(candidates, key=lambda c: -c[0].literals):
        if method.verb == verb:
            return Match(method, {k: unquote(v) for k, v in hit.groupdict().items()})
    verbs = sorted({m.verb for m, _ in candidates})
    raise NoMethod(f"{verb} is not a method at {path!r} (the document has {', '.join(verbs)})")


def check_query(found: Match, query: dict[str, list[str]]) -> list[str]:
    method = found.method
    standard: Json = document()["parameters"]
    problems: list[str] = []
    for name, values in query.items():
        param = method.parameters.get(name) or standard.get(name)
        if param is None or param.get("location") != "query":
            problems.append(f"{method.id} has no query parameter {name!r}")
            continue
        if len(values) > 1 and not param.get("repeated"):
            problems.append(f"{method.id}: {name!r} given {len(values)} times, and it is not repeated")
        problems.extend(f"{method.id}: {name}={value!r}: {p}" for value in values if (p := _query_value(param, value)))
    for name, param in method.parameters.items():
        if param.get("required") and param.get("location") == "query" and name not in query:
            problems.append(f"{method.id}: the required query parameter {name!r} is missing")
    return problems


def _query_value(param: Json, value: str) -> str | None:
    if "enum" in param and value not in param["enum"]:
        return f"not one of {', '.join(param['enum'])}"
    kind = param.get("type")
    if kind == "boolean" and value not in ("true", "false"):
        return "not a boolean"
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return "not an integer"
        if "minimum" in param and int(value) < int(param["minimum"]):
            return f"below the minimum {param['minimum']}"
        if "maximum" in param and int(value) > int(param["maximum"]):
            return f"above the maximum {param['maximum']}"
    return None


def check_body(found: Match, body: Any) -> list[str]:
    method = found.method
    if method.request is None:
        return [] if body is None else [f"{method.id} takes no request body"]
    if not isinstance(body, dict):
        return [f"{method.id} needs a JSON object of type {method.request}"]
    schema = document()["schemas"][method.request]
    problems = _check_value(body, {"$ref": method.request}, method.request)
    for name, prop in schema.get("properties", {}).items():
        if method.id in prop.get("annotations", {}).get("required", ()) and name not in body:
            problems.append(f"{method.id}: the body's {name!r} is required")
    return problems


def _check_value(value: Any, schema: Json, where: str) -> list[str]:
    if "$ref" in schema:
        schema = document()["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind in (None, "any") and "properties" not in schema:
        return []
    expected = _JSON_TYPES.get(kind or "object", ())
    if not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool)):
        return [f"{where} should be {kind or 'object'}, not {type(value).__name__}"]
    if kind == "array" and isinstance(value, list):
        items = schema.get("items", {})
        return [p for i, item in enumerate(value) for p in _check_value(item, items, f"{where}[{i}]")]
    if kind in (None, "object") and isinstance(value, dict):
        props: Json = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        problems: list[str] = []
        for key, item in value.items():
            if key in props:
                problems.extend(_check_value(item, props[key], f"{where}.{key}"))
            elif extra is not None:
                problems.extend(_check_value(item, extra, f"{where}[{key!r}]"))
            else:
                problems.append(f"{where} has no property {key!r}")
        return problems
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}={value!r} is not one of {', '.join(schema['enum'])}"]
    return []
