"""The requester: how everything above the pipeline reaches the service.

It turns a call (an operation and its arguments) into a checked ``Request``, sends it through
the pipeline, and reads the answer into this API version's model. Friendly calls are mapped
onto this version's operations first (``Versions``); creates go through ``create_once``.
"""

from __future__ import annotations

import importlib
import json
import platform
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from yarl import URL

from .._pager import AsyncPager, Page
from .._retry import RetryPolicy, is_create, is_idempotent
from .._version import __version__
from ..errors import InvalidArgumentError, ResponseParseError, SpeechError, UnsafeURLError
from .arguments import encode_query, prepare
from .clock import Clock
from .context import ClientState, Context
from .exactly_once import create_once
from .pipeline import Pipeline
from .policies.auth import has_control_characters
from .records import Route
from .transport import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    Origin,
    Request,
    Response,
    origin_of,
)
from .versions import Versions

if TYPE_CHECKING:
    import cattrs

    from .otel import Telemetry
    from .records import CallOptions

__all__ = ["Requester"]

USER_AGENT = f"speechrest/{__version__} python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
_CALL_OPTIONS = frozenset({"timeout", "max_retries", "exactly_once"})  # the keys of CallOptions


def check_options(operation: str, options: Mapping[str, Any]) -> None:
    """Keyword arguments past the operation's own are call options; refuse unknown or bad ones."""
    if not options:
        return  # the usual case, on every request
    unknown = sorted(set(options) - _CALL_OPTIONS)
    if unknown:
        names = ", ".join(f"'{name}'" for name in unknown)
        raise InvalidArgumentError(f"{operation}: unexpected keyword argument(s) {names}")
    retries = options.get("max_retries")
    if retries is not None and (not isinstance(retries, int) or isinstance(retries, bool) or retries < 0):
        raise InvalidArgumentError(f"{operation}: 'max_retries' must be a whole number >= 0, got {retries!r}")
    timeout = options.get("timeout")
    seconds = isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0
    if timeout is not None and not isinstance(timeout, aiohttp.ClientTimeout) and not seconds:
        raise InvalidArgumentError(f"{operation}: 'timeout' must be seconds > 0, got {timeout!r}")
    once = options.get("exactly_once")
    if once is not None and not isinstance(once, bool):
        raise InvalidArgumentError(f"{operation}: 'exactly_once' must be True or False, got {once!r}")


class Requester:
    """Calls, pages and downloads for one client (see ``records.Requester`` for the protocol)."""

    def __init__(
        self,
        *,
        versions: Versions,
        pipeline: Pipeline,
        state: ClientState,
        read: Callable[[Any, Any], Any],
        converter: cattrs.Converter | None,
        base: URL,
        origin: Origin,
        retry: RetryPolicy,
        exactly_once: bool,
        allow_foreign_next_links: bool,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.versions = versions
        self.pipeline = pipeline
        self.state = state
        self.read = read  # wire JSON and a type -> a model
        self._converter = converter
        self.retry = retry
        self.exactly_once = exactly_once
        self._base = base
        self._base_text = str(base)
        self._origin = origin
        self._allow_foreign_next_links = allow_foreign_next_links
        self._max_response_bytes = max_response_bytes
        self._max_download_bytes = max_download_bytes
        self.telemetry = telemetry  # spans and metrics, when OpenTelemetry is installed
        param = versions.module.VERSION_PARAM
        self._version_query = encode_query([(param, versions.api_version)]) if param else ""
        self._version_suffix = "?" + self._version_query if param else ""

    @property
    def api_version(self) -> str:
        return self.versions.api_version

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def converter(self) -> cattrs.Converter:
        """The client's cattrs converter (``speechrest.models.converter`` unless one was given),
        loaded when first used: reading answers does not need it."""
        if self._converter is None:
            self._converter = importlib.import_module("speechrest.models").converter
        return self._converter

    def unstructure(self, value: Any) -> Any:
        """A model in wire form."""
        return self.converter.unstructure(value)

    def server_now(self) -> datetime:
        return self.state.server_now()

    def supports(self, operation: str, param: str | None = None) -> bool:
        """Whether this version has the friendly call ``operation`` (and, if named, its parameter ``param``)."""
        route = self.versions.routes.get(self.versions.module.CANONICAL.get(operation, operation))
        return route is not None and (param is None or any(p.wire == param for p in route.params))

    def api_url(self, path: str) -> str:
        """The absolute URL of an API path (``/projects/<id>``) as this version spells it."""
        return str(self._url(path, []))

    # ------------------------------------------------------------------ calls

    async def call(self, operation: str, args: Mapping[str, Any], options: CallOptions) -> Any:
        check_options(operation, options)
        route, fitted = self.versions.adapt(operation, args)
        if is_create(route):
            return (await self._create(route, fitted, options))[0]
        request = self._request(route, fitted)
        response = await self.pipeline.send(request, self._context(options))
        return self._parse(route, response.body, route.response)

    async def call_with_headers(
        self, operation: str, args: Mapping[str, Any], options: CallOptions
    ) -> tuple[Any, Mapping[str, str]]:
        check_options(operation, options)
        route, fitted = self.versions.adapt(operation, args)
        return await self._run(route, fitted, options)

    async def invoke(self, operation_id: str, args: Mapping[str, Any], options: CallOptions) -> Any:
        check_options(operation_id, options)
        return (await self._run(self.versions.route(operation_id), args, options))[0]

    async def _run(self, route: Route, args: Mapping[str, Any], options: CallOptions) -> tuple[Any, Mapping[str, str]]:
        if is_create(route):
            return await self._create(route, args, options)
        return await self.send_route(route, args, options)

    async def _create(
        self, route: Route, args: Mapping[str, Any], options: CallOptions
    ) -> tuple[Any, Mapping[str, str]]:
        return await create_once(self, route, args, options, options.get("exactly_once", self.exactly_once))

    async def send_route(
        self,
        route: Route,
        args: Mapping[str, Any],
        options: CallOptions,
        *,
        reconciled: bool = False,
        started: float | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """One operation through the pipeline: its answer as a model, and the answer's headers.
        ``started`` (monotonic seconds) dates the call's deadline from an earlier start."""
        request = self._request(route, args, reconciled)
        response = await self.pipeline.send(request, self._context(options, started))
        return self._parse(route, response.body, route.response), response.headers

    def _request(self, route: Route, args: Mapping[str, Any], reconciled: bool = False) -> Request:
        """The request for ``route`` (checked now; ``rebuild`` makes it afresh for a retry)."""
        prepared = prepare(route, args, self.unstructure, self.api_version)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if prepared.headers:
            headers.update(prepared.headers)
        return Request(
            route.method,
            self._url(prepared.path, prepared.query),
            route.operation_id,
            headers,
            prepared.data,
            prepared.files,
            rebuild=None if prepared.stream else partial(self._request, route, args, reconciled),
            idempotent=is_idempotent(route),
            reconciled=reconciled,
            max_body=self._max_response_bytes,
        )

    def _context(self, options: CallOptions, started: float | None = None) -> Context:
        if self.state.closed:
            raise SpeechError("this SpeechClient is closed")
        return Context(options, self.state, self.state.clock.monotonic() if started is None else started)

    def _url(self, path: str, query: list[tuple[str, str]]) -> URL:
        """The absolute URL of an API path, with its query and this version's ``api-version``."""
        if not query:  # most operations: the path and api-version only
            return URL(self._base_text + path + self._version_suffix, encoded=True)
        parts = [encode_query(query)]
        if self._version_query:
            parts.append(self._version_query)
        return URL(self._base_text + path + "?" + "&".join(parts), encoded=True)

    def _parse(self, route: Route, body: bytes, model: Any) -> Any:
        if model is None or not body:
            return None
        try:
            return self.read(json.loads(body.decode()), model)  # the service's answers are UTF-8
        except Exception as exc:  # whatever the answer makes a reader (or a caller's converter) raise
            raise ResponseParseError(
                f"{route.operation_id}: the answer is not a valid {getattr(model, '__name__', model)}: {exc!r}"
            ) from exc

    # ------------------------------------------------------------------ pages

    def page(
        self, operation: str, args: Mapping[str, Any], options: CallOptions, max_items: int | None = None
    ) -> AsyncPager[Any]:
        check_options(operation, options)
        route, fitted = self.versions.adapt(operation, args)
        return self.page_route(route, fitted, options, max_items)

    def page_operation(
        self, operation_id: str, args: Mapping[str, Any], options: CallOptions, max_items: int | None = None
    ) -> AsyncPager[Any]:
        check_options(operation_id, options)
        return self.page_route(self.versions.route(operation_id), args, options, max_items)

    def page_route(
        self,
        route: Route,
        args: Mapping[str, Any],
        options: CallOptions,
        max_items: int | None = None,
        *,
        started: float | None = None,
    ) -> AsyncPager[Any]:
        """A pager over a list operation; arguments are checked now, requests wait for iteration.
        Each page's request has the call's deadline, from ``started`` when given."""
        self._request(route, args).close_files()  # bad arguments fail here, before iteration starts

        async def fetch(link: str | None) -> Page[Any]:
            if link is None:
                request = self._request(route, args)
            else:
                request = self._plain("GET", self._checked_link(link), route.operation_id)
            response = await self.pipeline.send(request, self._context(options, started))
            page = self._parse(route, response.body, route.response)
            items = getattr(page, route.items_key, None) or []
            return Page(items, getattr(page, "next_link", None))

        return AsyncPager(fetch, max_items=max_items)

    def _checked_link(self, link: str) -> URL:
        """A next link as given, refused when it leaves the endpoint's origin (unless allowed)."""
        url = URL(link, encoded=True)
        if not url.is_absolute():
            url = self._base.with_path(self._base.path + "/").join(url)  # relative to the API base folder
        if origin_of(url) != self._origin and not self._allow_foreign_next_links:
            raise UnsafeURLError(
                f"the service sent a next link on another origin ({url.scheme}://{url.host}); not followed. "
                "Pass allow_foreign_next_links=True to follow such links (without credentials)."
            )
        return url

    def _plain(
        self,
        method: str,
        url: URL,
        operation: str,
        *,
        accept: str = "application/json",
        data: Any = None,
        max_body: int | None = None,
        save_to: Path | None = None,
    ) -> Request:
        """A request without an operation's checks (a next link, a content URL, ``send_request``);
        its answer is read up to ``max_body`` bytes (the API answers' cap unless given)."""
        headers = {"User-Agent": USER_AGENT, "Accept": accept}
        if data is not None:
            headers["Content-Type"] = "application/json"
        rebuild = partial(
            self._plain, method, url, operation, accept=accept, data=data, max_body=max_body, save_to=save_to
        )
        return Request(
            method,
            url,
            operation,
            headers,
            data,
            rebuild=rebuild,
            to_service=origin_of(url) == self._origin,
            idempotent=method != "POST",
            max_body=max_body or self._max_response_bytes,
            save_to=save_to,
        )

    # ------------------------------------------------------------------ other requests

    async def download(self, url: str, options: CallOptions, to: Path | None = None) -> bytes:
        check_options("download", options)
        target = URL(url, encoded=True)
        if not target.is_absolute():
            raise InvalidArgumentError(f"download: the URL must be absolute, got {url!r}")
        if to is not None and not to.parent.is_dir():
            raise InvalidArgumentError(f"download: 'to' must be a file in an existing folder, got {str(to)!r}")
        request = self._plain("GET", target, "download", accept="*/*", max_body=self._max_download_bytes, save_to=to)
        response = await self.pipeline.send(request, self._context(options))
        return response.body

    async def send_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        options: CallOptions,
    ) -> Response:
        """Any request on the API, through the same pipeline (for operations the specs lack)."""
        check_options("send_request", options)
        if not path.startswith("/"):
            raise InvalidArgumentError(f"send_request: the path must start with '/', got {path!r}")
        for name, value in (headers or {}).items():
            if has_control_characters(name + value):
                raise InvalidArgumentError(
                    f"send_request: header {name!r} holds a line break or another control character"
                )
        data = None if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        request = self._plain(
            method.upper(), self._url(path, list((params or {}).items())), f"{method} {path}", data=data
        )
        request.headers.update(headers or {})
        return await self.pipeline.send(request, self._context(options))

    def __repr__(self) -> str:
        return f"<Requester api_version={self.api_version!r} {self.pipeline!r}>"
