"""Receiving web hook callbacks: signatures, the challenge, events parsed into models."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import logging
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from speechrest import InvalidArgumentError, SpeechClient, models, webhooks
from speechrest.emulator import Emulator
from speechrest.errors import WaitTimeoutError
from speechrest.webhooks import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    WebHookEvent,
    handle_callback,
    receiver_app,
    verify_signature,
)

SECRET = "hook-secret"
BODY = (  # a callback carries the entity, as a GET of it answers
    b'{"self": "https://x.example/speechtotext/transcriptions/0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10", '
    b'"displayName": "t", "locale": "en-US", "properties": {}, "status": "Succeeded"}'
)


TRANSCRIPTION = {
    "displayName": "t",
    "locale": "en-US",
    "contentUrls": ["https://a.example/x.wav"],
    "properties": {"timeToLiveHours": 6},
}


async def register_hook(client: SpeechClient, receiver: TestServer, *events: str) -> None:
    """A web hook for ``events`` that calls ``receiver``, once the service has validated it."""
    hook = await client.web_hooks.create(
        {
            "displayName": "hook",
            "webUrl": str(receiver.make_url("/")),
            "events": dict.fromkeys(events, True),
            "properties": {"secret": SECRET},
        }
    )
    for _ in range(100):
        hook = await client.web_hooks.get(hook.id)
        if str(getattr(hook.status, "value", hook.status)) == "Succeeded":
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the web hook was never validated")


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(
    ("secret", "body", "signature", "valid"),
    [
        (SECRET, BODY, sign(BODY), True),
        ("other", BODY, sign(BODY), False),
        (SECRET, BODY + b" ", sign(BODY), False),
        (SECRET, BODY, None, False),
        (SECRET, BODY, "not base64!", False),
    ],
    ids=["valid", "wrong-secret", "tampered-body", "missing", "garbage"],
)
def test_verify_signature(secret: str, body: bytes, signature: str | None, valid: bool) -> None:
    assert verify_signature(secret, body, signature) is valid


async def test_the_receiver_answers_the_challenge_and_refuses_forgeries() -> None:
    received: list[WebHookEvent] = []
    async with TestServer(receiver_app(handler=received.append, secret=SECRET)) as receiver:
        url = str(receiver.make_url("/"))
        async with aiohttp.ClientSession() as session:
            async with session.post(url, params={"validationToken": "t0k"}, headers={EVENT_HEADER: "challenge"}) as r:
                assert (r.status, await r.text()) == (200, "t0k")
            forged = {EVENT_HEADER: "transcriptionCompletion", SIGNATURE_HEADER: sign(BODY, "guess")}
            async with session.post(url, data=BODY, headers=forged) as r:
                assert r.status == 401
            async with session.post(url, data=BODY, headers={EVENT_HEADER: "transcriptionCompletion"}) as r:
                assert r.status == 401
            signed = {EVENT_HEADER: "transcriptionCompletion", SIGNATURE_HEADER: sign(BODY)}
            async with session.post(url, data=BODY, headers=signed) as r:
                assert r.status == 200
    assert [e.event for e in received] == ["transcriptionCompletion"]
    assert received[0].entity.id == "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"


@pytest.mark.speech_emulator(processing_seconds=0.1, key=None)
async def test_emulator_callbacks_arrive_as_typed_events(speech_emulator: Emulator) -> None:
    events: list[WebHookEvent] = []
    done = asyncio.Event()

    async def handle(event: WebHookEvent) -> None:
        events.append(event)
        if event.event == "transcriptionCompletion":
            done.set()

    async with (
        TestServer(receiver_app(handler=handle, secret=SECRET)) as receiver,
        SpeechClient(endpoint=speech_emulator.url) as client,
    ):
        await register_hook(client, receiver, "transcriptionCreation", "transcriptionCompletion")
        created = await client.transcriptions.create(TRANSCRIPTION)
        await asyncio.wait_for(done.wait(), 5)
    assert [e.event for e in events] == ["transcriptionCreation", "transcriptionCompletion"]
    assert all(isinstance(e.entity, models.Transcription) and e.entity.id == created.id for e in events)
    assert str(getattr(events[-1].entity.status, "value", events[-1].entity.status)) == "Succeeded"
    assert json.dumps(events[0].body)  # the JSON as sent is kept too


@pytest.mark.speech_emulator(processing_seconds=0.5, key=None)
async def test_callbacks_finish_waits_without_polling(speech_emulator: Emulator) -> None:
    async with SpeechClient(endpoint=speech_emulator.url, rate_limit=None) as client:
        deliver = client.use_webhooks(safety_net_interval=30)
        async with TestServer(receiver_app(handler=deliver, secret=SECRET)) as receiver:
            await register_hook(client, receiver, "transcriptionCompletion")
            jobs = [await client.transcriptions.create(TRANSCRIPTION) for _ in range(3)]
            started = time.monotonic()
            one, everything = await asyncio.gather(
                client.transcriptions.wait(jobs[0], timeout=10),
                client.transcriptions.wait_all(jobs, timeout=10, poll_interval=0.05),
            )
            elapsed = time.monotonic() - started
    assert one.id == jobs[0].id and [t.id for t in everything] == [t.id for t in jobs]
    assert all(str(t.status.value) == "Succeeded" for t in everything)
    assert elapsed < 5  # the callbacks woke the waiters, not the 30 s safety net
    # One first look per job, shared by both waiters (3 GETs), then nothing: the callbacks said the rest.
    assert speech_emulator.stats["requests"]["Transcriptions_Get"]["200"] == 3


@pytest.mark.speech_emulator(processing_seconds=60, key=None)
async def test_with_push_a_lost_callback_is_caught_by_the_safety_net(speech_emulator: Emulator) -> None:
    async with SpeechClient(endpoint=speech_emulator.url, rate_limit=None) as client:
        client.use_webhooks(safety_net_interval=0.2)  # no receiver: every callback is lost
        job = await client.transcriptions.create(TRANSCRIPTION)
        with pytest.raises(WaitTimeoutError) as caught:
            await client.transcriptions.wait(job, timeout=0.7)
    assert caught.value.status in ("NotStarted", "Running")
    assert 3 <= speech_emulator.stats["requests"]["Transcriptions_Get"]["200"] <= 5  # every 0.2 s
    with pytest.raises(InvalidArgumentError):
        client.use_webhooks(safety_net_interval=0)


def test_an_empty_secret_is_refused_wherever_it_is_given() -> None:
    with pytest.raises(InvalidArgumentError, match="empty key"):
        receiver_app(handler=print, secret="")
    with pytest.raises(InvalidArgumentError, match="empty key"):
        verify_signature("", BODY, sign(BODY, ""))
    with pytest.raises(InvalidArgumentError, match="empty key"):
        asyncio.run(handle_callback({EVENT_HEADER: "ping"}, {}, BODY, handler=print, secret=""))


def test_no_secret_is_a_warning_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    webhooks._warn_unsigned.cache_clear()  # once per process: start this test's count afresh
    received: list[WebHookEvent] = []
    with caplog.at_level(logging.WARNING, logger="speechrest"):
        receiver_app(handler=received.append)
        receiver_app(handler=received.append)
        for _ in range(2):
            status = asyncio.run(handle_callback({EVENT_HEADER: "ping"}, {}, BODY, handler=received.append))
            assert status == (200, "")
    [warning] = [r for r in caplog.records if r.name == "speechrest"]
    assert warning.levelno == logging.WARNING and "secret=None" in warning.getMessage()
    assert len(received) == 2  # unsigned callbacks are still taken


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "the body is nested too deep"),
        (b'{"customProperties": ' + b"[" * 900 + b"]" * 900 + b"}", "the body is not a Transcription"),
        (b'{"status": {"not": "a string"}}', "the body is not a Transcription"),
        (b'{"createdDateTime": "yesterday"}', "the body is not a Transcription"),
        (b'{"contentUrls": "https://a.example/x.wav"}', "the body is not a Transcription"),
        (b'{"links": 5}', "the body is not a Transcription"),
        (b"\xff not json", "the body is not JSON"),
    ],
    ids=["100k-deep", "deep-in-a-field", "status-object", "bad-date", "string-for-list", "number-for-object", "junk"],
)
async def test_a_signed_but_unreadable_body_gets_400_not_500(body: bytes, answer: str) -> None:
    received: list[WebHookEvent] = []
    async with TestServer(receiver_app(handler=received.append, secret=SECRET)) as receiver:
        signed = {EVENT_HEADER: "transcriptionCompletion", SIGNATURE_HEADER: sign(body)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(receiver.make_url("/"), data=body, headers=signed) as r,
        ):
            assert r.status == 400
            assert (await r.text()).startswith(answer)
    assert received == []


async def test_a_body_over_1_mib_gets_413() -> None:
    received: list[WebHookEvent] = []
    body = b'{"description": "' + b"x" * (1024 * 1024) + b'"}'
    async with TestServer(receiver_app(handler=received.append, secret=SECRET)) as receiver:
        signed = {EVENT_HEADER: "transcriptionCompletion", SIGNATURE_HEADER: sign(body)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(receiver.make_url("/"), data=io.BytesIO(body), headers=signed) as r,
        ):
            assert r.status == 413
    assert received == []
