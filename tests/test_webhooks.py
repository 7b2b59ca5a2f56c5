"""Receiving web hook callbacks: signatures, the challenge, events parsed into models."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from speechrest import SpeechClient, models
from speechrest.emulator import Emulator
from speechrest.webhooks import EVENT_HEADER, SIGNATURE_HEADER, WebHookEvent, receiver_app, verify_signature

SECRET = "hook-secret"
BODY = b'{"self": "https://x.example/speechtotext/transcriptions/0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"}'


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
        hook = await client.web_hooks.create(
            {
                "displayName": "hook",
                "webUrl": str(receiver.make_url("/")),
                "events": {"transcriptionCreation": True, "transcriptionCompletion": True},
                "properties": {"secret": SECRET},
            }
        )
        for _ in range(100):
            hook = await client.web_hooks.get(hook.id)
            if str(getattr(hook.status, "value", hook.status)) == "Succeeded":
                break
            await asyncio.sleep(0.02)
        created = await client.transcriptions.create(
            {
                "displayName": "t",
                "locale": "en-US",
                "contentUrls": ["https://a.example/x.wav"],
                "properties": {"timeToLiveHours": 1},
            }
        )
        await asyncio.wait_for(done.wait(), 5)
    assert [e.event for e in events] == ["transcriptionCreation", "transcriptionCompletion"]
    assert all(isinstance(e.entity, models.Transcription) and e.entity.id == created.id for e in events)
    assert str(getattr(events[-1].entity.status, "value", events[-1].entity.status)) == "Succeeded"
    assert json.dumps(events[0].body)  # the JSON as sent is kept too
