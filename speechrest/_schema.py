"""Checking a JSON body against its API version's schema, as the service does.

The schemas are the generated ``bodies`` modules: the spec's request bodies cut down to
types, formats, enums, limits, requiredness and read-only marks. Two strengths share one
walk: the emulator checks everything the service refuses (``strict``); the SDK checks only
what cannot be right in any version of the service, required properties and JSON types,
so values the service adds later (enum members) still go out.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from ._generated import VERSIONS
from ._wire import parse_datetime, parse_duration

__all__ = ["Problem", "check", "check_body"]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INT32 = (-(2**31), 2**31 - 1)
_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a JSON object",
    "array": "a JSON array",
}
_FORMATS = {
    "uri": "an absolute URL",
    "uuid": "a UUID",
    "date-time": "an ISO 8601 date and time",
    "duration": "an ISO 8601 duration",
}


@attrs.frozen
class Problem:
    """The first thing wrong with a body: where (a JSON path), what kind of fault, and a message.

    ``kind`` is ``missing`` (a required property), ``type`` (the wrong kind of JSON value)
    or ``value`` (outside the allowed values, malformed, or out of range).
    """

    path: str
    kind: str
    message: str


def check_body(version: str, operation_id: str, value: Any, *, strict: bool, path: str = "") -> Problem | None:
    """The first problem of an operation's JSON body in one API version (None: it passes or has no schema)."""
    module = importlib.import_module(VERSIONS[version] + ".bodies")
    schema = module.BODIES.get(operation_id)
    return None if schema is None else check(schema, value, module.DEFINITIONS, strict=strict, path=path)


def check(
    schema: Mapping[str, Any], value: Any, definitions: Mapping[str, Any], *, strict: bool, path: str = ""
) -> Problem | None:
    """The first problem of ``value`` against ``schema``, or None when it passes."""
    while "$ref" in schema:
        schema = definitions[schema["$ref"]]
    kind = schema.get("type")
    if kind is not None and not _is_type(kind, value):
        return Problem(path, "type", f"{_where(path)} must be {_EXPECTED[kind]}, got {_shown(value)}")
    if kind == "object" or "properties" in schema:
        return _check_object(schema, value, definitions, strict, path)
    if kind == "array":
        for index, item in enumerate(value):
            problem = check(schema.get("items", {}), item, definitions, strict=strict, path=f"{path}[{index}]")
            if problem is not None:
                return problem
        return None
    return _check_value(schema, value, path) if strict else None


def _check_object(
    schema: Mapping[str, Any], value: dict[str, Any], definitions: Mapping[str, Any], strict: bool, path: str
) -> Problem | None:
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if value.get(name) is None and not properties.get(name, {}).get("readOnly"):
            where = _join(path, name)
            return Problem(where, "missing", f"{_where(where)} is required")
    for name, item in value.items():
        sub = properties.get(name)
        if sub is None or item is None or sub.get("readOnly"):
            continue  # unknown properties are ignored, as are read-only ones and nulls
        problem = check(sub, item, definitions, strict=strict, path=_join(path, name))
        if problem is not None:
            return problem
    extra = schema.get("additionalProperties")
    if extra is not None and not properties:
        for key, item in value.items():
            problem = check(extra, item, definitions, strict=strict, path=_join(path, key))
            if problem is not None:
                return problem
    return None


def _check_value(schema: Mapping[str, Any], value: Any, path: str) -> Problem | None:
    """Enums, formats and limits: what only the strict check looks at."""
    allowed = schema.get("enum")
    if allowed is not None and value not in allowed:
        return Problem(path, "value", f"{_where(path)} must be one of {', '.join(allowed)}; got {_shown(value)}")
    fmt = schema.get("format")
    if fmt in _FORMATS and not _is_format(fmt, value):
        return Problem(path, "value", f"{_where(path)} must be {_FORMATS[fmt]}, got {_shown(value)}")
    low, high = schema.get("minimum"), schema.get("maximum")
    if fmt == "int32":
        low = _INT32[0] if low is None else max(low, _INT32[0])
        high = _INT32[1] if high is None else min(high, _INT32[1])
    if low is not None and value < low:
        return Problem(path, "value", f"{_where(path)} must be at least {low}, got {_shown(value)}")
    if high is not None and value > high:
        return Problem(path, "value", f"{_where(path)} must be at most {high}, got {_shown(value)}")
    shortest = schema.get("minLength")
    if shortest is not None and len(value) < shortest:
        return Problem(path, "value", f"{_where(path)} must have at least {shortest} character(s), got {_shown(value)}")
    longest = schema.get("maxLength")
    if longest is not None and len(value) > longest:
        return Problem(path, "value", f"{_where(path)} must have at most {longest} characters")
    return None


def _is_type(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, (list, tuple))
    return True


def _is_format(fmt: str, value: str) -> bool:
    if fmt == "uuid":
        return _UUID.fullmatch(value) is not None
    if fmt == "uri":
        try:
            parts = urlsplit(value)
        except ValueError:
            return False
        return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)
    parse = parse_datetime if fmt == "date-time" else parse_duration
    try:
        parse(value)
    except (ValueError, TypeError):
        return False
    return True


def _where(path: str) -> str:
    return f"'{path}'" if path else "the body"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
