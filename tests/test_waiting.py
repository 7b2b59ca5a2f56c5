"""``client.<kind>.wait``: one entity until Succeeded, failures and timeouts made plain.

Pacing, timeouts and sweeps are checked on fake jobs (``fakes.FakeJobs``) on a fake clock, to
the fake second; the emulator shows the same waits end to end, with every kind of job.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fakes import FakeJobs, FakeNetwork, FakeServer, Seen, answer, settle

from speechrest import NotFoundError, Response, SpeechClient
from speechrest.emulator import Emulator
from speechrest.errors import InvalidArgumentError, JobFailedError, WaitTimeoutError
from speechrest.resources.transcriptions import Transcriptions

TTL = {"timeToLiveHours": 24}
JOBS = [f"0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d{n:02d}" for n in range(40)]


def transcription(url: str = "https://audio.example.com/a.wav") -> dict[str, Any]:
    return {"displayName": "t", "locale": "en-US", "contentUrls": [url], "properties": TTL}


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    """Overrides conftest's client: one of the fake service, on the fake clock."""
    async with net.client(service, rate_limit=None) as c:
        yield c


@pytest.mark.speech_emulator(processing_seconds=0.3)
async def test_wait_returns_the_succeeded_entity(speech_client: SpeechClient) -> None:
    created = await speech_client.transcriptions.create(transcription())
    done = await speech_client.transcriptions.wait(created, timeout=5)
    assert str(done.status.value) == "Succeeded" and done.id == created.id
    assert (await speech_client.transcriptions.wait(created.id)).id == created.id  # an id works too


async def test_a_wait_polls_when_retry_after_says(net: FakeNetwork, service: FakeServer, client: SpeechClient) -> None:
    FakeJobs(service, retry_after=3).add(JOBS[0], done_at=10)
    done = await client.transcriptions.wait(JOBS[0], poll_interval=1)
    assert str(done.status.value) == "Succeeded"
    assert service.times == [0, 3, 6, 9, 12]  # the service's 3 s, not the 1 s poll interval


async def test_without_retry_after_a_wait_polls_every_poll_interval(service: FakeServer, client: SpeechClient) -> None:
    FakeJobs(service).add(JOBS[0], done_at=25)
    await client.transcriptions.wait(JOBS[0], poll_interval=10)
    assert service.times == [0, 10, 20, 30]


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_a_failed_job_raises_with_the_service_error(speech_client: SpeechClient) -> None:
    created = await speech_client.transcriptions.create(transcription("https://audio.example.com/fail.wav"))
    with pytest.raises(JobFailedError) as caught:
        await speech_client.transcriptions.wait(created, timeout=5)
    assert caught.value.code == "InvalidData"
    assert created.id in str(caught.value) and "InvalidData" in str(caught.value)
    assert str(caught.value.entity.status.value) == "Failed"


async def test_a_stuck_job_times_out_naming_job_status_and_time(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    FakeJobs(service).add(JOBS[0])
    with pytest.raises(WaitTimeoutError) as caught:
        await client.transcriptions.wait(JOBS[0], timeout=25, poll_interval=10)
    error = caught.value
    assert net.clock.monotonic() == error.seconds == 25
    assert service.times == [0, 10, 20]
    assert error.status == "Running"
    assert JOBS[0] in str(error) and "Running" in str(error)


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_every_kind_waits(speech_client: SpeechClient) -> None:
    client = speech_client
    base = (await client.models.list_base_models(filter="locale eq 'en-US'").to_list())[0]
    dataset = await client.datasets.create(
        {"displayName": "d", "locale": "en-US", "kind": "Language", "contentUrl": "https://data.example.com/d.txt"}
    )
    model = await client.models.create({"displayName": "m", "locale": "en-US", "baseModel": {"self": base.self_}})
    model = await client.models.wait(model, timeout=5)
    evaluation = await client.evaluations.create(
        {
            "displayName": "e",
            "locale": "en-US",
            "model1": {"self": base.self_},
            "model2": {"self": model.self_},
            "dataset": {"self": dataset.self_},
        }
    )
    endpoint = await client.endpoints.create({"displayName": "p", "locale": "en-US", "model": {"self": model.self_}})
    for waited in (
        await client.datasets.wait(dataset, timeout=5),
        await client.evaluations.wait(evaluation, timeout=5),
        await client.endpoints.wait(endpoint, timeout=5),
    ):
        assert str(waited.status.value) == "Succeeded"


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_results_are_typed_per_audio_file(speech_client: SpeechClient) -> None:
    urls = [f"https://audio.example.com/call-{n}.wav" for n in range(3)]
    body = {
        "displayName": "t",
        "locale": "en-US",
        "contentUrls": urls,
        "properties": {**TTL, "diarization": {"enabled": True, "maxSpeakers": 3}, "wordLevelTimestampsEnabled": True},
    }
    created = await speech_client.transcriptions.create(body)
    await speech_client.transcriptions.wait(created, timeout=5)
    results = [r async for r in speech_client.transcriptions.results(created)]
    assert sorted(r.source or "" for r in results) == sorted(urls)
    for result in results:
        assert result.text() and result.speakers and result.phrases[0].best.words
        assert result.to_dict()["source"] == result.source
        assert result.to_webvtt().startswith("WEBVTT")


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_report_says_which_audio_failed_and_why(speech_client: SpeechClient) -> None:
    good, bad = "https://audio.example.com/good.wav", "https://audio.example.com/fail.wav"
    created = await speech_client.transcriptions.create({**transcription(), "contentUrls": [good, bad]})
    await speech_client.transcriptions.wait(created, timeout=5)
    report = await speech_client.transcriptions.report(created.id)
    assert (report.successful_count, report.failed_count) == (1, 1)
    assert [(e.source, e.succeeded) for e in report.details] == [(good, True), (bad, False)]
    assert [(e.source, e.error_kind) for e in report.failed] == [(bad, "InvalidData")]
    assert "could not be read" in (report.failed[0].error_message or "")
    assert report.to_dict()["failedTranscriptionsCount"] == 1
    assert [r.source async for r in speech_client.transcriptions.results(created)] == [good]


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_create_many_splits_at_1000_urls(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    urls = [f"https://audio.example.com/{n}.wav" for n in range(2500)]
    created = await speech_client.transcriptions.create_many(
        urls, {"displayName": "batch", "locale": "en-US", "properties": TTL}
    )
    assert [t.display_name for t in created] == ["batch (1/3)", "batch (2/3)", "batch (3/3)"]
    received = [speech_emulator.service.store.get("transcriptions", t.id).entity.content_urls for t in created]
    assert [len(part) for part in received] == [1000, 1000, 500]  # what the service took (it never shows them)
    assert [u for part in received for u in part] == urls


def succeeded(service: FakeServer, transcription_id: str) -> dict[str, Any]:
    """A finished transcription as the service shows it (results first ask for its state)."""
    self_link = f"{service.url}/speechtotext/transcriptions/{transcription_id}"
    return {"self": self_link, "displayName": "t", "locale": "en-US", "properties": {}, "status": "Succeeded"}


def result(source: str, text: str | None = None) -> dict[str, Any]:
    """A transcription result file for the audio at ``source``."""
    phrases = [{"channel": 0, "display": text}] if text else []
    return {"source": source, "durationInTicks": 10, "recognizedPhrases": [], "combinedRecognizedPhrases": phrases}


async def test_results_renew_expired_urls_and_wait_out_a_404(
    service: FakeServer, storage: FakeServer, client: SpeechClient
) -> None:
    tid, fid = JOBS[0], JOBS[1]

    def file(url: str) -> dict[str, Any]:
        return {
            "self": f"{service.url}/speechtotext/transcriptions/{tid}/files/{fid}",
            "kind": "Transcription",
            "name": "contenturl_0.json",
            "links": {"contentUrl": url},
        }

    def api(seen: Seen) -> Response:
        if seen.path.endswith(tid):
            return answer(200, succeeded(service, tid))
        if seen.path.endswith("/files"):
            return answer(200, {"values": [file(f"{storage.url}/old?sig=expired")]})
        return answer(200, file(f"{storage.url}/new?sig=fresh"))

    service.handler = api
    storage.reply(403, "<Error><Code>AuthenticationFailed</Code></Error>")  # the listed URL expired
    storage.reply(404, "<Error><Code>BlobNotFound</Code></Error>")  # not written yet
    storage.reply(200, result("https://audio.example.com/a.wav", "Hello."))
    results = [r async for r in client.transcriptions.results(tid, settle_seconds=5)]
    assert [r.text() for r in results] == ["Hello."]
    assert [(r.path, r.at) for r in storage.requests] == [("/old", 0), ("/new", 0), ("/new", 0.25)]
    assert all("Ocp-Apim-Subscription-Key" not in r.headers for r in storage.requests)


async def test_results_are_fetched_a_few_at_a_time_and_yielded_in_order(
    net: FakeNetwork, service: FakeServer, storage: FakeServer, client: SpeechClient
) -> None:
    tid = JOBS[0]
    in_flight, most = 0, 0

    async def blob(seen: Seen) -> Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        n = int(seen.path.rsplit("/", 1)[-1])
        await net.clock.sleep(0.2 if n in (0, 2) else 0.05)  # early files come last
        in_flight -= 1
        return answer(200, result(f"https://audio.example.com/{n}.wav"))

    storage.handler = blob
    listing = [
        {"kind": "Transcription", "name": f"{n}.json", "links": {"contentUrl": f"{storage.url}/r/{n}"}}
        for n in range(8)
    ]
    service.reply(200, succeeded(service, tid))
    service.reply(200, {"values": [{"kind": "TranscriptionReport", "name": "report.json"}, *listing]})
    sources = [r.source async for r in client.transcriptions.results(tid, concurrency=3)]
    assert sources == [f"https://audio.example.com/{n}.wav" for n in range(8)]  # the service's order
    assert most == 3  # a few at a time, never more
    # 0-2 start at once; 3-5 once 0 (and 2) are in, at 0.2 s; 6-7 once 3 is in: 0.3 s, not 0.7 one by one
    assert net.clock.monotonic() == pytest.approx(0.3)
    with pytest.raises(InvalidArgumentError, match="concurrency"):
        [r async for r in client.transcriptions.results(tid, concurrency=0)]


async def test_many_jobs_are_swept_not_polled_one_by_one(service: FakeServer, client: SpeechClient) -> None:
    jobs = FakeJobs(service)
    created = [jobs.add(job_id, done_at=5) for job_id in JOBS[:30]]
    done = await client.transcriptions.wait_all(created, poll_interval=1)
    assert [t.id for t in done] == created
    assert all(str(t.status.value) == "Succeeded" for t in done)
    # one sweep a second until all are done, and no GET per job
    assert [(r.path, r.at) for r in service.requests] == [("/speechtotext/transcriptions", t) for t in range(6)]


@pytest.mark.speech_emulator(processing_seconds=0.2)
async def test_as_completed_yields_failures_and_wait_all_can_return_them(speech_client: SpeechClient) -> None:
    good = await speech_client.transcriptions.create(transcription())
    bad = await speech_client.transcriptions.create(transcription("https://a.example/fail.wav"))
    outcomes = [o async for o in speech_client.transcriptions.as_completed([good, bad], poll_interval=0.05)]
    assert {type(o).__name__ for o in outcomes} == {"Transcription", "JobFailedError"}
    results = await speech_client.transcriptions.wait_all([bad.id, good.id], return_exceptions=True, poll_interval=0.05)
    assert isinstance(results[0], JobFailedError) and results[1].id == good.id
    with pytest.raises(JobFailedError):
        await speech_client.transcriptions.wait_all([good, bad], poll_interval=0.05)


async def test_wait_all_times_out_with_what_is_left(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    jobs = FakeJobs(service)
    jobs.add(JOBS[0], done_at=5)
    jobs.add(JOBS[1])
    results = await client.transcriptions.wait_all(JOBS[:2], timeout=30, poll_interval=10, return_exceptions=True)
    assert str(results[0].status.value) == "Succeeded"
    assert isinstance(results[1], WaitTimeoutError) and JOBS[1] in str(results[1])
    assert results[1].status == "Running"  # the last status seen, not a placeholder
    assert results[1].seconds == net.clock.monotonic() == 30


async def test_job_timeout_gives_up_per_job_and_progress_counts_each(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    jobs = FakeJobs(service)
    jobs.add(JOBS[0])
    net.clock.advance(10)
    jobs.add(JOBS[1])  # ten seconds younger
    seen: list[tuple[int, int]] = []

    async def progress(finished: int, total: int) -> None:
        seen.append((finished, total))

    results = await client.transcriptions.wait_all(
        JOBS[:2], job_timeout=30, poll_interval=7, progress=progress, return_exceptions=True
    )
    # no overall timeout was given: each job ended when it was 30 s old
    assert [type(r) for r in results] == [WaitTimeoutError, WaitTimeoutError]
    assert [(r.seconds, r.status) for r in results] == [(30, "Running"), (30, "Running")]
    assert net.clock.monotonic() == 40
    assert seen == [(1, 2), (2, 2)]
    seen.clear()
    with pytest.raises(WaitTimeoutError):  # a plain function works too, called before the error is raised
        await client.transcriptions.wait_all(
            JOBS[:2], job_timeout=30, progress=lambda done, total: seen.append((done, total))
        )
    assert seen == [(1, 2)]


async def test_job_timeout_catches_stuck_jobs_a_filtered_sweep_no_longer_returns(
    net: FakeNetwork, service: FakeServer, client: SpeechClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sweeps return only what changed since the previous one: not these jobs, stuck since they were made.
    monkeypatch.setattr(Transcriptions, "SWEEP_SLACK", timedelta(0))
    jobs = FakeJobs(service)
    stuck = [jobs.add(job_id) for job_id in JOBS[: Transcriptions.SWEEP_ABOVE + 1]]
    net.clock.advance(1)
    results = await client.transcriptions.wait_all(
        [UUID(job_id) for job_id in stuck], job_timeout=25, poll_interval=10, return_exceptions=True
    )
    assert all(isinstance(r, WaitTimeoutError) and r.entity.id == job for r, job in zip(results, stuck, strict=True))
    assert all(r.seconds == 25 for r in results)
    assert service.times == [1, 11, 21]  # one sweep every poll interval, and no GET per job
    assert ["filter" in r.query for r in service.requests] == [False, True, True]


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_a_sweep_asks_for_a_job_missing_from_the_list_and_it_is_not_found(speech_client: SpeechClient) -> None:
    jobs = [await speech_client.transcriptions.create(transcription()) for _ in range(Transcriptions.SWEEP_ABOVE)]
    ghost = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
    with pytest.raises(NotFoundError) as caught:
        await speech_client.transcriptions.wait_all([*jobs, ghost], timeout=5, poll_interval=0.1)
    assert ghost in caught.value.url


async def test_cancelling_a_waiter_stops_its_polling_and_leaves_nothing_behind(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    client.use_webhooks(safety_net_interval=5)  # so the push routing is exercised too
    jobs = FakeJobs(service)
    for job_id in JOBS[:3]:
        jobs.add(job_id)
    tasks_before = asyncio.all_tasks()
    waiters = [
        asyncio.create_task(client.transcriptions.wait_all(JOBS[:3], poll_interval=1)),
        asyncio.create_task(client.transcriptions.wait(JOBS[0])),
    ]
    await net.clock.sleep(12)
    assert service.times == [0] * 3 + [5] * 3 + [10] * 3  # both polled, every safety-net interval, once per job
    for waiter in waiters:
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert all(waiter.cancelled() for waiter in waiters)
    await net.clock.sleep(60)
    assert len(service.requests) == 9  # no request since
    await settle()
    assert asyncio.all_tasks() - tasks_before == set()  # no waiter's or poller's task is left
    assert not client._scheduler.router._inboxes  # nobody watches the jobs any more
