"""One scheduler per client: concurrent waits share one poller per kind of job."""

from __future__ import annotations

import asyncio
import time
import traceback
from typing import Any

import pytest
from aiohttp import web
from conftest import TEST_KEY, RecordingServer

from speechrest import NotFoundError, ServerError, SpeechClient, SpeechError
from speechrest.emulator import Emulator
from speechrest.errors import WaitTimeoutError
from speechrest.resources.transcriptions import Transcriptions

TTL = {"timeToLiveHours": 24}
GHOST = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"


def transcription(url: str = "https://audio.example.com/a.wav") -> dict[str, Any]:
    return {"displayName": "t", "locale": "en-US", "contentUrls": [url], "properties": TTL}


def pollers() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if task.get_coro().__qualname__ == "Poller._run"]  # type: ignore[union-attr]


@pytest.mark.speech_emulator(processing_seconds=0.5)
async def test_concurrent_single_waits_share_one_poller_that_sweeps(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    jobs = [await speech_client.transcriptions.create(transcription(f"https://a.example/{n}.wav")) for n in range(30)]
    waits = [asyncio.create_task(speech_client.transcriptions.wait(job, poll_interval=0.1, timeout=10)) for job in jobs]
    await asyncio.sleep(0.05)
    assert len(pollers()) == 1  # one task looks for all 30 waiters, not 30 loops
    done = await asyncio.gather(*waits)
    assert [t.id for t in done] == [t.id for t in jobs]
    requests = speech_emulator.stats["requests"]
    assert "Transcriptions_Get" not in requests  # thirty single waits, yet no GET per job: list sweeps
    assert 1 <= requests["Transcriptions_List"]["200"] <= 15
    await asyncio.sleep(0.05)  # a cancelled task ends on the loop's next turns
    assert pollers() == []  # it ended with its last waiter


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_a_job_joining_a_sweep_gets_its_own_first_look_at_once(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    many = [await speech_client.transcriptions.create(transcription()) for _ in range(Transcriptions.SWEEP_ABOVE + 1)]
    late = await speech_client.transcriptions.create(transcription())
    sweeping = asyncio.create_task(speech_client.transcriptions.wait_all(many, poll_interval=30))
    await asyncio.sleep(0.2)  # the first (unfiltered) sweep is done; the next one is 30 s away
    assert speech_emulator.stats["requests"]["Transcriptions_List"]["200"] == 1
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as caught:
        await speech_client.transcriptions.wait(late.id, timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert caught.value.status in ("NotStarted", "Running")  # it was looked at: a state, not "unknown"
    requests = speech_emulator.stats["requests"]
    assert requests["Transcriptions_Get"]["200"] == 1 and requests["Transcriptions_List"]["200"] == 1
    sweeping.cancel()
    await asyncio.gather(sweeping, return_exceptions=True)


@pytest.mark.speech_emulator(processing_seconds=0.3)
async def test_an_error_reaches_only_the_waiters_of_the_job_concerned(speech_client: SpeechClient) -> None:
    job = await speech_client.transcriptions.create(transcription())
    ghost, real = await asyncio.gather(
        speech_client.transcriptions.wait(GHOST, timeout=5),
        speech_client.transcriptions.wait(job, timeout=5),
        return_exceptions=True,
    )
    assert isinstance(ghost, NotFoundError) and GHOST in ghost.url
    assert real.id == job.id and str(real.status.value) == "Succeeded"


async def test_a_failed_sweep_ends_every_wait_with_the_service_error() -> None:
    ids = [f"0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d{n:02d}" for n in range(Transcriptions.SWEEP_ABOVE + 1)]
    async with RecordingServer() as server:
        server.reply(500, {"code": "InternalServerError", "message": "the list broke"})
        async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0, rate_limit=None) as client:
            outcomes = await asyncio.gather(
                client.transcriptions.wait_all(ids[:5], timeout=5),
                client.transcriptions.wait_all(ids[5:], timeout=5),
                return_exceptions=True,
            )
    assert all(isinstance(o, ServerError) and o.message == "the list broke" for o in outcomes)
    # Both raised the one error the sweep got, each with a traceback of its own frames only.
    assert outcomes[0] is outcomes[1]
    frames = traceback.extract_tb(outcomes[1].__traceback__)
    assert sum(frame.name == "as_completed" for frame in frames) == 1
    assert [r.path for r in server.requests] == ["/speechtotext/transcriptions"]  # one sweep for both


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_closing_the_client_ends_the_waits_and_the_poller(speech_client: SpeechClient) -> None:
    job = await speech_client.transcriptions.create(transcription())
    waiting = asyncio.create_task(speech_client.transcriptions.wait(job))  # no timeout
    await asyncio.sleep(0.1)
    assert len(pollers()) == 1
    await speech_client.close()
    with pytest.raises(SpeechError, match="closed while waiting"):
        await asyncio.wait_for(waiting, 2)
    await asyncio.sleep(0.05)  # a cancelled task ends on the loop's next turns
    assert pollers() == []


async def test_a_finished_job_is_no_longer_asked_for_while_others_run() -> None:
    done, running = GHOST, GHOST[:-2] + "11"

    def state(request: web.Request, body: bytes) -> web.StreamResponse:
        entity_id = request.path.rsplit("/", 1)[-1]
        status = "Succeeded" if entity_id == done else "Running"
        entity = {"self": f"{request.url}", "displayName": "t", "locale": "en-US", "status": status}
        return web.json_response(entity, headers={"Retry-After": "0.1"} if status == "Running" else {})

    async with RecordingServer() as server:
        server.handler = state
        async with SpeechClient(endpoint=server.url, key=TEST_KEY, rate_limit=None) as client:
            outcomes = await client.transcriptions.wait_all([done, running], timeout=0.6, return_exceptions=True)
    assert outcomes[0].id == done and isinstance(outcomes[1], WaitTimeoutError)
    paths = [r.path.rsplit("/", 1)[-1] for r in server.requests]
    assert paths.count(done) == 1  # once it succeeded, only the running job was asked for
    assert 4 <= paths.count(running) <= 8  # every Retry-After (0.1 s) for 0.6 s


async def test_a_job_whose_look_failed_is_not_asked_for_again_while_its_waiter_is_busy() -> None:
    done, deleted = GHOST, GHOST[:-2] + "11"
    asked: dict[str, int] = {}

    def state(request: web.Request, body: bytes) -> web.StreamResponse:
        entity_id = request.path.rsplit("/", 1)[-1]
        asked[entity_id] = asked.get(entity_id, 0) + 1
        if entity_id == deleted and asked[entity_id] > 1:
            return web.json_response({"code": "NotFound", "message": "gone"}, status=404)
        status = "Succeeded" if entity_id == done else "Running"
        entity = {"self": f"{request.url}", "displayName": "t", "locale": "en-US", "status": status}
        return web.json_response(entity, headers={"Retry-After": "0.1"})

    async with RecordingServer() as server:
        server.handler = state
        async with SpeechClient(endpoint=server.url, key=TEST_KEY, rate_limit=None, max_retries=0) as client:
            waiting = client.transcriptions.as_completed([done, deleted], poll_interval=5)
            first = await anext(waiting)
            await asyncio.sleep(0.6)  # the caller is busy with the first job; the other's GET fails meanwhile
            with pytest.raises(NotFoundError):
                await anext(waiting)
    assert first.id == done
    assert asked == {done: 1, deleted: 2}  # once running, once 404: no retry storm while nobody listened
