"""An answer's headers as a plain ``dict`` that ignores case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Headers"]


class Headers(dict[str, str]):
    """Header names in lower case; ``[]``, ``get`` and ``in`` take any case (``headers["Retry-After"]``).

    A plain dict otherwise: it pickles, copies and prints as one, and holds no connection.
    A header sent more than once keeps every value, joined by ``", "``.
    """

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        joined: dict[str, str] = {}  # built as a plain dict: every answer passes through here
        for name, value in headers.items() if isinstance(headers, Mapping) else headers:
            key = name.lower()
            earlier = joined.get(key)
            joined[key] = value if earlier is None else f"{earlier}, {value}"
        super().__init__(joined)

    def __missing__(self, name: str) -> str:
        key = name.lower()
        if key == name or not super().__contains__(key):
            raise KeyError(name)
        return super().__getitem__(key)

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name.lower() if isinstance(name, str) else name)

    def __setitem__(self, name: str, value: str) -> None:
        super().__setitem__(name.lower(), value)

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)
