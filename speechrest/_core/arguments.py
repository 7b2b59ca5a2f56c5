"""Turning call arguments into the parts of a request.

Every argument is checked here, before anything is sent: a missing required
parameter, a malformed UUID or a body of the wrong type raises
``InvalidArgumentError`` naming the operation and the parameter.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import uuid
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from typing import IO, Any
from urllib.parse import quote

import aiohttp

from .._generated import VERSIONS
from ..errors import InvalidArgumentError
from .records import Param, Route


class Prepared:
    """A request ready for the wire, minus the base URL and credentials."""

    __slots__ = ("data", "files", "headers", "path", "query", "stream")

    def __init__(self) -> None:
        self.path = ""  # already percent-encoded
        self.query: list[tuple[str, str]] = []
        self.headers: dict[str, str] = {}
        self.data: Any = None
        self.files: list[IO[bytes]] = []  # opened here, closed by the caller
        self.stream = False  # the body is an async stream: it cannot be sent twice


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SCALARS: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def _fail(route: Route, param: Param, expected: str, value: Any) -> InvalidArgumentError:
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return InvalidArgumentError(f"{route.operation_id}: '{param.arg}' must be {expected}, got {shown}")


def _text(route: Route, param: Param, value: Any) -> str:
    """A path, query or form value as text, after checking its kind."""
    if param.kind == "uuid":
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, str) and _UUID.fullmatch(value):
            return value.lower()
        raise _fail(route, param, "a UUID", value)
    allowed = _SCALARS.get(param.kind, (str,))
    if not isinstance(value, allowed) or (param.kind in ("int", "float") and isinstance(value, bool)):
        raise _fail(route, param, f"of type {param.kind}", value)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if param.location == "path" and not text:
        raise _fail(route, param, "a non-empty string", value)
    return text


def wire_body(route: Route, param: Param, value: Any, unstructure: Callable[[Any], Any], version: str) -> Any:
    """A JSON body (a model, a mapping, or a sequence of them) in wire form."""
    model = param.model
    item = getattr(model, "__args__", (None,))[0] if getattr(model, "__origin__", None) is list else None
    if item is not None:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise _fail(route, param, f"a list of {item.__name__} or dicts", value)
        one = Param(
            wire=param.wire,
            arg=param.arg,
            location=param.location,
            required=param.required,
            kind=param.kind,
            model=item,
        )
        return [wire_body(route, one, v, unstructure, version) for v in value]
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(model, type) and isinstance(value, model):
        return unstructure(value)
    if isinstance(model, type) and version:
        expected = f"a speechrest.models.{VERSIONS[version].rsplit('.', 1)[-1]}.{model.__name__} or a dict"
        if type(value).__name__ == model.__name__ and type(value).__module__.startswith("speechrest._generated."):
            raise InvalidArgumentError(
                f"{route.operation_id}: '{param.arg}' must be {expected} for API version {version}; "
                f"got the {model.__name__} of API version {', '.join(_versions_of(type(value)))}"
            )
    else:
        expected = f"a {model.__name__} or a dict" if isinstance(model, type) else "JSON data"
    raise _fail(route, param, expected, value)


def _versions_of(cls: type) -> list[str]:
    """The API versions whose models include ``cls`` (a class can be shared by several)."""
    found = []
    for version, package in VERSIONS.items():
        if getattr(importlib.import_module(package + ".models"), cls.__name__, None) is cls:
            found.append(version)
    return found


def _binary_body(route: Route, param: Param, value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return value
    if isinstance(value, memoryview):
        return value.cast("B") if value.contiguous else value.tobytes()  # sized in bytes
    if isinstance(value, AsyncIterable):
        return value
    raise _fail(route, param, "bytes or an async iterable of bytes", value)


def _file_field(route: Route, param: Param, value: Any, prepared: Prepared) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return io.BytesIO(value)
    if isinstance(value, os.PathLike):
        path = os.fspath(value)
        if not os.path.isfile(path):
            raise _fail(route, param, "the path of an existing file", value)
        handle = open(path, "rb")  # noqa: SIM115 - closed by the caller after sending
        prepared.files.append(handle)
        return handle
    if isinstance(value, AsyncIterable) or (hasattr(value, "read") and not isinstance(value, str)):
        return value
    raise _fail(route, param, "bytes, a binary file, a path or an async iterable of bytes", value)


# The service's limits that its API description does not state.
MAX_TOP = 100
MAX_BLOCK_BYTES = 8 * 1024 * 1024
MAX_CONTENT_URLS = 1000


def _check_limits(route: Route, param: Param, value: Any) -> None:
    """Refuse what the service would refuse anyway: ``top`` over 100, blocks over 8 MiB,
    more than 1,000 content URLs in one transcription, an empty block id."""
    if param.wire == "top" and isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= MAX_TOP:
        raise _fail(route, param, f"between 1 and {MAX_TOP}", value)
    if param.wire == "blockid" and isinstance(value, str) and not value:
        raise _fail(route, param, "a non-empty Base64 string", value)
    if param.kind == "binary" and isinstance(value, (bytes, bytearray, memoryview)) and len(value) > MAX_BLOCK_BYTES:
        raise _fail(route, param, f"at most {MAX_BLOCK_BYTES} bytes (8 MiB)", f"<{len(value)} bytes>")
    if param.kind == "json":
        urls = value.get("contentUrls") if isinstance(value, Mapping) else getattr(value, "content_urls", None)
        if isinstance(urls, Sequence) and not isinstance(urls, str) and len(urls) > MAX_CONTENT_URLS:
            raise InvalidArgumentError(
                f"{route.operation_id}: a transcription takes at most {MAX_CONTENT_URLS} content URLs, "
                f"got {len(urls)}; split them over several transcriptions"
            )


def prepare(route: Route, args: Mapping[str, Any], unstructure: Callable[[Any], Any], version: str = "") -> Prepared:
    """Check ``args`` (keyed by wire name) against ``route`` and build the request parts."""
    if not route.wires.issuperset(args):
        foreign = sorted(wire for wire, value in args.items() if value is not None and wire not in route.wires)
        if foreign:
            names = ", ".join(f"'{w}'" for w in foreign)
            raise InvalidArgumentError(f"{route.operation_id}: {names} is not a parameter in API version {version}")
    path = route.path
    prepared = Prepared()
    form: aiohttp.FormData | None = None
    for param in route.params:
        value = args.get(param.wire)
        if value is None:
            if param.required:
                raise InvalidArgumentError(f"{route.operation_id}: '{param.arg}' is required")
            continue
        _check_limits(route, param, value)
        if param.location == "path":
            text = _text(route, param, value)
            path = path.replace("{" + param.wire + "}", text if param.kind == "uuid" else quote(text, safe=""))
        elif param.location == "query":
            prepared.query.append((param.wire, _text(route, param, value)))
        elif param.location == "body" and param.kind == "binary":
            prepared.data = _binary_body(route, param, value)
            prepared.stream = isinstance(value, AsyncIterable)
            if not prepared.stream:
                prepared.headers["Content-Length"] = str(len(prepared.data))
            prepared.headers["Content-Type"] = route.content_type or "application/octet-stream"
        elif param.location == "body":
            body = wire_body(route, param, value, unstructure, version)
            from .._schema import check_body  # with the first body sent, not with every import

            problem = check_body(version, route.operation_id, body, strict=False, path=param.arg) if version else None
            if problem is not None:
                raise InvalidArgumentError(f"{route.operation_id}: {problem.message}")
            prepared.data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            prepared.headers["Content-Type"] = "application/json"
        elif param.location == "formData":
            form = form or aiohttp.FormData(default_to_multipart=True)
            if param.kind == "file":
                field = _file_field(route, param, value, prepared)
                # the caller's own stream or open file is read once; bytes and paths can be re-read
                prepared.stream = prepared.stream or isinstance(value, AsyncIterable) or hasattr(value, "read")
                form.add_field(param.wire, field, filename=param.wire)
            else:
                form.add_field(param.wire, _text(route, param, value))
    if form is not None:
        prepared.data = form
    prepared.path = path
    return prepared


def encode_query(pairs: Sequence[tuple[str, str]]) -> str:
    """``k=v&...`` with every reserved character percent-encoded (spaces as ``%20``)."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
