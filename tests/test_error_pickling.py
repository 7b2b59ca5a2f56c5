"""Exceptions are safe to keep and to send (issue #17, item 7).

Every ``SpeechError`` class is raised here by a real call, on the fake service (``MockTransport``)
or on the emulator, and each one pickles back with every attribute, crosses a process pool both
ways, and shows the key or token in none of its forms: pickled, ``repr``, ``str``, ``vars()``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from collections.abc import AsyncIterator, Awaitable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from fakes import FakeJobs, FakeNetwork
from test_exported_members import speech_errors

from speechrest import APIStatusError, JobFailedError, Response, SpeechClient, SpeechError, TransportError, errors
from speechrest._core.headers import Headers
from speechrest._core.transport import SentRequest
from speechrest.emulator import Emulator

KEY = "key-SECRET-4f1c9a0b"
TOKEN = "token-SECRET-77d2e5c1"
UID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
TRANSCRIPTION = {
    "displayName": "t",
    "locale": "en-US",
    "contentUrls": ["https://audio.example.com/a.wav"],
    "properties": {"timeToLiveHours": 24},
}
DATASET = {
    "self": f"https://speech.test/speechtotext/datasets/{UID}",
    "displayName": "d",
    "locale": "en-US",
    "kind": "Acoustic",
}
ERROR_BODY = {"code": "InvalidRequest", "message": "not like that"}
STATUSES = (302, 400, 401, 403, 404, 409, 429, 500)  # each has an exception class of its own


async def caught(call: Awaitable[Any], expected: type[SpeechError]) -> SpeechError:
    try:
        await call
    except SpeechError as error:
        assert type(error) is expected, repr(error)
        return error
    raise AssertionError(f"the call did not fail with {expected.__name__}")


async def first(pager: AsyncIterator[Any]) -> Any:
    async for item in pager:
        return item


async def token_provider() -> str:
    return TOKEN


async def broken_provider() -> str:
    raise RuntimeError("no token today")


async def on_the_fake_service() -> list[SpeechError]:
    """Errors from calls to the fake service: one per way a call can fail."""
    net = FakeNetwork()
    service = net.server("https://speech.test")
    jobs = FakeJobs(service)
    found: list[SpeechError] = []
    async with net.client(service, key=KEY, max_retries=0) as client:
        for status in STATUSES:
            service.reply(status, ERROR_BODY, {"Retry-After": "1", "apim-request-id": f"id-{status}"})
            found.append(await caught(client.transcriptions.get(UID), errors.status_error_class(status)))
        service.reply(200, b"{not json")
        found.append(await caught(client.transcriptions.get(UID), errors.ResponseParseError))
        service.reply(500, ERROR_BODY)
        create = client.transcriptions.create(TRANSCRIPTION, exactly_once=False)
        found.append(await caught(create, errors.AmbiguousCreateError))
        service.reply(200, {"values": [], "@nextLink": "https://elsewhere.test/next"})
        found.append(await caught(first(client.transcriptions.list()), errors.UnsafeURLError))
        found.append(await caught(client.download("https://elsewhere.test/file.json"), TransportError))
        found.append(await caught(client.transcriptions.get("not-a-uuid"), errors.InvalidArgumentError))
        found.append(await caught(client.requester.invoke("Nope_Nothing", {}, {}), errors.UnsupportedOperationError))
        service.reply(201, DATASET)
        service.reply(500, ERROR_BODY)
        upload = client.datasets.upload(b"some text\n" * 10, display_name="d", locale="en-US", kind="Language")
        found.append(await caught(upload, errors.UploadError))
        jobs.add(UID, done_at=0, fails=True)
        found.append(await caught(client.transcriptions.wait(UID), JobFailedError))
        running = jobs.add("1c4d8a52-6f1e-4b07-9a3c-2e5d7f9b0a11")
        found.append(await caught(client.transcriptions.wait(running, timeout=5), errors.WaitTimeoutError))
        found.append(await caught(first(client.transcriptions.results(running)), errors.JobNotFinishedError))
    found.append(await caught(client.__aenter__(), SpeechError))  # the client is closed
    async with net.client(service, token=broken_provider) as client:
        found.append(await caught(client.transcriptions.get(UID), errors.CredentialError))
    async with net.client(service, token=token_provider, max_response_bytes=64) as client:
        service.reply(200, {**DATASET, "description": "x" * 100})
        found.append(await caught(client.datasets.get(UID), errors.ResponseTooLargeError))
        service.reply(404, ERROR_BODY)
        found.append(await caught(client.datasets.get(UID), errors.NotFoundError))  # sent with the token
    return found


async def on_the_emulator() -> list[SpeechError]:
    """Errors from a real local service over real sockets."""
    found: list[SpeechError] = []
    async with Emulator(key=KEY, processing_seconds=30, latency_ms=100) as emulator:
        async with SpeechClient(endpoint=emulator.url, key=KEY, max_retries=0, rate_limit=None) as client:
            found.append(await caught(client.transcriptions.get(UID), errors.NotFoundError))
            unchecked = client.send_request("POST", "/transcriptions:submit", json={"displayName": "no locale"})
            found.append(await caught(unchecked, errors.BadRequestError))
            created = await client.transcriptions.create(TRANSCRIPTION)
            found.append(await caught(client.transcriptions.wait(created, timeout=0.1), errors.WaitTimeoutError))
            found.append(await caught(first(client.transcriptions.results(created)), errors.JobNotFinishedError))
            found.append(await caught(client.transcriptions.get(UID, timeout=0.02), errors.APITimeoutError))
        async with SpeechClient(endpoint=emulator.url, key="wrong-key", max_retries=0, rate_limit=None) as client:
            found.append(await caught(client.transcriptions.get(UID), errors.AuthenticationError))
    return found


@pytest.fixture(scope="module")
def raised() -> list[SpeechError]:
    """Every error above, raised once for the module (the emulator's calls take about a second)."""
    return asyncio.run(on_the_fake_service()) + asyncio.run(on_the_emulator())


def same(a: SpeechError, b: SpeechError) -> None:
    assert type(a) is type(b)
    assert str(a) == str(b) and a.args == b.args
    assert vars(a) == vars(b)


def test_every_error_class_is_raised_by_some_call(raised: list[SpeechError]) -> None:
    assert {type(error) for error in raised} == speech_errors()


def test_every_error_pickles_back_with_its_attributes(raised: list[SpeechError]) -> None:
    for error in raised:
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            same(pickle.loads(pickle.dumps(error, protocol)), error)


def test_status_errors_hold_plain_data_and_a_redacted_request(raised: list[SpeechError]) -> None:
    status_errors = [error for error in raised if isinstance(error, APIStatusError)]
    assert len(status_errors) >= 10
    for error in status_errors:
        assert type(error.headers) is Headers and isinstance(error.headers, dict)
        assert isinstance(error.response, Response) and error.response.status == error.status
        assert isinstance(error.request, SentRequest) and error.request.method == error.method
        auth = {
            name: value
            for name, value in error.request.headers.items()
            if name.lower() in ("authorization", "ocp-apim-subscription-key")
        }
        assert auth and set(auth.values()) == {"REDACTED"}
    limited = next(error for error in status_errors if error.status == 429)
    assert limited.headers.get("retry-after") == limited.headers["Retry-After"] == "1"
    assert "Retry-After" in limited.headers and limited.request_id == "id-429"


def test_no_form_of_an_error_shows_the_key_or_token(raised: list[SpeechError]) -> None:
    for error in raised:
        forms = [pickle.dumps(error), repr(error).encode(), str(error).encode(), repr(vars(error)).encode()]
        for form in forms:
            assert KEY.encode() not in form and TOKEN.encode() not in form, (type(error), form[:200])


def raise_again(error: SpeechError) -> None:
    raise error


def fail_like_a_job(entity: Any) -> None:
    raise JobFailedError(entity, f"transcription {UID}")


def test_errors_cross_a_process_pool_both_ways(raised: list[SpeechError]) -> None:
    """A worker raising any of them, JobFailedError included, leaves the pool working."""
    job = next(error for error in raised if isinstance(error, JobFailedError))
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        for error in raised:
            returned = pool.submit(raise_again, error).exception()
            assert returned is not None
            same(returned, error)  # type: ignore[arg-type]
        failed = pool.submit(fail_like_a_job, job.entity).exception()
        assert isinstance(failed, JobFailedError) and failed.code == job.code and failed.entity == job.entity
        assert pool.submit(pow, 2, 10).result() == 1024


def test_a_transport_error_keeps_whether_it_was_sent(raised: list[SpeechError]) -> None:
    refused = next(error for error in raised if type(error) is TransportError)
    assert refused.sent is False and pickle.loads(pickle.dumps(refused)).sent is False
