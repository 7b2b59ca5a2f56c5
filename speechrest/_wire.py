"""The wire format: a cattrs converter for the generated models.

Hooks are made once per class, on first use, by cattrs' code generation; this
module only adds what the wire needs on top: camelCase names (from each field's
``wire`` metadata), unknown fields kept in ``additional_properties``, open enums
(an unknown value stays a plain string), UTC date-times and ISO 8601 durations.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = ["format_datetime", "format_duration", "make_converter", "parse_datetime", "parse_duration"]

_DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)
_FRACTION = re.compile(r"(\.\d{6})\d+")


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
    """An ISO 8601 duration (weeks, days, hours, minutes, seconds) as a ``timedelta``."""
    match = _DURATION.fullmatch(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration in days, hours, minutes and seconds: {value!r}")
    parts = match.groupdict()
    delta = timedelta(
        weeks=int(parts["weeks"] or 0),
        days=int(parts["days"] or 0),
        hours=int(parts["hours"] or 0),
        minutes=int(parts["minutes"] or 0),
        seconds=float((parts["seconds"] or "0").replace(",", ".")),
    )
    return -delta if parts["sign"] else delta


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


def _is_map_model(tp: Any) -> bool:
    return attrs.has(tp) and isinstance(tp, type) and issubclass(tp, Mapping)


def _is_model(tp: Any) -> bool:
    return attrs.has(tp) and isinstance(tp, type) and not issubclass(tp, Mapping)


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _renames(cls: Any) -> dict[str, Any]:
    """cattrs overrides: each field under its wire name; ``additional_properties`` handled apart."""
    overrides: dict[str, Any] = {"additional_properties": override(omit=True)}
    for f in attrs.fields(cls):
        if "wire" in f.metadata:
            overrides[f.name] = override(rename=f.metadata["wire"])
    return overrides


def make_converter() -> cattrs.Converter:
    """A converter between the generated models and wire JSON (dicts, lists, strings)."""
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook(timedelta, lambda v, _: parse_duration(v))
    conv.register_unstructure_hook(timedelta, format_duration)

    def open_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
        enum = _open_enum(tp)
        assert enum is not None
        known: dict[Any, Any] = {member.value: member for member in enum}
        return lambda value, _: None if value is None else known.get(value, value)

    conv.register_structure_hook_factory(lambda tp: _open_enum(tp) is not None, open_enum_hook)
    conv.register_unstructure_hook_func(lambda tp: _open_enum(tp) is not None, _enum_value)

    def model_structure(cls: Any) -> Callable[[Mapping[str, Any], Any], Any]:
        attrs.resolve_types(cls)
        known = frozenset(f.metadata["wire"] for f in attrs.fields(cls) if "wire" in f.metadata)
        base = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=False, **_renames(cls))

        def structure(data: Mapping[str, Any], _: Any) -> Any:
            obj = base(data, cls)
            unknown = data.keys() - known
            if unknown:
                obj.additional_properties = {k: data[k] for k in unknown}
            return obj

        return structure

    def model_unstructure(cls: Any) -> Callable[[Any], dict[str, Any]]:
        attrs.resolve_types(cls)
        base = make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_renames(cls))

        def unstructure(obj: Any) -> dict[str, Any]:
            data: dict[str, Any] = base(obj)
            for key, value in obj.additional_properties.items():
                data.setdefault(key, value)
            return data

        return unstructure

    def map_structure(cls: Any) -> Callable[[Mapping[str, Any], Any], Any]:
        attrs.resolve_types(cls)
        inner = attrs.fields(cls).additional_properties.type
        return lambda data, _: cls(additional_properties=conv.structure(data, inner))

    def map_unstructure(cls: Any) -> Callable[[Any], Any]:
        attrs.resolve_types(cls)
        inner = attrs.fields(cls).additional_properties.type
        return lambda obj: conv.unstructure(obj.additional_properties, inner)

    conv.register_structure_hook_factory(_is_model, model_structure)
    conv.register_unstructure_hook_factory(_is_model, model_unstructure)
    conv.register_structure_hook_factory(_is_map_model, map_structure)
    conv.register_unstructure_hook_factory(_is_map_model, map_unstructure)
    return conv
