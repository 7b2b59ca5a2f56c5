"""The wire format's scalars (date-times with ``Z``, ISO 8601 durations, parsed by hand: they
sit on the hot path of every list call) and reading wire JSON into the generated models
through each API version's generated ``readers`` (plain code per class, no dispatch).

Writing models back (and ``speechrest.models.converter``) is cattrs, in ``_converter``:
it loads only when first needed, so a client that sends dicts and reads answers never does.
"""

from __future__ import annotations

import importlib
import re
import typing
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["READERS", "Readers", "format_datetime", "format_duration", "parse_datetime", "parse_duration"]

_FRACTION = re.compile(r"\.(\d+)")
GENERATED_PREFIX = "speechrest._generated."  # the module prefix of every generated class
_UNIT_SECONDS = {"W": 604_800, "D": 86_400, "H": 3_600, "M": 60, "S": 1}
# The service's durations: PT, then hours, minutes and seconds in whole numbers (fractions past
# microseconds are cut off, as by the general parser).
_TIME_ONLY = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,6})\d*)?S)?", re.ASCII)
_MICROSECOND = timedelta(microseconds=1)
_from_iso = datetime.fromisoformat
_UTC = timezone.utc


def _six_digits(fraction: re.Match[str]) -> str:
    return "." + (fraction.group(1) + "00000")[:6]


def parse_datetime(value: str) -> datetime:
    """An ISO 8601 date-time as an aware ``datetime`` (no offset means UTC); ``ValueError`` for
    one whose time in UTC is out of ``datetime``'s range."""
    try:
        parsed = _from_iso(value)
    except ValueError:
        # Python 3.10 knows no "Z", and fractions of exactly three or six digits only.
        parsed = _from_iso(_FRACTION.sub(_six_digits, value.replace("Z", "+00:00").replace("z", "+00:00")))
    offset = parsed.tzinfo
    if offset is _UTC:  # the service's "Z": nothing more to check
        return parsed
    if offset is None:
        return parsed.replace(tzinfo=_UTC)
    if parsed.year in (1, 9999):  # an offset can push these past the ends of the range
        try:
            parsed.astimezone(_UTC)
        except OverflowError:
            raise ValueError(f"date-time out of range: {value!r}") from None
    return parsed


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
    """An ISO 8601 duration (weeks, days, hours, minutes, seconds) as a ``timedelta``
    (``ValueError`` past its range of 999,999,999 days).

    Hand-parsed: nearly every list item carries a duration, so this is on the hot
    path, and the service's form (``PT1H2M3.45S``) takes one match and whole numbers.
    """
    match = _TIME_ONLY.fullmatch(value)
    if match is not None and len(value) > 2:  # "PT" alone is no duration
        hours, minutes, whole, fraction = match.groups()
        total = (
            (int(hours) * 3600 if hours else 0) + (int(minutes) * 60 if minutes else 0) + (int(whole) if whole else 0)
        )
        micros = total * 1_000_000 + (int(fraction.ljust(6, "0")) if fraction else 0)
        try:
            return _MICROSECOND * micros
        except OverflowError:
            raise ValueError(f"duration out of range: {value!r}") from None
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
                if not (digits.isascii() and digits.replace(".", "", 1).isdigit()):
                    raise ValueError(f"not an ISO 8601 duration: {value!r}")
                seconds += float(digits) * _UNIT_SECONDS[unit]
                part = rest
        if part:
            raise ValueError(f"not an ISO 8601 duration in weeks, days, hours, minutes and seconds: {value!r}")
    try:
        return timedelta(seconds=-seconds if text is not value else seconds)
    except OverflowError:
        raise ValueError(f"duration out of range: {value!r}") from None


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


Reader = Callable[[Any], Any]


class Readers:
    """Wire JSON to models: each generated class's reader, loaded one package at a time on first use."""

    def __init__(self) -> None:
        self._readers: dict[type, Reader] = {}

    def lookup(self, cls: Any) -> Reader:
        """The reader of a generated class, loading its package's readers (and theirs) once."""
        reader = self._readers.get(cls)
        if reader is None:
            package = cls.__module__.rpartition(".")[0]
            module = importlib.import_module(package + ".readers")
            self._readers.update(module.make_readers(parse_datetime, parse_duration, self.lookup))
            reader = self._readers[cls]
        return reader

    def read(self, data: Any, tp: Any) -> Any:
        """``data`` as ``tp``: a generated class, a ``list[...]`` of one, or plain JSON (``list[str]``)."""
        reader = self._readers.get(tp)
        if reader is not None:
            return reader(data)  # a class read before: every answer after the first
        if isinstance(tp, type) and tp.__module__.startswith(GENERATED_PREFIX):
            return self.lookup(tp)(data)
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            if not isinstance(data, list):
                raise TypeError(f"expected a JSON array, got {data!r}")
            return [self.read(value, item) for value in data]
        return data


# The generated readers are code, the same for every client: one cache for the process.
READERS = Readers()
