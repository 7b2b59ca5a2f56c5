"""Resilience: retries, Retry-After, exactly-once creates, rate limits, credentials, log
redaction, early argument checks and cancellation.

The logic runs against fake servers on a fake clock (``fakes``): what each server saw, and
exactly when, with no real waiting. A few tests keep a real local aiohttp server
(``server``, ``other_server``) for what only sockets show: a try that times out, a deadline
cutting a slow answer short, redirects left unfollowed, what real errors let into the log,
and cancelling a request in flight.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import math
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from conftest import TEST_KEY, TOKEN_KEY, RecordingServer, without_token
from fakes import FakeNetwork, FakeServer, Seen, answer, settle
from samples import SAMPLE_SELF, SAMPLE_UUID

from speechrest import (
    AmbiguousCreateError,
    APIStatusError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    RateLimit,
    Response,
    RetryPolicy,
    ServerError,
    SpeechClient,
    SpeechError,
    TransportError,
)
from speechrest._core.exactly_once import CLOCK_SLACK
from speechrest._ratelimit import MARGIN
from speechrest._wire import format_datetime
from speechrest.errors import UnsafeURLError

TRANSCRIPTION = {"displayName": "t", "locale": "en-US", "self": SAMPLE_SELF}
PROJECT = {"displayName": "p", "locale": "en-US"}
TRANSCRIPTION_PATH = f"/speechtotext/v3.1/transcriptions/{SAMPLE_UUID}"
MiB = 1024 * 1024


def make_client(net: FakeNetwork, service: FakeServer, **options: Any) -> SpeechClient:
    """A v3.1 client of the fake service: the default retry policy, no rate limit unless told otherwise."""
    options.setdefault("rate_limit", None)
    return net.client(service, api_version="v3.1", **options)


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    """Overrides conftest's client: this one retries, on the fake clock."""
    async with make_client(net, service) as c:
        yield c


def always(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Callable[[Seen], Response]:
    """A handler giving every request the same answer."""
    reply = answer(status, body, headers)
    return lambda seen: reply


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def token_of(request: Any) -> str:
    """The create token a recorded request carried in its body."""
    return request.json()["customProperties"][TOKEN_KEY]


# ----------------------------------------------------------------------------- 1. retries


async def test_a_get_answered_503_twice_succeeds_on_the_third_try(service: FakeServer, client: SpeechClient) -> None:
    service.reply(503)
    service.reply(503)
    service.reply(200, TRANSCRIPTION)
    transcription = await client.transcriptions.get(SAMPLE_UUID)
    assert transcription.display_name == "t"
    assert [r.path for r in service.requests] == [TRANSCRIPTION_PATH] * 3
    assert client.counters["retries"] == 2


async def test_the_waits_between_tries_are_the_policys_full_jitter_backoff(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    client.requester.state.rng = random.Random(7)
    for _ in range(4):
        service.reply(503)
    service.reply(200, TRANSCRIPTION)
    await client.transcriptions.get(SAMPLE_UUID)
    draws, policy = random.Random(7), RetryPolicy()
    expected = [draws.uniform(0, min(policy.max_backoff, policy.backoff * 2**attempt)) for attempt in range(4)]
    assert gaps(service.times) == pytest.approx(expected)
    assert net.clock.monotonic() == pytest.approx(sum(expected))


@pytest.mark.parametrize("status", [408, 500, 502, 504])
async def test_transient_statuses_are_retried(status: int, service: FakeServer, client: SpeechClient) -> None:
    service.reply(status)
    service.reply(200, TRANSCRIPTION)
    await client.transcriptions.get(SAMPLE_UUID)
    assert len(service.requests) == 2


@pytest.mark.parametrize(("status", "error"), [(400, BadRequestError), (404, NotFoundError), (409, APIStatusError)])
async def test_client_errors_are_not_retried(
    status: int, error: type[Exception], service: FakeServer, client: SpeechClient
) -> None:
    service.handler = always(status, {"code": "Nope", "message": "no"})
    with pytest.raises(error) as caught:
        await client.transcriptions.get(SAMPLE_UUID)
    assert len(service.requests) == 1
    assert caught.value.attempts == 1


async def test_max_retries_zero_on_the_client_turns_retries_off(net: FakeNetwork, service: FakeServer) -> None:
    service.handler = always(503)
    async with make_client(net, service, max_retries=0) as client:
        with pytest.raises(ServerError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
    assert len(service.requests) == 1
    assert caught.value.attempts == 1


async def test_max_retries_zero_per_call_turns_retries_off(service: FakeServer, client: SpeechClient) -> None:
    service.handler = always(503)
    with pytest.raises(ServerError) as caught:
        await client.transcriptions.get(SAMPLE_UUID, max_retries=0)
    assert len(service.requests) == 1
    assert caught.value.attempts == 1


@pytest.mark.parametrize("max_retries", [1, 3])
async def test_the_final_error_counts_every_try(max_retries: int, net: FakeNetwork, service: FakeServer) -> None:
    service.handler = always(503)
    async with make_client(net, service, max_retries=max_retries) as client:
        with pytest.raises(ServerError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
    assert len(service.requests) == max_retries + 1
    assert caught.value.attempts == max_retries + 1


async def test_a_refused_connection_is_retried_and_counted(net: FakeNetwork, service: FakeServer) -> None:
    async with make_client(net, service, max_retries=2) as client:
        with pytest.raises(TransportError) as caught:
            await client.download("https://nowhere.test/file")  # no server there
    assert caught.value.attempts == 3
    assert caught.value.sent is False
    assert client.counters["retries"] == 2


async def test_a_delete_whose_answer_was_lost_counts_as_done(service: FakeServer, client: SpeechClient) -> None:
    """500, then 404 on the retry: the first try deleted it."""
    service.reply(500)
    service.reply(404)
    await client.transcriptions.delete(SAMPLE_UUID)
    assert [r.method for r in service.requests] == ["DELETE", "DELETE"]


async def test_a_delete_answered_404_at_once_is_an_error(service: FakeServer, client: SpeechClient) -> None:
    service.reply(404)
    with pytest.raises(NotFoundError):
        await client.transcriptions.delete(SAMPLE_UUID)
    assert len(service.requests) == 1


async def test_the_connection_limit_caps_requests_in_flight(net: FakeNetwork, service: FakeServer) -> None:
    gate = asyncio.Event()

    async def held(seen: Seen) -> Response:
        await gate.wait()
        return answer(200, TRANSCRIPTION)

    service.handler = held
    async with make_client(net, service, connection_limit=2) as client:
        calls = asyncio.gather(*(client.transcriptions.get(SAMPLE_UUID) for _ in range(5)))
        await settle()
        assert len(service.requests) == 2  # the other three wait for a slot
        gate.set()
        assert len(await calls) == 5
    assert len(service.requests) == 5


# ----------------------------------------------------------------------------- 2. Retry-After


async def test_retry_after_seconds_is_waited_for_exactly(service: FakeServer, client: SpeechClient) -> None:
    service.reply(429, None, {"Retry-After": "7"})
    service.reply(200, TRANSCRIPTION)
    await client.transcriptions.get(SAMPLE_UUID)
    assert service.times == [0.0, 7.0]


async def test_retry_after_as_an_http_date_is_waited_for(service: FakeServer, client: SpeechClient) -> None:
    """The retry waits until the date given (29 to 30 s away: HTTP dates count whole seconds)."""
    when = datetime.fromtimestamp(math.floor(time.time()) + 30, timezone.utc)
    service.reply(503, None, {"Retry-After": email.utils.format_datetime(when, usegmt=True)})
    service.reply(200, TRANSCRIPTION)
    await client.transcriptions.get(SAMPLE_UUID)
    assert len(service.requests) == 2
    assert 25 < gaps(service.times)[0] <= 30  # not the backoff (at most 0.5 s)


async def test_max_retry_after_caps_the_wait(net: FakeNetwork, service: FakeServer) -> None:
    service.reply(429, None, {"Retry-After": "600"})
    service.reply(200, TRANSCRIPTION)
    async with make_client(net, service, retry=RetryPolicy(max_retry_after=20)) as client:
        await client.transcriptions.get(SAMPLE_UUID)
    assert service.times == [0.0, 20.0]


async def test_a_429_pauses_every_task_of_the_client(service: FakeServer, client: SpeechClient) -> None:
    """Task B starts while task A waits out a 429: B's request waits too, until the pause ends."""
    other_id = str(uuid.uuid4())
    service.reply(429, None, {"Retry-After": "3"})
    service.handler = always(200, TRANSCRIPTION)
    first = asyncio.create_task(client.transcriptions.get(SAMPLE_UUID))
    await settle()
    assert client.counters["throttled"] == 1
    await client.transcriptions.get(other_id)
    await first
    assert service.times == [0.0, 3.0, 3.0]
    assert {r.path for r in service.requests[1:]} == {
        TRANSCRIPTION_PATH,
        f"/speechtotext/v3.1/transcriptions/{other_id}",
    }


# ----------------------------------------------------------------------------- 3. idempotency and exactly-once creates


async def test_a_lost_create_found_by_its_token_is_not_sent_again(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    service.reply(500)

    def listing(seen: Seen) -> Response:
        sent = token_of(service.requests[0])
        stranger = {**PROJECT, "displayName": "other", "customProperties": {TOKEN_KEY: str(uuid.uuid4())}}
        ours = {**PROJECT, "self": SAMPLE_SELF, "customProperties": {TOKEN_KEY: sent}}
        return answer(200, {"values": [stranger, ours]})

    service.handler = listing
    before = net.clock.now()
    project = await client.projects.create(dict(PROJECT))

    methods = [(r.method, r.path) for r in service.requests]
    assert methods == [("POST", "/speechtotext/v3.1/projects"), ("GET", "/speechtotext/v3.1/projects")]
    assert project.custom_properties == {TOKEN_KEY: token_of(service.requests[0])}
    assert project.display_name == "p"
    # the listing only looks at entities made since a little before the create
    assert service.requests[1].query["filter"] == f"createdDateTime ge {format_datetime(before - CLOCK_SLACK)}"
    assert client.counters["reconciled_creates"] == 1


async def test_a_lost_create_not_found_is_sent_again_with_the_same_token(
    service: FakeServer, client: SpeechClient
) -> None:
    service.reply(500)
    service.reply(200, {"values": [{**PROJECT, "customProperties": {TOKEN_KEY: "someone-else"}}]})
    service.reply(201, {**PROJECT, "self": SAMPLE_SELF})
    await client.projects.create({**PROJECT, "description": "d"})

    posts = [r for r in service.requests if r.method == "POST"]
    assert [r.method for r in service.requests] == ["POST", "GET", "POST"]
    assert token_of(posts[0]) == token_of(posts[1])
    assert posts[0].body == posts[1].body  # re-sent intact
    assert without_token(posts[1].json()) == {**PROJECT, "description": "d"}
    assert client.counters["resent_creates"] == 1


async def test_a_callers_own_token_is_used_as_given(service: FakeServer, client: SpeechClient) -> None:
    service.handler = always(500)
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create({**PROJECT, "customProperties": {TOKEN_KEY: "mine"}}, exactly_once=False)
    assert token_of(service.last) == caught.value.token == "mine"


async def test_a_lost_create_is_looked_for_at_once_and_resent_after_retry_after(
    service: FakeServer, client: SpeechClient
) -> None:
    service.reply(503, None, {"Retry-After": "5"})
    service.reply(200, {"values": []})
    service.reply(201, {**PROJECT, "self": SAMPLE_SELF})
    await client.projects.create(dict(PROJECT))
    assert [(r.method, r.at) for r in service.requests] == [("POST", 0.0), ("GET", 0.0), ("POST", 5.0)]


async def test_a_create_answered_429_is_retried_without_looking(service: FakeServer, client: SpeechClient) -> None:
    service.reply(429, None, {"Retry-After": "2"})
    service.reply(201, {**PROJECT, "self": SAMPLE_SELF})
    await client.projects.create(dict(PROJECT))
    assert [(r.method, r.at) for r in service.requests] == [("POST", 0.0), ("POST", 2.0)]
    assert token_of(service.requests[0]) == token_of(service.requests[1])


async def test_a_create_answered_400_is_not_retried(service: FakeServer, client: SpeechClient) -> None:
    """A body the service refuses (here: a locale it does not know) is its business, and final."""
    service.reply(400, {"code": "InvalidArgument", "message": "The locale 'xx-XX' is not supported."})
    with pytest.raises(BadRequestError):
        await client.projects.create({**PROJECT, "locale": "xx-XX"})
    assert [r.method for r in service.requests] == ["POST"]


async def test_without_exactly_once_a_lost_create_raises_with_its_token(net: FakeNetwork, service: FakeServer) -> None:
    service.handler = always(500)
    async with make_client(net, service, exactly_once=False) as client:
        with pytest.raises(AmbiguousCreateError) as caught:
            await client.projects.create(dict(PROJECT))
    assert [r.method for r in service.requests] == ["POST"]
    assert caught.value.token == token_of(service.last)
    assert isinstance(caught.value.__cause__, ServerError)


async def test_exactly_once_false_per_call(service: FakeServer, client: SpeechClient) -> None:
    service.handler = always(502)
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create(dict(PROJECT), exactly_once=False)
    assert [r.method for r in service.requests] == ["POST"]
    assert caught.value.token == token_of(service.last)


async def test_the_callers_custom_properties_are_kept_beside_the_token(
    service: FakeServer, client: SpeechClient
) -> None:
    service.reply(201, {**PROJECT, "self": SAMPLE_SELF})
    await client.projects.create({**PROJECT, "customProperties": {"team": "blue", "cost": "7"}})
    custom = service.last.json()["customProperties"]
    assert custom.pop(TOKEN_KEY)
    assert custom == {"team": "blue", "cost": "7"}


async def test_ten_custom_properties_leave_no_room_for_the_token(service: FakeServer, client: SpeechClient) -> None:
    full = {f"k{i}": "v" for i in range(10)}
    with pytest.raises(InvalidArgumentError, match="customProperties"):
        await client.projects.create({**PROJECT, "customProperties": full})
    assert service.requests == []


async def test_a_plain_post_that_is_not_a_create_is_not_resent_after_a_500(
    service: FakeServer, client: SpeechClient
) -> None:
    """Models_CopyTo has no customProperties to carry a token: its outcome stays unknown."""
    service.handler = always(500)
    with pytest.raises(ServerError):
        await client.models.copy_to(SAMPLE_UUID, {"targetSubscriptionKey": "target"})
    assert len(service.requests) == 1


async def test_committing_blocks_is_retried_with_the_same_body(service: FakeServer, client: SpeechClient) -> None:
    service.reply(503)
    service.reply(200)
    await client.datasets.commit_blocks(SAMPLE_UUID, [{"kind": "Uncommitted", "id": "AAAA"}])
    assert len(service.requests) == 2
    assert service.requests[0].body == service.requests[1].body
    assert service.requests[1].json() == [{"kind": "Uncommitted", "id": "AAAA"}]


async def test_a_web_hook_ping_is_retried(service: FakeServer, client: SpeechClient) -> None:
    service.reply(503)
    service.reply(204)
    await client.web_hooks.ping(SAMPLE_UUID)
    assert [(r.method, r.path) for r in service.requests] == [
        ("POST", f"/speechtotext/v3.1/webhooks/{SAMPLE_UUID}:ping")
    ] * 2


# ----------------------------------------------------------------------------- 4. stream bodies


async def test_a_stream_body_is_not_retried(service: FakeServer, client: SpeechClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first-"
        yield b"second"

    service.handler = always(503)
    with pytest.raises(ServerError) as caught:
        await client.datasets.upload_block(SAMPLE_UUID, "AAAA", chunks())
    assert len(service.requests) == 1
    assert service.last.body == b"first-second"
    assert caught.value.attempts == 1


async def test_a_bytes_body_is_retried_intact(service: FakeServer, client: SpeechClient) -> None:
    service.reply(503)
    service.reply(201)
    await client.datasets.upload_block(SAMPLE_UUID, "AAAA", b"\x00block\xff")
    assert [r.body for r in service.requests] == [b"\x00block\xff"] * 2


# ----------------------------------------------------------------------------- 5. deadline


async def test_the_deadline_ends_the_retries(net: FakeNetwork, service: FakeServer) -> None:
    service.handler = always(503)
    policy = RetryPolicy(max_retries=100, deadline=30, backoff=4, max_backoff=4)
    async with make_client(net, service, retry=policy) as client:
        with pytest.raises(ServerError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
    assert net.clock.monotonic() <= 30  # no wait that would end past the deadline
    assert caught.value.attempts == len(service.requests) < 100


async def test_a_retry_after_past_the_deadline_is_not_waited_for(net: FakeNetwork, service: FakeServer) -> None:
    service.handler = always(503, None, {"Retry-After": "50"})
    async with make_client(net, service, retry=RetryPolicy(deadline=30)) as client:
        with pytest.raises(ServerError):
            await client.transcriptions.get(SAMPLE_UUID)
    assert net.clock.monotonic() == 0.0  # it gave up at once
    assert len(service.requests) == 1


# ----------------------------------------------------------------------------- 6. rate limit


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of times in any ``[t, t + window)`` that starts at one of them."""
    ordered = sorted(times)
    return max(sum(1 for u in ordered if t <= u < t + window) for t in ordered)


async def test_the_rate_limit_takes_exactly_the_windows_it_needs(net: FakeNetwork, service: FakeServer) -> None:
    """60 calls at 10 per second: six batches of ten, one window (plus the margin) apart."""
    service.handler = always(200, TRANSCRIPTION)
    async with make_client(net, service, rate_limit=RateLimit(requests=10, per_seconds=1.0)) as client:
        await asyncio.gather(*(client.transcriptions.get(SAMPLE_UUID) for _ in range(60)))
    window = 1.0 + MARGIN
    assert service.times == pytest.approx([batch * window for batch in range(6) for _ in range(10)])
    assert most_in_any_window(service.times, 1.0) == 10
    assert net.clock.monotonic() == pytest.approx((math.ceil(60 / 10) - 1) * window)


async def test_without_a_rate_limit_many_requests_go_at_once(service: FakeServer, client: SpeechClient) -> None:
    service.handler = always(200, TRANSCRIPTION)
    await asyncio.gather(*(client.transcriptions.get(SAMPLE_UUID) for _ in range(60)))
    assert service.times == [0.0] * 60


async def test_downloads_from_another_origin_do_not_use_the_rate_limit(
    net: FakeNetwork, service: FakeServer, storage: FakeServer
) -> None:
    """Two requests per second: three downloads then two service calls would take a window if counted."""
    storage.handler = always(200, b"bytes")
    service.handler = always(200, TRANSCRIPTION)
    async with make_client(net, service, rate_limit=RateLimit(requests=2, per_seconds=1.0)) as client:
        for n in range(3):
            assert await client.download(f"{storage.url}/blob/{n}") == b"bytes"
        await client.transcriptions.get(SAMPLE_UUID)
        await client.transcriptions.get(SAMPLE_UUID)
    assert storage.times == [0.0] * 3
    assert service.times == [0.0] * 2


async def test_a_download_is_not_held_up_by_requests_waiting_for_the_rate_limit(
    net: FakeNetwork, service: FakeServer, storage: FakeServer
) -> None:
    service.handler = always(200, TRANSCRIPTION)
    storage.handler = always(200, b"bytes")
    limit = RateLimit(requests=1, per_seconds=1.0)
    async with make_client(net, service, rate_limit=limit, connection_limit=2) as client:
        # one call goes, two wait for the quota (holding no connection slot meanwhile)
        waiting = [asyncio.create_task(client.transcriptions.get(SAMPLE_UUID)) for _ in range(3)]
        await settle()
        await client.download(f"{storage.url}/blob")
        assert storage.times == [0.0]
        await asyncio.gather(*waiting)
    assert service.times == pytest.approx([0.0, 1.0 + MARGIN, 2 * (1.0 + MARGIN)])


async def test_a_429_does_not_pause_downloads_from_another_origin(
    service: FakeServer, storage: FakeServer, client: SpeechClient
) -> None:
    service.reply(429, None, {"Retry-After": "5"})
    service.reply(200, TRANSCRIPTION)
    storage.handler = always(200, b"bytes")
    throttled = asyncio.create_task(client.transcriptions.get(SAMPLE_UUID))
    await settle()
    assert client.counters["throttled"] == 1
    await client.download(f"{storage.url}/blob")
    assert storage.times == [0.0]
    assert not throttled.done()
    await throttled
    assert service.times == [0.0, 5.0]


# ----------------------------------------------------------------------------- 7. credentials

AUTHS = [pytest.param({"key": TEST_KEY}, id="key"), pytest.param({"token": "secret-token"}, id="token")]


def assert_no_credentials(requests: list[Any]) -> None:
    for request in requests:
        assert "Ocp-Apim-Subscription-Key" not in request.headers
        assert "Authorization" not in request.headers


def assert_credentials(requests: list[Any], auth: dict[str, str]) -> None:
    for request in requests:
        if "key" in auth:
            assert request.headers["Ocp-Apim-Subscription-Key"] == auth["key"]
        else:
            assert request.headers["Authorization"] == f"Bearer {auth['token']}"


@pytest.mark.parametrize("auth", AUTHS)
async def test_a_created_entitys_location_is_not_visited(
    auth: dict[str, str], net: FakeNetwork, service: FakeServer, storage: FakeServer
) -> None:
    service.reply(201, {**PROJECT, "self": SAMPLE_SELF}, {"Location": f"{storage.url}/projects/x"})
    async with make_client(net, service, **auth) as client:
        await client.projects.create(dict(PROJECT))
    assert_credentials(service.requests, auth)
    assert storage.requests == []


@pytest.mark.parametrize("auth", AUTHS)
async def test_a_foreign_next_link_is_followed_without_credentials(
    auth: dict[str, str], net: FakeNetwork, service: FakeServer, storage: FakeServer
) -> None:
    service.reply(200, {"values": [PROJECT], "@nextLink": f"{storage.url}/speechtotext/v3.1/projects?skip=1"})
    storage.reply(200, {"values": [{**PROJECT, "displayName": "q"}]})
    async with make_client(net, service, allow_foreign_next_links=True, **auth) as client:
        projects = await client.projects.list().to_list()
    assert [p.display_name for p in projects] == ["p", "q"]
    assert len(storage.requests) == 1
    assert_credentials(service.requests, auth)
    assert_no_credentials(storage.requests)


async def test_a_foreign_next_link_is_refused_unless_allowed(
    service: FakeServer, storage: FakeServer, client: SpeechClient
) -> None:
    service.reply(200, {"values": [PROJECT], "@nextLink": f"{storage.url}/page2"})
    with pytest.raises(UnsafeURLError):
        await client.projects.list().to_list()
    assert storage.requests == []


@pytest.mark.parametrize("auth", AUTHS)
async def test_a_content_url_is_downloaded_without_credentials(
    auth: dict[str, str], net: FakeNetwork, service: FakeServer, storage: FakeServer
) -> None:
    storage.reply(503)
    storage.reply(200, b"result")
    async with make_client(net, service, **auth) as client:
        assert await client.download(f"{storage.url}/results/1.json?sig=abc&se=2030") == b"result"
    assert len(storage.requests) == 2  # retried, and still without credentials
    assert_no_credentials(storage.requests)
    assert service.requests == []


# ----------------------------------------------------------------------------- 8. bad input before sending


async def settled(result: Any) -> None:
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
    call: Callable[[SpeechClient], Any], message: str, service: FakeServer, client: SpeechClient
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await settled(call(client))
    assert message in str(caught.value)
    assert service.requests == []


@pytest.mark.parametrize(
    "options",
    [{"max_retries": "2"}, {"max_retries": -1}, {"timeout": "fast"}],
    ids=["max_retries-str", "max_retries-negative", "timeout-str"],
)
async def test_bad_call_options_are_refused_before_sending(
    options: dict[str, Any], service: FakeServer, client: SpeechClient
) -> None:
    service.handler = always(503)
    with pytest.raises(InvalidArgumentError) as caught:
        await client.transcriptions.get(SAMPLE_UUID, **options)
    assert next(iter(options)) in str(caught.value)
    assert service.requests == []


async def test_the_largest_allowed_inputs_are_sent(service: FakeServer, client: SpeechClient) -> None:
    service.reply(201)
    service.reply(201, TRANSCRIPTION)
    await client.datasets.upload_block(SAMPLE_UUID, "AAAA", bytes(8 * MiB))
    await client.transcriptions.create({**TRANSCRIPTION, "contentUrls": [f"https://blob/{n}.wav" for n in range(1000)]})
    assert len(service.requests[0].body) == 8 * MiB
    assert len(service.requests[1].json()["contentUrls"]) == 1000


def test_an_unknown_api_version_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"api_version 'v9\.9'"):
        SpeechClient(endpoint="https://example.invalid", key="k", api_version="v9.9")


async def test_a_closed_client_sends_nothing(net: FakeNetwork, service: FakeServer) -> None:
    client = make_client(net, service)
    await client.close()
    with pytest.raises(SpeechError, match="closed"):
        await client.transcriptions.get(SAMPLE_UUID)
    assert service.requests == []


# ----------------------------------------------------------------------------- 9. on real sockets


# Short waits keep the retried tests on a real server fast; the logic is the same as with the defaults.
FAST = RetryPolicy(backoff=0.01, max_backoff=0.05)


def real_client(server: RecordingServer, **options: Any) -> SpeechClient:
    """A v3.1 client of the real local ``server``: fast retries, no rate limit."""
    options.setdefault("retry", FAST)
    options.setdefault("rate_limit", None)
    if "token" not in options:
        options.setdefault("key", TEST_KEY)
    return SpeechClient(endpoint=server.url, api_version="v3.1", **options)


class HeldResponse(web.Response):
    """A response that leaves the server only once ``hold()`` returns: the request stays in flight."""

    def __init__(self, hold: Callable[[], Awaitable[Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hold = hold

    async def prepare(self, request: web.BaseRequest) -> Any:
        await self._hold()
        return await super().prepare(request)


def hold_first(server: RecordingServer, gate: asyncio.Event) -> None:
    """The server holds its answer to the first request until ``gate`` is set, and answers the rest."""

    def handle(request: web.Request, body: bytes) -> web.StreamResponse:
        if len(server.requests) == 1:
            return HeldResponse(gate.wait, status=200, text="{}")
        return web.json_response(TRANSCRIPTION)

    server.handler = handle


@pytest.fixture
def gate() -> Iterator[asyncio.Event]:
    """Releases what a real server holds, at the latest when the test ends."""
    event = asyncio.Event()
    yield event
    event.set()


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until ``condition()`` holds (plain state, with no event to wait on)."""
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "the condition never held"
        await asyncio.sleep(0.005)


async def test_a_try_that_times_out_is_retried(server: RecordingServer, gate: asyncio.Event) -> None:
    hold_first(server, gate)
    async with real_client(server) as client:
        transcription = await client.transcriptions.get(SAMPLE_UUID, timeout=1.0)
    assert transcription.display_name == "t"
    assert len(server.requests) == 2


async def test_the_deadline_also_bounds_a_try_in_flight(server: RecordingServer, gate: asyncio.Event) -> None:
    """The deadline is for the whole call: an answer that does not come does not stretch it."""
    server.reply(503)
    server.handler = lambda request, body: HeldResponse(gate.wait, status=200, text="{}")
    async with real_client(server, retry=RetryPolicy(deadline=0.3, backoff=0.01, max_backoff=0.01)) as client:
        started = time.monotonic()
        with pytest.raises(SpeechError):
            await client.transcriptions.get(SAMPLE_UUID)
        assert time.monotonic() - started < 10  # far less than the client's own timeout (120 s)


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_location_is_never_followed(
    status: int, auth: dict[str, str], server: RecordingServer, other_server: RecordingServer
) -> None:
    server.reply(status, None, {"Location": f"{other_server.url}/steal"})
    async with real_client(server, **auth) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.transcriptions.get(SAMPLE_UUID)
    assert caught.value.status == status
    assert len(server.requests) == 1
    assert other_server.requests == []


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
    other_server.handler = lambda request, body: web.Response(status=503, body=b"busy")
    async with real_client(server, key=SECRET_KEY, max_retries=1) as keyed:
        await keyed.transcriptions.get(SAMPLE_UUID)
        await failing(keyed.transcriptions.get(SAMPLE_UUID))
        assert await keyed.download(other_server.url + signed) == b"result"
        await failing(keyed.download(other_server.url + signed))
        await failing(keyed.download(f"http://127.0.0.1:{unused_port()}{signed}"))
        shown = [repr(keyed)]

    server.reply(401, {"code": "Unauthorized", "message": "bad token"})
    async with real_client(server, token=SECRET_TOKEN) as tokened:
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


async def cancel_in_flight(server: RecordingServer, client: SpeechClient, gate: asyncio.Event) -> None:
    """Start a call the server holds, cancel it once the server has it, check it ended cancelled."""
    hold_first(server, gate)
    task = asyncio.create_task(client.transcriptions.get(SAMPLE_UUID))
    await eventually(lambda: len(server.requests) == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancelled_call_leaves_the_client_usable(server: RecordingServer, gate: asyncio.Event) -> None:
    """With one connection allowed, the next call only gets through if the cancelled one let go."""
    async with real_client(server, connection_limit=1) as client:
        await cancel_in_flight(server, client, gate)
        transcription = await asyncio.wait_for(client.transcriptions.get(SAMPLE_UUID), 10)
        assert transcription.display_name == "t"
        assert len(server.requests) == 2


async def test_closing_after_a_cancel_leaves_a_callers_session_open(
    server: RecordingServer, gate: asyncio.Event
) -> None:
    async with aiohttp.ClientSession() as session:
        client = real_client(server, session=session, connection_limit=1)
        await cancel_in_flight(server, client, gate)
        await client.close()
        assert client.closed
        assert not session.closed
        async with session.get(f"{server.url}/still-open") as response:
            assert response.status == 200
        assert "Ocp-Apim-Subscription-Key" not in server.last.headers
