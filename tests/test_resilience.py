"""Resilience on the wire: retries, Retry-After, exactly-once creates, rate limits,
credentials, log redaction, early argument checks and cancellation.

Every test talks to a real local aiohttp server (``server``, and ``other_server`` on
another origin) and checks what that server saw: how many requests, when, with what.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from conftest import TEST_KEY, TOKEN_KEY, RecordingServer, without_token
from samples import SAMPLE_SELF, SAMPLE_UUID

from speechrest import (
    AmbiguousCreateError,
    APIStatusError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    RateLimit,
    RetryPolicy,
    ServerError,
    SpeechClient,
    SpeechError,
    TransportError,
)
from speechrest.errors import UnsafeURLError

# Short waits keep retried tests fast; the logic is the same as with the defaults.
FAST = RetryPolicy(backoff=0.01, max_backoff=0.05)
TRANSCRIPTION = {"displayName": "t", "locale": "en-US", "self": SAMPLE_SELF}
PROJECT = {"displayName": "p", "locale": "en-US"}
TRANSCRIPTION_PATH = f"/speechtotext/v3.1/transcriptions/{SAMPLE_UUID}"
MiB = 1024 * 1024


def make_client(server: RecordingServer, **options: Any) -> SpeechClient:
    """A v3.1 client for ``server`` with fast retries and no rate limit unless told otherwise."""
    options.setdefault("retry", FAST)
    options.setdefault("rate_limit", None)
    if "token" not in options:
        options.setdefault("key", TEST_KEY)
    return SpeechClient(endpoint=server.url, api_version="v3.1", **options)


@pytest.fixture
async def client(server: RecordingServer) -> AsyncIterator[SpeechClient]:
    """Overrides conftest's client: this one retries (quickly)."""
    async with make_client(server) as c:
        yield c


def answer(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> web.Response:
    """One response: JSON when ``body`` is a dict or list, empty when None."""
    if body is None or isinstance(body, (bytes, str)):
        return web.Response(status=status, body=body, headers=headers)
    return web.json_response(body, status=status, headers=headers)


class Arrivals:
    """Becomes the server's handler: notes when each request arrives (server side) and
    lets ``respond(n, request)`` answer the n-th one (counting from 0)."""

    def __init__(
        self,
        server: RecordingServer,
        respond: Callable[[int, web.Request], web.StreamResponse],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.times: list[float] = []
        self.paths: list[str] = []
        self._respond = respond
        self._clock = clock
        server.handler = self._handle

    def _handle(self, request: web.Request, body: bytes) -> web.StreamResponse:
        self.times.append(self._clock())
        self.paths.append(request.path)
        return self._respond(len(self.times) - 1, request)

    def gap(self, first: int = 0, second: int = 1) -> float:
        return self.times[second] - self.times[first]


def scripted(*answers: Callable[[], web.StreamResponse]) -> Callable[[int, web.Request], web.StreamResponse]:
    """Answers in order; the last one is repeated."""
    return lambda n, request: answers[min(n, len(answers) - 1)]()


class HeldResponse(web.Response):
    """A response that leaves the server only once ``hold()`` returns: the request stays in flight."""

    def __init__(self, hold: Callable[[], Awaitable[Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hold = hold

    async def prepare(self, request: web.BaseRequest) -> Any:
        await self._hold()
        return await super().prepare(request)


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until ``condition()`` holds (plain state, with no event to wait on)."""
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "the condition never held"
        await asyncio.sleep(0.005)


def token_of(request: Any) -> str:
    """The create token a recorded request carried in its body."""
    return request.json()["customProperties"][TOKEN_KEY]


# ----------------------------------------------------------------------------- 1. retries on the wire


async def test_a_get_answered_503_twice_succeeds_on_the_third_try(
    server: RecordingServer, client: SpeechClient
) -> None:
    server.reply(503)
    server.reply(503)
    server.reply(200, TRANSCRIPTION)
    transcription = await client.transcriptions.get(SAMPLE_UUID)
    assert transcription.display_name == "t"
    assert [r.path for r in server.requests] == [TRANSCRIPTION_PATH] * 3
    assert client.counters["retries"] == 2


@pytest.mark.parametrize("status", [408, 500, 502, 504])
async def test_transient_statuses_are_retried(status: int, server: RecordingServer, client: SpeechClient) -> None:
    server.reply(status)
    server.reply(200, TRANSCRIPTION)
    await client.transcriptions.get(SAMPLE_UUID)
    assert len(server.requests) == 2


@pytest.mark.parametrize(("status", "error"), [(400, BadRequestError), (404, NotFoundError), (409, APIStatusError)])
async def test_client_errors_are_not_retried(
    status: int, error: type[Exception], server: RecordingServer, client: SpeechClient
) -> None:
    server.handler = lambda request, body: answer(status, {"code": "Nope", "message": "no"})
    with pytest.raises(error) as caught:
        await client.transcriptions.get(SAMPLE_UUID)
    assert len(server.requests) == 1
    assert caught.value.attempts == 1


async def test_max_retries_zero_on_the_client_turns_retries_off(server: RecordingServer) -> None:
    server.handler = lambda request, body: answer(503)
    async with make_client(server, max_retries=0) as client:
        with pytest.raises(ServerError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
    assert len(server.requests) == 1
    assert caught.value.attempts == 1


async def test_max_retries_zero_per_call_turns_retries_off(server: RecordingServer, client: SpeechClient) -> None:
    server.handler = lambda request, body: answer(503)
    with pytest.raises(ServerError) as caught:
        await client.transcriptions.get(SAMPLE_UUID, max_retries=0)
    assert len(server.requests) == 1
    assert caught.value.attempts == 1


@pytest.mark.parametrize("max_retries", [1, 3])
async def test_the_final_error_counts_every_try(max_retries: int, server: RecordingServer) -> None:
    server.handler = lambda request, body: answer(503)
    async with make_client(server, max_retries=max_retries) as client:
        with pytest.raises(ServerError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
    assert len(server.requests) == max_retries + 1
    assert caught.value.attempts == max_retries + 1


async def test_a_refused_connection_is_retried_and_counted(server: RecordingServer) -> None:
    async with make_client(server, max_retries=2) as client:
        with pytest.raises(TransportError) as caught:
            await client.download(f"http://127.0.0.1:{unused_port()}/file")
    assert caught.value.attempts == 3
    assert caught.value.sent is False


async def test_a_try_that_times_out_is_retried(server: RecordingServer, client: SpeechClient) -> None:
    gate = asyncio.Event()
    held = partial(HeldResponse, gate.wait, status=200, text="{}")
    Arrivals(server, lambda n, request: held() if n == 0 else answer(200, TRANSCRIPTION))
    try:
        transcription = await client.transcriptions.get(SAMPLE_UUID, timeout=0.3)
    finally:
        gate.set()
    assert transcription.display_name == "t"
    assert len(server.requests) == 2


async def test_a_delete_whose_answer_was_lost_counts_as_done(server: RecordingServer, client: SpeechClient) -> None:
    """500, then 404 on the retry: the first try deleted it."""
    server.reply(500)
    server.reply(404)
    await client.transcriptions.delete(SAMPLE_UUID)
    assert [r.method for r in server.requests] == ["DELETE", "DELETE"]


async def test_a_delete_answered_404_at_once_is_an_error(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(404)
    with pytest.raises(NotFoundError):
        await client.transcriptions.delete(SAMPLE_UUID)
    assert len(server.requests) == 1


async def test_the_connection_limit_caps_requests_in_flight(server: RecordingServer) -> None:
    gate = asyncio.Event()
    server.handler = lambda request, body: HeldResponse(gate.wait, body=json.dumps(TRANSCRIPTION).encode())
    try:
        async with make_client(server, connection_limit=2) as client:
            calls = asyncio.gather(*(client.transcriptions.get(SAMPLE_UUID) for _ in range(5)))
            await eventually(lambda: len(server.requests) == 2)
            await asyncio.sleep(0.2)
            assert len(server.requests) == 2
            gate.set()
            assert len(await calls) == 5
    finally:
        gate.set()
    assert len(server.requests) == 5


# ----------------------------------------------------------------------------- 2. Retry-After


async def test_retry_after_seconds_is_waited_for(server: RecordingServer, client: SpeechClient) -> None:
    arrivals = Arrivals(
        server, scripted(lambda: answer(429, None, {"Retry-After": "1"}), lambda: answer(200, TRANSCRIPTION))
    )
    await client.transcriptions.get(SAMPLE_UUID)
    assert len(arrivals.times) == 2
    assert arrivals.gap() >= 1.0


async def test_retry_after_as_an_http_date_is_waited_for(server: RecordingServer, client: SpeechClient) -> None:
    """The retry must not reach the server before the date given (1 to 2 s away)."""
    not_before = math.floor(time.time()) + 2
    header = email.utils.format_datetime(datetime.fromtimestamp(not_before, timezone.utc), usegmt=True)
    arrivals = Arrivals(
        server,
        scripted(lambda: answer(503, None, {"Retry-After": header}), lambda: answer(200, TRANSCRIPTION)),
        clock=time.time,
    )
    await client.transcriptions.get(SAMPLE_UUID)
    assert len(arrivals.times) == 2
    assert arrivals.times[1] >= not_before
    assert arrivals.gap() > 0.9  # far more than the backoff alone (at most 0.05 s)


async def test_max_retry_after_caps_the_wait(server: RecordingServer) -> None:
    arrivals = Arrivals(
        server, scripted(lambda: answer(429, None, {"Retry-After": "30"}), lambda: answer(200, TRANSCRIPTION))
    )
    policy = RetryPolicy(backoff=0.01, max_backoff=0.05, max_retry_after=0.2)
    async with make_client(server, retry=policy) as client:
        await client.transcriptions.get(SAMPLE_UUID)
    assert 0.2 <= arrivals.gap() < 1.5


async def test_a_429_pauses_every_task_of_the_client(server: RecordingServer, client: SpeechClient) -> None:
    """Task B starts while task A waits out a 429: B's request waits too."""
    other_id = str(uuid.uuid4())
    arrivals = Arrivals(
        server,
        lambda n, request: answer(429, None, {"Retry-After": "1"}) if n == 0 else answer(200, TRANSCRIPTION),
    )
    first = asyncio.create_task(client.transcriptions.get(SAMPLE_UUID))
    await eventually(lambda: client.counters["throttled"] == 1)
    await client.transcriptions.get(other_id)
    await first
    started = arrivals.times[0]
    second_task_arrival = arrivals.times[arrivals.paths.index(f"/speechtotext/v3.1/transcriptions/{other_id}")]
    assert second_task_arrival - started >= 1.0
    assert all(t - started >= 1.0 for t in arrivals.times[1:])


# ----------------------------------------------------------------------------- 3. idempotency and exactly-once creates


async def test_a_lost_create_found_by_its_token_is_not_sent_again(
    server: RecordingServer, client: SpeechClient
) -> None:
    server.reply(500)

    def listing(request: web.Request, body: bytes) -> web.StreamResponse:
        sent = token_of(server.requests[0])
        stranger = {**PROJECT, "displayName": "other", "customProperties": {TOKEN_KEY: str(uuid.uuid4())}}
        ours = {**PROJECT, "self": SAMPLE_SELF, "customProperties": {TOKEN_KEY: sent}}
        return answer(200, {"values": [stranger, ours]})

    server.handler = listing
    before = datetime.now(timezone.utc)
    project = await client.projects.create(dict(PROJECT))

    methods = [(r.method, r.path) for r in server.requests]
    assert methods == [("POST", "/speechtotext/v3.1/projects"), ("GET", "/speechtotext/v3.1/projects")]
    assert project.custom_properties == {TOKEN_KEY: token_of(server.requests[0])}
    assert project.display_name == "p"
    # the listing only looks at entities made since a little before the create
    query = server.requests[1].query["filter"]
    assert query.startswith("createdDateTime ge ")
    since = datetime.fromisoformat(query.removeprefix("createdDateTime ge ").replace("Z", "+00:00"))
    assert before - timedelta(minutes=10) <= since <= before
    assert client.counters["reconciled_creates"] == 1


async def test_a_lost_create_not_found_is_sent_again_with_the_same_token(
    server: RecordingServer, client: SpeechClient
) -> None:
    server.reply(500)
    server.reply(200, {"values": [{**PROJECT, "customProperties": {TOKEN_KEY: "someone-else"}}]})
    server.reply(201, {**PROJECT, "self": SAMPLE_SELF})
    await client.projects.create({**PROJECT, "description": "d"})

    posts = [r for r in server.requests if r.method == "POST"]
    assert [r.method for r in server.requests] == ["POST", "GET", "POST"]
    assert token_of(posts[0]) == token_of(posts[1])
    assert posts[0].body == posts[1].body  # re-sent intact
    assert without_token(posts[1].json()) == {**PROJECT, "description": "d"}
    assert client.counters["resent_creates"] == 1


async def test_a_callers_own_token_is_used_as_given(server: RecordingServer, client: SpeechClient) -> None:
    server.handler = lambda request, body: answer(500)
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create({**PROJECT, "customProperties": {TOKEN_KEY: "mine"}}, exactly_once=False)
    assert token_of(server.last) == caught.value.token == "mine"


async def test_a_lost_create_is_resent_no_sooner_than_retry_after(
    server: RecordingServer, client: SpeechClient
) -> None:
    arrivals = Arrivals(
        server,
        scripted(
            lambda: answer(503, None, {"Retry-After": "1"}),
            lambda: answer(200, {"values": []}),
            lambda: answer(201, {**PROJECT, "self": SAMPLE_SELF}),
        ),
    )
    await client.projects.create(dict(PROJECT))
    assert [r.method for r in server.requests] == ["POST", "GET", "POST"]
    assert arrivals.gap(0, 2) >= 1.0


async def test_a_create_answered_429_is_retried_without_looking(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(429, None, {"Retry-After": "0"})
    server.reply(201, {**PROJECT, "self": SAMPLE_SELF})
    await client.projects.create(dict(PROJECT))
    assert [r.method for r in server.requests] == ["POST", "POST"]
    assert token_of(server.requests[0]) == token_of(server.requests[1])


async def test_a_create_answered_400_is_not_retried(server: RecordingServer, client: SpeechClient) -> None:
    """A body the service refuses (here: a locale it does not know) is its business, and final."""
    server.reply(400, {"code": "InvalidArgument", "message": "The locale 'xx-XX' is not supported."})
    with pytest.raises(BadRequestError):
        await client.projects.create({**PROJECT, "locale": "xx-XX"})
    assert [r.method for r in server.requests] == ["POST"]


async def test_without_exactly_once_a_lost_create_raises_with_its_token(server: RecordingServer) -> None:
    server.handler = lambda request, body: answer(500)
    async with make_client(server, exactly_once=False) as client:
        with pytest.raises(AmbiguousCreateError) as caught:
            await client.projects.create(dict(PROJECT))
    assert [r.method for r in server.requests] == ["POST"]
    assert caught.value.token == token_of(server.last)
    assert isinstance(caught.value.__cause__, ServerError)


async def test_exactly_once_false_per_call(server: RecordingServer, client: SpeechClient) -> None:
    server.handler = lambda request, body: answer(502)
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create(dict(PROJECT), exactly_once=False)
    assert [r.method for r in server.requests] == ["POST"]
    assert caught.value.token == token_of(server.last)


async def test_the_callers_custom_properties_are_kept_beside_the_token(
    server: RecordingServer, client: SpeechClient
) -> None:
    server.reply(201, {**PROJECT, "self": SAMPLE_SELF})
    await client.projects.create({**PROJECT, "customProperties": {"team": "blue", "cost": "7"}})
    custom = server.last.json()["customProperties"]
    assert custom.pop(TOKEN_KEY)
    assert custom == {"team": "blue", "cost": "7"}


async def test_ten_custom_properties_leave_no_room_for_the_token(server: RecordingServer, client: SpeechClient) -> None:
    full = {f"k{i}": "v" for i in range(10)}
    with pytest.raises(InvalidArgumentError, match="customProperties"):
        await client.projects.create({**PROJECT, "customProperties": full})
    assert server.requests == []


async def test_a_plain_post_that_is_not_a_create_is_not_resent_after_a_500(
    server: RecordingServer, client: SpeechClient
) -> None:
    """Models_CopyTo has no customProperties to carry a token: its outcome stays unknown."""
    server.handler = lambda request, body: answer(500)
    with pytest.raises(ServerError):
        await client.models.copy_to(SAMPLE_UUID, {"targetSubscriptionKey": "target"})
    assert len(server.requests) == 1


async def test_committing_blocks_is_retried_with_the_same_body(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(503)
    server.reply(200)
    await client.datasets.commit_blocks(SAMPLE_UUID, [{"kind": "Uncommitted", "id": "AAAA"}])
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body
    assert server.requests[1].json() == [{"kind": "Uncommitted", "id": "AAAA"}]


async def test_a_web_hook_ping_is_retried(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(503)
    server.reply(204)
    await client.web_hooks.ping(SAMPLE_UUID)
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", f"/speechtotext/v3.1/webhooks/{SAMPLE_UUID}:ping")
    ] * 2


# ----------------------------------------------------------------------------- 4. stream bodies


async def test_a_stream_body_is_not_retried(server: RecordingServer, client: SpeechClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first-"
        yield b"second"

    server.handler = lambda request, body: answer(503)
    with pytest.raises(ServerError) as caught:
        await client.datasets.upload_block(SAMPLE_UUID, "AAAA", chunks())
    assert len(server.requests) == 1
    assert server.last.body == b"first-second"
    assert caught.value.attempts == 1


async def test_a_bytes_body_is_retried_intact(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(503)
    server.reply(201)
    await client.datasets.upload_block(SAMPLE_UUID, "AAAA", b"\x00block\xff")
    assert [r.body for r in server.requests] == [b"\x00block\xff"] * 2


# ----------------------------------------------------------------------------- 5. deadline


async def test_the_deadline_ends_the_retries(server: RecordingServer) -> None:
    server.handler = lambda request, body: answer(503)
    policy = RetryPolicy(max_retries=100, deadline=0.3, backoff=0.2, max_backoff=0.2)
    async with make_client(server, retry=policy) as client:
        started = time.monotonic()
        with pytest.raises(ServerError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
        elapsed = time.monotonic() - started
    assert elapsed < 0.5
    assert caught.value.attempts == len(server.requests) < 100


async def test_a_retry_after_past_the_deadline_is_not_waited_for(server: RecordingServer) -> None:
    server.handler = lambda request, body: answer(503, None, {"Retry-After": "5"})
    async with make_client(server, retry=RetryPolicy(deadline=1.0)) as client:
        started = time.monotonic()
        with pytest.raises(ServerError):
            await client.transcriptions.get(SAMPLE_UUID)
    assert time.monotonic() - started < 0.5
    assert len(server.requests) == 1


async def test_the_deadline_also_bounds_a_try_in_flight(server: RecordingServer) -> None:
    """The deadline is for the whole call: a slow answer does not stretch it."""
    server.reply(503)
    server.handler = lambda request, body: HeldResponse(partial(asyncio.sleep, 2.0), status=200, text="{}")
    policy = RetryPolicy(deadline=0.3, backoff=0.01, max_backoff=0.01)
    async with make_client(server, retry=policy) as client:
        started = time.monotonic()
        with pytest.raises(SpeechError):
            await client.transcriptions.get(SAMPLE_UUID)
        assert time.monotonic() - started < 1.0


# ----------------------------------------------------------------------------- 6. rate limit


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of times in any ``[t, t + window)`` that starts at one of them."""
    ordered = sorted(times)
    return max(sum(1 for u in ordered if t <= u < t + window) for t in ordered)


async def test_the_rate_limit_holds_in_every_window(server: RecordingServer) -> None:
    arrivals = Arrivals(server, lambda n, request: answer(200, TRANSCRIPTION))
    async with make_client(server, rate_limit=RateLimit(requests=10, per_seconds=0.5)) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.transcriptions.get(SAMPLE_UUID) for _ in range(60)))
        elapsed = time.monotonic() - started
    assert len(arrivals.times) == 60
    assert most_in_any_window(arrivals.times, 0.5) <= 10
    assert elapsed >= 2.5  # six windows' worth: the sixth batch starts after five windows


async def test_without_a_rate_limit_many_requests_go_at_once(server: RecordingServer) -> None:
    server.handler = lambda request, body: answer(200, TRANSCRIPTION)
    async with make_client(server, rate_limit=None) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.transcriptions.get(SAMPLE_UUID) for _ in range(60)))
        elapsed = time.monotonic() - started
    assert len(server.requests) == 60
    assert elapsed < 1.0


async def test_downloads_from_another_origin_do_not_use_the_rate_limit(
    server: RecordingServer, other_server: RecordingServer
) -> None:
    """Two requests per second: three downloads then two service calls would take 2 s if counted."""
    other_server.handler = lambda request, body: answer(200, b"bytes")
    server.handler = lambda request, body: answer(200, TRANSCRIPTION)
    async with make_client(server, rate_limit=RateLimit(requests=2, per_seconds=1.0)) as client:
        started = time.monotonic()
        for n in range(3):
            assert await client.download(f"{other_server.url}/blob/{n}") == b"bytes"
        await client.transcriptions.get(SAMPLE_UUID)
        await client.transcriptions.get(SAMPLE_UUID)
        elapsed = time.monotonic() - started
    assert elapsed < 0.5
    assert len(other_server.requests) == 3
    assert len(server.requests) == 2


async def test_a_download_is_not_held_up_by_requests_waiting_for_the_rate_limit(
    server: RecordingServer, other_server: RecordingServer
) -> None:
    server.handler = lambda request, body: answer(200, TRANSCRIPTION)
    other_server.handler = lambda request, body: answer(200, b"bytes")
    limit = RateLimit(requests=1, per_seconds=1.0)
    async with make_client(server, rate_limit=limit, connection_limit=2) as client:
        # one call goes, two wait for the quota: between them they hold both connection slots
        waiting = [asyncio.create_task(client.transcriptions.get(SAMPLE_UUID)) for _ in range(3)]
        await eventually(lambda: len(server.requests) == 1)
        started = time.monotonic()
        await client.download(f"{other_server.url}/blob")
        elapsed = time.monotonic() - started
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
    assert elapsed < 0.5


async def test_a_429_does_not_pause_downloads_from_another_origin(
    server: RecordingServer, other_server: RecordingServer, client: SpeechClient
) -> None:
    server.reply(429, None, {"Retry-After": "1"})
    server.reply(200, TRANSCRIPTION)
    other_server.handler = lambda request, body: answer(200, b"bytes")
    throttled = asyncio.create_task(client.transcriptions.get(SAMPLE_UUID))
    await eventually(lambda: client.counters["throttled"] == 1)
    started = time.monotonic()
    await client.download(f"{other_server.url}/blob")
    assert time.monotonic() - started < 0.5
    assert not throttled.done()
    await throttled


# ----------------------------------------------------------------------------- 7. credentials

AUTHS = [pytest.param({"key": TEST_KEY}, id="key"), pytest.param({"token": "secret-token"}, id="token")]


def assert_no_credentials(recorded: RecordingServer) -> None:
    for request in recorded.requests:
        assert "Ocp-Apim-Subscription-Key" not in request.headers
        assert "Authorization" not in request.headers


def assert_credentials(recorded: RecordingServer, auth: dict[str, str]) -> None:
    for request in recorded.requests:
        if "key" in auth:
            assert request.headers["Ocp-Apim-Subscription-Key"] == auth["key"]
        else:
            assert request.headers["Authorization"] == f"Bearer {auth['token']}"


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_location_is_never_followed(
    status: int, auth: dict[str, str], server: RecordingServer, other_server: RecordingServer
) -> None:
    server.reply(status, None, {"Location": f"{other_server.url}/steal"})
    async with make_client(server, **auth) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
    assert caught.value.status == status
    assert len(server.requests) == 1
    assert other_server.requests == []


@pytest.mark.parametrize("auth", AUTHS)
async def test_a_created_entitys_location_is_not_visited(
    auth: dict[str, str], server: RecordingServer, other_server: RecordingServer
) -> None:
    server.reply(201, {**PROJECT, "self": SAMPLE_SELF}, {"Location": f"{other_server.url}/projects/x"})
    async with make_client(server, **auth) as client:
        await client.projects.create(dict(PROJECT))
    assert_credentials(server, auth)
    assert other_server.requests == []


@pytest.mark.parametrize("auth", AUTHS)
async def test_a_foreign_next_link_is_followed_without_credentials(
    auth: dict[str, str], server: RecordingServer, other_server: RecordingServer
) -> None:
    server.reply(200, {"values": [PROJECT], "@nextLink": f"{other_server.url}/speechtotext/v3.1/projects?skip=1"})
    other_server.reply(200, {"values": [{**PROJECT, "displayName": "q"}]})
    async with make_client(server, allow_foreign_next_links=True, **auth) as client:
        projects = await client.projects.list().to_list()
    assert [p.display_name for p in projects] == ["p", "q"]
    assert len(other_server.requests) == 1
    assert_credentials(server, auth)
    assert_no_credentials(other_server)


async def test_a_foreign_next_link_is_refused_unless_allowed(
    server: RecordingServer, other_server: RecordingServer, client: SpeechClient
) -> None:
    server.reply(200, {"values": [PROJECT], "@nextLink": f"{other_server.url}/page2"})
    with pytest.raises(UnsafeURLError):
        await client.projects.list().to_list()
    assert other_server.requests == []


@pytest.mark.parametrize("auth", AUTHS)
async def test_a_content_url_is_downloaded_without_credentials(
    auth: dict[str, str], server: RecordingServer, other_server: RecordingServer
) -> None:
    other_server.reply(503)
    other_server.reply(200, b"result")
    async with make_client(server, **auth) as client:
        assert await client.download(f"{other_server.url}/results/1.json?sig=abc&se=2030") == b"result"
    assert len(other_server.requests) == 2  # retried, and still without credentials
    assert_no_credentials(other_server)
    assert server.requests == []


# ----------------------------------------------------------------------------- 8. logging

SECRET_KEY = "key-SECRETKEY-0123456789"
SECRET_TOKEN = "tok-SECRETTOKEN-9876543210"
SECRETS = (SECRET_KEY, SECRET_TOKEN, "SECRETSIG")


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def error_texts(error: BaseException) -> list[str]:
    """What an exception can show: its message and repr, and those of its causes."""
    texts: list[str] = []
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), str(getattr(seen, "url", ""))]
        seen = seen.__cause__ or seen.__context__
    return texts


async def test_logs_errors_and_repr_never_show_secrets(
    server: RecordingServer, other_server: RecordingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="speechrest")
    signed = "/results/1.json?sig=SECRETSIG&se=2030-01-01T00%3A00%3A00Z"
    errors: list[BaseException] = []

    async def failing(call: Awaitable[Any]) -> None:
        try:
            await call
        except SpeechError as exc:
            errors.append(exc)
        else:
            raise AssertionError("expected an error")

    server.reply(503)
    server.reply(200, TRANSCRIPTION)  # a retry
    server.reply(404, {"code": "NotFound", "message": "no such transcription"})
    other_server.reply(200, b"result")
    other_server.handler = lambda request, body: answer(503, b"busy")
    async with make_client(server, key=SECRET_KEY, max_retries=1) as keyed:
        await keyed.transcriptions.get(SAMPLE_UUID)
        await failing(keyed.transcriptions.get(SAMPLE_UUID))
        assert await keyed.download(other_server.url + signed) == b"result"
        await failing(keyed.download(other_server.url + signed))
        await failing(keyed.download(f"http://127.0.0.1:{unused_port()}{signed}"))
        shown = [repr(keyed)]

    server.reply(401, {"code": "Unauthorized", "message": "bad token"})
    async with make_client(server, token=SECRET_TOKEN) as tokened:
        await failing(tokened.transcriptions.get(SAMPLE_UUID))
        shown.append(repr(tokened))

    assert server.requests[0].headers["Ocp-Apim-Subscription-Key"] == SECRET_KEY  # the secrets were used
    assert server.last.headers["Authorization"] == f"Bearer {SECRET_TOKEN}"
    messages = [record.getMessage() for record in caplog.records]
    everything = [*messages, caplog.text, *shown, *(t for e in errors for t in error_texts(e))]
    for secret in SECRETS:
        assert not [text for text in everything if secret in text], secret

    assert len(errors) == 4
    assert "auth=key" in shown[0] and "auth=token" in shown[1]
    # what the log does show: method, URL, status, retry decisions
    assert any(f"GET {server.url}{TRANSCRIPTION_PATH} -> 503" in m for m in messages)
    assert any(TRANSCRIPTION_PATH in m and "-> 404" in m for m in messages)
    assert any("HTTP 503; try 2 in" in m for m in messages)
    assert any("sig=REDACTED" in m and "-> 200" in m for m in messages)
    assert any("'Ocp-Apim-Subscription-Key': 'REDACTED'" in m for m in messages)


# ----------------------------------------------------------------------------- 9. bad input before sending


async def settle(result: Any) -> None:
    """Await a call, or run a pager to its end."""
    if hasattr(result, "__await__"):
        await result
    else:
        await result.to_list()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda c: c.transcriptions.get("not-a-uuid"), "'id' must be a UUID", id="uuid"),
        pytest.param(lambda c: c.transcriptions.list(top="5"), "'top' must be of type int", id="top-str"),
        pytest.param(
            lambda c: c.projects.create(["p"]),
            "'project' must be a speechrest.models.v3_1.Project or a dict",
            id="body-list",
        ),
        pytest.param(lambda c: c.datasets.commit_blocks(SAMPLE_UUID, "AAAA"), "'block_list'", id="body-str"),
        pytest.param(lambda c: c.transcriptions.get(SAMPLE_UUID, retries=2), "'retries'", id="unknown-kwarg"),
        pytest.param(
            lambda c: c.datasets.upload_block(SAMPLE_UUID, "AAAA", bytes(8 * MiB + 1)), "'body'", id="block-8MiB"
        ),
        pytest.param(
            lambda c: c.transcriptions.create(
                {**TRANSCRIPTION, "contentUrls": [f"https://blob/{n}.wav" for n in range(1001)]}
            ),
            "1000 content URLs",
            id="content-urls",
        ),
    ],
)
async def test_bad_input_is_refused_before_sending(
    call: Callable[[SpeechClient], Any], message: str, server: RecordingServer, client: SpeechClient
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await settle(call(client))
    assert message in str(caught.value)
    assert server.requests == []


@pytest.mark.parametrize(
    "options",
    [{"max_retries": "2"}, {"max_retries": -1}, {"timeout": "fast"}],
    ids=["max_retries-str", "max_retries-negative", "timeout-str"],
)
async def test_bad_call_options_are_refused_before_sending(
    options: dict[str, Any], server: RecordingServer, client: SpeechClient
) -> None:
    server.handler = lambda request, body: answer(503)
    with pytest.raises(InvalidArgumentError) as caught:
        await client.transcriptions.get(SAMPLE_UUID, **options)
    assert next(iter(options)) in str(caught.value)
    assert server.requests == []


async def test_the_largest_allowed_inputs_are_sent(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(201)
    server.reply(201, TRANSCRIPTION)
    await client.datasets.upload_block(SAMPLE_UUID, "AAAA", bytes(8 * MiB))
    await client.transcriptions.create({**TRANSCRIPTION, "contentUrls": [f"https://blob/{n}.wav" for n in range(1000)]})
    assert len(server.requests[0].body) == 8 * MiB
    assert len(server.requests[1].json()["contentUrls"]) == 1000


def test_an_unknown_api_version_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"api_version 'v9\.9'"):
        SpeechClient(endpoint="https://example.invalid", key="k", api_version="v9.9")


async def test_a_closed_client_sends_nothing(server: RecordingServer) -> None:
    client = make_client(server)
    await client.close()
    with pytest.raises(SpeechError, match="closed"):
        await client.transcriptions.get(SAMPLE_UUID)
    assert server.requests == []


# ----------------------------------------------------------------------------- 10. cancellation


async def cancel_in_flight(server: RecordingServer, client: SpeechClient, gate: asyncio.Event) -> None:
    """Start a call the server holds, cancel it once the server has it, check it ended cancelled."""
    held = partial(HeldResponse, gate.wait, status=200, text="{}")
    Arrivals(server, lambda n, request: held() if n == 0 else answer(200, TRANSCRIPTION))
    task = asyncio.create_task(client.transcriptions.get(SAMPLE_UUID))
    await eventually(lambda: len(server.requests) == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancelled_call_leaves_the_client_usable(server: RecordingServer) -> None:
    """With one connection allowed, the next call only gets through if the cancelled one let go."""
    gate = asyncio.Event()
    try:
        async with make_client(server, connection_limit=1) as client:
            await cancel_in_flight(server, client, gate)
            transcription = await asyncio.wait_for(client.transcriptions.get(SAMPLE_UUID), 2)
            assert transcription.display_name == "t"
            assert len(server.requests) == 2
    finally:
        gate.set()


async def test_closing_after_a_cancel_leaves_a_callers_session_open(server: RecordingServer) -> None:
    gate = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as session:
            client = make_client(server, session=session, connection_limit=1)
            await cancel_in_flight(server, client, gate)
            await client.close()
            assert client.closed
            assert not session.closed
            async with session.get(f"{server.url}/still-open") as response:
                assert response.status == 200
            assert "Ocp-Apim-Subscription-Key" not in server.last.headers
    finally:
        gate.set()
