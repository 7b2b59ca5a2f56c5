"""The wire format: a cattrs converter for the generated models.

Reading goes through the generated ``readers`` of each API version (plain code per
class, no per-field dispatch); writing through cattrs-made functions, one per class,
made on first use. On top of cattrs this module adds what the wire needs: camelCase
names (each field's ``wire`` metadata), unknown fields kept in ``additional_properties``,
open enums (an unknown value stays a plain string), date-times with ``Z`` and ISO 8601
durations, both parsed by hand because they sit on the hot path of every list call.
"""

from __future__ import annotations

import importlib
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

__all__ = ["format_datetime", "format_duration", "make_converter", "parse_datetime", "parse_duration"]

_FRACTION = re.compile(r"(\.\d{6})\d+")
_GENERATED = "speechrest._generated."
_UNIT_SECONDS = {"W": 604_800, "D": 86_400, "H": 3_600, "M": 60, "S": 1}


def parse_datetime(value: str) -> datetime:
    """An ISO 8601 date-time as an aware ``datetime`` (no offset means UTC)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # Python 3.10 knows neither "Z" nor more than six fractional digits.
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.replace("Z", "+00:00").replace("z", "+00:00")))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime) -> str:
    """An aware ``datetime`` in the service's form: ``Z`` for UTC, no trailing zero digits."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"date-time {value!r} has no time zone; use an aware datetime (e.g. tzinfo=timezone.utc)")
    text = value.isoformat()
    if value.microsecond:
        head, _, tail = text.partition(".")
        digits, offset = tail[:6].rstrip("0"), tail[6:]
        text = f"{head}.{digits}{offset}"
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_duration(value: str) -> timedelta:
    """An ISO 8601 duration (weeks, days, hours, minutes, seconds) as a ``timedelta``.

    Hand-parsed: nearly every list item carries a duration, so this is on the hot
    path, and the service's usual form (``PT1H2M3.45S``) takes the short road.
    """
    if value[:2] == "PT" and value[2:3].isdigit():
        try:
            return _time_only(value[2:])
        except ValueError:
            pass  # the general parser below says what is wrong
    text = value[1:] if value[:1] == "-" else value
    date, has_time, time = text[1:].partition("T")
    if text[:1] != "P" or not (date or time) or (has_time and not time):
        raise ValueError(f"not an ISO 8601 duration: {value!r}")
    seconds = 0.0
    for part, units in ((date, "WD"), (time, "HMS")):
        for unit in units:
            number, found, rest = part.partition(unit)
            if found:
                digits = number.replace(",", ".", 1) if unit == "S" else number
                if not digits.replace(".", "", 1).isdigit():
                    raise ValueError(f"not an ISO 8601 duration: {value!r}")
                seconds += float(digits) * _UNIT_SECONDS[unit]
                part = rest
        if part:
            raise ValueError(f"not an ISO 8601 duration in weeks, days, hours, minutes and seconds: {value!r}")
    return timedelta(seconds=-seconds if text is not value else seconds)


def _time_only(rest: str) -> timedelta:
    """``1H2M3.45S`` (the part after ``PT``) in whole numbers: exact and quick."""
    total = 0
    hours, found, tail = rest.partition("H")
    if found:
        total, rest = int(hours) * 3600, tail
    minutes, found, tail = rest.partition("M")
    if found:
        total, rest = total + int(minutes) * 60, tail
    if not rest:
        return timedelta(0, total)
    if rest[-1] != "S" or not rest[:-1].replace(".", "", 1).isdigit():
        raise ValueError(rest)
    whole, dot, fraction = rest[:-1].partition(".")
    micros = int((fraction + "000000")[:6]) if dot and fraction else 0
    return timedelta(0, total + int(whole), micros)


def format_duration(value: timedelta) -> str:
    """A ``timedelta`` as an ISO 8601 duration: ``P2D``, ``PT4M12S``, ``PT0.5S``."""
    sign = "-" if value < timedelta(0) else ""
    micros = abs(value) // timedelta(microseconds=1)
    days, micros = divmod(micros, 86_400_000_000)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    seconds, micros = divmod(micros, 1_000_000)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if seconds or micros:
        time += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S"
    text = f"{sign}P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return text if text not in ("P", "-P") else "PT0S"


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
    return isinstance(tp, type) and attrs.has(tp) and tp.__module__.startswith(_GENERATED)


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
    this is the hot path of every list call); writing uses cattrs-made functions.
    """
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook(timedelta, lambda v, _: parse_duration(v))
    conv.register_unstructure_hook(timedelta, format_duration)
    conv.register_unstructure_hook_func(lambda tp: _open_enum(tp) is not None, _enum_value)

    readers: dict[type, Callable[[Any], Any]] = {}  # filled one generated package at a time, on first use

    def lookup(cls: Any) -> Callable[[Any], Any]:
        """The reader of a generated class, loading its package's readers (and theirs) once."""
        if cls not in readers:
            package = cls.__module__.rpartition(".")[0]
            module = importlib.import_module(package + ".readers")
            readers.update(module.make_readers(parse_datetime, parse_duration, lookup))
        return readers[cls]

    def reader(cls: Any) -> Callable[[Any, Any], Any]:
        read = lookup(cls)
        return lambda data, _: read(data)

    def model_unstructure(cls: Any) -> Callable[[Any], Any]:
        attrs.resolve_types(cls)
        inner = attrs.fields(cls).additional_properties.type
        if issubclass(cls, Mapping):  # a map definition: its entries are the whole object
            return lambda obj: conv.unstructure(obj.additional_properties, inner)
        base = make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_overrides(cls, conv))
        # Required fields have no default, so cattrs writes them even when None (read from a
        # service answer that left them out, or not given): leave those out too.
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
