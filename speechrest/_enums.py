"""The base of the generated enums."""

from __future__ import annotations

from enum import Enum

__all__ = ["WireEnum"]


class WireEnum(str, Enum):
    """A value the API lists: a ``str`` that prints as its wire value.

    ``str(Status.NOT_STARTED)`` and ``f"{Status.NOT_STARTED}"`` give ``NotStarted``, on every
    Python version (a plain ``str, Enum`` prints ``Status.NOT_STARTED``; ``StrEnum`` is 3.11+).
    """

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(str.__str__(self), format_spec)
