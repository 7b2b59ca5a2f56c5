"""The emulator's HTTP side: routes from the generated route table, parameter checks,
authentication, injected latency/throttling/faults, counters, and ``Emulator`` itself."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import hmac
import json
import math
import random
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from types import TracebackType
from typing import Any

import attrs
from aiohttp import web

from .._core.records import Route
from .._generated import VERSIONS
from .._schema import check_body
from ..errors import AmbiguousCreateError
from ..models import converter
from ._blob import BlobStore
from ._errors import ServiceError, bad_request, invalid_body
from ._ga import HANDLERS as GA_HANDLERS
from ._handlers import HANDLERS, Call
from ._service import Options, Service
from ._versions import INTERNAL, Dialect

TOKEN_KEY = AmbiguousCreateError.TOKEN_KEY

STATS_PATH = "/_emulator/stats"
QUOTA_PATH = "/_emulator/quota"
# The status line of an answer that the emulator cuts off (counted as "lost", never completed).
_CUT_STATUS = 299
_KEY_HEADER = "Ocp-Apim-Subscription-Key"


def _aiohttp_path(path: str) -> str:
    """``/models/{id}:copyto`` -> ``/models/{id:[^/:]+}:copyto``: ids never swallow ``:action``."""
    return re.sub(r"\{(\w+)\}", r"{\1:[^/:]+}", path)


class Counters:
    """What the emulator saw and did, for tests and ``GET /_emulator/stats``."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, int | str]] = Counter()
        self.faults: Counter[str] = Counter()
        self.throttled = 0

    def snapshot(self, service: Service) -> dict[str, Any]:
        by_operation: dict[str, dict[str, int]] = {}
        for (operation, status), count in sorted(self.requests.items(), key=lambda item: str(item[0])):
            by_operation.setdefault(operation, {})[str(status)] = count
        return {
            "requests": by_operation,
            "total": sum(self.requests.values()),
            "faults": dict(self.faults),
            "throttled": self.throttled,
            "blob": dict(service.blob.stats),
            "webhooks": dict(service.notifier.stats),
            "create_tokens": _token_counts(service),
            "entities": {
                c: service.store.count(c)
                for c in ("projects", "datasets", "models", "evaluations", "transcriptions", "endpoints", "webhooks")
            },
        }


def _token_counts(service: Service) -> dict[str, Any]:
    """Entities per client create token: proof that nothing was created twice."""
    seen: Counter[str] = Counter()
    for collection in ("projects", "datasets", "models", "evaluations", "transcriptions", "endpoints", "webhooks"):
        for record in service.store.all(collection):
            token = (getattr(record.entity, "custom_properties", None) or {}).get(TOKEN_KEY)
            if token:
                seen[token] += 1
    return {"tokens": len(seen), "entities": sum(seen.values()), "duplicated": {t: n for t, n in seen.items() if n > 1}}


def _seconds_range(value: float | str) -> tuple[float, float]:
    """``2`` -> (2, 2); ``"5-60"`` -> (5, 60)."""
    if isinstance(value, str):
        low, _, high = value.partition("-")
        try:
            bounds = (float(low), float(high or low))
        except ValueError:
            raise ValueError(f"processing seconds are a number or a range such as 5-60, got {value!r}") from None
        if bounds[1] < bounds[0]:
            raise ValueError(f"the processing range {value!r} ends before it starts")
        return bounds
    return float(value), float(value)


class Quota:
    """The service's request quota: at most ``requests`` in any ``per_seconds`` window."""

    def __init__(self, requests: int, per_seconds: float) -> None:
        if requests < 1 or per_seconds <= 0:
            raise ValueError(f"a quota needs requests >= 1 and per_seconds > 0, got {requests}/{per_seconds}")
        self.requests, self.per_seconds = requests, per_seconds
        self._times: collections.deque[float] = collections.deque()

    def refuse(self) -> float | None:
        """None to admit a request now, else the seconds until the window has room."""
        now = time.monotonic()
        while self._times and self._times[0] <= now - self.per_seconds:
            self._times.popleft()
        if len(self._times) >= self.requests:
            return self._times[0] + self.per_seconds - now
        self._times.append(now)
        return None

    @classmethod
    def parse(cls, text: str) -> Quota:
        """``"100/10"``: 100 requests per 10 seconds."""
        requests, _, seconds = text.partition("/")
        try:
            return cls(int(requests), float(seconds))
        except ValueError:
            raise ValueError(f"a quota is REQUESTS/SECONDS, e.g. 100/10, got {text!r}") from None


class Api:
    """The API application: one aiohttp route per operation of every version's route table."""

    def __init__(
        self,
        service: Service,
        counters: Counters,
        quota: Callable[[], Quota | None],
        set_quota: Callable[[Quota | None], None],
    ) -> None:
        self.service = service
        self.counters = counters
        self.quota = quota  # read for every request: the emulator's quota can change while it runs
        self.set_quota = set_quota
        self.rng = random.Random(None if service.options.seed is None else service.options.seed + 1)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate], client_max_size=16 * 1024 * 1024)
        app.router.add_get(STATS_PATH, self._stats)
        app.router.add_put(QUOTA_PATH, self._set_quota)
        # GA versions share paths and tell themselves apart by ``api-version``: one route each.
        shared: dict[tuple[str, str], dict[str, tuple[Dialect, Route]]] = defaultdict(dict)
        for dialect in self.service.dialects.values():
            for operation_id, route in dialect.routes.ROUTES.items():
                path = dialect.routes.BASE_PATH + _aiohttp_path(route.path)
                if dialect.is_ga:
                    shared[(route.method, path)][dialect.version] = (dialect, route)
                else:
                    name = f"{package_tag(dialect.version)}.{operation_id}"
                    by_version = {dialect.version: (dialect, route)}
                    app.router.add_route(route.method, path, partial(self._dispatch, by_version), name=name)
        for (method, path), by_version in shared.items():
            name = "ga." + next(iter(by_version.values()))[1].operation_id
            app.router.add_route(method, path, partial(self._dispatch, by_version), name=name)
        return app

    async def _set_quota(self, request: web.Request) -> web.Response:
        """``PUT /_emulator/quota`` with ``100/10`` (or an empty body for none): change the quota."""
        text = (await request.text()).strip()
        try:
            self.set_quota(Quota.parse(text) if text else None)
        except ValueError as error:
            return web.Response(status=400, text=str(error))
        return web.Response(status=204)

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.counters.snapshot(self.service))

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path in (STATS_PATH, QUOTA_PATH):  # control endpoints: the key, but no counting or faults
            try:
                self._authenticate(request)
            except ServiceError as error:
                return error.response()
            return await handler(request)
        route = request.match_info.route
        operation = (route.name or "unknown").rpartition(".")[2]
        try:
            response = await self._answer(request, handler, operation)
        except ConnectionResetError:  # the client hung up mid-request: no one is left to answer
            self.counters.requests[(operation, "hung up")] += 1
            return web.Response(status=400)
        self.counters.requests[(operation, "lost" if response.status == _CUT_STATUS else response.status)] += 1
        return response

    async def _answer(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]], operation: str
    ) -> web.StreamResponse:
        options = self.service.options
        if options.latency_ms:
            await asyncio.sleep(options.latency_ms / 1000)
        try:
            self._authenticate(request)
            quota = self.quota()
            if quota is not None and (wait := quota.refuse()) is not None:
                self.counters.throttled += 1
                retry = str(max(1, math.ceil(wait)))
                return ServiceError(429, "The resource's request quota is used up.").response({"Retry-After": retry})
            if options.throttle_rate and self.rng.random() < options.throttle_rate:
                self.counters.throttled += 1
                return ServiceError(429, "Too many requests; retry later.").response({"Retry-After": "1"})
            if options.fault_rate and self.rng.random() < options.fault_rate:
                return await self._fault(request, handler)
            return await handler(request)
        except ServiceError as error:
            return error.response()
        except web.HTTPMethodNotAllowed as error:
            return ServiceError(405, f"{request.method} is not allowed on {request.path}.").response(
                {"Allow": ", ".join(sorted(error.allowed_methods))}
            )
        except web.HTTPNotFound:
            return ServiceError(404, f"No operation at {request.method} {request.path}.").response()

    def _authenticate(self, request: web.Request) -> None:
        key = self.service.options.key
        if key is None:
            return
        given = request.headers.get(_KEY_HEADER) or request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(errors="surrogatepass"), key.encode(errors="surrogatepass")):
            raise ServiceError(401, "Access denied: a valid subscription key or token is required.")

    async def _fault(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """A 500 or 503 before acting, or ("lost") acting and then cutting the answer off."""
        kind = self.rng.choice(("500", "503", "lost"))
        self.counters.faults[kind] += 1
        if kind != "lost":
            return ServiceError(int(kind), "An injected fault: the emulator failed this request.").response()
        with contextlib.suppress(ServiceError):
            await handler(request)  # the request takes effect; its answer never arrives
        headers = {"Content-Type": "application/json", "Content-Length": "4096"}
        response = web.StreamResponse(status=_CUT_STATUS, headers=headers)
        await response.prepare(request)
        response.force_close()  # the connection ends after a fraction of the promised body
        await response.write(b'{"values": [')
        await response.write_eof()
        return response

    async def _dispatch(self, by_version: dict[str, tuple[Dialect, Route]], request: web.Request) -> web.StreamResponse:
        dialect, route = _choose_version(by_version, request)
        path = _path_params(route, request)
        query = dialect.inbound_query(_query_params(route, request))
        operation = dialect.canonical[route.operation_id]
        internal = self.service.dialects[INTERNAL].routes.ROUTES.get(operation, route)
        body = await _json_body(internal, request, dialect, route.operation_id)
        api_base = f"{request.url.origin()}{self.service.dialects[INTERNAL].routes.BASE_PATH}"
        call = Call(self.service, request, route, path, query, body, api_base, dialect.version)
        response = await (HANDLERS.get(operation) or GA_HANDLERS[operation])(call)
        return _outbound(dialect, response)


def package_tag(version: str) -> str:
    return VERSIONS[version].rsplit(".", 1)[-1]


def _choose_version(by_version: dict[str, tuple[Dialect, Route]], request: web.Request) -> tuple[Dialect, Route]:
    """The version a request speaks: fixed by the path for v3.x, by ``api-version`` for GA."""
    first = next(iter(by_version.values()))
    if not first[0].is_ga:
        return first
    version = request.query.get("api-version")
    if not version:
        raise bad_request("The api-version query parameter is required.", "InvalidParameterValue")
    if version not in by_version:
        raise ServiceError(404, f"The operation is not available in api-version '{version}'.")
    return by_version[version]


def _outbound(dialect: Dialect, response: web.StreamResponse) -> web.StreamResponse:
    """The handler's answer as the caller's version spells it (fields and links)."""
    if dialect.version == INTERNAL or not isinstance(response, web.Response):
        return response
    for header in ("Location", "Operation-Location"):
        if header in response.headers:
            response.headers[header] = dialect.link(response.headers[header])
    if response.content_type == "application/json" and isinstance(response.body, bytes) and response.body:
        response.body = json.dumps(dialect.outbound(json.loads(response.body)), separators=(",", ":")).encode()
    return response


def _path_params(route: Route, request: web.Request) -> dict[str, str]:
    values = {}
    for param in route.params:
        if param.location != "path":
            continue
        value = request.match_info[param.wire]
        if param.kind == "uuid":
            try:
                value = str(uuid.UUID(value))
            except ValueError:
                raise bad_request(f"'{param.wire}' must be a UUID, got '{value}'.", "InvalidParameterValue") from None
        values[param.wire] = value
    return values


def _query_params(route: Route, request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for param in route.params:
        if param.location != "query":
            continue
        raw = request.query.get(param.wire)
        if raw is None:
            if param.required:
                raise bad_request(f"The query parameter '{param.wire}' is required.", "InvalidParameterValue")
            continue
        if param.kind == "int":
            try:
                number = int(raw)
            except ValueError:
                raise bad_request(
                    f"'{param.wire}' must be a whole number, got '{raw}'.", "InvalidParameterValue"
                ) from None
            if number < (1 if param.wire == "top" else 0):
                raise bad_request(f"'{param.wire}' is out of range: {number}.", "InvalidParameterValue")
            values[param.wire] = number
        else:
            values[param.wire] = raw
    return values


async def _json_body(route: Route, request: web.Request, dialect: Dialect, operation_id: str) -> Any:
    """The body checked against the caller's version of the spec, then read as the emulator's model."""
    param = next((p for p in route.params if p.location == "body" and p.kind == "json"), None)
    if param is None:
        return None
    raw = await request.read()
    if not raw:
        raise bad_request(f"The request has no body; '{param.wire}' is required.", "EmptyRequest")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise bad_request("The body is not valid JSON.", "InvalidRequestBodyFormat") from None
    problem = check_body(dialect.version, operation_id, data, strict=True)
    if problem is not None:
        raise invalid_body(problem)
    data = dialect.inbound(data)
    try:
        return converter.structure(data, param.model)
    except KeyError as missing:
        raise bad_request(f"The '{param.wire}' body lacks the required property {missing}.") from None
    except (TypeError, AttributeError, ValueError) as exc:
        raise bad_request(f"The '{param.wire}' body does not have the expected shape: {exc}.") from None


@attrs.define
class _Listener:
    runner: web.AppRunner
    url: str


async def _listen(app: web.Application, host: str, port: int) -> _Listener:
    # A short lingering time: a refused upload's unread body does not hold up shutdown.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, lingering_time=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        busy = error.errno == errno.EADDRINUSE
        reason = f"port {port} is in use" if busy else f"cannot listen on {host}:{port}: {error.strerror}"
        raise OSError(error.errno, reason) from error
    bound = runner.addresses[0][1]
    shown = f"[{host}]" if ":" in host else host
    return _Listener(runner, f"http://{shown}:{bound}")


class Emulator:
    """A local Speech-to-text v3.1 service: ``async with Emulator() as emu: emu.url``.

    The API listens on ``port`` (0: any free port) and result/dataset files on a second
    listener (``blob_port``) standing in for blob storage. ``key`` makes the API refuse
    requests without it; ``processing_seconds`` is how long entities take to finish (a number,
    or a range such as ``"5-60"`` for each entity to draw from);
    ``fault_rate``, ``throttle_rate`` and ``latency_ms`` inject trouble, reproducibly
    with ``seed``; ``rate_limit="100/10"`` answers 429 beyond the quota, as the service does
    (``emu.quota`` can be swapped or set to None while running).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        blob_port: int = 0,
        key: str | None = None,
        processing_seconds: float | str = 2.0,
        fault_rate: float = 0.0,
        throttle_rate: float = 0.0,
        latency_ms: float = 0.0,
        seed: int | None = None,
        rate_limit: str | None = None,
    ) -> None:
        for name, rate in (("fault_rate", fault_rate), ("throttle_rate", throttle_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        low, high = _seconds_range(processing_seconds)
        if low < 0 or latency_ms < 0:
            raise ValueError("processing_seconds and latency_ms must be >= 0")
        self.host, self.port, self.blob_port = host, port, blob_port
        self.options = Options(
            key=key,
            processing_seconds=low,
            processing_spread=high - low,
            fault_rate=fault_rate,
            throttle_rate=throttle_rate,
            latency_ms=latency_ms,
            seed=seed,
        )
        self.quota = Quota.parse(rate_limit) if rate_limit else None
        self.counters = Counters()
        self._service: Service | None = None
        self._listeners: list[_Listener] = []

    def _set_quota(self, quota: Quota | None) -> None:
        self.quota = quota

    @property
    def key(self) -> str | None:
        return self.options.key

    @property
    def url(self) -> str:
        """The resource endpoint to give ``SpeechClient(endpoint=...)``."""
        return self._listeners[0].url

    @property
    def blob_url(self) -> str:
        return self._listeners[1].url

    @property
    def service(self) -> Service:
        if self._service is None:
            raise RuntimeError("the emulator is not running")
        return self._service

    @property
    def stats(self) -> dict[str, Any]:
        return self.counters.snapshot(self.service)

    async def start(self) -> None:
        """Listen on both ports; an ``OSError`` (such as "port 8080 is in use") leaves nothing open."""
        blob = BlobStore()
        self._service = Service(self.options, blob)
        api = Api(self._service, self.counters, lambda: self.quota, self._set_quota).app()
        try:
            self._listeners.append(await _listen(api, self.host, self.port))
            self._listeners.append(await _listen(blob.app(), self.host, self.blob_port))
        except OSError:
            await self.stop()
            raise
        blob.url = self.blob_url

    async def stop(self) -> None:
        for listener in reversed(self._listeners):
            await listener.runner.cleanup()
        self._listeners.clear()
        if self._service is not None:
            await self._service.close()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        where = self.url if self._listeners else "not running"
        return f"<Emulator {where} processing_seconds={self.options.processing_seconds}>"
