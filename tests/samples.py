"""Wire payloads and call arguments made from the generated models and route table."""

from __future__ import annotations

import types
import typing
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import attrs

from speechrest._core.records import Param, Route
from speechrest.models import converter

SAMPLE_UUID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
SAMPLE_SELF = f"https://westus.api.cognitive.microsoft.com/speechtotext/v3.1/things/{SAMPLE_UUID}"


def sample_wire(tp: Any, name: str = "x", depth: int = 0) -> Any:
    """A wire value for an annotation, with every optional field filled (to a small depth)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        enums = [a for a in args if isinstance(a, type) and issubclass(a, Enum)]
        return sample_wire(enums[0] if enums else args[0], name, depth)
    if origin is list:
        return [sample_wire(typing.get_args(tp)[0], name, depth + 1)]
    if origin is dict:
        return {"key": sample_wire(typing.get_args(tp)[1], name, depth + 1)}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return next(iter(tp)).value
    if tp is datetime:
        return "2024-05-06T07:08:09Z"
    if tp is timedelta:
        return "PT1H2M3S"
    if tp is bool:
        return True
    if tp is int:
        return 7
    if tp is float:
        return 0.25
    if tp is str:
        return SAMPLE_SELF if name in ("self_", "self") else f"{name}-value"
    if tp is Any:
        return {"any": ["thing", 1]}
    if attrs.has(tp):
        return sample_model_wire(tp, depth)
    raise TypeError(f"no sample for {tp!r}")


def sample_model_wire(cls: type, depth: int = 0) -> Any:
    """A wire dict for a model class: required fields always, optional ones while shallow."""
    attrs.resolve_types(cls)
    fields = attrs.fields(cls)
    if [f.name for f in fields] == ["additional_properties"]:  # a map model
        return {"en-US": sample_wire(fields[0].type, "value", depth + 1)["key"]}
    data: dict[str, Any] = {}
    for f in fields:
        wire = f.metadata.get("wire")
        if wire is None:
            continue
        required = f.default is attrs.NOTHING
        if required or depth < 3:
            data[wire] = sample_wire(f.type, f.name, depth + 1)
    return data


def sample_response(route: Route) -> Any:
    """A body the service could answer for ``route`` (None when it answers none)."""
    if route.response is None:
        return None
    answer = sample_wire(route.response, "response")
    if route.item is not None:
        del answer[route.next_link_key]  # one page only
    return answer


def sample_args(route: Route) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keyword arguments for the operation function, the same values keyed by wire name)."""
    kwargs: dict[str, Any] = {}
    for param in route.params:
        kwargs[param.arg] = _sample_arg(param)
    return kwargs, {p.wire: kwargs[p.arg] for p in route.params}


def _sample_arg(param: Param) -> Any:
    if param.kind == "uuid":
        return SAMPLE_UUID
    if param.kind == "int":
        return 5
    if param.kind == "bool":
        return True
    if param.kind == "binary":
        return b"\x00\x01block-bytes"
    if param.kind == "file":
        return b"file-bytes"
    if param.kind == "json":
        wire = sample_wire(param.model, param.arg)
        return converter.structure(wire, param.model)
    return {"locale": "en-US", "filter": "status eq 'Succeeded'"}.get(param.wire, f"{param.wire} value/+ &")
