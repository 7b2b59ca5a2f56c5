"""``SpeechClient``: the session manager every operation goes through."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import ipaddress
import json
import logging
import math
import os
import platform
import random
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import partial
from ssl import SSLContext, create_default_context
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
import attrs
import cattrs
from yarl import URL

from ._credentials import KEY_HEADER, Credential, CredentialAuth, credential_auth
from ._generated import CALL_VERSIONS, OPERATION_VERSIONS, VERSIONS
from ._generated.groups import ResourceGroups
from ._groups import Endpoints, Evaluations, Models
from ._logging import loggable_headers, redact_text, redact_url
from ._pager import AsyncPager, Page
from ._ratelimit import DEFAULT_RATE_LIMIT, Limiter, RateLimit, RateLimiter
from ._resilience import create_once, send_with_retries
from ._retry import RetryPolicy, is_create, is_idempotent
from ._route import Prepared, Route, encode_query, prepare
from ._scheduler import Poller, StateRouter
from ._transcriptions import Operations, Transcriptions
from ._version import __version__
from .errors import (
    APITimeoutError,
    InvalidArgumentError,
    ResponseParseError,
    SpeechError,
    TransportError,
    UnsafeURLError,
    UnsupportedOperationError,
    status_error_class,
)
from .models import converter as default_converter
from .upload import Datasets

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from ._route import CallOptions
    from .webhooks import WebHookEvent

__all__ = ["DEFAULT_API_VERSION", "SpeechClient", "TokenProvider"]

# What live accounts answer today: the v3.x versions are retired (v3.0) or retiring.
DEFAULT_API_VERSION = "2025-10-15"

# Versions the service retired or announced to retire: a client for one warns (DeprecationWarning).
RETIRED_VERSIONS = {
    "v3.0": "was retired on 2026-03-31",
    "v3.1": "is retiring: the service announced the same end for it as for v3.0, retired on 2026-03-31",
}
# A bearer token, or an async callable returning a fresh one (called for every request).
TokenProvider = str | Callable[[], Awaitable[str]]

_AUTH_HEADERS = (KEY_HEADER, "Authorization")
# The SAS validity is seconds in v3.x and minutes in the GA versions: friendly calls take either.
_EQUIVALENT_PARAMS: tuple[tuple[str, str, Callable[[int], int]], ...] = (
    ("sasValidityInSeconds", "sasLifetimeMinutes", lambda seconds: max(1, math.ceil(seconds / 60))),
    ("sasLifetimeMinutes", "sasValidityInSeconds", lambda minutes: minutes * 60),
)
_CALL_OPTIONS = frozenset({"timeout", "max_retries", "exactly_once"})  # the keys of CallOptions
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
log = logging.getLogger("speechrest")
_USER_AGENT = f"speechrest/{__version__} python/{platform.python_version()} aiohttp/{aiohttp.__version__}"


def _check_options(operation_id: str, options: Mapping[str, Any]) -> None:
    """Keyword arguments past the operation's own are call options; refuse unknown or bad ones."""
    if not options:
        return  # the usual case, on every request
    unknown = sorted(set(options) - _CALL_OPTIONS)
    if unknown:
        names = ", ".join(f"'{name}'" for name in unknown)
        raise InvalidArgumentError(f"{operation_id}: unexpected keyword argument(s) {names}")
    retries = options.get("max_retries")
    if retries is not None and (not isinstance(retries, int) or isinstance(retries, bool) or retries < 0):
        raise InvalidArgumentError(f"{operation_id}: 'max_retries' must be a whole number >= 0, got {retries!r}")
    timeout = options.get("timeout")
    seconds = isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0
    if timeout is not None and not isinstance(timeout, aiohttp.ClientTimeout) and not seconds:
        raise InvalidArgumentError(f"{operation_id}: 'timeout' must be seconds > 0, got {timeout!r}")
    once = options.get("exactly_once")
    if once is not None and not isinstance(once, bool):
        raise InvalidArgumentError(f"{operation_id}: 'exactly_once' must be True or False, got {once!r}")


def _origin(url: URL) -> tuple[str, str, int | None]:
    return (url.scheme, (url.host or "").lower(), url.port)


def _refuse_path(url: URL) -> None:
    """Refuse an endpoint with a path, query or fragment, saying what to pass instead.

    Refused, not corrected: such a URL was copied from elsewhere (the API's base URL, a request,
    the portal's token URL), and it may say another API version than the client's own
    (``/speechtotext/v3.1`` while the default is 2025-10-15). Guessing would send requests where
    the caller did not mean them, a warning is easily missed, and the fix is one edit.
    """
    extras = [
        f"path {url.path!r}" if url.path not in ("", "/") else "",
        f"query {', '.join(url.query)}" if url.query_string else "",  # names only: values may be secrets
        "a fragment" if url.fragment else "",
    ]
    if not any(extras):
        return
    in_path = re.search(r"/speechtotext/(v3\.\d)\b", url.path, re.IGNORECASE)
    version = url.query.get("api-version") or (in_path.group(1).lower() if in_path else None)
    also = f', api_version="{version}"' if version in VERSIONS else ""
    raise InvalidArgumentError(
        f'SpeechClient: give the resource endpoint alone: endpoint="{url.origin()}"{also} (this one has '
        f"{' and '.join(e for e in extras if e)}); the SDK adds /speechtotext and the API version itself"
    )


def _warn_retired(api_version: str) -> None:
    """A ``DeprecationWarning`` for a client of a retired API version, pointing at the code that made it.

    Each client warns once, when made: the ``warnings`` filters then decide what is shown (by
    default once per place in the caller's code that makes clients, for code run as a script
    and in test runs), where a once-per-process flag would let one silenced warning hide the rest.
    """
    level, frame = 2, sys._getframe(1)  # the first frame outside speechrest (3.12's skip_file_prefixes)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    warnings.warn(
        f"Speech-to-text API version {api_version} {RETIRED_VERSIONS[api_version]}; use api_version="
        f'"{DEFAULT_API_VERSION}" (the default) and see "Moving from v3.x to the GA versions" in the speechrest README',
        DeprecationWarning,
        stacklevel=level,
    )


def _tls(
    ssl: SSLContext | Literal[False] | None, ca_bundle: str | os.PathLike[str] | None, session: object
) -> SSLContext | bool:
    """What the client's connector verifies TLS with: ``ssl=``, a context trusting ``ca_bundle``, or the defaults."""
    if ssl is None and ca_bundle is None:
        return True
    if session is not None:
        raise InvalidArgumentError(
            "SpeechClient: ssl= and ca_bundle= are for the client's own session; with session=, "
            "set them on its connector"
        )
    if ssl is not None and ca_bundle is not None:
        raise InvalidArgumentError("SpeechClient: give ssl= or ca_bundle=, not both")
    if ca_bundle is None:
        if ssl is not False and not isinstance(ssl, SSLContext):
            raise InvalidArgumentError(f"SpeechClient: ssl must be an ssl.SSLContext or False, got {ssl!r}")
        return ssl
    path = os.fspath(ca_bundle)
    try:
        return create_default_context(cafile=path)
    except OSError as exc:  # ssl.SSLError too
        raise InvalidArgumentError(
            f"SpeechClient: ca_bundle {path!r} is not a readable PEM file of CA certificates: {exc}"
        ) from exc


def _is_loopback(host: str | None) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


class SpeechClient(ResourceGroups):
    """An async client for one Speech resource and one API version.

    Use it as ``async with SpeechClient(endpoint=..., key=...) as client:``; it owns one
    ``aiohttp.ClientSession`` (made on first use) unless you pass ``session=``, which it
    uses and never closes. The key, token or credential is sent only to the endpoint's origin;
    ``credential=`` takes an azure-core async token credential (Microsoft Entra ID, on the
    resource's custom-domain endpoint; ``credential_scope=`` overrides the scope the endpoint's
    cloud implies) or an ``AzureKeyCredential``, and is never closed here.

    Its own session honours ``HTTPS_PROXY``, ``HTTP_PROXY`` and ``NO_PROXY``, and checks TLS with
    ``ssl=`` (an ``ssl.SSLContext``, or False to skip the check) or against ``ca_bundle=`` (a PEM
    file of the CA certificates to trust instead of the system's).
    """

    transcriptions: Transcriptions
    operations: Operations
    datasets: Datasets
    models: Models
    evaluations: Evaluations
    endpoints: Endpoints

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        region: str | None = None,
        key: str | None = None,
        token: TokenProvider | None = None,
        credential: Credential | None = None,
        credential_scope: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        session: aiohttp.ClientSession | None = None,
        ssl: SSLContext | Literal[False] | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        timeout: float | aiohttp.ClientTimeout = 120.0,
        connect_timeout: float | None = 10.0,
        connection_limit: int = 64,
        allow_insecure_http: bool = False,
        allow_foreign_next_links: bool = False,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        rate_limit: RateLimit | Limiter | None = DEFAULT_RATE_LIMIT,
        exactly_once: bool = True,
        converter: cattrs.Converter | None = None,
    ) -> None:
        if (endpoint is None) == (region is None):
            raise InvalidArgumentError("SpeechClient: give exactly one of endpoint= or region=")
        if endpoint is None:
            if not region or not region.replace("-", "").isalnum():
                raise InvalidArgumentError(f"SpeechClient: region must be a name such as 'eastus', got {region!r}")
            endpoint = f"https://{region}.api.cognitive.microsoft.com"
        url = URL(endpoint)
        if url.scheme not in ("http", "https") or not url.host:
            raise InvalidArgumentError(f"SpeechClient: endpoint must be an http(s) URL, got {endpoint!r}")
        _refuse_path(url)
        if url.scheme == "http" and not (allow_insecure_http or _is_loopback(url.host)):
            raise InvalidArgumentError(
                "SpeechClient: plain http:// sends the key in clear text; use https://, a loopback address, "
                "or allow_insecure_http=True"
            )
        auths = (("key", key), ("token", token), ("credential", credential))
        given = [f"{name}=" for name, value in auths if value is not None]
        if len(given) > 1:
            both = "both" if len(given) == 2 else "all three"
            raise InvalidArgumentError(f"SpeechClient: give {' or '.join(given)}, not {both}")
        if key is not None and (not isinstance(key, str) or not key.strip()):
            raise InvalidArgumentError("SpeechClient: key must be a non-empty string (the Speech resource's key)")
        if api_version not in VERSIONS:
            raise InvalidArgumentError(
                f"SpeechClient: unknown api_version {api_version!r}; supported: {', '.join(VERSIONS)}"
            )
        if api_version in RETIRED_VERSIONS:
            _warn_retired(api_version)
        if connection_limit < 1:
            raise InvalidArgumentError(f"SpeechClient: connection_limit must be >= 1, got {connection_limit}")
        self.api_version = api_version
        self._routes_module: ModuleType = importlib.import_module(VERSIONS[api_version] + ".routes")
        self._routes: dict[str, Route] = self._routes_module.ROUTES
        self._models_module: ModuleType = importlib.import_module(VERSIONS[api_version] + ".models")
        self.endpoint = str(url.with_path(""))
        self._origin = _origin(url)
        self._base = url.with_path(self._routes_module.BASE_PATH)
        version_param = self._routes_module.VERSION_PARAM
        self._version_text = encode_query([(version_param, api_version)]) if version_param else ""
        self._base_text = str(self._base)
        self._key = key
        self._token = token
        if credential_scope is not None and credential is None:
            raise InvalidArgumentError("SpeechClient: credential_scope= goes with credential=")
        self._credential: CredentialAuth | None = (
            credential_auth(credential, url, credential_scope) if credential is not None else None
        )
        self._timeout = (
            timeout
            if isinstance(timeout, aiohttp.ClientTimeout)
            else aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        )
        self._connection_limit = connection_limit
        self._ssl = _tls(ssl, ca_bundle, session)
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._allow_foreign_next_links = allow_foreign_next_links
        self.converter = converter or default_converter
        self._middlewares = (self._auth_middleware,)
        policy = retry or RetryPolicy()
        self._retry = policy if max_retries is None else attrs.evolve(policy, max_retries=max_retries)
        if rate_limit is not None and not isinstance(rate_limit, (RateLimit, Limiter)):
            raise InvalidArgumentError(
                f"SpeechClient: rate_limit must be a RateLimit, a limiter (RedisRateLimit) or None, got {rate_limit!r}"
            )
        self._limiter = RateLimiter(rate_limit) if isinstance(rate_limit, RateLimit) else rate_limit
        self._in_flight = asyncio.Semaphore(connection_limit)
        self._exactly_once = exactly_once
        self._not_before = 0.0  # monotonic time before which no request starts (after a 429)
        self._skew = timedelta(0)  # the service's clock minus ours, from its Date headers
        self._last_date = ""
        self._rng = random.Random()
        self.counters: Counter[str] = Counter()  # retries, reconciled and resent creates, 429s
        self._router = StateRouter()  # states of waited-on jobs, polled or pushed, to their waiters
        self._pollers: dict[str, Poller] = {}  # one per kind of job, shared by every waiter
        self._attach_groups(self)
        self.transcriptions = Transcriptions(self)
        self.operations = Operations(self)
        self.datasets = Datasets(self)
        self.models = Models(self)
        self.evaluations = Evaluations(self)
        self.endpoints = Endpoints(self)

    @classmethod
    def from_env(cls, **kwargs: Any) -> SpeechClient:
        """A client from ``SPEECH_KEY`` and ``SPEECH_ENDPOINT`` or ``SPEECH_REGION`` (and ``SPEECH_API_VERSION``)."""
        env = os.environ
        if env.get("SPEECH_ENDPOINT"):
            kwargs.setdefault("endpoint", env["SPEECH_ENDPOINT"])
        elif env.get("SPEECH_REGION"):
            kwargs.setdefault("region", env["SPEECH_REGION"])
        elif "endpoint" not in kwargs and "region" not in kwargs:
            raise InvalidArgumentError("SpeechClient.from_env: set SPEECH_ENDPOINT or SPEECH_REGION")
        if env.get("SPEECH_KEY") and "token" not in kwargs and "credential" not in kwargs:
            kwargs.setdefault("key", env["SPEECH_KEY"])
        if env.get("SPEECH_API_VERSION"):
            kwargs.setdefault("api_version", env["SPEECH_API_VERSION"])
        return cls(**kwargs)

    def __repr__(self) -> str:
        auth = "key" if self._key else "token" if self._token else "credential" if self._credential else "none"
        return f"<SpeechClient endpoint={self.endpoint!r} api_version={self.api_version!r} auth={auth}>"

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        self._get_session()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if the client made it; a caller's session stays open.

        Waits still running end with a ``SpeechError``."""
        self._closed = True
        for poller in self._pollers.values():
            poller.stop(SpeechError("the SpeechClient was closed while waiting"))
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None
        if self._limiter is not None:
            await self._limiter.aclose()  # a shared limiter's connection to Redis

    @property
    def closed(self) -> bool:
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise SpeechError("this SpeechClient is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_limit, ssl=self._ssl),
                timeout=self._timeout,
                trust_env=True,  # HTTPS_PROXY, NO_PROXY...: the auth middleware looks at the target, not the proxy
            )
        return self._session

    # ------------------------------------------------------------------ credentials

    async def _auth_middleware(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        """Adds the key, token or credential on the endpoint's origin only; strips them anywhere else."""
        for name in _AUTH_HEADERS:
            request.headers.pop(name, None)
        if _origin(request.url) == self._origin:
            if self._key is not None:
                request.headers[KEY_HEADER] = self._key
            elif self._token is not None:
                token = self._token if isinstance(self._token, str) else await self._token()
                request.headers["Authorization"] = f"Bearer {token}"
            elif self._credential is not None:
                name, value = await self._credential.header()
                request.headers[name] = value
                response = await handler(request)
                if response.status == 401:
                    self._credential.refused(value)  # a refused token is not sent again
                return response
        return await handler(request)

    # ------------------------------------------------------------------ requests

    def _route(self, operation_id: str) -> Route:
        route = self._routes.get(operation_id)
        if route is None:
            versions = OPERATION_VERSIONS.get(operation_id)
            where = f"; it is in API version(s) {', '.join(versions)}" if versions else ""
            raise UnsupportedOperationError(f"{operation_id} is not part of API version {self.api_version}{where}")
        return route

    def _canonical(self, canonical_id: str, args: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
        """The operation this version runs for a friendly call, with its arguments renamed to fit."""
        operation_id = self._routes_module.CANONICAL.get(canonical_id, canonical_id)
        if operation_id not in self._routes:
            versions = ", ".join(CALL_VERSIONS.get(canonical_id, ()))
            raise UnsupportedOperationError(
                f"{canonical_id} is not part of API version {self.api_version}; it is in API version(s) {versions}"
            )
        given = [ours for ours, _, _ in _EQUIVALENT_PARAMS if args.get(ours) is not None]
        if not given:
            return operation_id, args  # nothing to rename: the common case
        route = self._routes[operation_id]
        names = {p.wire for p in route.params}
        if len(given) > 1:
            raise InvalidArgumentError(
                f"{canonical_id}: give sas_validity_in_seconds or sas_lifetime_minutes, not both"
            )
        fitted = dict(args)
        for ours, theirs, convert in _EQUIVALENT_PARAMS:
            if fitted.get(ours) is not None and ours not in names and theirs in names:
                fitted[theirs] = convert(fitted.pop(ours))
        return operation_id, fitted

    async def _call(self, canonical_id: str, args: Mapping[str, Any], options: CallOptions) -> Any:
        """A friendly call (``client.<group>.<method>``): the same meaning on every version."""
        operation_id, fitted = self._canonical(canonical_id, args)
        return await self._invoke(operation_id, fitted, options)

    def _call_paged(
        self, canonical_id: str, args: Mapping[str, Any], options: CallOptions, max_items: int | None
    ) -> AsyncPager[Any]:
        operation_id, fitted = self._canonical(canonical_id, args)
        return self._paginate(operation_id, fitted, options, max_items)

    def _url(self, path: str, query: list[tuple[str, str]]) -> URL:
        """The absolute URL of an API path, with its query and this version's ``api-version``."""
        parts = [encode_query(query)] if query else []
        if self._version_text:
            parts.append(self._version_text)
        return URL(self._base_text + path + ("?" + "&".join(parts) if parts else ""), encoded=True)

    async def _send(
        self,
        method: str,
        url: URL,
        *,
        operation_id: str | None,
        options: CallOptions,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        """One HTTP exchange; error statuses raise their ``APIStatusError`` subclass."""
        session = self._get_session()
        timeout = options.get("timeout")
        if timeout is not None and not isinstance(timeout, aiohttp.ClientTimeout):
            timeout = aiohttp.ClientTimeout(total=timeout, connect=self._timeout.connect)
        all_headers = {"User-Agent": _USER_AGENT, "Accept": "application/json", **(headers or {})}
        what = operation_id or method
        started = time.perf_counter()
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=all_headers,
                timeout=timeout or self._timeout,
                middlewares=self._middlewares,
                allow_redirects=False,
            ) as response:
                body = await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            log.info("%s %s: not sent: %s", method, redact_url(str(url)), type(exc).__name__)
            raise TransportError(f"{what}: could not connect to {url.host}: {exc}", sent=False) from exc
        except asyncio.TimeoutError as exc:
            log.info("%s %s: no answer in time", method, redact_url(str(url)))
            raise APITimeoutError(f"{what}: no answer from {url.host} in time") from exc
        except aiohttp.ClientError as exc:
            log.info("%s %s: %s", method, redact_url(str(url)), type(exc).__name__)
            raise TransportError(f"{what}: {type(exc).__name__}: {redact_text(str(exc))}") from exc
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d in %.0f ms; sent %s; got %s",
                method,
                redact_url(str(url)),
                response.status,
                (time.perf_counter() - started) * 1000,
                loggable_headers(response.request_info.headers),
                loggable_headers(response.headers),
            )
        self._note_server_time(response)
        if response.status >= 300:
            if response.status == 429:
                self.counters["throttled"] += 1
            raise status_error_class(response.status)(
                status=response.status,
                operation_id=operation_id,
                method=method,
                url=redact_url(str(url)),
                headers=response.headers,
                body=body,
                error=self._error_model(body),
                response=response,
            )
        return response, body

    def _note_server_time(self, response: aiohttp.ClientResponse) -> None:
        date = response.headers.get("Date")
        if date and date != self._last_date and _origin(response.url) == self._origin:
            self._last_date = date  # it changes once a second: parse it then only
            with contextlib.suppress(TypeError, ValueError):
                self._skew = parsedate_to_datetime(date) - datetime.now(timezone.utc)

    def _server_now(self) -> datetime:
        """The service's clock, as its last answer showed it."""
        return datetime.now(timezone.utc) + self._skew

    def _cool_down(self, seconds: float) -> None:
        """Let no request to the service start for ``seconds`` (it answered 429): the whole client pauses."""
        self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _prepare(self, route: Route, args: Mapping[str, Any]) -> Prepared:
        return prepare(route, args, self.converter, self.api_version)

    async def _send_prepared(
        self, operation_id: str, prepared: Prepared, options: CallOptions
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        """Send a prepared request within the client's rate limit and concurrency limit."""
        url = prepared.url if prepared.url is not None else self._url(prepared.path, prepared.query)
        if _origin(url) == self._origin:  # content URLs are not the service's quota
            # a 429 seen meanwhile can push the pause further: look again after each sleep
            while (pause := self._not_before - time.monotonic()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(pause)
            if self._limiter is not None:
                await self._limiter.acquire()
        async with self._in_flight:  # taken after the waits, so waiting requests hold no slot
            return await self._send(
                prepared.method,
                url,
                operation_id=operation_id,
                options=options,
                data=prepared.data,
                headers=prepared.headers,
            )

    def _error_model(self, body: bytes) -> Any:
        """The service's ``Error`` body as a model, or None when it is not one."""
        try:
            data = json.loads(body)
            if isinstance(data, dict) and isinstance(data.get("error"), dict):
                data = data["error"]  # some gateways wrap the error object
            if not isinstance(data, dict) or not data:
                return None
            return self.converter.structure(data, self._models_module.Error)
        except (ValueError, TypeError, KeyError, cattrs.BaseValidationError):
            return None

    def _parse(self, route: Route, body: bytes, model: Any) -> Any:
        if model is None or not body:
            return None
        try:
            return self.converter.structure(json.loads(body), model)
        except (ValueError, TypeError, KeyError, AttributeError, cattrs.BaseValidationError) as exc:
            raise ResponseParseError(
                f"{route.operation_id}: the answer is not a valid {getattr(model, '__name__', model)}: {exc!r}"
            ) from exc

    async def _invoke(self, operation_id: str, args: Mapping[str, Any], options: CallOptions) -> Any:
        """Call one operation with arguments keyed by their wire names; returns its model or None."""
        return (await self._exchange(operation_id, args, options))[0]

    async def _exchange(
        self, operation_id: str, args: Mapping[str, Any], options: CallOptions
    ) -> tuple[Any, Mapping[str, str]]:
        """``_invoke``, and the answer's headers (``Retry-After``, ``Operation-Location``...)."""
        _check_options(operation_id, options)
        route = self._route(operation_id)
        if is_create(route):
            return await create_once(self, route, args, options, self._retry)
        response, body = await send_with_retries(
            self, operation_id, is_idempotent(route), lambda: self._prepare(route, args), options, self._retry
        )
        return self._parse(route, body, route.response), response.headers

    def use_webhooks(self, *, safety_net_interval: float = 60.0) -> Callable[[WebHookEvent], None]:
        """Let web hook callbacks finish this client's waits: returns the handler to give
        ``webhooks.receiver_app`` (or to call from your own handler with each event).

        A waiter then resolves as soon as a callback says its job finished, and asks the service
        itself only every ``safety_net_interval`` seconds, in case a callback is lost.
        """
        if safety_net_interval <= 0:
            raise InvalidArgumentError(f"safety_net_interval must be positive, got {safety_net_interval!r}")
        self._router.safety_net = safety_net_interval
        return self._router.deliver

    async def download(self, url: str, **options: Unpack[CallOptions]) -> bytes:
        """The bytes at a content URL (a result file, a dataset file, a model file).

        Content URLs point at blob storage, another origin: they are fetched without
        the key or token, which never leave the endpoint's origin.
        """
        _check_options("download", options)
        target = URL(url, encoded=True)
        if not target.is_absolute():
            raise InvalidArgumentError(f"download: the URL must be absolute, got {url!r}")
        request = partial(Prepared, "GET", "", [], {"Accept": "*/*"}, url=target)
        _, body = await send_with_retries(self, "download", True, request, options, self._retry)
        return body

    def _paginate(
        self, operation_id: str, args: Mapping[str, Any], options: CallOptions, max_items: int | None = None
    ) -> AsyncPager[Any]:
        """A pager over a list operation; arguments are checked now, requests wait for iteration."""
        _check_options(operation_id, options)
        route = self._route(operation_id)
        self._prepare(route, args)  # bad arguments fail here, before iteration starts

        async def fetch(link: str | None) -> Page[Any]:
            if link is None:
                request = partial(self._prepare, route, args)
            else:
                request = partial(Prepared, route.method, "", [], {}, url=self._checked_link(link))
            _, body = await send_with_retries(self, operation_id, True, request, options, self._retry)
            page = self._parse(route, body, route.response)
            items = getattr(page, route.items_key, None) or []
            return Page(items, getattr(page, "next_link", None))

        return AsyncPager(fetch, max_items=max_items)

    def _checked_link(self, link: str) -> URL:
        """A next link as given, refused when it leaves the endpoint's origin (unless allowed)."""
        url = URL(link, encoded=True)
        if not url.is_absolute():
            url = self._base.with_path(self._base.path + "/").join(url)  # relative to the API base folder
        if _origin(url) != self._origin and not self._allow_foreign_next_links:
            raise UnsafeURLError(
                f"the service sent a next link on another origin ({url.scheme}://{url.host}); not followed. "
                "Pass allow_foreign_next_links=True to follow such links (without credentials)."
            )
        return url
