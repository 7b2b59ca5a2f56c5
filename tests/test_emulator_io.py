"""Integration tests: the SDK against the emulator for data going in and out.

Block and multipart uploads of dataset files, transcription result files, the blob
listener's signed URLs, web hook callbacks, the fault/throttle/latency knobs with the
``/_emulator/stats`` counters, and the command line entry point.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import io
import json
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from speechrest import RateLimit, SpeechClient, operations
from speechrest.emulator import Emulator
from speechrest.errors import (
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from speechrest.models import v3_1 as m

MIB = 1024 * 1024
MAX_BLOCK = 8 * MIB
EVENT_HEADER = "X-MicrosoftSpeechServices-Event"
SIGNATURE_HEADER = "X-MicrosoftSpeechServices-Signature"
AUDIO = "https://audio.example.com/calls/{}.wav"
REPO = Path(__file__).resolve().parents[1]

# These tests speak v3.1; every version is exercised in test_versions.py.
pytestmark = pytest.mark.speech_client(api_version="v3.1", max_retries=0)


# --------------------------------------------------------------------------- helpers


async def eventually(check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``check`` (sync or async) until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


async def settled(get: Callable[[str], Awaitable[Any]], entity_id: str, timeout: float = 5.0) -> Any:
    """The entity once its status is Succeeded or Failed."""
    entity: Any = None

    async def done() -> bool:
        nonlocal entity
        entity = await get(entity_id)
        return str(getattr(entity.status, "value", entity.status)) in ("Succeeded", "Failed")

    await eventually(done, timeout)
    return entity


def block_id(n: int) -> str:
    """A Base64 block id with '+', '/' and '=' in it; every id has the same length (12)."""
    text = base64.b64encode(b"\xfb\xef\xbe\xff\xff\xff" + bytes([n])).decode()
    assert "+" in text and "/" in text and "=" in text
    return text


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def blank_dataset(client: SpeechClient, **extra: Any) -> m.Dataset:
    """A Language dataset; without ``content_url`` it waits for blocks."""
    return await client.datasets.create(m.Dataset(kind="Language", display_name="blocks", locale="en-US", **extra))


async def data_file(client: SpeechClient, dataset_id: str, **options: Any) -> m.File:
    """The dataset's one ``LanguageData`` file."""
    files = await client.datasets.list_files(dataset_id, filter="kind eq 'LanguageData'", **options).to_list()
    assert [f.kind for f in files] == ["LanguageData"]
    return files[0]


async def transcribe(client: SpeechClient, urls: list[str], **properties: Any) -> m.Transcription:
    """A transcription of ``urls`` run to its end."""
    created = await client.transcriptions.create(
        m.Transcription(
            display_name="io",
            locale="en-US",
            content_urls=urls,
            properties=m.TranscriptionProperties(**properties),
        )
    )
    return await settled(client.transcriptions.get, created.id)


async def result_files(client: SpeechClient, transcription: m.Transcription) -> dict[str, list[Any]]:
    """The downloaded JSON of each file of a transcription, by file kind."""
    by_kind: dict[str, list[Any]] = {}
    async for file in client.transcriptions.list_files(transcription.id):
        assert file.links is not None and file.links.content_url is not None
        kind = str(getattr(file.kind, "value", file.kind))
        by_kind.setdefault(kind, []).append(json.loads(await client.download(file.links.content_url)))
    return by_kind


def with_query(url: str, **changes: str) -> str:
    """``url`` with some query parameters replaced (kept percent-encoded as given)."""
    parsed = URL(url, encoded=True)
    return str(parsed.update_query(changes))


async def raw_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A plain GET, no SDK: the status and body."""
    async with aiohttp.ClientSession() as session, session.get(URL(url, encoded=True), headers=headers) as response:
        return response.status, await response.read()


# --------------------------------------------------------------------------- block upload


async def test_block_upload_commits_blocks_in_the_listed_order(speech_client: SpeechClient) -> None:
    client = speech_client
    dataset = await blank_dataset(client)
    assert dataset.links is not None
    assert dataset.links.upload_blocks and dataset.links.commit_blocks and dataset.links.list_blocks
    assert dataset.status == m.Status.NOT_STARTED

    blocks = {block_id(n): bytes([n]) * size + b"\n" for n, size in ((1, 3000), (2, 5), (3, 12_000))}
    for bid, data in blocks.items():
        await client.datasets.upload_block(dataset.id, bid, data)

    listed = await client.datasets.get_blocks(dataset.id)
    assert listed.committed_blocks == []
    assert {(b.name, b.size) for b in listed.uncommitted_blocks or []} == {(i, len(d)) for i, d in blocks.items()}

    order = [block_id(3), block_id(1), block_id(2)]
    await client.datasets.commit_blocks(
        dataset.id, [m.CommitBlocksEntry(kind=m.BlockKind.UNCOMMITTED, id=bid) for bid in order]
    )
    expected = b"".join(blocks[bid] for bid in order)

    file = await data_file(client, dataset.id)
    assert file.properties is not None and file.properties.size == len(expected)
    assert file.links is not None and file.links.content_url
    assert sha(await client.download(file.links.content_url)) == sha(expected)

    after = await client.datasets.get_blocks(dataset.id)
    assert [(b.name, b.size) for b in after.committed_blocks or []] == [(i, len(blocks[i])) for i in order]
    assert after.uncommitted_blocks == []
    assert (await settled(client.datasets.get, dataset.id)).status == m.Status.SUCCEEDED


@pytest.mark.parametrize(
    "size",
    [
        1,
        MAX_BLOCK,
    ],
    ids=["one-byte", "exactly-8-MiB"],
)
async def test_block_size_limits_are_inclusive(speech_client: SpeechClient, size: int) -> None:
    client = speech_client
    dataset = await blank_dataset(client)
    data = bytes(range(256)) * (size // 256) + b"\x2a" * (size % 256)
    await client.datasets.upload_block(dataset.id, block_id(0), data)
    listed = await client.datasets.get_blocks(dataset.id)
    assert [(b.name, b.size) for b in listed.uncommitted_blocks or []] == [(block_id(0), size)]
    await client.datasets.commit_blocks(dataset.id, [{"kind": "Latest", "id": block_id(0)}])
    file = await data_file(client, dataset.id)
    assert file.links is not None and file.links.content_url
    assert sha(await client.download(file.links.content_url)) == sha(data)


@pytest.mark.parametrize("operation", ["upload_block", "upload"])
async def test_large_bytes_bodies_are_sent_without_warnings(speech_client: SpeechClient, operation: str) -> None:
    body = bytes(2 * MIB)
    if operation == "upload":
        await operations.datasets_upload(speech_client, display_name="big", locale="en-US", kind="Language", data=body)
        return
    dataset = await blank_dataset(speech_client)
    with contextlib.suppress(BadRequestError):  # the emulator may refuse it (see above); only the warning matters
        await speech_client.datasets.upload_block(dataset.id, block_id(0), body)


@pytest.mark.parametrize(
    ("first", "blockid", "size", "message"),
    [
        (None, "not*base64!", 10, "blockid 'not*base64!' is not valid Base64."),
        (None, base64.b64encode(bytes(65)).decode(), 10, "blockid must encode at most 64 bytes."),
        (block_id(0), "AAAA", 10, "Every blockid of a dataset must have the same length."),
    ],
    ids=["not-base64", "id-over-64-bytes", "unequal-id-lengths"],
)
async def test_upload_block_rejections(
    speech_client: SpeechClient, first: str | None, blockid: str, size: int, message: str
) -> None:
    dataset = await blank_dataset(speech_client)
    if first is not None:
        await speech_client.datasets.upload_block(dataset.id, first, b"ok")
    with pytest.raises(BadRequestError) as caught:
        await speech_client.datasets.upload_block(dataset.id, blockid, b"x" * size)
    assert caught.value.message == message
    assert caught.value.inner_error.code == "InvalidParameterValue"


async def test_a_block_over_8_mib_is_refused(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    """The SDK refuses such a block itself; the emulator refuses it too when sent directly."""
    dataset = await blank_dataset(speech_client)
    url = URL(f"{speech_emulator.url}/speechtotext/v3.1/datasets/{dataset.id}/blocks").with_query(blockid=block_id(0))
    headers = {"Ocp-Apim-Subscription-Key": speech_emulator.key or ""}
    body = io.BytesIO(bytes(MAX_BLOCK + 1))
    async with aiohttp.ClientSession(headers=headers) as session, session.put(url, data=body) as response:
        assert response.status == 400
        assert (await response.json())["message"] == f"A block is at most {MAX_BLOCK} bytes, got {MAX_BLOCK + 1}."


async def test_blocks_are_refused_once_committed_and_for_url_datasets(speech_client: SpeechClient) -> None:
    client = speech_client
    refusal = "The dataset does not accept blocks: it was committed or created from a URL."
    dataset = await blank_dataset(client)
    await client.datasets.upload_block(dataset.id, block_id(0), b"one\n")
    await client.datasets.commit_blocks(dataset.id, [{"kind": "Uncommitted", "id": block_id(0)}])
    with pytest.raises(BadRequestError) as caught:
        await client.datasets.upload_block(dataset.id, block_id(1), b"two\n")
    assert caught.value.message == refusal

    with pytest.raises(BadRequestError) as caught:
        await client.datasets.commit_blocks(dataset.id, [{"kind": "Committed", "id": block_id(0)}])
    assert caught.value.message == "The dataset was already committed or does not take blocks."

    from_url = await blank_dataset(client, content_url="https://data.example.com/corpus.txt")
    assert from_url.links is not None and from_url.links.upload_blocks is None
    with pytest.raises(BadRequestError) as caught:
        await client.datasets.upload_block(from_url.id, block_id(0), b"one\n")
    assert caught.value.message == refusal


async def test_commit_naming_a_missing_block_fails_the_dataset(speech_client: SpeechClient) -> None:
    client = speech_client
    dataset = await blank_dataset(client)
    await client.datasets.upload_block(dataset.id, block_id(0), b"present\n")
    answer = await client.datasets.commit_blocks(
        dataset.id, [{"kind": "Uncommitted", "id": block_id(0)}, {"kind": "Uncommitted", "id": block_id(9)}]
    )
    assert answer is None  # 200, no body
    failed = await settled(client.datasets.get, dataset.id)
    assert failed.status == m.Status.FAILED
    assert failed.properties is not None and failed.properties.error is not None
    assert failed.properties.error.code == "InvalidData"
    assert "not uploaded" in (failed.properties.error.message or "")
    kinds = [f.kind async for f in client.datasets.list_files(dataset.id)]
    assert "LanguageData" not in kinds


# --------------------------------------------------------------------------- multipart upload


@pytest.mark.parametrize("as_path", [True, False], ids=["path", "bytes"])
async def test_dataset_upload_keeps_the_file_byte_exact(
    speech_client: SpeechClient, tmp_path: Path, as_path: bool
) -> None:
    content = "Grüße aus der Werkstatt\r\n".encode() * 500 + bytes(range(256))
    source = tmp_path / "corpus.txt"
    source.write_bytes(content)
    dataset = await operations.datasets_upload(
        speech_client, display_name="uploaded", locale="de-DE", kind="Language", data=source if as_path else content
    )
    assert (dataset.display_name, dataset.locale, dataset.kind) == ("uploaded", "de-DE", m.DatasetKind.LANGUAGE)
    assert dataset.links is not None and dataset.links.upload_blocks is None
    file = await data_file(speech_client, dataset.id)
    assert file.properties is not None and file.properties.size == len(content)
    assert file.links is not None and file.links.content_url
    assert sha(await speech_client.download(file.links.content_url)) == sha(content)
    assert (await settled(speech_client.datasets.get, dataset.id)).status == m.Status.SUCCEEDED


# --------------------------------------------------------------------------- result files


def assert_span(item: dict[str, Any]) -> None:
    assert isinstance(item["offset"], str) and item["offset"].startswith("PT")
    assert isinstance(item["duration"], str) and item["duration"].startswith("PT")
    assert type(item["offsetInTicks"]) is int and type(item["durationInTicks"]) is int


async def test_result_files_follow_the_documented_format(speech_client: SpeechClient) -> None:
    urls = [AUDIO.format("a"), AUDIO.format("b")]
    transcription = await transcribe(speech_client, urls)
    assert transcription.status == m.Status.SUCCEEDED
    files = await result_files(speech_client, transcription)
    assert sorted(files) == ["Transcription", "TranscriptionReport"]
    assert len(files["TranscriptionReport"]) == 1
    assert sorted(r["source"] for r in files["Transcription"]) == urls

    report = files["TranscriptionReport"][0]
    assert (report["successfulTranscriptionsCount"], report["failedTranscriptionsCount"]) == (2, 0)

    for result in files["Transcription"]:
        assert isinstance(result["timestamp"], str)
        assert type(result["durationInTicks"]) is int and result["duration"].startswith("PT")
        assert [c["channel"] for c in result["combinedRecognizedPhrases"]] == [0, 1]
        for combined in result["combinedRecognizedPhrases"]:
            assert {"lexical", "itn", "maskedITN", "display"} <= combined.keys()
        assert result["recognizedPhrases"]
        for phrase in result["recognizedPhrases"]:
            assert phrase["recognitionStatus"] == "Success"
            assert phrase["channel"] in (0, 1)
            assert_span(phrase)
            assert not {"speaker", "locale"} & phrase.keys()
            best = phrase["nBest"][0]
            assert {"confidence", "lexical", "itn", "maskedITN", "display"} <= best.keys()
            assert "words" not in best


@pytest.mark.parametrize(
    ("properties", "check"),
    [
        ({"diarization_enabled": True}, lambda p: isinstance(p.get("speaker"), int)),
        ({"word_level_timestamps_enabled": True}, lambda p: bool(p["nBest"][0].get("words"))),
        ({"channels": [0]}, lambda p: p["channel"] == 0),
        (
            {"language_identification": m.LanguageIdentificationProperties(candidate_locales=["en-US", "de-DE"])},
            lambda p: p.get("locale") in ("en-US", "de-DE"),
        ),
    ],
    ids=["diarization", "word-timestamps", "channel-0", "language-identification"],
)
async def test_result_options_shape_the_phrases(
    speech_client: SpeechClient, properties: dict[str, Any], check: Callable[[dict[str, Any]], bool]
) -> None:
    transcription = await transcribe(speech_client, [AUDIO.format("options")], **properties)
    (result,) = (await result_files(speech_client, transcription))["Transcription"]
    phrases = result["recognizedPhrases"]
    assert phrases and all(check(p) for p in phrases)
    if "word_level_timestamps_enabled" in properties:
        for phrase in phrases:
            for word in phrase["nBest"][0]["words"]:
                assert_span(word)
                assert isinstance(word["word"], str) and 0 <= word["confidence"] <= 1
    if "channels" in properties:
        assert [c["channel"] for c in result["combinedRecognizedPhrases"]] == [0]


async def test_results_are_deterministic_per_source(speech_client: SpeechClient) -> None:
    same, other = AUDIO.format("same"), AUDIO.format("other")
    first = await result_files(speech_client, await transcribe(speech_client, [same]))
    second = await result_files(speech_client, await transcribe(speech_client, [other, same]))

    def texts(results: list[Any], source: str) -> list[str]:
        (result,) = [r for r in results if r["source"] == source]
        return [c["display"] for c in result["combinedRecognizedPhrases"]]

    assert texts(first["Transcription"], same) == texts(second["Transcription"], same)
    assert texts(second["Transcription"], other) != texts(second["Transcription"], same)


# --------------------------------------------------------------------------- blob listener


async def uploaded_file(client: SpeechClient, content: bytes, **options: Any) -> tuple[m.Dataset, m.File]:
    dataset = await client.datasets.upload(content, display_name="blob", locale="en-US", kind="Language")
    return dataset, await data_file(client, dataset.id, **options)


async def test_download_goes_to_the_blob_listener_without_credentials(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    _, file = await uploaded_file(speech_client, b"blob bytes\n")
    assert file.links is not None and file.links.content_url
    url = file.links.content_url
    assert url.startswith(speech_emulator.blob_url) and speech_emulator.blob_url != speech_emulator.url
    assert await speech_client.download(url) == b"blob bytes\n"
    assert speech_emulator.stats["blob"] == {"requests": 1, "served": 1}


async def test_blob_listener_refuses_credentials_and_bad_signatures(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    _, file = await uploaded_file(speech_client, b"secret bytes\n")
    assert file.links is not None and file.links.content_url
    url = file.links.content_url
    assert speech_emulator.key is not None

    status, body = await raw_get(url, {"Ocp-Apim-Subscription-Key": speech_emulator.key})
    assert status == 400 and b"InvalidAuthenticationInfo" in body
    status, _ = await raw_get(url, {"Authorization": "Bearer some-token"})
    assert status == 400

    signature = URL(url, encoded=True).query["sig"]
    tampered = ("B" if signature[0] != "B" else "C") + signature[1:]
    status, body = await raw_get(with_query(url, sig=tampered))
    assert status == 403 and b"AuthenticationFailed" in body

    assert await raw_get(url) == (200, b"secret bytes\n")
    blob = speech_emulator.stats["blob"]
    assert (blob["refused_credentials"], blob["refused_signature"], blob["served"]) == (2, 1, 1)


async def test_expired_content_url_is_refused_and_relisting_renews_it(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    dataset, file = await uploaded_file(speech_client, b"short lived\n", sas_validity_in_seconds=1)
    assert file.links is not None and file.links.content_url
    expiring = file.links.content_url
    await asyncio.sleep(2.1)

    status, body = await raw_get(expiring)
    assert status == 403 and b"expired" in body
    with pytest.raises(PermissionDeniedError):
        await speech_client.download(expiring)

    fresh = await data_file(speech_client, dataset.id)
    assert fresh.links is not None and fresh.links.content_url
    assert fresh.links.content_url != expiring
    assert await speech_client.download(fresh.links.content_url) == b"short lived\n"
    blob = speech_emulator.stats["blob"]
    assert (blob["refused_expired"], blob["served"]) == (2, 1)


# --------------------------------------------------------------------------- web hooks


class HookReceiver:
    """A real HTTP server standing in for a web hook receiver: records every POST it gets."""

    def __init__(self, answer_challenge: bool = True) -> None:
        self.answer_challenge = answer_challenge
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        event = request.headers.get(EVENT_HEADER, "")
        self.calls.append((event, dict(request.headers), body))
        if event == "challenge":
            token = request.query.get("validationToken", "")
            return web.Response(text=token if self.answer_challenge else "no thanks")
        return web.Response(status=200)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/hook"))

    def events(self, name: str) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, body) for event, headers, body in self.calls if event == name]


@pytest.fixture
async def receiver() -> AsyncIterator[HookReceiver]:
    hook_receiver = HookReceiver()
    await hook_receiver.server.start_server()
    yield hook_receiver
    await hook_receiver.server.close()


SECRET = "hook-secret-42"
LIFECYCLE = ("transcriptionCreation", "transcriptionProcessing", "transcriptionCompletion")


async def register(client: SpeechClient, receiver: HookReceiver, **events: bool) -> m.WebHook:
    """A hook with ``SECRET`` for ``events``, once its challenge is over."""
    hook = await client.web_hooks.create(
        m.WebHook(
            web_url=receiver.url,
            display_name="receiver",
            events=m.WebHookEvents(**events),
            properties=m.WebHookProperties(secret=SECRET),
        )
    )
    return await settled(client.web_hooks.get, hook.id)


def signed(headers: dict[str, str], body: bytes) -> bool:
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(headers.get(SIGNATURE_HEADER, ""), expected)


async def test_web_hook_gets_signed_lifecycle_events(speech_client: SpeechClient, receiver: HookReceiver) -> None:
    hook = await register(
        speech_client,
        receiver,
        transcription_creation=True,
        transcription_processing=True,
        transcription_completion=True,
        ping=True,
    )
    assert hook.status == m.Status.SUCCEEDED
    assert len(receiver.events("challenge")) == 1

    transcription = await transcribe(speech_client, [AUDIO.format("hooked")])
    await eventually(lambda: all(receiver.events(e) for e in LIFECYCLE))
    for event in LIFECYCLE:
        ((headers, body),) = receiver.events(event)
        assert headers[EVENT_HEADER] == event
        assert signed(headers, body)
        payload = json.loads(body)
        assert payload["self"] == transcription.self_
        assert "contentUrls" not in payload  # write-only, in callbacks too
    completed = json.loads(receiver.events("transcriptionCompletion")[0][1])
    assert completed["status"] == "Succeeded"


async def test_web_hook_ping_and_test(speech_client: SpeechClient, receiver: HookReceiver) -> None:
    hook = await register(speech_client, receiver, transcription_completion=True, ping=True)
    await speech_client.web_hooks.ping(hook.id)
    await eventually(lambda: bool(receiver.events("ping")))
    ((headers, body),) = receiver.events("ping")
    assert signed(headers, body) and json.loads(body)["self"] == hook.self_

    transcription = await transcribe(speech_client, [AUDIO.format("tested")])
    await eventually(lambda: len(receiver.events("transcriptionCompletion")) == 1)
    await speech_client.web_hooks.test(hook.id)
    await eventually(lambda: len(receiver.events("transcriptionCompletion")) == 2)
    first, again = receiver.events("transcriptionCompletion")
    assert again[1] == first[1] and signed(*again)
    assert json.loads(again[1])["self"] == transcription.self_


async def test_web_hook_that_ignores_the_challenge_fails(speech_client: SpeechClient, receiver: HookReceiver) -> None:
    receiver.answer_challenge = False
    hook = await register(speech_client, receiver, transcription_completion=True)
    assert hook.status == m.Status.FAILED
    assert hook.properties is not None and hook.properties.error is not None
    assert hook.properties.error.code == "InvalidCallbackUri"
    await transcribe(speech_client, [AUDIO.format("unheard")])
    await asyncio.sleep(0.1)
    assert [event for event, _, _ in receiver.calls] == ["challenge"]


async def test_deleting_a_transcription_notifies_the_hook(speech_client: SpeechClient, receiver: HookReceiver) -> None:
    await register(speech_client, receiver, transcription_deletion=True)
    transcription = await transcribe(speech_client, [AUDIO.format("deleted")])
    await speech_client.transcriptions.delete(transcription.id)
    await eventually(lambda: bool(receiver.events("transcriptionDeletion")))
    ((headers, body),) = receiver.events("transcriptionDeletion")
    assert signed(headers, body) and json.loads(body)["self"] == transcription.self_
    assert not receiver.events("transcriptionCreation")


# --------------------------------------------------------------------------- fault knobs and stats


async def fault_kinds(client: SpeechClient, count: int) -> list[str]:
    """Send ``count`` requests that all fail; name each failure as the emulator's stats do."""
    kinds = []
    for _ in range(count):
        with pytest.raises((ServerError, TransportError)) as caught:
            await client.transcriptions.list_supported_locales()
        error = caught.value
        kinds.append(str(error.status) if isinstance(error, ServerError) else "lost")
    return kinds


@pytest.mark.speech_emulator(fault_rate=1.0, seed=1)
async def test_every_request_faults_reproducibly(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    kinds = await fault_kinds(speech_client, 60)
    assert set(kinds) == {"500", "503", "lost"}
    assert speech_emulator.stats["faults"] == dict(Counter(kinds))
    assert speech_emulator.stats["requests"]["Transcriptions_ListSupportedLocales"] == dict(Counter(kinds))

    async with (
        Emulator(key="k", fault_rate=1.0, seed=1) as replay,
        SpeechClient(endpoint=replay.url, key="k", api_version="v3.1", max_retries=0) as client,
    ):
        assert await fault_kinds(client, 60) == kinds


@pytest.mark.speech_emulator(throttle_rate=1.0)
async def test_throttling_asks_to_retry_after_one_second(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    for _ in range(3):
        with pytest.raises(RateLimitError) as caught:
            await speech_client.transcriptions.list_supported_locales()
        assert caught.value.retry_after == 1
    assert speech_emulator.stats["throttled"] == 3


@pytest.mark.speech_emulator(latency_ms=200)
async def test_latency_delays_every_request(speech_client: SpeechClient) -> None:
    started = time.monotonic()
    assert "en-US" in await speech_client.transcriptions.list_supported_locales()
    assert time.monotonic() - started >= 0.2


async def test_stats_endpoint_counts_by_operation_and_status(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    assert speech_emulator.key is not None
    for _ in range(2):
        await speech_client.transcriptions.list_supported_locales()
    with pytest.raises(NotFoundError):
        await speech_client.transcriptions.get("00000000-0000-4000-8000-000000000000")
    status, _ = await raw_get(f"{speech_emulator.url}/speechtotext/v3.1/transcriptions/locales")
    assert status == 401

    assert (await raw_get(f"{speech_emulator.url}/_emulator/stats"))[0] == 401  # the key, as for the API
    status, body = await raw_get(
        f"{speech_emulator.url}/_emulator/stats", {"Ocp-Apim-Subscription-Key": speech_emulator.key}
    )
    assert status == 200
    stats = json.loads(body)
    assert stats["requests"] == {
        "Transcriptions_ListSupportedLocales": {"200": 2, "401": 1},
        "Transcriptions_Get": {"404": 1},
    }
    assert stats["total"] == 4
    assert stats == speech_emulator.stats


# --------------------------------------------------------------------------- command line


async def test_command_line_serves_until_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "speechrest.emulator",
        "--port",
        "0",
        "--processing-seconds",
        "0.1",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
        found = re.search(r"listening on (http://\S+:\d+)", first)
        assert found, first
        async with SpeechClient(endpoint=found.group(1), api_version="v3.1") as client:
            assert "en-US" in await client.transcriptions.list_supported_locales()
        process.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(process.communicate(), 5)
        assert process.returncode == 0
        assert "stopped" in rest.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_quota_answers_429_beyond_it_and_the_client_stays_under_it() -> None:
    async with Emulator(rate_limit="5/0.5") as emu:
        async with SpeechClient(endpoint=emu.url, api_version="v3.1", rate_limit=None, max_retries=0) as client:
            outcomes = await asyncio.gather(
                *(client.transcriptions.list_supported_locales() for _ in range(8)), return_exceptions=True
            )
        refused = [o for o in outcomes if isinstance(o, RateLimitError)]
        assert len(refused) == 3 and all(o.retry_after == 1 for o in refused)
        await asyncio.sleep(0.6)
        limit = RateLimit(requests=5, per_seconds=0.5)
        async with SpeechClient(endpoint=emu.url, api_version="v3.1", rate_limit=limit, max_retries=0) as client:
            await asyncio.gather(*(client.transcriptions.list_supported_locales() for _ in range(12)))
        assert emu.stats["throttled"] == 3  # the client-side limit kept it under the quota
        emu.quota = None
        with pytest.raises(ValueError, match="REQUESTS/SECONDS"):
            Emulator(rate_limit="lots")
