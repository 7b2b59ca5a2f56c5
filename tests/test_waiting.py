"""``client.<kind>.wait``: one entity until Succeeded, failures and timeouts made plain."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from conftest import TEST_KEY, RecordingServer

from speechrest import NotFoundError, SpeechClient
from speechrest.emulator import Emulator
from speechrest.errors import InvalidArgumentError, JobFailedError, WaitTimeoutError
from speechrest.resources.transcriptions import Transcriptions

TTL = {"timeToLiveHours": 24}


def transcription(url: str = "https://audio.example.com/a.wav") -> dict[str, Any]:
    return {"displayName": "t", "locale": "en-US", "contentUrls": [url], "properties": TTL}


def succeeded(server: RecordingServer, transcription_id: str) -> dict[str, Any]:
    """A finished transcription as the service shows it (results first ask for its state)."""
    return {"self": f"{server.url}/speechtotext/transcriptions/{transcription_id}", "status": "Succeeded"}


@pytest.mark.speech_emulator(processing_seconds=0.3)
async def test_wait_returns_the_succeeded_entity(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    created = await speech_client.transcriptions.create(transcription())
    started = time.monotonic()
    done = await speech_client.transcriptions.wait(created, timeout=5)
    assert str(done.status.value) == "Succeeded" and done.id == created.id
    assert time.monotonic() - started >= 0.2
    gets = speech_emulator.stats["requests"]["Transcriptions_Get"]["200"]
    assert gets <= 6  # paced by Retry-After, not a busy loop
    assert (await speech_client.transcriptions.wait(created.id)).id == created.id  # an id works too


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_a_failed_job_raises_with_the_service_error(speech_client: SpeechClient) -> None:
    created = await speech_client.transcriptions.create(transcription("https://audio.example.com/fail.wav"))
    with pytest.raises(JobFailedError) as caught:
        await speech_client.transcriptions.wait(created, timeout=5)
    assert caught.value.code == "InvalidData"
    assert created.id in str(caught.value) and "InvalidData" in str(caught.value)
    assert str(caught.value.entity.status.value) == "Failed"


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_a_stuck_job_times_out_naming_job_status_and_time(speech_client: SpeechClient) -> None:
    created = await speech_client.transcriptions.create(transcription())
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as caught:
        await speech_client.transcriptions.wait(created, timeout=0.5, poll_interval=0.1)
    assert 0.4 <= time.monotonic() - started < 2
    error = caught.value
    assert error.status in ("NotStarted", "Running")
    assert created.id in str(error) and error.status in str(error) and error.seconds >= 0.4


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


async def test_results_renew_expired_urls_and_wait_out_a_404(
    server: RecordingServer, other_server: RecordingServer
) -> None:
    tid, fid = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10", "1f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"

    def file(url: str) -> dict[str, Any]:
        return {
            "self": f"{server.url}/speechtotext/transcriptions/{tid}/files/{fid}",
            "kind": "Transcription",
            "name": "contenturl_0.json",
            "links": {"contentUrl": url},
        }

    def api(request: web.Request, body: bytes) -> web.StreamResponse:
        if request.path.endswith(tid):
            return web.json_response(succeeded(server, tid))
        if request.path.endswith("/files"):
            return web.json_response({"values": [file(f"{other_server.url}/old?sig=expired")]})
        return web.json_response(file(f"{other_server.url}/new?sig=fresh"))

    result = {
        "source": "https://audio.example.com/a.wav",
        "durationInTicks": 10,
        "recognizedPhrases": [],
        "combinedRecognizedPhrases": [{"channel": 0, "display": "Hello."}],
    }
    server.handler = api
    other_server.reply(403, "<Error><Code>AuthenticationFailed</Code></Error>")  # the listed URL expired
    other_server.reply(404, "<Error><Code>BlobNotFound</Code></Error>")  # not written yet
    other_server.reply(200, result)
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0, rate_limit=None) as client:
        results = [r async for r in client.transcriptions.results(tid, settle_seconds=5)]
    assert [r.text() for r in results] == ["Hello."]
    assert [r.path for r in other_server.requests] == ["/old", "/new", "/new"]
    assert all("Ocp-Apim-Subscription-Key" not in r.headers for r in other_server.requests)


async def test_results_are_fetched_a_few_at_a_time_and_yielded_in_order(server: RecordingServer) -> None:
    tid = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
    in_flight, most = 0, 0

    async def blob(request: web.Request) -> web.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.2 if request.match_info["n"] in "02" else 0.05)  # early files come last
        in_flight -= 1
        source = f"https://audio.example.com/{request.match_info['n']}.wav"
        return web.json_response({"source": source, "durationInTicks": 1, "recognizedPhrases": []})

    app = web.Application()
    app.router.add_get("/r/{n}", blob)
    async with TestServer(app, host="127.0.0.1") as files:
        listing = [
            {"kind": "Transcription", "name": f"{n}.json", "links": {"contentUrl": str(files.make_url(f"/r/{n}"))}}
            for n in range(8)
        ]
        server.reply(200, succeeded(server, tid))
        server.reply(200, {"values": [{"kind": "TranscriptionReport", "name": "report.json"}, *listing]})
        async with SpeechClient(endpoint=server.url, key=TEST_KEY, rate_limit=None) as client:
            started = time.monotonic()
            sources = [r.source async for r in client.transcriptions.results(tid, concurrency=3)]
            elapsed = time.monotonic() - started
            with pytest.raises(InvalidArgumentError, match="concurrency"):
                [r async for r in client.transcriptions.results(tid, concurrency=0)]
    assert sources == [f"https://audio.example.com/{n}.wav" for n in range(8)]  # the service's order
    assert most == 3  # a few at a time, never more
    assert elapsed < 0.2 * 2 + 0.05 * 6  # well under one after another (0.7 s)


@pytest.mark.speech_emulator(processing_seconds=0.3)
async def test_many_jobs_are_swept_not_polled_one_by_one(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    created = [
        await speech_client.transcriptions.create(transcription(f"https://a.example/{n}.wav")) for n in range(30)
    ]
    done = await speech_client.transcriptions.wait_all(created, timeout=10, poll_interval=0.1)
    assert [t.id for t in done] == [t.id for t in created]
    assert all(str(t.status.value) == "Succeeded" for t in done)
    requests = speech_emulator.stats["requests"]
    assert "Transcriptions_Get" not in requests  # no GET per job
    assert 1 <= requests["Transcriptions_List"]["200"] <= 15  # a handful of sweeps for 30 jobs


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


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_wait_all_times_out_with_what_is_left(speech_client: SpeechClient) -> None:
    stuck = await speech_client.transcriptions.create(transcription())
    results = await speech_client.transcriptions.wait_all(
        [stuck], timeout=0.3, poll_interval=0.1, return_exceptions=True
    )
    assert isinstance(results[0], WaitTimeoutError) and stuck.id in str(results[0])
    assert results[0].status in ("NotStarted", "Running")  # the last status seen, not a placeholder


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_job_timeout_gives_up_per_job_and_progress_counts_each(speech_client: SpeechClient) -> None:
    jobs = [await speech_client.transcriptions.create(transcription()) for _ in range(2)]
    seen: list[tuple[int, int]] = []

    async def progress(finished: int, total: int) -> None:
        seen.append((finished, total))

    started = time.monotonic()
    results = await speech_client.transcriptions.wait_all(
        jobs, job_timeout=0.3, poll_interval=0.1, progress=progress, return_exceptions=True
    )
    assert time.monotonic() - started < 3  # no overall timeout was given: job_timeout ended it
    assert [type(r) for r in results] == [WaitTimeoutError, WaitTimeoutError]
    assert all(r.seconds > 0.3 and r.status in ("NotStarted", "Running") for r in results)
    assert seen == [(1, 2), (2, 2)]
    seen.clear()
    with pytest.raises(WaitTimeoutError):  # a plain function works too, called before the error is raised
        await speech_client.transcriptions.wait_all(
            jobs, job_timeout=0.3, poll_interval=0.1, progress=lambda done, total: seen.append((done, total))
        )
    assert seen == [(1, 2)]


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_job_timeout_catches_stuck_jobs_a_filtered_sweep_no_longer_returns(
    speech_client: SpeechClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sweeps return only what changed in the last second or two: not these jobs, still NotStarted for 12 s.
    monkeypatch.setattr(Transcriptions, "SWEEP_SLACK", timedelta(0))
    jobs = [await speech_client.transcriptions.create(transcription()) for _ in range(Transcriptions.SWEEP_ABOVE + 1)]
    started = time.monotonic()
    results = await speech_client.transcriptions.wait_all(
        [UUID(job.id) for job in jobs], job_timeout=2.5, poll_interval=0.1, return_exceptions=True
    )
    assert time.monotonic() - started < 5
    assert all(isinstance(r, WaitTimeoutError) and r.entity.id == job.id for r, job in zip(results, jobs, strict=True))


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_a_sweep_asks_for_a_job_missing_from_the_list_and_it_is_not_found(speech_client: SpeechClient) -> None:
    jobs = [await speech_client.transcriptions.create(transcription()) for _ in range(Transcriptions.SWEEP_ABOVE)]
    ghost = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
    with pytest.raises(NotFoundError) as caught:
        await speech_client.transcriptions.wait_all([*jobs, ghost], timeout=5, poll_interval=0.1)
    assert ghost in caught.value.url


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_cancelling_a_waiter_stops_its_polling_and_leaves_nothing_behind(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    speech_client.use_webhooks(safety_net_interval=0.05)  # so the push routing is exercised too
    jobs = [await speech_client.transcriptions.create(transcription()) for _ in range(3)]
    tasks_before = asyncio.all_tasks()
    waiters = [
        asyncio.create_task(speech_client.transcriptions.wait_all(jobs, poll_interval=0.05)),
        asyncio.create_task(speech_client.transcriptions.wait(jobs[0])),
    ]
    await asyncio.sleep(0.3)
    gets = speech_emulator.stats["requests"]["Transcriptions_Get"]["200"]
    assert gets >= 4  # both were polling
    for waiter in waiters:
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert all(waiter.cancelled() for waiter in waiters)
    await asyncio.sleep(0.3)
    assert speech_emulator.stats["requests"]["Transcriptions_Get"]["200"] == gets  # no request since
    left = {task.get_coro().__qualname__ for task in asyncio.all_tasks() - tasks_before}
    assert left <= {"RequestHandler.start"}  # only the emulator's keep-alive connections: no waiter's task
    assert not speech_client._scheduler.router._inboxes  # nobody watches the jobs any more
