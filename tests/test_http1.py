"""The transport's own HTTP/1.1 client (``speechrest/_core/http1.py``) against raw local servers.

``HttpTransport`` sends a request whose body is in memory over its own connections. Here it
talks to ``asyncio.start_server`` servers on 127.0.0.1 (``RawServer``) that read the request's
bytes and write exact answer bytes, so that every framing (Content-Length, chunked, until
close), encoding and malformed or hostile answer can be sent. Covered: the request on the wire,
parsed answers, keep-alive reuse, answers that are not valid HTTP, the ``max_body`` cap,
timeouts, the connection limit, cancellation, ``aclose`` and TLS; a few tests go through
``SpeechClient`` for the errors users see. Timeouts bound hangs, with wide margins: no test
asserts how long anything takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import os
import re
import socket
import ssl
import struct
import sys
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDictProxy
from yarl import URL

from speechrest import SpeechClient
from speechrest._core.http1 import _Answer, _bounded
from speechrest._core.transport import DEFAULT_MAX_RESPONSE_BYTES, HttpTransport, Request, Response
from speechrest.errors import APITimeoutError, InvalidArgumentError, ResponseTooLargeError, TransportError
from speechrest.models import v3_1 as models

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
HEALTHY = b'{"status": "Healthy", "components": []}'


# ----------------------------------------------------------------------------- a raw server


class Peer:
    """One connection, as the server sees it."""

    def __init__(self, server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer

    async def request(self) -> bytes | None:
        """The next request's bytes (head and Content-Length body); None once the client closed."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            raw = head + await self.reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        self.server.requests.append(raw)
        return raw

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def trickle(self, data: bytes, pause: float = 0.0) -> None:
        """``data`` a byte at a time, each written and drained on its own."""
        for i in range(len(data)):
            await self.send(data[i : i + 1])
            await asyncio.sleep(pause)

    async def until_closed(self) -> None:
        """Read (and drop) whatever comes until the client closes the connection."""
        with contextlib.suppress(ConnectionError):
            while await self.reader.read(1 << 16):
                pass


Handler = Callable[[Peer], Awaitable[None]]


class RawServer:
    """A TCP (or ``tls``) server on ``host`` that gives each connection to ``handler``, which says what to write.

    It counts connections (``accepted``, ``open``, ``max_open``, ``ended``), keeps every request's
    bytes (``requests``), and closes a connection when its handler returns. ``rcvbuf`` makes its
    sockets' receive buffers small, so that a client writing a large body blocks until it reads.
    """

    def __init__(
        self, handler: Handler, rcvbuf: int | None = None, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
    ) -> None:
        self.handler = handler
        self.rcvbuf = rcvbuf
        self.host = host
        self.tls = tls
        self.accepted = 0
        self.open = 0
        self.max_open = 0
        self.ended = 0  # connections closed: the client went away, or the handler returned
        self.requests: list[bytes] = []
        self.errors: list[BaseException] = []
        self._peers: list[Peer] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> RawServer:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        if self.rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)  # accepted sockets inherit it
        try:
            sock.bind((self.host, 0))
        except OSError:
            sock.close()
            raise
        self._server = await asyncio.start_server(self._serve, sock=sock, ssl=self.tls)
        self.port = sock.getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = Peer(self, reader, writer)
        self._peers.append(peer)
        self.accepted += 1
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            await self.handler(peer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the test ended
        except Exception as exc:  # an assertion of the handler: shown when the server closes
            self.errors.append(exc)
        finally:
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()
            self.open -= 1
            self.ended += 1
            self._tasks.discard(task)

    def url(self, path: str = "/") -> URL:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return URL(f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}")

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for peer in self._peers:
            peer.writer.transport.abort()  # what it had yet to write goes too
        for task in list(self._tasks):
            task.cancel()  # handlers that wait for the test to release them
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        if self.errors:
            raise self.errors[0]


def answering(*answers: bytes, close: bool = False) -> Handler:
    """Each request, on any connection, gets the next of ``answers`` (the last one once they run
    out); with ``close`` the server closes the connection after each answer."""
    queue = list(answers)

    async def handle(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.send(queue.pop(0) if len(queue) > 1 else queue[0])
            if close:
                return

    return handle


async def eventually(check: Callable[[], bool], within: float = 2.0) -> None:
    """Wait until ``check()`` (of the servers' counters) holds; ``within`` seconds only bound a hang."""

    async def poll() -> None:
        while not check():  # noqa: ASYNC110  (counters of several kinds: polled, rather than an Event for each)
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), within)


def length_framed(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = "".join(f"{header}\r\n" for header in headers)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


def head_lines(raw: bytes) -> list[str]:
    """A request's request line and header lines."""
    return raw.partition(b"\r\n\r\n")[0].decode().split("\r\n")


# ----------------------------------------------------------------------------- the client side


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment would send these requests through aiohttp instead."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def make_transport(total: float | None = 2.0, connect: float | None = 1.0, **options: Any) -> HttpTransport:
    return HttpTransport(timeout=aiohttp.ClientTimeout(total=total, connect=connect), **options)


@pytest.fixture
async def transport() -> AsyncIterator[HttpTransport]:
    transport = make_transport()
    yield transport
    await transport.aclose()


async def send(
    transport: HttpTransport,
    url: URL,
    method: str = "GET",
    *,
    headers: dict[str, str] | None = None,
    data: bytes | bytearray | None = None,
    max_body: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> Response:
    return await transport.send(Request(method, url, "SomeOp", headers=headers, data=data, max_body=max_body))


async def answer_to(raw: bytes, method: str = "GET", *, close: bool = False, max_body: int = 1 << 20) -> Response:
    """What a fresh transport makes of ``raw``, sent by a server as the answer to one request."""
    async with RawServer(answering(raw, close=close)) as server:
        transport = make_transport()
        try:
            return await send(transport, server.url(), method, max_body=max_body)
        finally:
            await transport.aclose()


def speech_client(server: RawServer, **options: Any) -> SpeechClient:
    """A client of ``server``: one try per call, no rate limit (v3.1, which has ``service_health``)."""
    options = {"max_retries": 0, "rate_limit": None, "timeout": 2.0, **options}
    client: SpeechClient = SpeechClient(endpoint=str(server.url("")), key="k", api_version="v3.1", **options)
    return client


# ----------------------------------------------------------------------------- the request on the wire


async def test_the_request_line_host_and_headers_go_on_the_wire(transport: HttpTransport) -> None:
    async with RawServer(answering(OK)) as server:
        answer = await send(transport, server.url("/path?q=1"), headers={"X-Thing": "a b", "User-Agent": "t/1"})
    assert answer.status == 200
    request_line, *headers = head_lines(server.requests[0])
    assert request_line == "GET /path?q=1 HTTP/1.1"
    assert sorted(headers) == sorted(
        [f"Host: 127.0.0.1:{server.port}", "X-Thing: a b", "User-Agent: t/1", "Accept-Encoding: gzip, deflate"]
    )
    assert server.requests[0].endswith(b"\r\n\r\n")  # a GET without a body has no Content-Length


async def test_a_given_accept_encoding_and_host_are_not_added_again(transport: HttpTransport) -> None:
    async with RawServer(answering(OK)) as server:
        await send(transport, server.url(), headers={"accept-encoding": "identity", "HOST": "speech.test"})
    assert sorted(head_lines(server.requests[0])[1:]) == ["HOST: speech.test", "accept-encoding: identity"]


@pytest.mark.parametrize("body", [b"hello \x00\xff body", bytearray(b"in a bytearray")], ids=["bytes", "bytearray"])
async def test_a_post_body_goes_with_its_content_length(transport: HttpTransport, body: bytes | bytearray) -> None:
    async with RawServer(answering(OK)) as server:
        await send(transport, server.url("/x"), "POST", data=body)
    head, _, sent = server.requests[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /x HTTP/1.1\r\n")
    assert f"Content-Length: {len(body)}" in head_lines(server.requests[0])
    assert sent == body


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_a_post_without_a_body_says_content_length_0(transport: HttpTransport, method: str) -> None:
    async with RawServer(answering(OK)) as server:
        await send(transport, server.url(), method)
    assert "Content-Length: 0" in head_lines(server.requests[0])
    assert server.requests[0].endswith(b"\r\n\r\n")


@pytest.mark.parametrize("name", ["Content-Length", "content-length", "CONTENT-LENGTH"])
async def test_a_given_content_length_is_not_sent_twice(transport: HttpTransport, name: str) -> None:
    async with RawServer(answering(OK)) as server:
        await send(transport, server.url(), "POST", headers={name: "3"}, data=b"abc")
    lengths = [line for line in head_lines(server.requests[0]) if line.lower().startswith("content-length:")]
    assert lengths == [f"{name}: 3"]
    assert server.requests[0].endswith(b"\r\n\r\nabc")


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "a\rb"], ids=["crlf", "lf", "cr"])
async def test_a_line_break_in_a_header_is_refused_and_nothing_is_sent(transport: HttpTransport, value: str) -> None:
    async with RawServer(answering(OK)) as server:
        with pytest.raises(InvalidArgumentError, match="line break"):
            await send(transport, server.url(), headers={"X-Thing": value})
        await send(transport, server.url("/after"))  # the connection of a refused request would come first
    assert server.accepted == 1
    assert [head_lines(raw)[0] for raw in server.requests] == ["GET /after HTTP/1.1"]


async def test_a_large_body_arrives_whole(transport: HttpTransport) -> None:
    body = os.urandom(8 << 20)

    async def digest(peer: Peer) -> None:
        raw = await peer.request()
        assert raw is not None
        await peer.send(length_framed(hashlib.sha256(raw.partition(b"\r\n\r\n")[2]).hexdigest().encode()))
        await peer.until_closed()

    async with RawServer(digest) as server:
        answer = await send(transport, server.url(), "PUT", data=body)
    assert answer.body == hashlib.sha256(body).hexdigest().encode()


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
async def test_a_large_body_through_a_callers_session_arrives_whole(kind: Callable[[bytes], Any]) -> None:
    """Through the aiohttp side of the transport (a caller's session), which gets them in slices."""
    body = os.urandom(3 << 20)
    received: list[bytes] = []

    async def keep(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(text="ok")

    app = web.Application(client_max_size=8 << 20)
    app.router.add_put("/", keep)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            transport = HttpTransport(session=session, timeout=aiohttp.ClientTimeout(total=5))
            request = Request("PUT", server.make_url("/"), "SomeOp", data=kind(body))
            answer = await transport.send(request)
    finally:
        await server.close()
    assert (answer.status, received) == (200, [body])


async def test_an_ipv6_host_is_bracketed_in_host(transport: HttpTransport) -> None:
    async with contextlib.AsyncExitStack() as stack:
        try:
            server = await stack.enter_async_context(RawServer(answering(OK), host="::1"))
        except OSError:
            pytest.skip("no IPv6 loopback here")
        answer = await send(transport, server.url("/v6"))
    assert answer.body == b"ok"
    assert f"Host: [::1]:{server.port}" in head_lines(server.requests[0])


# ----------------------------------------------------------------------------- answers


async def test_a_content_length_body_is_read_with_status_and_headers() -> None:
    answer = await answer_to(
        b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}'
    )
    assert (answer.status, answer.headers["content-type"], answer.body) == (201, "application/json", b'{"a":1}')


async def test_a_status_line_without_a_reason_is_read() -> None:
    answer = await answer_to(b"HTTP/1.1 404\r\nContent-Length: 4\r\n\r\ngone")
    assert (answer.status, answer.body) == (404, b"gone")


async def test_a_chunked_body_with_extensions_and_trailers_is_read_and_the_connection_reused(
    transport: HttpTransport,
) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n1 \r\n \r\nA;x\r\n0123456789\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"
    )
    async with RawServer(answering(raw, OK)) as server:
        answer = await send(transport, server.url())
        after = await send(transport, server.url())
    assert (answer.status, answer.body) == (200, b"hello 0123456789")
    assert "X-Trailer" not in answer.headers
    assert after.body == b"ok"
    assert server.accepted == 1  # the last chunk and the trailers were read exactly


@pytest.mark.parametrize(
    "raw",
    [b"HTTP/1.0 200 OK\r\n\r\nuntil the end", b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"],
    ids=["http1.0", "connection-close"],
)
async def test_a_body_without_a_length_ends_when_the_connection_closes(transport: HttpTransport, raw: bytes) -> None:
    async with RawServer(answering(raw, OK, close=True)) as server:
        answer = await send(transport, server.url())
        after = await send(transport, server.url())
    assert (answer.status, answer.body) == (200, b"until the end")
    assert after.body == b"ok"
    assert server.accepted == 2  # framed by the close: not reused


@pytest.mark.parametrize(
    ("method", "raw"),
    [
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", b'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: "e"\r\n\r\n'),
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        ("HEAD", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"),
    ],
    ids=["204", "304", "head", "head-chunked"],
)
async def test_answers_without_a_body_end_at_their_head(transport: HttpTransport, method: str, raw: bytes) -> None:
    async with RawServer(answering(raw, OK)) as server:
        answer = await send(transport, server.url(), method)
        after = await send(transport, server.url())
    assert (answer.body, after.body) == (b"", b"ok")
    assert server.accepted == 1  # nothing was waited for, and the next answer was not taken for a body


@pytest.mark.parametrize(
    "interim",
    [b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n" * 2],
    ids=["100", "103-twice"],
)
async def test_an_interim_answer_is_skipped(interim: bytes) -> None:
    answer = await answer_to(interim + length_framed(b"real", "X-Final: yes", status="202 Accepted"))
    assert (answer.status, answer.headers["x-final"], answer.body) == (202, "yes", b"real")
    assert "Link" not in answer.headers


async def test_many_interim_answers_in_one_read_are_skipped_up_to_the_head_limit() -> None:
    answer = await answer_to(b"HTTP/1.1 100 Continue\r\n\r\n" * 2000 + OK)  # 50 KB of them
    assert (answer.status, answer.body) == (200, b"ok")
    with pytest.raises(TransportError, match="not valid HTTP: its head passes 65536 bytes"):
        await answer_to(b"HTTP/1.1 100 Continue\r\n\r\n" * 3000 + OK)  # 75 KB: a flood, not an answer


BODY = b'{"text": "' + b"la " * 2000 + b'"}'


def raw_deflate(data: bytes) -> bytes:
    """Deflate without the zlib wrapper."""
    squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return squeeze.compress(data) + squeeze.flush()


GZIPPED = gzip.compress(BODY)


@pytest.mark.parametrize(
    "raw",
    [
        length_framed(GZIPPED, "Content-Encoding: gzip"),
        length_framed(GZIPPED, "Content-Encoding: x-gzip"),
        length_framed(zlib.compress(BODY), "Content-Encoding: Deflate"),
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(*[GZIPPED[i : i + 100] for i in range(0, len(GZIPPED), 100)]),
        length_framed(gzip.compress(BODY[:100]) + gzip.compress(BODY[100:]), "Content-Encoding: gzip"),
        length_framed(raw_deflate(BODY), "Content-Encoding: deflate"),
    ],
    ids=["gzip", "x-gzip", "deflate", "gzip-chunked", "gzip-two-members", "raw-deflate"],
)
async def test_a_compressed_body_is_decompressed(raw: bytes) -> None:
    answer = await answer_to(raw)
    assert answer.body == BODY
    assert answer.headers["content-encoding"].lower() in ("gzip", "x-gzip", "deflate")


async def test_headers_ignore_case_and_keep_repeats() -> None:
    answer = await answer_to(
        b"HTTP/1.1 200 OK\r\nX-Case: value\r\nSet-Thing: a\r\nset-thing: b\r\nX-Empty:\r\n"
        b"X-Spaces:  padded \t\r\nContent-Length: 0\r\n\r\n"
    )
    headers = answer.headers
    assert isinstance(headers, CIMultiDictProxy)
    assert headers["x-case"] == headers["X-CASE"] == "value"
    assert headers.getall("SET-THING") == ["a", "b"]
    assert (headers["x-empty"], headers["x-spaces"]) == ("", "padded")


async def test_an_answer_written_a_byte_at_a_time_parses_the_same(transport: HttpTransport) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(gzip.compress(b"small body"))[:-2]
        + b"X-T: 1\r\n\r\n"
    )

    async def bytewise(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.trickle(raw)

    async with RawServer(bytewise) as server:
        first = await send(transport, server.url())
        second = await send(transport, server.url())
    for answer in (first, second):
        assert (answer.status, answer.headers["x-a"], answer.body) == (200, "1", b"small body")
    assert server.accepted == 1


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b"HTTP/1.1 100 Continue\r\n\r\n" + length_framed(b"body", "X-A: 1"), b"body"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n1\r\nd\r\n0\r\nT: 1\r\n\r\n", b"abcd"),
        (length_framed(gzip.compress(b"zipped"), "Content-Encoding: gzip"), b"zipped"),
    ],
    ids=["interim+length", "chunked", "gzip"],
)
def test_an_answer_split_anywhere_parses_the_same(raw: bytes, body: bytes) -> None:
    """Every split point, and a byte at a time: the parser keeps its state between pieces."""
    splits = [[raw[:cut], raw[cut:]] for cut in range(len(raw) + 1)] + [[raw[i : i + 1] for i in range(len(raw))]]
    for pieces in splits:
        answer = _Answer(Request("GET", URL("http://speech.test/"), "Probe"))
        for piece in pieces:
            assert answer.feed(piece) == b""  # nothing left over
        assert answer.done
        assert answer.headers is not None
        assert (answer.status, b"".join(answer.body)) == (200, body)


async def test_a_speech_client_reads_a_chunked_gzip_answer() -> None:
    zipped = gzip.compress(HEALTHY)
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    raw += b"Transfer-Encoding: chunked\r\n\r\n" + chunked(zipped[:10], zipped[10:])
    async with RawServer(answering(raw)) as server, speech_client(server) as client:
        health = await client.service_health.get()
        await client.service_health.get()
    assert health.status is models.HealthStatus.HEALTHY
    assert head_lines(server.requests[0])[0] == "GET /speechtotext/v3.1/healthstatus HTTP/1.1"
    assert "Ocp-Apim-Subscription-Key: k" in head_lines(server.requests[0])
    assert (server.accepted, len(server.requests)) == (1, 2)


# ----------------------------------------------------------------------------- keep-alive


async def test_sequential_requests_share_one_connection(transport: HttpTransport) -> None:
    async with RawServer(answering(OK)) as server:
        bodies = [(await send(transport, server.url(f"/{i}"))).body for i in range(3)]
    assert bodies == [b"ok"] * 3
    assert (server.accepted, len(server.requests)) == (1, 3)


async def test_an_http10_keep_alive_answer_keeps_its_connection(transport: HttpTransport) -> None:
    raw = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"
    async with RawServer(answering(raw)) as server:
        await send(transport, server.url())
        await send(transport, server.url())
    assert server.accepted == 1


@pytest.mark.parametrize(
    "raw",
    [
        length_framed(b"ok", "Connection: close"),
        length_framed(b"ok", "Connection: Keep-Alive, Close"),
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ],
    ids=["close", "close-in-a-list", "http1.0"],
)
async def test_an_answer_that_closes_its_connection_is_not_reused(transport: HttpTransport, raw: bytes) -> None:
    async with RawServer(answering(raw, OK)) as server:  # the server keeps its end open: the client closes
        first = await send(transport, server.url())
        await eventually(lambda: server.ended == 1)
        second = await send(transport, server.url())
    assert (first.body, second.body) == (b"ok", b"ok")
    assert server.accepted == 2


async def test_a_connection_the_server_closed_while_idle_is_replaced(transport: HttpTransport) -> None:
    async with RawServer(answering(OK, close=True)) as server:
        await send(transport, server.url())
        await eventually(lambda: server.ended == 1)  # the server's end is closed
        answer = await send(transport, server.url())
    assert answer.body == b"ok"
    assert (server.accepted, len(server.requests)) == (2, 2)


async def test_bytes_after_a_whole_answer_end_its_connection(transport: HttpTransport) -> None:
    async with RawServer(answering(OK + b"HTTP/1.1 200 OK\r\n", OK)) as server:
        first = await send(transport, server.url())
        second = await send(transport, server.url())
    assert (first.body, second.body) == (b"ok", b"ok")  # the stray bytes were not taken for the next answer
    assert server.accepted == 2


async def test_bytes_sent_on_an_idle_connection_end_it(transport: HttpTransport) -> None:
    stray_sent = asyncio.Event()

    async def then_stray(peer: Peer) -> None:
        await peer.request()
        await peer.send(OK)
        await peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
        stray_sent.set()
        await answering(OK)(peer)

    async with RawServer(then_stray) as server:
        await send(transport, server.url())
        await asyncio.wait_for(stray_sent.wait(), 2)
        answer = await send(transport, server.url())
    assert answer.body == b"ok"
    assert server.accepted == 2


# ----------------------------------------------------------------------------- answers that are not valid HTTP

HOSTILE = {
    # id: (the answer's bytes, whether the server closes the connection after them, the error says)
    "http2-status": (b"HTTP/2 200\r\nContent-Length: 0\r\n\r\n", False, "the status line is 'HTTP/2 200'"),
    "not-http": (b"FOO\r\n\r\n", False, "the status line is 'FOO'"),
    "two-digit-status": (b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", False, "status line"),
    "no-colon": (b"HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 0\r\n\r\n", False, "header line is malformed"),
    "space-before-colon": (b"HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 0\r\n\r\n", False, "malformed"),
    "obs-fold": (b"HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 0\r\n\r\n", False, "malformed"),
    "nul-in-value": (b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n", False, "malformed"),
    "te-and-cl": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        False,
        "both Transfer-Encoding and Content-Length",
    ),
    "te-gzip": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", False, "Transfer-Encoding is 'gzip'"),
    "te-gzip-chunked": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", False, "gzip"),
    "conflicting-lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        False,
        "Content-Length is '2, 3'",
    ),
    "non-numeric-length": (b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", False, "Content-Length is 'abc'"),
    "negative-length": (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", False, "Content-Length is '-1'"),
    "signed-length": (b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", False, "Content-Length is '+2'"),
    "bad-chunk-size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        False,
        "a chunk size line is b'zz'",
    ),
    "chunk-without-crlf": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        False,
        "a chunk does not end where its size said",
    ),
    "endless-chunk-size-line": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"0" * 2000,
        False,
        "line passes 1024 bytes",
    ),
    "endless-head": (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000, False, "its head passes 65536 bytes"),
    "brotli": (length_framed(b"\x0b\x02\x80ok\x03", "Content-Encoding: br"), False, "encoded as 'br'"),
    "truncated-gzip-by-length": (length_framed(GZIPPED[:-8], "Content-Encoding: gzip"), False, "ends early"),
    "truncated-gzip-by-close": (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + GZIPPED[:-8],
        True,
        "compressed body ends early",
    ),
    "broken-gzip": (length_framed(b"\x1f\x8b not gzip at all", "Content-Encoding: gzip"), False, "is broken"),
    "bytes-after-deflate": (
        length_framed(zlib.compress(b"{}") + b"junk", "Content-Encoding: deflate"),
        False,
        "bytes follow the end of its compressed body",
    ),
    "endless-trailers": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n" + b"X-T: 1\r\n" * 10_000,
        False,
        "its head and trailers pass 65536 bytes",
    ),
    "switching-protocols": (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        False,
        "switches protocols",
    ),
}


@pytest.mark.parametrize(("raw", "close", "says"), HOSTILE.values(), ids=HOSTILE.keys())
async def test_an_answer_that_is_not_valid_http_fails_the_request(
    transport: HttpTransport, raw: bytes, close: bool, says: str
) -> None:
    async with RawServer(answering(raw, OK, close=close)) as server:
        with pytest.raises(TransportError) as caught:
            await send(transport, server.url())
        after = await send(transport, server.url())
    assert not isinstance(caught.value, APITimeoutError)  # found out, not waited out
    assert "SomeOp: the answer from 127.0.0.1 is not valid HTTP" in str(caught.value)
    assert says in str(caught.value)
    assert caught.value.sent
    assert after.body == b"ok"
    assert server.accepted == 2  # the failed connection was dropped


CUT_SHORT = {
    # id: the answer's bytes, after which the server closes the connection
    "lf-only": b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
    "closed-mid-body": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    "closed-mid-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    "closed-mid-head": b"HTTP/1.1 200 OK\r\nContent-Le",
    "closed-at-once": b"",
}


@pytest.mark.parametrize("raw", CUT_SHORT.values(), ids=CUT_SHORT.keys())
async def test_an_answer_cut_short_fails_the_request(transport: HttpTransport, raw: bytes) -> None:
    async with RawServer(answering(raw, OK, close=True)) as server:
        with pytest.raises(TransportError) as caught:
            await send(transport, server.url())
        after = await send(transport, server.url())
    assert not isinstance(caught.value, APITimeoutError)
    assert str(caught.value) == "SomeOp: 127.0.0.1 closed the connection before its answer was whole"
    assert caught.value.sent
    assert after.body == b"ok"


async def test_a_reset_mid_answer_is_a_transport_error(transport: HttpTransport) -> None:
    async def reset(peer: Peer) -> None:
        await peer.request()
        await peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        sock = peer.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        peer.writer.transport.abort()

    async with RawServer(reset) as server:
        with pytest.raises(TransportError) as caught:
            await send(transport, server.url())
    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.sent


async def test_a_speech_client_call_on_an_invalid_answer_raises_transport_error() -> None:
    async with (
        RawServer(answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}")) as server,
        speech_client(server) as client,
    ):
        with pytest.raises(TransportError, match="is not valid HTTP: its Content-Length is '2, 9'") as caught:
            await client.service_health.get()
    assert type(caught.value) is TransportError
    assert len(server.requests) == 1


# ----------------------------------------------------------------------------- the max_body cap


async def test_a_content_length_over_the_cap_fails_at_once(transport: HttpTransport) -> None:
    async def head_only(peer: Peer) -> None:  # the body never comes: waiting for it would time out
        await peer.request()
        await peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        await peer.until_closed()

    async with RawServer(head_only) as server:
        with pytest.raises(ResponseTooLargeError) as caught:
            await send(transport, server.url(), max_body=100)
        await eventually(lambda: server.ended == 1)  # and the connection was dropped
    assert (caught.value.operation, caught.value.limit, caught.value.status) == ("SomeOp", 100, 200)


async def test_a_chunked_body_over_the_cap_fails_without_its_end(transport: HttpTransport) -> None:
    async def endless(peer: Peer) -> None:
        await peer.request()
        await peer.send(b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n" + b"40\r\n" + b"x" * 64 + b"\r\n")
        await peer.send(b"40\r\n" + b"y" * 64 + b"\r\n")  # 128 bytes, never a last chunk
        await peer.until_closed()

    async with RawServer(endless) as server:
        with pytest.raises(ResponseTooLargeError) as caught:
            await send(transport, server.url(), max_body=100)
    assert (caught.value.limit, caught.value.status) == (100, 500)


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_a_gzip_body_that_inflates_past_the_cap_fails(transport: HttpTransport, framing: str) -> None:
    bomb = gzip.compress(bytes(4 << 20))  # 4 KiB that inflate to 4 MiB
    if framing == "length":
        raw = length_framed(bomb, "Content-Encoding: gzip")
    else:
        raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(bomb)
    async with RawServer(answering(raw)) as server:
        with pytest.raises(ResponseTooLargeError):
            await send(transport, server.url(), max_body=1 << 20)


CAP = 1000
EXACT = {
    "length": length_framed(b"x" * CAP),
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"x" * 600, b"x" * 400),
    "gzip": length_framed(gzip.compress(b"x" * CAP), "Content-Encoding: gzip"),
    "until-close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * CAP,
}


@pytest.mark.parametrize("raw", EXACT.values(), ids=EXACT.keys())
async def test_a_body_of_exactly_the_cap_passes_and_one_byte_more_fails(raw: bytes) -> None:
    assert (await answer_to(raw, close=True, max_body=CAP)).body == b"x" * CAP
    with pytest.raises(ResponseTooLargeError):
        await answer_to(raw, close=True, max_body=CAP - 1)


async def test_a_speech_client_refuses_an_answer_over_max_response_bytes() -> None:
    async with (
        RawServer(answering(length_framed(HEALTHY, "Content-Type: application/json"))) as server,
        speech_client(server, max_response_bytes=10) as client,
    ):
        with pytest.raises(ResponseTooLargeError, match="larger than the 10-byte limit"):
            await client.service_health.get()


# ----------------------------------------------------------------------------- timeouts


async def silent_then_ok(peer: Peer) -> None:
    """The first connection takes a request and never answers; the others answer OK."""
    if peer.server.accepted == 1:
        await peer.request()
        await peer.until_closed()
    else:
        await answering(OK)(peer)


async def test_no_answer_times_out_and_the_next_request_gets_a_new_connection() -> None:
    transport = make_transport(total=0.3, connect=0.3)
    try:
        async with RawServer(silent_then_ok) as server:
            with pytest.raises(APITimeoutError, match=re.escape("SomeOp: no answer from 127.0.0.1 in time")) as caught:
                await send(transport, server.url())
            await eventually(lambda: server.ended == 1)  # the silent connection was dropped
            after = await send(transport, server.url())
    finally:
        await transport.aclose()
    assert isinstance(caught.value, TimeoutError) and caught.value.sent
    assert after.body == b"ok"
    assert server.accepted == 2


async def test_sock_read_bounds_silence_not_the_whole_answer() -> None:
    """A byte every 0.05 s for 0.6 s passes a sock_read of 0.5 s; then silence after 2 bytes fails."""
    body = b"x" * 12
    silent = asyncio.Event()

    async def trickling(peer: Peer) -> None:
        await peer.request()
        await peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")
        if peer.server.accepted == 1:
            await peer.trickle(body, pause=0.05)
        else:
            await peer.send(body[:2])
            await silent.wait()
        await peer.until_closed()

    transport = HttpTransport(timeout=aiohttp.ClientTimeout(total=None, sock_read=0.5))
    try:
        async with RawServer(trickling) as server:
            answer = await send(transport, server.url())
            with pytest.raises(APITimeoutError):
                await asyncio.wait_for(send(transport, server.url()), 3)  # 3 s bound a hang: sock_read ends it
            silent.set()
    finally:
        await transport.aclose()
    assert answer.body == body


async def test_a_refused_connection_is_a_transport_error_not_sent(transport: HttpTransport) -> None:
    with socket.socket() as sock:  # a port nobody listens on (any more)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransportError, match=re.escape("SomeOp: could not connect to 127.0.0.1")) as caught:
        await send(transport, URL(f"http://127.0.0.1:{port}/"))
    assert not caught.value.sent
    assert not isinstance(caught.value, APITimeoutError)


async def test_a_speech_client_call_times_out_with_api_timeout_error() -> None:
    async with RawServer(silent_then_ok) as server, speech_client(server, timeout=0.3) as client:
        with pytest.raises(APITimeoutError):
            await client.service_health.get()


# ----------------------------------------------------------------------------- the connection limit


class Held:
    """A server handler that keeps every request unanswered until ``release()``."""

    def __init__(self) -> None:
        self.waiting = 0
        self._go = asyncio.Event()

    def release(self) -> None:
        self._go.set()

    async def __call__(self, peer: Peer) -> None:
        while await peer.request() is not None:
            self.waiting += 1
            await self._go.wait()
            self.waiting -= 1
            await peer.send(OK)


async def test_at_most_connection_limit_connections_are_open_and_the_others_wait() -> None:
    held = Held()
    transport = make_transport(connection_limit=2)
    try:
        async with RawServer(held) as server:
            tasks = [asyncio.create_task(send(transport, server.url(f"/{i}"))) for i in range(5)]
            await eventually(lambda: held.waiting == 2)
            held.release()
            answers = await asyncio.wait_for(asyncio.gather(*tasks), 2)
    finally:
        await transport.aclose()
    assert [answer.body for answer in answers] == [b"ok"] * 5
    assert server.max_open == 2
    assert sorted(head_lines(raw)[0] for raw in server.requests) == [f"GET /{i} HTTP/1.1" for i in range(5)]


async def test_a_request_cancelled_while_waiting_for_a_connection_frees_its_turn() -> None:
    held = Held()
    transport = make_transport(connection_limit=1)
    try:
        async with RawServer(held) as server:
            first = asyncio.create_task(send(transport, server.url("/first")))
            await eventually(lambda: held.waiting == 1)
            waiting = asyncio.create_task(send(transport, server.url("/cancelled")))
            later = asyncio.create_task(send(transport, server.url("/later")))
            await asyncio.sleep(0)  # both are now waiting for the one connection
            waiting.cancel()
            held.release()
            assert (await first).body == (await asyncio.wait_for(later, 2)).body == b"ok"
            assert (await send(transport, server.url("/last"))).body == b"ok"
    finally:
        await transport.aclose()
    assert waiting.cancelled()
    assert [head_lines(raw)[0] for raw in server.requests] == [
        "GET /first HTTP/1.1",
        "GET /later HTTP/1.1",
        "GET /last HTTP/1.1",
    ]


async def test_waiting_for_a_connection_is_bounded_by_the_connect_timeout() -> None:
    held = Held()
    transport = make_transport(total=2.0, connect=0.2, connection_limit=1)
    try:
        async with RawServer(held) as server:
            first = asyncio.create_task(send(transport, server.url()))
            await eventually(lambda: held.waiting == 1)
            with pytest.raises(
                TransportError, match=re.escape("SomeOp: no free connection to 127.0.0.1 in time")
            ) as caught:
                await send(transport, server.url())
            held.release()
            assert (await first).body == b"ok"
    finally:
        await transport.aclose()
    assert not caught.value.sent
    assert len(server.requests) == 1


# ----------------------------------------------------------------------------- cancellation and closing


async def test_a_request_cancelled_mid_exchange_drops_its_connection(transport: HttpTransport) -> None:
    async with RawServer(silent_then_ok) as server:
        task = asyncio.create_task(send(transport, server.url()))
        await eventually(lambda: len(server.requests) == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await eventually(lambda: server.ended == 1)  # the server saw the connection close
        answer = await send(transport, server.url())
    assert answer.body == b"ok"
    assert server.accepted == 2


async def test_aclose_closes_idle_connections() -> None:
    transport = make_transport()
    async with RawServer(answering(OK)) as server:
        await send(transport, server.url())
        await send(transport, server.url())
        assert server.ended == 0
        await transport.aclose()
        await eventually(lambda: server.ended == 1)  # the server read the end of the connection
    assert server.accepted == 1


async def test_a_tls_connection_is_reused_and_closed() -> None:
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    transport = make_transport(ssl=client_tls)
    async with RawServer(answering(OK), tls=server_tls) as server:
        bodies = [(await send(transport, server.url(f"/{i}"))).body for i in range(2)]
        await transport.aclose()
        await eventually(lambda: server.ended == 1)
    assert bodies == [b"ok", b"ok"]
    assert (server.accepted, len(server.requests)) == (1, 2)


async def test_an_early_answer_to_a_large_upload_is_returned() -> None:
    """The server answers after the head and reads nothing more: the answer, not a hang (nor a timeout)."""
    done = asyncio.Event()

    async def early(peer: Peer) -> None:
        await peer.reader.readuntil(b"\r\n\r\n")
        await peer.send(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n")
        await done.wait()  # reads nothing more, closes nothing

    transport = make_transport(total=1.0)
    try:
        async with RawServer(early, rcvbuf=1 << 16) as server:
            try:
                answer = await send(transport, server.url(), "POST", data=bytes(16 << 20))
            finally:
                done.set()
            after = await send(transport, server.url())  # not on the connection still holding the body
    finally:
        await transport.aclose()
    assert (answer.status, after.status) == (413, 413)
    assert server.accepted == 2


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop runs on POSIX only")
def test_the_transport_runs_on_uvloop() -> None:
    """uvloop's loop has no ``happy_eyeballs_delay``: connections are made without it there."""
    import uvloop

    async def twice() -> list[bytes]:
        assert type(asyncio.get_running_loop()) is uvloop.Loop
        transport = make_transport()
        try:
            async with RawServer(answering(OK)) as server:
                bodies = [(await send(transport, server.url())).body for _ in range(2)]
        finally:
            await transport.aclose()
        assert server.accepted == 1
        return bodies

    assert uvloop.run(twice()) == [b"ok", b"ok"]


# ----------------------------------------------------------------------------- found by these tests, fixed


async def test_sock_read_does_not_count_while_the_body_is_still_being_sent() -> None:
    size = 16 << 20

    async def slow_reader(peer: Peer) -> None:
        await peer.reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(1.0)  # the client's write is blocked meanwhile: a small receive buffer
        await peer.reader.readexactly(size)
        await peer.send(OK)
        await peer.until_closed()

    transport = HttpTransport(timeout=aiohttp.ClientTimeout(total=5, sock_read=0.3))
    try:
        async with RawServer(slow_reader, rcvbuf=1 << 16) as server:
            answer = await send(transport, server.url(), "POST", data=bytes(size))
    finally:
        await transport.aclose()
    assert answer.body == b"ok"


@pytest.fixture
def high_descriptors() -> Iterator[None]:
    """Enough open files that the next socket's descriptor is past 1024 (select()'s FD_SETSIZE)."""
    if sys.platform == "win32":
        pytest.skip("POSIX descriptors")
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048:
        if hard != resource.RLIM_INFINITY and hard < 2048:
            pytest.skip("too few file descriptors allowed")
        resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
    fds = [os.open(os.devnull, os.O_RDONLY)]
    try:
        while fds[-1] < 1030:
            fds.append(os.open(os.devnull, os.O_RDONLY))
        yield
    finally:
        for fd in fds:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_a_connection_with_a_descriptor_past_1024_is_reused(high_descriptors: None) -> None:
    transport = make_transport()
    try:
        async with RawServer(answering(OK)) as server:
            bodies = [(await send(transport, server.url())).body for _ in range(2)]
    finally:
        await transport.aclose()
    assert bodies == [b"ok", b"ok"]
    assert server.accepted == 1


async def test_a_cancellation_as_the_awaited_thing_completes_is_not_lost() -> None:
    """What the pool uses to bound its waits: unlike ``asyncio.wait_for`` before Python 3.12, a
    cancellation that arrives as the awaited future completes (a turn given, a connection made)
    cancels the waiter instead of being dropped."""
    loop = asyncio.get_running_loop()
    turn: asyncio.Future[int] = loop.create_future()
    waiter = asyncio.create_task(_bounded(turn, 10))
    await asyncio.sleep(0)  # now waiting
    turn.set_result(1)
    waiter.cancel()  # before the waiter has run again
    with pytest.raises(asyncio.CancelledError):
        await waiter


async def test_a_bounded_wait_times_out_and_cancels_what_it_waited_for() -> None:
    never: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    with pytest.raises(asyncio.TimeoutError):
        await _bounded(never, 0.01)
    assert never.cancelled()
