"""One scheduler per client: concurrent waits share one poller per kind of job.

What the poller asks for, and when, is checked on fake jobs (``fakes.FakeJobs``) on a fake
clock; the emulator shows shared polling and errors end to end.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fakes import FakeJobs, FakeNetwork, FakeServer, Seen, answer, settle

from speechrest import NotFoundError, Response, ServerError, SpeechClient, SpeechError
from speechrest.errors import WaitTimeoutError
from speechrest.resources.transcriptions import Transcriptions

TTL = {"timeToLiveHours": 24}
GHOST = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
JOBS = [f"0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d{n:02d}" for n in range(40)]


def transcription(url: str = "https://audio.example.com/a.wav") -> dict[str, Any]:
    return {"displayName": "t", "locale": "en-US", "contentUrls": [url], "properties": TTL}


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    """Overrides conftest's client: one of the fake service, on the fake clock, without retries."""
    async with net.client(service, rate_limit=None, max_retries=0) as c:
        yield c


def pollers() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if task.get_coro().__qualname__ == "Poller._run"]  # type: ignore[union-attr]


async def test_concurrent_single_waits_share_one_poller_that_sweeps(service: FakeServer, client: SpeechClient) -> None:
    jobs = FakeJobs(service)
    created = [jobs.add(job_id, done_at=3) for job_id in JOBS[:30]]
    waits = [asyncio.create_task(client.transcriptions.wait(job_id, poll_interval=1)) for job_id in created]
    await settle()
    assert len(pollers()) == 1  # one task looks for all 30 waiters, not 30 loops
    done = await asyncio.gather(*waits)
    assert [t.id for t in done] == created
    # thirty single waits, yet no GET per job: a list sweep a second for all of them
    assert [(r.path, r.at) for r in service.requests] == [("/speechtotext/transcriptions", t) for t in range(4)]
    await settle()  # a cancelled task ends on the loop's next turns
    assert pollers() == []  # it ended with its last waiter


async def test_a_job_joining_a_sweep_gets_its_own_first_look_at_once(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    jobs = FakeJobs(service)
    many = [jobs.add(job_id) for job_id in JOBS[: Transcriptions.SWEEP_ABOVE + 1]]
    late = jobs.add(JOBS[-1])
    sweeping = asyncio.create_task(client.transcriptions.wait_all(many, poll_interval=30))
    await settle()  # the first (unfiltered) sweep is done; the next one is 30 s away
    assert [r.path for r in service.requests] == ["/speechtotext/transcriptions"]
    with pytest.raises(WaitTimeoutError) as caught:
        await client.transcriptions.wait(late, timeout=5)
    assert caught.value.status == "Running"  # it was looked at: a state, not "unknown"
    assert [(r.path.rsplit("/", 1)[-1], r.at) for r in service.requests] == [("transcriptions", 0), (late, 0)]
    assert net.clock.monotonic() == 5
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


async def test_a_failed_sweep_ends_every_wait_with_the_service_error(service: FakeServer, client: SpeechClient) -> None:
    ids = JOBS[: Transcriptions.SWEEP_ABOVE + 1]
    service.reply(500, {"code": "InternalServerError", "message": "the list broke"})
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
    assert [r.path for r in service.requests] == ["/speechtotext/transcriptions"]  # one sweep for both


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


async def test_a_finished_job_is_no_longer_asked_for_while_others_run(
    service: FakeServer, client: SpeechClient
) -> None:
    done, running = JOBS[:2]
    jobs = FakeJobs(service, retry_after=1)
    jobs.add(done, done_at=0)
    jobs.add(running)
    outcomes = await client.transcriptions.wait_all([done, running], timeout=5.5, return_exceptions=True)
    assert outcomes[0].id == done and isinstance(outcomes[1], WaitTimeoutError)
    asked = [(r.path.rsplit("/", 1)[-1], r.at) for r in service.requests]
    # once it succeeded, only the running job was asked for: every Retry-After (1 s) until the timeout
    assert asked == [(done, 0), (running, 0), *((running, t) for t in range(1, 6))]


async def test_a_job_whose_look_failed_is_not_asked_for_again_while_its_waiter_is_busy(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    done, deleted = JOBS[:2]
    jobs = FakeJobs(service, retry_after=1)
    jobs.add(done, done_at=0)
    jobs.add(deleted)
    answer_job = service.handler

    def answer_until_deleted(seen: Seen) -> Response:
        if seen.path.endswith(deleted) and len(service.requests) > 2:
            return answer(404, {"code": "NotFound", "message": "gone"})
        return answer_job(seen)

    service.handler = answer_until_deleted
    waiting = client.transcriptions.as_completed([done, deleted], poll_interval=5)
    first = await anext(waiting)
    await net.clock.sleep(3)  # the caller is busy with the first job; the other's GET fails meanwhile
    with pytest.raises(NotFoundError):
        await anext(waiting)
    assert first.id == done
    # once running, once 404 (at its Retry-After): no retry storm while nobody listened
    assert [(r.path.rsplit("/", 1)[-1], r.at) for r in service.requests] == [(done, 0), (deleted, 0), (deleted, 1)]
