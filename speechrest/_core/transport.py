"""What the pipeline sends and gets back, and the transports that carry it.

``HttpTransport`` talks HTTP: on its own connections (``http1.py``) for a request whose body
is in memory, else through an ``aiohttp.ClientSession`` (its own for proxies, streamed bodies and
downloads to files, or the caller's for everything); ``MockTransport`` hands every request to a
function, for tests without sockets.
A transport only moves bytes: it adds no credentials, follows no redirects, and turns
connection failures and timeouts into ``TransportError`` / ``APITimeoutError``. It reads an
answer's body (decompressed) up to the request's ``max_body``, and no further
(``ResponseTooLargeError``), into memory or, for a request with ``save_to``, into a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import urllib.request
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from pathlib import Path
from ssl import SSLContext
from typing import IO, Any, Protocol, runtime_checkable

import aiohttp
from aiohttp import hdrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._logging import loggable_headers, redact_text, redact_url
from ..errors import APITimeoutError, ResponseParseError, ResponseTooLargeError, SpeechError, TransportError
from .headers import Headers
from .http1 import ConnectionPool

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "HttpTransport",
    "MockTransport",
    "Origin",
    "Request",
    "Response",
    "SentRequest",
    "Transport",
    "origin_of",
]

MIB = 1 << 20
# The most bytes of one answer's body a client reads, decompressed: API answers and error bodies ...
DEFAULT_MAX_RESPONSE_BYTES = 32 * MIB
# ... and content downloads (result, dataset and model files).
DEFAULT_MAX_DOWNLOAD_BYTES = 256 * MIB
_CHUNK = 1 << 16  # bytes read from the connection at a time


# (scheme, host, port): where credentials may go.
Origin = tuple[str, str, int | None]


def origin_of(url: URL) -> Origin:
    return (url.scheme, (url.host or "").lower(), url.port)


class Request:
    """One HTTP request: where, what, and for which operation (named in logs and errors).

    ``rebuild`` makes the same request afresh (bodies and open files start over) for a retry;
    None when it cannot be sent twice (its body is a stream). Its ``repr`` shows no headers
    (they hold the credentials once the pipeline added them).
    """

    __slots__ = (
        "data",
        "files",
        "headers",
        "idempotent",
        "max_body",
        "method",
        "operation",
        "rebuild",
        "reconciled",
        "save_to",
        "timeout",
        "to_service",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: URL,
        operation: str,
        headers: dict[str, str] | None = None,
        data: Any = None,
        files: list[IO[bytes]] | None = None,
        *,
        rebuild: Callable[[], Request] | None = None,
        timeout: aiohttp.ClientTimeout | None = None,
        to_service: bool = True,
        idempotent: bool = True,
        reconciled: bool = False,
        max_body: int = DEFAULT_MAX_RESPONSE_BYTES,
        save_to: Path | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.operation = operation
        self.headers: dict[str, str] = {} if headers is None else headers
        self.data = data
        self.files: list[IO[bytes]] = [] if files is None else files  # opened for this request; closed after it
        self.rebuild = rebuild
        self.timeout = timeout  # this try's timeout (None: the transport's)
        self.to_service = to_service  # for the endpoint's origin: credentials and the quota apply
        self.idempotent = idempotent  # sending it twice cannot do anything twice
        self.reconciled = reconciled  # a create: an unknown outcome is looked for, not re-sent blindly
        self.max_body = max_body  # the most bytes of answer body read (decompressed)
        self.save_to = save_to  # a success answer's body goes to this file, not to memory

    def close_files(self) -> None:
        for handle in self.files:
            handle.close()

    def describe(self) -> SentRequest:
        """What an error may keep of this request: nothing secret, nothing open."""
        return SentRequest(self.method, redact_url(str(self.url)), loggable_headers(self.headers))

    def __repr__(self) -> str:
        return f"<Request {self.operation}: {self.method} {redact_url(str(self.url))}>"


class SentRequest:
    """A request as an error describes it: method, URL with SAS signatures redacted, and headers
    with every value outside the logging allow-list (the key, the token) ``REDACTED``."""

    __slots__ = ("headers", "method", "url")

    def __init__(self, method: str, url: str, headers: dict[str, str]) -> None:
        self.method = method
        self.url = url
        self.headers = headers

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SentRequest):
            return NotImplemented
        return (self.method, self.url, self.headers) == (other.method, other.url, other.headers)

    __hash__ = None  # type: ignore[assignment]  # holds a dict

    def __reduce__(self) -> tuple[Any, ...]:
        return (SentRequest, (self.method, self.url, self.headers))

    def __repr__(self) -> str:
        return f"SentRequest(method={self.method!r}, url={self.url!r}, headers={self.headers!r})"


# Header mappings that already ignore case: an answer keeps its transport's own.
_CASELESS = (Headers, CIMultiDictProxy, CIMultiDict)


class Response:
    """An HTTP answer, its body read whole.

    ``headers`` ignores case (``headers["retry-after"]``): a ``Headers`` dict, or on success
    answers the transport's own case-insensitive mapping; ``detached()`` gives one holding only
    plain values (errors keep that one: it pickles).
    """

    __slots__ = ("body", "headers", "status", "url")

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        url: URL | None = None,
    ) -> None:
        self.status = status
        self.headers: Mapping[str, str] = headers if isinstance(headers, _CASELESS) else Headers(headers)
        self.body = body
        self.url = url

    def json(self) -> Any:
        """The body as JSON; ``ResponseParseError`` when it is not JSON."""
        return read_json(self.body, "the answer")

    def detached(self) -> Response:
        """This answer with its headers as a plain ``Headers`` dict."""
        if isinstance(self.headers, Headers):
            return self
        return Response(self.status, Headers(self.headers.items()), self.body, self.url)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        mine, theirs = (self.status, self.body, self.url), (other.status, other.body, other.url)
        return mine == theirs and dict(self.headers.items()) == dict(other.headers.items())

    __hash__ = None  # type: ignore[assignment]  # holds a mapping

    def __reduce__(self) -> tuple[Any, ...]:
        return (Response, (self.status, self.detached().headers, self.body, self.url))

    def __repr__(self) -> str:
        return f"<Response {self.status}, {len(self.body)} bytes>"


@runtime_checkable
class Transport(Protocol):
    """Carries a request to the service and back."""

    async def send(self, request: Request) -> Response: ...

    async def aclose(self) -> None: ...


class HttpTransport:
    """HTTP on the transport's own connections, or through aiohttp: its own session (made on
    first use, closed by ``aclose``) or the caller's (used for every request, never closed)."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: aiohttp.ClientTimeout,
        connection_limit: int = 64,
        ssl: SSLContext | bool = True,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self.timeout = timeout
        self._connection_limit = connection_limit
        self._ssl = ssl
        self._proxies: dict[tuple[str, str], str | None] = {}
        self._pool = ConnectionPool(limit=connection_limit, ssl=ssl)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_limit, ssl=self._ssl),
                timeout=self.timeout,
            )
        return self._session

    def _proxy_for(self, url: URL) -> str | None:
        """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...), for the
        client's own session. Looked up once per host: aiohttp's ``trust_env`` would look on every
        request, in a thread (for ``.netrc``), which costs more than the rest of a request."""
        if not self._owns_session:
            return None  # the caller's session decides
        key = (url.scheme, url.host or "")
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(url.scheme)
            self._proxies[key] = None if not proxy or urllib.request.proxy_bypass(key[1]) else proxy
        return self._proxies[key]

    async def send(self, request: Request) -> Response:
        url = request.url
        if (
            type(request.data) in _IN_MEMORY
            and request.save_to is None
            and self._owns_session
            and self._proxy_for(url) is None
        ):
            status, headers, body = await self._pool.send(request, request.timeout or self.timeout)
            return Response(status, headers, body, url)
        session = self._get_session()
        try:
            async with session.request(
                request.method,
                url,
                data=_sliced(request.data),
                headers=request.headers,
                timeout=request.timeout or self.timeout,
                allow_redirects=False,
                proxy=self._proxy_for(url),
            ) as answer:
                length = answer.content_length
                # the usual answer: its size is known, within the cap and not compressed (which
                # says nothing of the size it inflates to)
                if (
                    length is not None
                    and length <= request.max_body
                    and request.save_to is None
                    and hdrs.CONTENT_ENCODING not in answer.headers
                ):
                    body = await answer.read()
                else:
                    body = await take_body(request, answer.status, answer.content.iter_chunked(_CHUNK))
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise TransportError(f"{request.operation}: could not connect to {url.host}: {exc}", sent=False) from exc
        except asyncio.TimeoutError as exc:
            raise APITimeoutError(f"{request.operation}: no answer from {url.host} in time") from exc
        except aiohttp.ClientError as exc:
            raise TransportError(f"{request.operation}: {type(exc).__name__}: {redact_text(str(exc))}") from exc
        return Response(answer.status, answer.headers, body, answer.url)

    async def aclose(self) -> None:
        await self._pool.aclose()
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    def __repr__(self) -> str:
        return "<HttpTransport>" if self._owns_session else "<HttpTransport on the caller's session>"


# The bodies the transport's own connections send: none, or bytes in memory.
_IN_MEMORY = frozenset({type(None), bytes, bytearray, memoryview})
_SLICE = 256 * 1024  # aiohttp gets a larger body in memory in slices of this size


def _sliced(data: Any) -> Any:
    """A large body in memory as slices for aiohttp, which would copy it whole; else as it is."""
    if type(data) in _IN_MEMORY and data is not None and len(data) > _SLICE:
        return _slices(memoryview(data))
    return data


async def _slices(view: memoryview) -> AsyncIterator[memoryview]:
    for start in range(0, len(view), _SLICE):
        yield view[start : start + _SLICE]


# A MockTransport handler: a request in, a response out (or an awaitable of one).
Handler = Callable[[Request], "Response | Awaitable[Response]"]


class MockTransport:
    """Answers every request with ``handler(request)``: no sockets, for tests.

    A handler may raise ``TransportError`` to stand for a failed connection. ``requests``
    records what was sent, after the pipeline added its headers.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []

    async def send(self, request: Request) -> Response:
        self.requests.append(request)
        answer = self.handler(request)
        if inspect.isawaitable(answer):
            answer = await answer
        if not isinstance(answer, Response):
            raise SpeechError(f"MockTransport: the handler returned {answer!r}, not a Response")
        body = await take_body(request, answer.status, _aiter([answer.body]))
        return Response(answer.status, answer.headers, body, answer.url)

    async def aclose(self) -> None:
        """Nothing to close."""


def response(
    status: int = 200, json_body: Any = None, *, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> Response:
    """A ``Response`` for a ``MockTransport`` handler: JSON when ``json_body`` is given."""
    all_headers = Headers(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers.setdefault("content-type", "application/json")
    return Response(status, all_headers, body)


async def take_body(request: Request, status: int, chunks: AsyncIterable[bytes]) -> bytes:
    """An answer's body, read up to ``request.max_body`` bytes; a success answer to a request
    with ``save_to`` goes to that file instead (whole or not at all) and gives ``b""``."""
    capped = _capped(request, status, chunks)
    if request.save_to is None or status >= 300:
        return b"".join([chunk async for chunk in capped])
    path = request.save_to
    part = path.with_name(path.name + ".part")  # the file appears under its name only when whole
    try:
        with _writing(request, path):
            file = part.open("wb", buffering=0)
        try:
            async for chunk in capped:  # connection failures pass as they are: only the file's are wrapped
                with _writing(request, path):
                    file.write(chunk)
        finally:
            file.close()
        with _writing(request, path):
            part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return b""


@contextlib.contextmanager
def _writing(request: Request, path: Path) -> Iterator[None]:
    """A local file's failure (a missing folder, a full disk) as a ``SpeechError``."""
    try:
        yield
    except OSError as exc:
        raise SpeechError(f"{request.operation}: could not write {path}: {exc}") from exc


async def _capped(request: Request, status: int, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """``chunks``, ending in ``ResponseTooLargeError`` once they pass the request's cap."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > request.max_body:
            raise ResponseTooLargeError(request.operation, request.max_body, status)
        yield chunk


async def _aiter(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


def read_json(body: bytes, what: str) -> Any:
    """JSON from an answer; ``ResponseParseError`` for what is not JSON, or nested too deep to read."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ResponseParseError(f"{what} is not JSON: {exc}") from exc
