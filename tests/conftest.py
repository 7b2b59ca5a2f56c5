"""Shared fixtures: fake servers behind a MockTransport on a FakeClock (``tests/fakes.py``) for
logic tests; a recording local HTTP server and a client pointed at it for tests on real sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fakes import TEST_KEY, FakeNetwork, FakeServer
from multidict import CIMultiDictProxy, MultiDictProxy

from speechrest import SpeechClient
from speechrest.errors import AmbiguousCreateError

pytest_plugins = ["speechrest.testing"]  # speech_emulator and speech_client, as users get them

SPEC_ROOT = Path(__file__).resolve().parents[2] / "shared" / "spec"
TOKEN_KEY = AmbiguousCreateError.TOKEN_KEY


def spec_path(version: str = "v3.1") -> Path:
    """The spec file of a version, or a skip when ../shared is not beside the repo."""
    path = SPEC_ROOT / version / "speechtotext.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the API descriptions live in ../shared/spec beside the repo)")
    return path


def without_token(body: Any) -> Any:
    """A create's JSON body minus the SDK's create token (and customProperties, if that was all)."""
    if not isinstance(body, dict) or not isinstance(body.get("customProperties"), dict):
        return body
    custom = {k: v for k, v in body["customProperties"].items() if k != TOKEN_KEY}
    stripped = {k: v for k, v in body.items() if k != "customProperties"}
    return {**stripped, "customProperties": custom} if custom else stripped


def own_properties(custom: dict[str, str] | None) -> dict[str, str]:
    """An entity's customProperties minus the SDK's create token."""
    return {k: v for k, v in (custom or {}).items() if k != TOKEN_KEY}


class Recorded:
    """One request as the server saw it."""

    def __init__(self, request: web.Request, body: bytes) -> None:
        self.method = request.method
        self.path = request.path
        self.raw_path = request.raw_path
        self.query: MultiDictProxy[str] = request.query
        self.headers: CIMultiDictProxy[str] = request.headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[web.Request, bytes], web.StreamResponse]


class RecordingServer:
    """A real aiohttp server that records every request and answers with ``handler``.

    The default handler answers ``200 {}``; tests set ``server.handler`` or queue
    answers with ``server.reply(...)`` (used in order, then the handler again).
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.handler: Handler = lambda request, body: web.json_response({})
        self._queue: list[Handler] = []
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    def reply(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        """Queue one JSON (or empty, when ``body`` is None) answer."""

        def answer(request: web.Request, raw: bytes) -> web.StreamResponse:
            if body is None:
                return web.Response(status=status, headers=headers)
            if isinstance(body, (bytes, str)):
                return web.Response(status=status, body=body, headers=headers)
            return web.json_response(body, status=status, headers=headers)

        self._queue.append(answer)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(Recorded(request, body))
        handler = self._queue.pop(0) if self._queue else self.handler
        return handler(request, body)

    async def __aenter__(self) -> RecordingServer:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.server.close()

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def last(self) -> Recorded:
        return self.requests[-1]


@pytest.fixture
def net() -> FakeNetwork:
    """Fake servers, a MockTransport to reach them, and a FakeClock."""
    return FakeNetwork()


@pytest.fixture
def service(net: FakeNetwork) -> FakeServer:
    """The fake Speech endpoint."""
    return net.server("https://speech.test")


@pytest.fixture
def storage(net: FakeNetwork) -> FakeServer:
    """A fake blob store: another origin than ``service``, for content URLs and foreign links."""
    return net.server("https://blob.test")


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    async with RecordingServer() as srv:
        yield srv


@pytest.fixture
async def other_server() -> AsyncIterator[RecordingServer]:
    """A second recording server: another port, so another origin than ``server``."""
    async with RecordingServer() as srv:
        yield srv


@pytest.fixture
async def client(server: RecordingServer) -> AsyncIterator[SpeechClient]:
    # One try per call and no rate limit: these tests check single exchanges on the wire.
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="v3.1", max_retries=0, rate_limit=None) as c:
        yield c
