"""``SpeechClient``: the session manager every operation goes through."""

from __future__ import annotations

import importlib
import ipaddress
import os
import re
import sys
import warnings
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from ssl import SSLContext, create_default_context
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, overload

import aiohttp
import attrs
from yarl import URL

from ._core.clock import SYSTEM_CLOCK, Clock
from ._core.context import ClientState
from ._core.pipeline import Pipeline
from ._core.policies.auth import Authentication, unsendable
from ._core.policies.errors import ErrorMapping
from ._core.policies.logging import RequestLog
from ._core.policies.retry import Retries
from ._core.policies.service_clock import ServiceClock
from ._core.policies.throttle import Throttle
from ._core.requester import Requester
from ._core.telemetry import load as load_telemetry
from ._core.transport import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    HttpTransport,
    Response,
    Transport,
    origin_of,
)
from ._core.versions import Versions
from ._credentials import Credential, credential_auth
from ._generated import VERSIONS
from ._ratelimit import DEFAULT_RATE_LIMIT, Limiter, RateLimit, RateLimiter
from ._retry import RetryPolicy
from ._scheduler import Scheduler
from ._wire import READERS
from .errors import InvalidArgumentError, SpeechError
from .resources.datasets import Datasets
from .resources.endpoints import Endpoints
from .resources.evaluations import Evaluations
from .resources.health import ServiceHealth
from .resources.models import Models
from .resources.operations import Operations
from .resources.projects import Projects
from .resources.transcriptions import Transcriptions
from .resources.web_hooks import WebHooks

if TYPE_CHECKING:
    import cattrs
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider
    from typing_extensions import Self, TypedDict, Unpack

    from ._core.records import CallOptions
    from ._generated.groups import (
        DatasetsEntity,
        EndpointsEntity,
        EvaluationsEntity,
        ModelsEntity,
        OperationsEntity,
        TranscriptionsEntity,
    )
    from ._generated.v3_0.client import SpeechClientV3_0
    from ._generated.v3_1.client import SpeechClientV3_1
    from ._generated.v2024_11_15.client import SpeechClientV2024_11_15
    from ._generated.v2025_10_15.client import SpeechClientV2025_10_15
    from .webhooks import WebHookEvent

    class ClientOptions(TypedDict, total=False):
        """``SpeechClient``'s keyword arguments besides ``api_version``, for its typed ``__new__``."""

        region: str | None
        key: str | None
        token: TokenProvider | None
        credential: Credential | None
        credential_scope: str | None
        session: aiohttp.ClientSession | None
        ssl: SSLContext | Literal[False] | None
        ca_bundle: str | os.PathLike[str] | None
        timeout: float | aiohttp.ClientTimeout
        connect_timeout: float | None
        connection_limit: int
        max_response_bytes: int
        max_download_bytes: int
        allow_insecure_http: bool
        allow_foreign_next_links: bool
        retry: RetryPolicy | None
        max_retries: int | None
        rate_limit: RateLimit | Limiter | None
        exactly_once: bool
        converter: cattrs.Converter | None
        transport: Transport | None
        clock: Clock | None
        tracer_provider: TracerProvider | None
        meter_provider: MeterProvider | None


__all__ = ["DEFAULT_API_VERSION", "SpeechClient", "TokenProvider"]

# What live accounts answer today: the v3.x versions are retired (v3.0) or retiring.
DEFAULT_API_VERSION: Final = "2025-10-15"

# Versions the service retired or announced to retire: a client for one warns (DeprecationWarning).
RETIRED_VERSIONS = {
    "v3.0": "was retired on 2026-03-31",
    "v3.1": "is retiring: the service announced the same end for it as for v3.0, retired on 2026-03-31",
}
# A bearer token, or an async callable returning a fresh one (called for every request).
TokenProvider = str | Callable[[], Awaitable[str]]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


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


class _Setup:
    """A ``SpeechClient``'s parts, made from its arguments.

    Apart from ``SpeechClient`` only so that type checkers read its ``__new__``, typed per API
    version: mypy reads the ``__init__`` instead when one class defines both.
    """

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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        allow_insecure_http: bool = False,
        allow_foreign_next_links: bool = False,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        rate_limit: RateLimit | Limiter | None = DEFAULT_RATE_LIMIT,
        exactly_once: bool = True,
        converter: cattrs.Converter | None = None,
        transport: Transport | None = None,
        clock: Clock | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        if type(self).__module__.startswith("speechrest._generated."):  # speechrest.clients' types
            raise TypeError(
                f"{type(self).__name__} is a type to annotate with: make the client with "
                "SpeechClient(..., api_version=...)"
            )
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
        for name, secret in (("key", key), ("token", token if isinstance(token, str) else None)):
            if secret is not None and (why := unsendable(secret)) is not None:
                raise InvalidArgumentError(f"SpeechClient: {name} {why}")
        if api_version not in VERSIONS:
            raise InvalidArgumentError(
                f"SpeechClient: unknown api_version {api_version!r}; supported: {', '.join(VERSIONS)}"
            )
        if api_version in RETIRED_VERSIONS:
            _warn_retired(api_version)
        if connection_limit < 1:
            raise InvalidArgumentError(f"SpeechClient: connection_limit must be >= 1, got {connection_limit}")
        for name, size in (("max_response_bytes", max_response_bytes), ("max_download_bytes", max_download_bytes)):
            if not isinstance(size, int) or isinstance(size, bool) or size < 1:
                raise InvalidArgumentError(f"SpeechClient: {name} must be a whole number of bytes >= 1, got {size!r}")
        if credential_scope is not None and credential is None:
            raise InvalidArgumentError("SpeechClient: credential_scope= goes with credential=")
        if rate_limit is not None and not isinstance(rate_limit, (RateLimit, Limiter)):
            raise InvalidArgumentError(
                f"SpeechClient: rate_limit must be a RateLimit, a limiter (RedisRateLimit) or None, got {rate_limit!r}"
            )
        if transport is not None and session is not None:
            raise InvalidArgumentError("SpeechClient: give transport= or session=, not both")
        self.api_version = api_version
        self.endpoint = str(url.with_path(""))
        read = converter.structure if converter is not None else READERS.read
        self._auth = "key" if key else "token" if token else "credential" if credential else "none"
        origin = origin_of(url)
        clock = clock or SYSTEM_CLOCK
        policy = retry or RetryPolicy()
        policy = policy if max_retries is None else attrs.evolve(policy, max_retries=max_retries)
        client_timeout = (
            timeout
            if isinstance(timeout, aiohttp.ClientTimeout)
            else aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        )
        self._transport: Transport = transport or HttpTransport(
            session=session,
            timeout=client_timeout,
            connection_limit=connection_limit,
            ssl=_tls(ssl, ca_bundle, session),
        )
        self._limiter = RateLimiter(rate_limit, clock) if isinstance(rate_limit, RateLimit) else rate_limit
        versions = Versions(api_version, importlib.import_module(VERSIONS[api_version] + ".routes"))
        error_model = importlib.import_module(VERSIONS[api_version] + ".models").Error
        self._state = state = ClientState(clock)
        self.counters = state.counters  # retries, reconciled and resent creates, 429s
        telemetry = load_telemetry(tracer_provider, meter_provider)
        outermost, innermost = telemetry.policies(api_version) if telemetry is not None else ((), ())
        self.pipeline = Pipeline(
            [
                *outermost,
                Retries(policy, client_timeout),
                Throttle(
                    self._limiter,
                    connection_limit,
                    default_pause=policy.backoff,
                    max_pause=policy.max_retry_after,
                ),
                ErrorMapping(lambda data: read(data, error_model)),
                ServiceClock(),
                Authentication(
                    key=key,
                    token=token,
                    credential=credential_auth(credential, url, credential_scope) if credential is not None else None,
                ),
                RequestLog(),
                *innermost,
            ],
            self._transport,
        )
        self._requester = Requester(
            versions=versions,
            pipeline=self.pipeline,
            state=state,
            read=read,
            converter=converter,
            base=url.with_path(versions.module.BASE_PATH),
            origin=origin,
            retry=policy,
            exactly_once=exactly_once,
            allow_foreign_next_links=allow_foreign_next_links,
            max_response_bytes=max_response_bytes,
            max_download_bytes=max_download_bytes,
            telemetry=telemetry,
        )
        self._scheduler = Scheduler(self._requester)
        self.transcriptions: Transcriptions[TranscriptionsEntity] = Transcriptions(self._requester, self._scheduler)
        self.datasets: Datasets[DatasetsEntity] = Datasets(self._requester, self._scheduler)
        self.models: Models[ModelsEntity] = Models(self._requester, self._scheduler)
        self.evaluations: Evaluations[EvaluationsEntity] = Evaluations(self._requester, self._scheduler)
        self.endpoints: Endpoints[EndpointsEntity] = Endpoints(self._requester, self._scheduler)
        self.projects = Projects(self._requester)
        self.web_hooks = WebHooks(self._requester)
        self.service_health = ServiceHealth(self._requester)
        self.operations: Operations[OperationsEntity] = Operations(self._requester)


class SpeechClient(_Setup):
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

    An answer's body is read up to ``max_response_bytes`` (API answers and error bodies, 32 MiB)
    or ``max_download_bytes`` (``download``: result, dataset and model files, 256 MiB), counted
    after decompression; past it the call raises ``ResponseTooLargeError``.

    ``transport=`` replaces HTTP altogether (``MockTransport`` for tests) and ``clock=`` the
    clock every wait asks (``FakeClock``): retries, pauses and rate limits then take no real time.

    With ``opentelemetry-api`` installed (``speechrest[otel]``) it makes spans and metrics through
    OpenTelemetry's global providers, or through ``tracer_provider=`` and ``meter_provider=``.
    """

    if TYPE_CHECKING:  # a literal api_version (or none) types the client as that version's

        @overload
        def __new__(
            cls,
            endpoint: str | None = None,
            *,
            api_version: Literal["2025-10-15"] = ...,
            **options: Unpack[ClientOptions],
        ) -> SpeechClientV2025_10_15: ...

        @overload
        def __new__(
            cls, endpoint: str | None = None, *, api_version: Literal["2024-11-15"], **options: Unpack[ClientOptions]
        ) -> SpeechClientV2024_11_15: ...

        @overload
        def __new__(
            cls, endpoint: str | None = None, *, api_version: Literal["v3.1"], **options: Unpack[ClientOptions]
        ) -> SpeechClientV3_1: ...

        @overload
        def __new__(
            cls, endpoint: str | None = None, *, api_version: Literal["v3.0"], **options: Unpack[ClientOptions]
        ) -> SpeechClientV3_0: ...

        @overload
        def __new__(
            cls, endpoint: str | None = None, *, api_version: str, **options: Unpack[ClientOptions]
        ) -> SpeechClient: ...

        def __new__(cls, *args: Any, **kwargs: Any) -> Any: ...

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
        client: SpeechClient = cls(**kwargs)
        return client

    def __repr__(self) -> str:
        return f"<SpeechClient endpoint={self.endpoint!r} api_version={self.api_version!r} auth={self._auth}>"

    @property
    def converter(self) -> cattrs.Converter:
        """The cattrs converter between this client's models and wire JSON (loaded when first used)."""
        return self._requester.converter

    @property
    def requester(self) -> Requester:
        """The narrow interface the resource groups use (calls, pages, downloads, the service's
        clock): for code that extends the SDK. ``operations.<id>(client, ...)`` goes through it."""
        return self._requester

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        if self._state.closed:
            raise SpeechError("this SpeechClient is closed")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if the client made it (a caller's session stays open) and the rate
        limiter's connection. Waits still running end with a ``SpeechError``."""
        self._state.closed = True
        self._scheduler.close(SpeechError("the SpeechClient was closed while waiting"))
        await self._transport.aclose()
        if self._limiter is not None:
            await self._limiter.aclose()  # a shared limiter's connection to Redis

    @property
    def closed(self) -> bool:
        return self._state.closed

    # ------------------------------------------------------------------ beyond the resource groups

    def use_webhooks(self, *, safety_net_interval: float = 60.0) -> Callable[[WebHookEvent], None]:
        """Let web hook callbacks finish this client's waits: returns the handler to give
        ``webhooks.receiver_app`` (or to call from your own handler with each event).

        A waiter then resolves as soon as a callback says its job finished, and asks the service
        itself only every ``safety_net_interval`` seconds, in case a callback is lost.
        """
        if safety_net_interval <= 0:
            raise InvalidArgumentError(f"safety_net_interval must be positive, got {safety_net_interval!r}")
        router = self._scheduler.router
        router.safety_net = safety_net_interval
        return router.deliver

    @overload
    async def download(self, url: str, *, to: None = None, **options: Unpack[CallOptions]) -> bytes: ...

    @overload
    async def download(self, url: str, *, to: str | os.PathLike[str], **options: Unpack[CallOptions]) -> None: ...

    async def download(
        self, url: str, *, to: str | os.PathLike[str] | None = None, **options: Unpack[CallOptions]
    ) -> bytes | None:
        """The bytes at a content URL (a result file, a dataset file, a model file); with ``to=``,
        written to that file as they arrive, never held in memory whole.

        Either way at most ``max_download_bytes`` are read (``ResponseTooLargeError`` past it). A
        file appears under its name only once whole: it is written to ``<name>.part`` first.
        Content URLs point at blob storage, another origin: they are fetched without
        the key or token, which never leave the endpoint's origin.
        """
        if to is None:
            return await self._requester.download(url, options)
        await self._requester.download(url, options, Path(to))
        return None

    async def send_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Response:
        """Any request on the API (``path`` below ``/speechtotext``, or ``/speechtotext/v3.1``),
        through the same pipeline as every operation: credentials, retries, the rate limit,
        errors as exceptions. For operations the specs do not have yet. Returns the ``Response``
        (``.status``, ``.headers``, ``.body``, ``.json()``)."""
        return await self._requester.send_request(
            method, path, params=params, json_body=json, headers=headers, options=options
        )
