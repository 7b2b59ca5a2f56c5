"""What the generated code is built on: route records, the per-call options, the body types,
and the narrow ``Requester`` protocol its operations and resource groups call.

This is the one hand-written module the generated code imports.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Mapping
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    import aiohttp
    import cattrs
    from typing_extensions import TypedDict

    from .._pager import AsyncPager as AsyncPager
    from .._retry import RetryPolicy
    from .clock import Clock
    from .otel import Telemetry

    class CallOptions(TypedDict, total=False):
        """Per-call options every operation accepts as keyword arguments."""

        timeout: float | aiohttp.ClientTimeout  # this request's timeout (each try)
        max_retries: int  # overrides the client's retry policy for this call
        exactly_once: bool  # creates: look for a lost create before sending it again


__all__ = ["BinaryBody", "CallOptions", "FileBody", "HasRequester", "Param", "Requester", "Route"]

# What a raw block body may be: bytes in memory, or an async stream of bytes.
BinaryBody = bytes | bytearray | memoryview | AsyncIterable[bytes]
# What a file form field may be: bytes, an open binary file, a path, or an async stream.
FileBody = bytes | bytearray | memoryview | IO[bytes] | os.PathLike[str] | AsyncIterable[bytes]


class Param:
    """One documented parameter: its wire name, Python name, place, requiredness and kind
    (``model``: for JSON bodies, the model class or ``list[...]`` of it)."""

    __slots__ = ("arg", "kind", "location", "model", "required", "wire")

    def __init__(self, *, wire: str, arg: str, location: str, required: bool, kind: str, model: Any = None) -> None:
        self.wire = wire
        self.arg = arg
        self.location = location  # path, query, body, formData
        self.required = required
        self.kind = kind  # uuid, str, int, float, bool, json, binary, file
        self.model = model

    def __repr__(self) -> str:
        return f"<Param {self.arg} ({self.location} {self.wire!r}, {self.kind})>"


class Route:
    """One operation of one API version, as the generator read it from the spec: ``ok`` its
    success statuses, ``response`` its answer's model (None: no body), ``item`` the element
    model of a pageable operation, found under ``items_key`` beside ``next_link_key``."""

    __slots__ = (
        "content_type",
        "item",
        "items_key",
        "method",
        "next_link_key",
        "ok",
        "operation_id",
        "params",
        "path",
        "response",
        "wires",
    )

    def __init__(
        self,
        *,
        operation_id: str,
        method: str,
        path: str,
        params: tuple[Param, ...],
        ok: tuple[int, ...],
        response: Any,
        content_type: str | None,
        item: Any = None,
        items_key: str = "values",
        next_link_key: str = "@nextLink",
    ) -> None:
        self.operation_id = operation_id
        self.method = method
        self.path = path
        self.params = params
        self.ok = ok
        self.response = response
        self.content_type = content_type
        self.item = item
        self.items_key = items_key
        self.next_link_key = next_link_key
        self.wires = frozenset(param.wire for param in params)  # the names its arguments go by

    def __repr__(self) -> str:
        return f"<Route {self.operation_id}: {self.method} {self.path}>"


class Requester(Protocol):
    """How resource groups, waiters, the uploader and the scheduler reach the service.

    Operations are named by their canonical ID (``Transcriptions_Create``: the same meaning
    on every API version) and take their arguments keyed by wire name.
    """

    @property
    def api_version(self) -> str: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def converter(self) -> cattrs.Converter: ...

    @property
    def telemetry(self) -> Telemetry | None:
        """Spans and metrics (None without OpenTelemetry)."""

    @property
    def retry(self) -> RetryPolicy:
        """The client's retry policy (its bounds also pace waits)."""

    async def call(self, operation: str, args: Mapping[str, Any], options: CallOptions) -> Any:
        """Run an operation; its answer as a model (None when it has no body)."""

    async def call_with_headers(
        self, operation: str, args: Mapping[str, Any], options: CallOptions
    ) -> tuple[Any, Mapping[str, str]]:
        """``call``, and the answer's headers (``Retry-After``, ``Operation-Location``)."""

    async def invoke(self, operation_id: str, args: Mapping[str, Any], options: CallOptions) -> Any:
        """Run this API version's operation ``operation_id`` exactly (no friendly mapping)."""

    def page(
        self, operation: str, args: Mapping[str, Any], options: CallOptions, max_items: int | None = None
    ) -> AsyncPager[Any]:
        """A lazy pager over a list operation; arguments are checked now."""

    def page_operation(
        self, operation_id: str, args: Mapping[str, Any], options: CallOptions, max_items: int | None = None
    ) -> AsyncPager[Any]:
        """``page`` for this API version's operation ``operation_id`` exactly."""

    async def download(self, url: str, options: CallOptions, to: Path | None = None) -> bytes:
        """The bytes at a content URL, fetched without credentials (``b""`` when written to the file ``to``)."""

    def server_now(self) -> datetime:
        """The service's clock, as its last answer showed it."""

    def supports(self, operation: str, param: str | None = None) -> bool:
        """Whether this API version has the call ``operation`` (and its parameter ``param``, if named)."""

    def api_url(self, path: str) -> str:
        """The absolute URL of an API path (``/projects/<id>``) as this API version spells it."""


class HasRequester(Protocol):
    """What the operation functions take as their first argument: a ``SpeechClient``."""

    @property
    def requester(self) -> Requester: ...
