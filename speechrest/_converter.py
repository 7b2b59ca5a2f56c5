"""The cattrs converter between the generated models and wire JSON (``speechrest.models.converter``).

Reading goes through the generated readers (``_wire.READERS``); writing through cattrs-made
functions, one per class, made on first use. On top of cattrs this adds what the wire needs:
camelCase names (each field's ``wire`` metadata), unknown fields kept in
``additional_properties``, open enums (an unknown value stays a plain string), and the wire's
date-times and durations.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from ._wire import GENERATED_PREFIX, READERS, format_datetime, format_duration, parse_datetime, parse_duration

__all__ = ["make_converter"]


def _open_enum(tp: Any) -> type[Enum] | None:
    """The enum of an ``SomeEnum | str`` (optionally ``| None``) annotation."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    enums = [a for a in args if isinstance(a, type) and issubclass(a, Enum)]
    return enums[0] if len(enums) == 1 and len(args) == 2 and str in args else None


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _is_generated(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp) and tp.__module__.startswith(GENERATED_PREFIX)


def _overrides(cls: Any, conv: cattrs.Converter) -> dict[str, Any]:
    """cattrs overrides: each field under its wire name, a required one written even when None
    (it is then left out); ``additional_properties`` handled apart."""
    overrides: dict[str, Any] = {"additional_properties": override(omit=True)}
    for f in attrs.fields(cls):
        if "wire" not in f.metadata:
            continue
        hook = None
        if f.default is attrs.NOTHING:

            def hook(value: Any, tp: Any = f.type) -> Any:
                return None if value is None else conv.unstructure(value, tp)

        overrides[f.name] = override(rename=f.metadata["wire"], unstruct_hook=hook)
    return overrides


def make_converter() -> cattrs.Converter:
    """A converter between the generated models and wire JSON (dicts, lists, strings).

    Reading uses the generated ``readers`` modules (plain code, no per-field dispatch:
    this is the hot path of every list call), and a model read keeps the lists and dicts of
    the data it was read from (not copies); writing uses cattrs-made functions.
    """
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook(timedelta, lambda v, _: parse_duration(v))
    conv.register_unstructure_hook(timedelta, format_duration)
    conv.register_unstructure_hook_func(lambda tp: _open_enum(tp) is not None, _enum_value)

    def reader(cls: Any) -> Callable[[Any, Any], Any]:
        read = READERS.lookup(cls)
        return lambda data, _: read(data)

    def model_unstructure(cls: Any) -> Callable[[Any], Any]:
        attrs.resolve_types(cls)
        inner = attrs.fields(cls).additional_properties.type
        if issubclass(cls, Mapping):  # a map definition: its entries are the whole object
            return lambda obj: conv.unstructure(obj.additional_properties, inner)
        base = make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_overrides(cls, conv))
        # Required fields have no default, so cattrs writes them even when None (given so, or
        # one the service's answers leave out, such as timeToLiveHours): leave those out too.
        fields = attrs.fields(cls)
        required = [f.metadata["wire"] for f in fields if "wire" in f.metadata and f.default is attrs.NOTHING]

        def unstructure(obj: Any) -> dict[str, Any]:
            data: dict[str, Any] = base(obj)
            for key in required:
                if data.get(key, 0) is None:
                    del data[key]
            for key, value in obj.additional_properties.items():
                data.setdefault(key, value)
            return data

        return unstructure

    conv.register_structure_hook_factory(_is_generated, reader)
    conv.register_unstructure_hook_factory(_is_generated, model_unstructure)
    return conv
