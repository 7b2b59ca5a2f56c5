"""Fake servers for logic tests: no sockets, and no real waiting.

``FakeNetwork`` puts fake servers, one per origin, behind one ``MockTransport`` and one
``FakeClock``; a request to any other origin fails as a refused connection does. A
``FakeServer`` records every request, with the fake time it arrived, and answers with the
replies queued by ``reply`` (in order), then with its ``handler``. ``FakeJobs`` makes a fake
server a service of transcription jobs that finish at set fake times. Time asserted in these
tests is the fake clock's: exact, and the same on a busy machine.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterable, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

from speechrest import FakeClock, MockTransport, Request, Response, SpeechClient, TransportError
from speechrest._core.transport import response
from speechrest._wire import format_datetime

__all__ = ["FakeJobs", "FakeNetwork", "FakeServer", "Seen", "answer", "settle"]

TEST_KEY = "test-key-0123456789abcdef"


def answer(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    """One response: JSON for a dict or list, bytes or text as given, empty for None."""
    if isinstance(body, str):
        body = body.encode()
    if body is None or isinstance(body, bytes):
        return response(status, headers=headers, body=body or b"")
    return response(status, body, headers=headers)


async def settle(turns: int = 5) -> None:
    """Let the other tasks run for a few turns of the event loop (the fake clock stays put
    meanwhile unless they sleep)."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def _read(data: Any) -> bytes:
    """A request body as the server would receive it."""
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, AsyncIterable):
        return b"".join([bytes(chunk) async for chunk in data])
    raise TypeError(f"a fake server cannot read a {type(data).__name__} body")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Seen:
    """One request as a fake server saw it, and when it arrived (fake seconds)."""

    def __init__(self, request: Request, body: bytes, at: float) -> None:
        self.method = request.method
        self.url = request.url
        self.path = request.url.path
        self.raw_path = request.url.raw_path_qs
        self.query = request.url.query
        self.headers = CIMultiDictProxy(CIMultiDict(request.headers))
        self.body = body
        self.at = at

    def json(self) -> Any:
        return json.loads(self.body)


# How a fake server answers a request: a response, or an awaitable of one.
Handler = Callable[[Seen], "Response | Awaitable[Response]"]


class FakeServer:
    """The server of one origin: answers queued replies in order, then ``handler`` (200 ``{}``)."""

    def __init__(self, url: str, clock: FakeClock) -> None:
        self.url = url
        self.clock = clock
        self.requests: list[Seen] = []
        self.handler: Handler = lambda seen: answer(200, {})
        self._queue: list[Handler] = []

    def reply(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        """Queue one answer (see ``answer``)."""
        reply = answer(status, body, headers)
        self._queue.append(lambda seen: reply)

    async def serve(self, request: Request) -> Response:
        seen = Seen(request, await _read(request.data), self.clock.monotonic())
        self.requests.append(seen)
        handler = self._queue.pop(0) if self._queue else self.handler
        reply = handler(seen)
        return await reply if inspect.isawaitable(reply) else reply

    @property
    def last(self) -> Seen:
        return self.requests[-1]

    @property
    def times(self) -> list[float]:
        """When each request arrived, in fake seconds."""
        return [seen.at for seen in self.requests]


class FakeNetwork:
    """Fake servers by origin, one ``MockTransport`` to reach them and one ``FakeClock``."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.transport = MockTransport(self._send)
        self._servers: dict[str, FakeServer] = {}

    def server(self, url: str) -> FakeServer:
        """A new fake server at ``url`` (an origin such as ``https://speech.test``)."""
        server = self._servers[url] = FakeServer(url, self.clock)
        return server

    def client(self, server: FakeServer, **options: Any) -> SpeechClient:
        """A client of ``server`` on this network and clock (with a key unless told otherwise)."""
        if "token" not in options and "credential" not in options:
            options.setdefault("key", TEST_KEY)
        return SpeechClient(endpoint=server.url, transport=self.transport, clock=self.clock, **options)

    async def _send(self, request: Request) -> Response:
        server = self._servers.get(str(request.url.origin()))
        if server is None:
            raise TransportError(f"{request.operation}: could not connect to {request.url.host}", sent=False)
        return await server.serve(request)


class FakeJobs:
    """Transcription jobs served by ``server``: each is ``Running`` until its ``done_at`` (fake
    seconds; None: never), then ``Succeeded`` (or ``Failed``). A GET of a running job carries
    ``retry_after``; the list honours a ``lastActionDateTime ge`` filter; other ids are 404."""

    def __init__(self, server: FakeServer, retry_after: float | None = None) -> None:
        self.server = server
        self.retry_after = retry_after
        self._jobs: dict[str, tuple[datetime, float | None, bool]] = {}  # id -> created, done_at, fails
        server.handler = self._answer

    def add(self, job_id: str, done_at: float | None = None, *, fails: bool = False) -> str:
        """A job created now."""
        self._jobs[job_id] = (self.server.clock.now(), done_at, fails)
        return job_id

    def _entity(self, base: str, job_id: str) -> dict[str, Any]:
        clock = self.server.clock
        created, done_at, fails = self._jobs[job_id]
        ago = None if done_at is None else clock.monotonic() - done_at  # seconds since it finished
        finished = None if ago is None or ago < 0 else clock.now() - timedelta(seconds=ago)
        status = "Running" if finished is None else "Failed" if fails else "Succeeded"
        last_action = finished or created
        return {
            "self": f"{self.server.url}{base}/{job_id}",
            "displayName": job_id,
            "locale": "en-US",
            "properties": {},
            "status": status,
            "createdDateTime": format_datetime(created),
            "lastActionDateTime": format_datetime(last_action),
        }

    def _answer(self, seen: Seen) -> Response:
        base, _, job_id = seen.path.rpartition("/")
        if job_id in self._jobs:
            entity = self._entity(base, job_id)
            running = entity["status"] == "Running" and self.retry_after is not None
            return answer(200, entity, {"Retry-After": str(self.retry_after)} if running else None)
        if job_id != "transcriptions":
            return answer(404, {"code": "NotFound", "message": f"no transcription {job_id}"})
        entities = [self._entity(seen.path, i) for i in self._jobs]
        since = seen.query.get("filter", "").removeprefix("lastActionDateTime ge ")
        if since:
            entities = [e for e in entities if _parse(e["lastActionDateTime"]) >= _parse(since)]
        return answer(200, {"values": entities})
