"""A short end-to-end run against a real Speech resource: ``make live-test``.

Opt-in: it runs only with ``SPEECH_KEY`` and ``SPEECH_ENDPOINT`` (or ``SPEECH_REGION``) set, and
is skipped otherwise. It creates and deletes a transcription of one short audio file (billed)
and a small dataset on that resource. ``SPEECH_LIVE_AUDIO_URL`` names other audio (English,
publicly readable); ``SPEECH_LIVE_TIMEOUT`` is the seconds to wait for each job (1800).
``SPEECH_API_VERSION`` picks the version as for ``SpeechClient.from_env()``.

So far it has been run against the local emulator only (``SPEECH_ENDPOINT`` pointing at
``python -m speechrest.emulator``), not against Azure.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from speechrest import NotFoundError, SpeechClient, SpeechError
from speechrest.upload import UploadProgress

AUDIO_URL = os.environ.get("SPEECH_LIVE_AUDIO_URL") or (
    "https://github.com/Azure-Samples/cognitive-services-speech-sdk/raw/master/sampledata/audiofiles/aboutSpeechSdk.wav"
)
TIMEOUT = float(os.environ.get("SPEECH_LIVE_TIMEOUT") or 1800)
TTL_HOURS = 6  # what a failed run leaves behind is removed by the service after this


def _skip_reason() -> str | None:
    missing = []
    if not os.environ.get("SPEECH_KEY"):
        missing.append("SPEECH_KEY")
    if not (os.environ.get("SPEECH_ENDPOINT") or os.environ.get("SPEECH_REGION")):
        missing.append("SPEECH_ENDPOINT (or SPEECH_REGION)")
    if missing:
        return f"live tests need {' and '.join(missing)} set"
    if os.environ.get("SPEECH_API_VERSION") == "v3.0":
        return "SPEECH_API_VERSION=v3.0: the service retired v3.0 (2026-03-31)"
    return None


SKIP = _skip_reason()
pytestmark = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")


@pytest.fixture
async def client() -> AsyncIterator[SpeechClient]:
    async with SpeechClient.from_env() as speech:
        yield speech


@pytest.fixture
async def made(client: SpeechClient) -> AsyncIterator[list[tuple[str, str]]]:
    """(client group, id) of what a test creates, deleted afterwards even when the test failed.

    A test that deleted its entity already gets a 204 here ("deleted or did not exist"); a job
    still NotStarted cannot be deleted and is left to its time to live.
    """
    created: list[tuple[str, str]] = []
    yield created
    for group, entity_id in created:
        with contextlib.suppress(SpeechError):
            await getattr(client, group).delete(entity_id)


def _name(what: str) -> str:
    return f"speechrest live test: {what} {uuid.uuid4().hex[:8]}"


async def test_transcription_results_captions_list_delete(client: SpeechClient, made: list[tuple[str, str]]) -> None:
    name = _name("transcription")
    ttl = {"timeToLive": f"PT{TTL_HOURS}H"} if client.api_version.startswith("v3") else {"timeToLiveHours": TTL_HOURS}
    created = await client.transcriptions.create(
        {
            "displayName": name,
            "locale": "en-US",
            "contentUrls": [AUDIO_URL],
            "properties": {**ttl, "wordLevelTimestampsEnabled": True},
        }
    )
    made.append(("transcriptions", created.id))

    done = await client.transcriptions.wait(created, timeout=TIMEOUT)
    results = [result async for result in client.transcriptions.results(done)]
    assert len(results) == 1
    [result] = results
    audio_name = AUDIO_URL.split("?", 1)[0].rsplit("/", 1)[-1]
    assert result.source is not None and audio_name in result.source  # the file names its audio
    assert result.text().strip() and result.phrases and result.phrases[0].best.words
    assert " --> " in result.to_srt() and result.to_webvtt().startswith("WEBVTT")
    report = await client.transcriptions.report(done)
    assert (report.successful_count, report.failed_count) == (1, 0)

    listed = [t.id async for t in client.transcriptions.list(filter=f"displayName eq '{name}'")]
    assert listed == [created.id]

    await client.transcriptions.delete(created.id)
    with pytest.raises(NotFoundError):
        await client.transcriptions.get(created.id)


async def test_dataset_block_upload_and_delete(client: SpeechClient, made: list[tuple[str, str]]) -> None:
    # Plain UTF-8 text, one sentence a line: what a Language dataset takes. Two 64 KiB blocks.
    # Run against the local emulator only so far, not against Azure from here: if the service
    # refuses raw text sent as blocks, the JobFailedError below carries its reason.
    lines = (f"sentence {n} of the speechrest live test about the weather in Seattle\n" for n in range(1500))
    data = "".join(lines).encode()
    assert 64 * 1024 < len(data) <= 2 * 64 * 1024
    done: list[int] = []

    def progress(update: UploadProgress) -> None:
        if not done:  # the dataset exists from the first report: delete it even if the upload fails
            made.append(("datasets", update.dataset_id))
        done.append(update.done)

    dataset = await client.datasets.upload(
        data,
        display_name=_name("dataset"),
        locale="en-US",
        kind="Language",
        block_size=64 * 1024,
        progress=progress,
        wait=True,
        wait_timeout=TIMEOUT,
    )
    assert made == [("datasets", dataset.id)] and done[-1] == len(data)
    assert str(getattr(dataset.status, "value", dataset.status)) == "Succeeded"

    await client.datasets.delete(dataset.id)
    with pytest.raises(NotFoundError):
        await client.datasets.get(dataset.id)
