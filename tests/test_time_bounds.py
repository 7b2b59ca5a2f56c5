"""Time bounds everywhere (issue #17, item 5): a token provider or credential that never answers
is given the try's timeout (cut to the call's deadline) and holds up no other request past its
own; a job's ``Retry-After`` paces a wait within the retry policy's bounds; an expired result
URL is renewed a bounded number of times. On the fake service and clock: the requests made
and the fake second each call ends at.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fakes import FakeJobs, FakeNetwork, FakeServer, Seen, answer

from speechrest import CredentialError, PermissionDeniedError, Response, RetryPolicy, SpeechClient
from speechrest._core.clock import TimedOut
from speechrest.resources.transcriptions import MAX_URL_RENEWALS

JOB = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d00"
FILE = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d01"


async def never() -> str:
    """A token provider that never answers."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


class Token:
    def __init__(self, token: str) -> None:
        self.token = token
        self.expires_on = time.time() + 3600


class SlowCredential:
    """A token credential whose calls wait for ``gate`` (None: answer at once)."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = asyncio.Event()

    async def get_token_info(self, *scopes: str) -> Token:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        return Token(f"token-{self.calls}")


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    async with net.client(service, rate_limit=None) as c:
        yield c


# ----------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    ("client_options", "call_options", "seconds"),
    [
        ({}, {}, 120),  # the client's timeout
        ({"timeout": 10}, {}, 10),
        ({}, {"timeout": 5}, 5),  # the call's
        ({"retry": RetryPolicy(deadline=30)}, {}, 30),  # the deadline, shorter than the timeout
    ],
    ids=["client-timeout", "client-timeout-10", "call-timeout", "deadline"],
)
async def test_a_token_provider_that_never_answers_fails_within_the_try(
    net: FakeNetwork, service: FakeServer, client_options: dict[str, Any], call_options: Any, seconds: float
) -> None:
    async with net.client(service, token=never, rate_limit=None, **client_options) as client:
        with pytest.raises(CredentialError, match=f"token provider gave no token within {seconds:g} s") as caught:
            await client.transcriptions.get(JOB, **call_options)
    assert isinstance(caught.value.__cause__, TimedOut)
    assert net.clock.monotonic() == seconds
    assert service.requests == []


async def test_a_credential_that_never_answers_fails_within_the_try(net: FakeNetwork, service: FakeServer) -> None:
    credential = SlowCredential()
    async with net.client(service, credential=credential, rate_limit=None) as client:
        with pytest.raises(CredentialError, match="from SlowCredential: TimedOut: no answer within 5 s"):
            await client.transcriptions.get(JOB, timeout=5)
        assert net.clock.monotonic() == 5
        assert service.requests == []
        credential.gate = None  # it answers again: the next request starts a new try
        self_link = f"{service.url}/speechtotext/transcriptions/{JOB}"
        service.reply(
            200, {"self": self_link, "displayName": "t", "locale": "en-US", "properties": {}, "status": "Running"}
        )
        await client.transcriptions.get(JOB)
    assert service.last.headers["Authorization"] == "Bearer token-2"
    assert credential.calls == 2


async def test_a_hung_renewal_holds_no_request_past_its_own_timeout(net: FakeNetwork, service: FakeServer) -> None:
    credential = SlowCredential()
    ended: dict[str, float] = {}

    async with net.client(service, credential=credential, rate_limit=None) as client:

        async def call(name: str, start: float, timeout: float) -> None:
            await net.clock.sleep(start)
            with pytest.raises(CredentialError):
                await client.transcriptions.get(JOB, timeout=timeout)
            ended[name] = net.clock.monotonic()

        await asyncio.gather(call("patient", 0, 60), call("hurried", 1, 5), call("later", 2, 20))
    assert ended == {"patient": 60, "hurried": 6, "later": 22}  # each by its own timeout, none behind another
    assert credential.calls == 1  # one try, shared
    assert service.requests == []


# ----------------------------------------------------------------------------- a job's Retry-After in waits


def retry_after(service: FakeServer, value: str) -> None:
    """Make the fake jobs' Retry-After say ``value`` on every running job."""
    serve = service.handler

    def handle(seen: Seen) -> Response:
        reply = serve(seen)
        assert isinstance(reply, Response)
        if "Retry-After" in reply.headers:
            reply.headers["Retry-After"] = value
        return reply

    service.handler = handle


@pytest.mark.parametrize("value", ["100000", "Thu, 01 Jan 2099 00:00:00 GMT"], ids=["seconds", "http-date"])
@pytest.mark.parametrize("max_retry_after", [120, 30])
async def test_a_jobs_long_retry_after_is_capped_by_max_retry_after(
    value: str, max_retry_after: float, net: FakeNetwork, service: FakeServer
) -> None:
    FakeJobs(service, retry_after=1).add(JOB, done_at=50)
    retry_after(service, value)
    async with net.client(service, rate_limit=None, retry=RetryPolicy(max_retry_after=max_retry_after)) as client:
        await client.transcriptions.wait(JOB)
    expected = {120: [0, 120], 30: [0, 30, 60]}[int(max_retry_after)]
    assert service.times == expected


@pytest.mark.parametrize(("poll_interval", "pace"), [(5, 1), (0.5, 0.5)])
async def test_a_jobs_retry_after_0_is_taken_as_a_second(
    poll_interval: float, pace: float, service: FakeServer, client: SpeechClient
) -> None:
    """At least a second between looks (or the waiter's own poll interval, if shorter)."""
    FakeJobs(service, retry_after=0).add(JOB, done_at=3)
    await client.transcriptions.wait(JOB, poll_interval=poll_interval)
    assert service.times == [n * pace for n in range(int(3 / pace) + 1)]


async def test_a_model_copys_retry_after_is_capped_too(net: FakeNetwork, service: FakeServer) -> None:
    path = f"/speechtotext/operations/models/copy/{JOB}"

    def operation(seen: Seen) -> Response:
        done = seen.at >= 50
        body = {"id": JOB, "self": f"{service.url}{path}", "status": "Succeeded" if done else "Running"}
        return answer(200, body, None if done else {"Retry-After": "100000"})

    service.handler = operation
    async with net.client(service, rate_limit=None, retry=RetryPolicy(max_retry_after=60)) as client:
        done = await client.operations.wait(JOB, timeout=1000)
    assert str(done.status.value) == "Succeeded"
    assert service.times == [0, 60]


# ----------------------------------------------------------------------------- expired result URLs


def behind_a_firewall(service: FakeServer, storage: FakeServer) -> None:
    """A succeeded transcription with one result file that storage refuses (403) forever."""
    base = f"{service.url}/speechtotext/transcriptions/{JOB}"

    def file(kind: str) -> dict[str, Any]:
        link = {"contentUrl": f"{storage.url}/{kind}?sig=s"}
        return {"self": f"{base}/files/{FILE}", "kind": kind, "name": f"{kind}.json", "links": link}

    def api(seen: Seen) -> Response:
        if seen.path.endswith(JOB):
            return answer(
                200, {"self": base, "displayName": "t", "locale": "en-US", "properties": {}, "status": "Succeeded"}
            )
        if seen.path.endswith("/files"):
            return answer(200, {"values": [file("Transcription"), file("TranscriptionReport")]})
        kind = "TranscriptionReport" if storage.requests[-1].path.endswith("Report") else "Transcription"
        return answer(200, file(kind))

    service.handler = api
    storage.handler = lambda seen: answer(403, "<Error><Code>AuthorizationFailure</Code></Error>")


@pytest.mark.parametrize("read", [lambda c: c.transcriptions.results(JOB), lambda c: c.transcriptions.report(JOB)])
async def test_a_result_url_refused_forever_is_renewed_twice_then_raises(
    read: Callable[[SpeechClient], Any], service: FakeServer, storage: FakeServer, client: SpeechClient
) -> None:
    behind_a_firewall(service, storage)
    with pytest.raises(PermissionDeniedError):
        reading = read(client)
        if hasattr(reading, "__aiter__"):
            async for _ in reading:
                pass
        else:
            await reading
    assert len(storage.requests) == MAX_URL_RENEWALS + 1 == 3
    renewals = [r for r in service.requests if f"/files/{FILE}" in r.path]
    assert len(renewals) == MAX_URL_RENEWALS
