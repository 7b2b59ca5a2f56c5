"""HTTP/1.1 over asyncio: the client's own connections, for requests whose body is in memory.

A request is written in one piece on a pooled keep-alive connection, and its answer parsed as
it arrives: status line and headers (strictly: a malformed or oversized head fails the
request), then the body as the head frames it (``Content-Length``, chunked, or until the
connection closes), decompressed (gzip, deflate) and capped at the request's ``max_body``.
This does per request what ``aiohttp.ClientSession.request`` does, at a fraction of its cost;
proxies, streamed bodies and downloads to files stay with aiohttp (see ``transport.py``).
"""

from __future__ import annotations

import asyncio
import re
import select
import ssl as tls
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ..errors import APITimeoutError, InvalidArgumentError, ResponseTooLargeError, SpeechError, TransportError

if TYPE_CHECKING:
    from .transport import Request

__all__ = ["ConnectionPool"]

_T = TypeVar("_T")

MAX_HEAD = 1 << 16  # the most bytes of status line and headers an answer may send
_INFLATE_STEP = 1 << 20  # the most bytes inflated at once
_WRITE_STEP = 1 << 18  # a larger body is written in pieces of this size, as the peer takes them
KEEPALIVE = 15.0  # seconds an idle connection is kept for reuse
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})  # methods that send Content-Length even when 0
# A header line: a token, a colon, a value of visible characters (and the spaces or tabs
# between them). Written so that a string matches in one way only, which keeps the regular
# expression's time linear on hostile input.
_LINE = r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(?:([^\x00-\x20\x7f]+(?:[ \t]+[^\x00-\x20\x7f]+)*)[ \t]*)?\r\n"
_HEADER = re.compile(_LINE)
_HEADERS = re.compile(f"(?:{_LINE})*")
_STATUS = re.compile(r"HTTP/1\.([01]) ([1-9][0-9][0-9])(?: [^\x00-\x08\x0a-\x1f\x7f]*)?\r\n")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r\n")


class BadAnswer(Exception):
    """The peer's bytes are not an HTTP/1.1 answer (or not one this client accepts)."""


class CutShort(Exception):
    """The peer closed the connection before its answer was whole."""


class _Answer:
    """One answer, parsed from the bytes fed to it; ``feed`` says when it is whole."""

    __slots__ = (
        "body",
        "chunk_left",
        "done",
        "fed",
        "head",
        "headers",
        "inflate",
        "keep_alive",
        "left",
        "line",
        "request",
        "room",
        "spent",
        "state",
        "status",
        "wbits",
    )

    def __init__(self, request: Request) -> None:
        self.request = request
        self.head = bytearray()  # what arrived of the head, until it is whole
        self.line = b""  # the start of a chunk size or trailer line, cut off at the end of the last bytes
        self.state = "head"  # then "length", "chunked", "close" (until the connection closes)
        self.status = 0
        self.headers: CIMultiDictProxy[str] | None = None
        self.body: list[bytes] = []
        self.room = request.max_body  # bytes of body (decompressed) still allowed
        self.left = 0  # bytes of a Content-Length body still to come
        self.chunk_left = -1  # bytes of the current chunk still to come (-1: a size line is next)
        self.inflate: Any = None  # a zlib decompressor for an encoded body
        self.wbits = 0  # its format
        self.spent = 0  # bytes of heads (interim answers' too) and trailers so far, at most MAX_HEAD
        self.fed = False  # whether it has had any bytes
        self.keep_alive = False
        self.done = False

    def feed(self, data: bytes) -> bytes:
        """Take ``data``; gives back what came after a whole answer (which the peer should not send)."""
        if self.state == "head":
            data = self._take_head(data)
            if self.state == "head":
                return b""
            if self.done:
                return data
        if self.state == "length":
            take = data[: self.left]
            self.left -= len(take)
            self._keep(take)
            if not self.left:
                self._finish()
            return data[len(take) :]
        if self.state == "chunked":
            return self._take_chunks(data)
        self._keep(data)  # until the connection closes
        return b""

    def at_close(self) -> None:
        """The connection closed: the end of a body framed by it, else an answer cut short."""
        if self.state != "close":
            raise CutShort
        self._finish()

    def _take_head(self, data: bytes) -> bytes:
        """The head, once whole (what follows it is given back); interim answers are passed by."""
        while True:
            buffer: bytes | bytearray = data
            searched = 0
            if self.head:  # the head came in pieces: look again only where the new piece starts
                searched = max(len(self.head) - 3, 0)
                self.head += data
                buffer = self.head
            end = buffer.find(b"\r\n\r\n", searched)
            if end < 0 or self.spent + end + 4 > MAX_HEAD:
                if self.spent + len(buffer) > MAX_HEAD:
                    raise BadAnswer(f"its head passes {MAX_HEAD} bytes")
                if buffer is data:
                    self.head = bytearray(data)
                return b""
            head, data = buffer[: end + 2].decode("utf-8", "surrogateescape"), bytes(buffer[end + 4 :])
            self.head = bytearray()
            self.spent += end + 4
            status = _STATUS.match(head)
            if status is None:
                raise BadAnswer(f"the status line is {head.partition(chr(13))[0][:80]!r}")
            if _HEADERS.fullmatch(head, status.end()) is None:
                raise BadAnswer("a header line is malformed")
            code = int(status.group(2))
            if code >= 200:
                break
            if code == 101:
                raise BadAnswer("it switches protocols, which was not asked")
            if not data:  # an interim answer (100 Continue, 103 Early Hints): the real one follows
                return b""
        self.status = code
        headers = CIMultiDict(_HEADER.findall(head, status.end()))
        self.headers = CIMultiDictProxy(headers)
        self._frame(headers, status.group(1) == "1")
        return data

    def _frame(self, headers: CIMultiDict[str], http11: bool) -> None:
        """How the body is delimited, whether the connection can be reused, how to decode."""
        connection = headers.get("Connection", "").lower()
        self.keep_alive = "close" not in connection if http11 else "keep-alive" in connection
        encoding = headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self.wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self.wbits = zlib.MAX_WBITS  # RFC 9110: zlib-wrapped
        elif encoding != "identity":
            raise BadAnswer(f"its body is encoded as {encoding[:40]!r}, which was not asked for")
        if self.wbits:
            self.inflate = zlib.decompressobj(self.wbits)
        lengths = headers.getall("Content-Length", [])
        coding = headers.get("Transfer-Encoding")
        if self.request.method == "HEAD" or self.status in (204, 304):
            self.state, self.left = "length", 0
        elif coding is not None:
            if lengths:
                raise BadAnswer("it has both Transfer-Encoding and Content-Length")
            if coding.strip().lower() != "chunked":
                raise BadAnswer(f"its Transfer-Encoding is {coding[:40]!r}")
            self.state = "chunked"
        elif lengths:
            if len(set(lengths)) > 1 or not lengths[0].isdigit() or not lengths[0].isascii():
                raise BadAnswer(f"its Content-Length is {', '.join(lengths)[:40]!r}")
            self.state, self.left = "length", int(lengths[0])
            if self.inflate is None and self.left > self.room:
                raise ResponseTooLargeError(self.request.operation, self.request.max_body, self.status)
        else:
            self.state, self.keep_alive = "close", False
        if self.state == "length" and not self.left:
            self._finish()

    def _take_chunks(self, data: bytes) -> bytes:
        """Chunks: ``chunk_left`` > 0 inside one, 0 at the CRLF after one, -1 at a size line,
        -2 at trailer lines (after the last chunk, until an empty line)."""
        if self.line:
            data, self.line = self.line + data, b""
        at, end = 0, len(data)
        while at < end:
            if self.chunk_left > 0:
                take = data[at : at + self.chunk_left]
                self._keep(take)
                self.chunk_left -= len(take)
                at += len(take)
                continue
            if self.chunk_left == 0:
                if end - at < 2:
                    break
                if data[at : at + 2] != b"\r\n":
                    raise BadAnswer("a chunk does not end where its size said")
                at, self.chunk_left = at + 2, -1
                continue
            line_end = data.find(b"\r\n", at)
            if line_end < 0:
                break
            if self.chunk_left == -2:
                if line_end == at:
                    self._finish()
                    return data[at + 2 :]
                self.spent += line_end + 2 - at
                if self.spent > MAX_HEAD:
                    raise BadAnswer(f"its head and trailers pass {MAX_HEAD} bytes")
                at = line_end + 2
                continue
            size = _CHUNK_SIZE.match(data, at, line_end + 2)
            if size is None:
                raise BadAnswer(f"a chunk size line is {data[at:line_end][:40]!r}")
            at = size.end()
            self.chunk_left = int(size.group(1), 16) or -2
        self.line = data[at:]
        if len(self.line) > 1024:
            raise BadAnswer("a chunk size or trailer line passes 1024 bytes")
        return b""

    def _keep(self, data: bytes) -> None:
        if self.inflate is None:
            self._add(data)
            return
        if not self.fed and data and self.wbits == zlib.MAX_WBITS and data[0] & 0x0F != 8:
            self.wbits = -zlib.MAX_WBITS  # "deflate" sent without its zlib wrapper, as some servers do
            self.inflate = zlib.decompressobj(self.wbits)
        self.fed = self.fed or bool(data)
        while data:  # a MiB at most at a time: a few KiB of a bomb inflate to far more than the cap
            try:
                self._add(self.inflate.decompress(data, min(self.room + 1, _INFLATE_STEP)))
            except zlib.error as exc:
                raise BadAnswer(f"its compressed body is broken: {exc}") from exc
            data = self.inflate.unconsumed_tail
            if not data and self.inflate.unused_data:  # after the end of a compressed stream
                if self.wbits != 16 + zlib.MAX_WBITS:
                    raise BadAnswer("bytes follow the end of its compressed body")
                data = self.inflate.unused_data  # gzip: the next member
                self.inflate = zlib.decompressobj(self.wbits)

    def _add(self, data: bytes) -> None:
        self.room -= len(data)
        if self.room < 0:
            raise ResponseTooLargeError(self.request.operation, self.request.max_body, self.status)
        if data:
            self.body.append(data)

    def _finish(self) -> None:
        if self.fed and not self.inflate.eof:
            raise BadAnswer("its compressed body ends early")
        self.done = True


class _Connection(asyncio.Protocol):
    """One connection to one origin, asking one thing at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.fd: int | None = None  # the socket's file descriptor
        self.answer: _Answer | None = None
        self.waiter: asyncio.Future[None] | None = None  # done when the answer is whole, or failed
        self.closed = False
        self.idle_since = 0.0
        self.last_data = 0.0  # when bytes last arrived (for sock_read)
        self.sock_read: float | None = None
        self.deadline: float | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.paused: asyncio.Future[None] | None = None  # while the transport holds more than it should
        self.sent_whole = False  # the whole request was handed to the transport

    # asyncio's callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        self.fd = None if sock is None else sock.fileno()

    def data_received(self, data: bytes) -> None:
        answer = self.answer
        if answer is None or answer.done:
            self._fail(BadAnswer("it sent bytes nobody asked for"))
            return
        if self.sock_read is not None:
            self.last_data = self.loop.time()
        try:
            extra = answer.feed(data)
        except (BadAnswer, SpeechError) as exc:
            self._fail(exc)
            return
        if answer.done:
            if extra or not answer.keep_alive:
                self.abort()
            self._settle(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.answer is not None and not self.answer.done:
            failed: BaseException | None = exc
            if failed is None:
                try:
                    self.answer.at_close()
                except (BadAnswer, CutShort, SpeechError) as error:
                    failed = error
            self._settle(failed)
        self._resume()

    def eof_received(self) -> bool:
        return False  # close: the peer has nothing more to say

    def pause_writing(self) -> None:
        self.paused = self.loop.create_future()

    def resume_writing(self) -> None:
        self.last_data = self.loop.time()  # the peer is taking the request: that counts as progress
        self._resume()

    def _resume(self) -> None:
        if self.paused is not None and not self.paused.done():
            self.paused.set_result(None)
        self.paused = None

    # the exchange

    def start(self, request: Request, deadline: float | None, sock_read: float | None) -> asyncio.Future[None]:
        """Expect the answer to ``request``, within ``deadline`` (loop time) and ``sock_read`` seconds
        between bytes; the future it gives is done when the answer is whole."""
        self.answer = _Answer(request)
        self.sent_whole = False
        self.waiter = waiter = self.loop.create_future()
        self.deadline, self.sock_read = deadline, sock_read
        if sock_read is not None:
            self.last_data = self.loop.time()
        due = self._due(self.last_data)
        if due is not None:
            self.timer = self.loop.call_at(due, self._check_time)
        return waiter

    def _due(self, now: float) -> float | None:
        """When the answer fails for time: the deadline, or ``sock_read`` after the last bytes."""
        due = self.deadline
        if self.sock_read is not None:  # silence counts only once the request is sent
            quiet_until = (now if self.paused is not None else self.last_data) + self.sock_read
            due = quiet_until if due is None else min(due, quiet_until)
        return due

    def _check_time(self) -> None:
        self.timer = None
        if self.waiter is None or self.waiter.done():
            return
        now = self.loop.time()
        due = self._due(now)
        if due is not None and now < due:
            self.timer = self.loop.call_at(due, self._check_time)
            return
        self._fail(asyncio.TimeoutError())

    def _fail(self, exc: BaseException) -> None:
        self.abort()
        self._settle(exc)

    def _settle(self, exc: BaseException | None) -> None:
        self._stop_timer()
        self._resume()  # an answer (or failure) before the request is all sent: stop sending
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            if exc is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(exc)

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def end(self) -> bool:
        """The exchange is over (whole, failed or given up): whether the connection can be reused."""
        self._stop_timer()
        answer = self.answer
        self.answer = self.waiter = None
        return (
            not self.closed
            and self.sent_whole
            and answer is not None
            and answer.done
            and answer.keep_alive
            and self.transport is not None
            and not self.transport.get_write_buffer_size()
        )

    async def write(self, head: bytes, body: bytes | bytearray | memoryview | None) -> None:
        """Send a request, a piece at a time while the peer reads slowly; stop when it has answered."""
        transport, waiter = self.transport, self.waiter
        assert transport is not None and waiter is not None
        if body is None:
            transport.write(head)
        elif len(body) <= _WRITE_STEP:
            transport.write(head + body)
        else:
            transport.write(head)
            view = memoryview(body)
            for at in range(0, len(view), _WRITE_STEP):
                if self.paused is not None:
                    await self.paused
                if waiter.done():
                    return  # answered (or failed) early: the rest is not sent, the connection not reused
                transport.write(view[at : at + _WRITE_STEP])
            self.last_data = self.loop.time()
        self.sent_whole = True

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        """Close an idle connection, politely."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def dropped(self) -> bool:
        """Whether the peer closed this idle connection (or sent something) and the loop has not
        said so yet: reusing it would fail a request the peer never read."""
        if self.fd is None:
            return False
        if not hasattr(select, "poll"):  # Windows: select() has no descriptor limit there
            return bool(select.select([self.fd], (), (), 0)[0])
        poll = select.poll()
        poll.register(self.fd, select.POLLIN)
        return bool(poll.poll(0))


_Key = tuple[str, str, int]  # scheme, host, port


class ConnectionPool:
    """Keep-alive connections by origin, at most ``limit`` of them in use at once."""

    def __init__(self, *, limit: int, ssl: tls.SSLContext | bool) -> None:
        self.limit = limit
        self._ssl = ssl
        self._context: tls.SSLContext | None = None
        self._idle: dict[_Key, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._in_use = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._sweep: asyncio.TimerHandle | None = None

    async def send(self, request: Request, timeout: aiohttp.ClientTimeout) -> tuple[int, CIMultiDictProxy[str], bytes]:
        """The status, headers and body of the answer to ``request``."""
        url: URL = request.url
        head = _head(request, url)
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = None if timeout.total is None else start + timeout.total
        if self._in_use >= self.limit:
            await self._wait_turn(request, url, _bound(timeout, start, deadline), loop)
        self._in_use += 1
        key = (url.scheme, url.host or "", url.port or 0)
        connection = None
        try:
            connection = self._idle_connection(key, loop) or await self._connect(request, url, timeout, start, deadline)
            waiter = connection.start(request, deadline, timeout.sock_read)
            answer = connection.answer
            assert answer is not None
            await connection.write(head, request.data)
            await waiter
        except BaseException as exc:
            if connection is not None:
                connection.abort()
            translated = _translated(exc, request, url)
            if translated is exc:
                raise
            raise translated from exc
        finally:
            self._in_use -= 1
            if connection is not None:
                self._release(connection, key, loop)
            if self._waiting:
                self._wake()
        assert answer.headers is not None
        return answer.status, answer.headers, answer.body[0] if len(answer.body) == 1 else b"".join(answer.body)

    async def _wait_turn(
        self, request: Request, url: URL, bound: float | None, loop: asyncio.AbstractEventLoop
    ) -> None:
        """Wait (at most ``bound`` seconds) until fewer than ``limit`` connections are in use."""
        while self._in_use >= self.limit:
            turn = loop.create_future()
            self._waiting.append(turn)
            try:
                await _bounded(turn, bound)
            except BaseException as exc:
                if turn.done() and not turn.cancelled():
                    self._wake()  # a turn given just as this waiter gave up goes to the next one
                else:
                    turn.cancel()  # ``_wake`` passes it by
                if isinstance(exc, asyncio.TimeoutError):
                    raise TransportError(
                        f"{request.operation}: no free connection to {url.host} in time", sent=False
                    ) from exc
                raise

    def _wake(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return

    def _idle_connection(self, key: _Key, loop: asyncio.AbstractEventLoop) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if not connection.closed and loop.time() - connection.idle_since < KEEPALIVE and not connection.dropped():
                return connection
            self._close(connection)
        return None

    async def _connect(
        self, request: Request, url: URL, timeout: aiohttp.ClientTimeout, start: float, deadline: float | None
    ) -> _Connection:
        loop = asyncio.get_running_loop()
        connection = _Connection(loop)
        secure = url.scheme == "https"
        host = url.host or ""
        # IPv6 and IPv4 addresses tried side by side (RFC 8305), where the loop can (uvloop cannot)
        both: dict[str, Any] = {"happy_eyeballs_delay": 0.25} if isinstance(loop, asyncio.BaseEventLoop) else {}
        connecting = asyncio.ensure_future(
            loop.create_connection(
                lambda: connection,
                host,
                url.port or (443 if secure else 80),
                ssl=self._tls() if secure else None,
                server_hostname=host if secure else None,
                **both,
            )
        )
        try:
            await _bounded(connecting, _bound(timeout, start, deadline))
        except BaseException as exc:
            if connecting.done() and not connecting.cancelled() and connecting.exception() is None:
                connecting.result()[0].close()  # made just as this request was cancelled
            if not isinstance(exc, (OSError, asyncio.TimeoutError)):
                raise
            why = "timed out" if isinstance(exc, asyncio.TimeoutError) else str(exc) or type(exc).__name__
            raise TransportError(f"{request.operation}: could not connect to {url.host}: {why}", sent=False) from exc
        self._open.add(connection)
        return connection

    def _tls(self) -> tls.SSLContext:
        if isinstance(self._ssl, tls.SSLContext):
            return self._ssl
        if self._context is None:
            self._context = tls.create_default_context()
            if not self._ssl:  # ssl=False: encrypted, not verified
                self._context.check_hostname = False
                self._context.verify_mode = tls.CERT_NONE
        return self._context

    def _release(self, connection: _Connection, key: _Key, loop: asyncio.AbstractEventLoop) -> None:
        if not connection.end():
            self._close(connection)
            return
        connection.idle_since = loop.time()
        self._idle.setdefault(key, []).append(connection)
        if self._sweep is None:
            self._sweep = loop.call_later(KEEPALIVE, self._close_stale)

    def _close_stale(self) -> None:
        """Close the connections idle for longer than ``KEEPALIVE`` (checked every ``KEEPALIVE`` s)."""
        self._sweep = None
        loop = asyncio.get_running_loop()
        for idle in self._idle.values():
            for connection in [c for c in idle if c.closed or loop.time() - c.idle_since >= KEEPALIVE]:
                idle.remove(connection)
                self._close(connection)
        if any(self._idle.values()):
            self._sweep = loop.call_later(KEEPALIVE, self._close_stale)

    def _close(self, connection: _Connection) -> None:
        self._open.discard(connection)
        if not connection.closed:
            connection.close()

    async def aclose(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for connection in list(self._open):
            self._close(connection)
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports finish closing


def _bound(timeout: aiohttp.ClientTimeout, start: float, deadline: float | None) -> float | None:
    """Seconds allowed for connecting: the connect timeouts, within what is left of the total."""
    bounds = [b for b in (timeout.connect, timeout.sock_connect) if b is not None]
    if deadline is not None:
        bounds.append(max(0.0, deadline - asyncio.get_running_loop().time()))
    return min(bounds) if bounds else None


def _head(request: Request, url: URL) -> bytes:
    """The request line and headers, as bytes; a line break in any of them is refused."""
    headers: dict[str, str] = request.headers
    given = {name.lower() for name in headers}
    text = f"{request.method} {url.raw_path_qs} HTTP/1.1\r\n"
    lines = 2 + len(headers)
    if "host" not in given:
        text += f"Host: {url.host_port_subcomponent}\r\n"
        lines += 1
    text += "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    if "accept-encoding" not in given:
        text += "Accept-Encoding: gzip, deflate\r\n"
        lines += 1
    if "content-length" not in given and (request.data is not None or request.method in _WITH_BODY):
        text += f"Content-Length: {0 if request.data is None else len(request.data)}\r\n"
        lines += 1
    text += "\r\n"
    if text.count("\n") != lines or text.count("\r") != lines:
        raise InvalidArgumentError(f"{request.operation}: a header or the URL holds a line break; not sent")
    return text.encode()


async def _bounded(future: asyncio.Future[_T], seconds: float | None) -> _T:
    """The future's result, or ``asyncio.TimeoutError`` (the future cancelled) after ``seconds``.
    Unlike ``asyncio.wait_for`` before Python 3.12, it never loses a cancellation of the caller
    that comes as the future completes."""
    if seconds is None:
        return await future
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = not future.done()
        future.cancel()

    timer = future.get_loop().call_later(seconds, expire)
    try:
        return await future
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if expired and not (task is not None and getattr(task, "cancelling", lambda: 0)()):
            raise asyncio.TimeoutError from None
        raise
    finally:
        timer.cancel()


def _translated(exc: BaseException, request: Request, url: URL) -> BaseException:
    """What a failed exchange raises: the SDK's errors as they are, the rest as transport errors."""
    if isinstance(exc, SpeechError):
        return exc
    if isinstance(exc, asyncio.TimeoutError):
        return APITimeoutError(f"{request.operation}: no answer from {url.host} in time")
    if isinstance(exc, BadAnswer):
        return TransportError(f"{request.operation}: the answer from {url.host} is not valid HTTP: {exc}")
    if isinstance(exc, CutShort):
        return TransportError(f"{request.operation}: {url.host} closed the connection before its answer was whole")
    if isinstance(exc, Exception):  # OSError, most often
        return TransportError(f"{request.operation}: the connection to {url.host} failed: {type(exc).__name__}: {exc}")
    return exc
