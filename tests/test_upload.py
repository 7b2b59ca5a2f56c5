"""``client.datasets.upload`` on every API version: blocks where the version has them, the
multipart form on v3.0; byte-exact results, every kind of source, bad input refused early."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import itertools
import os
import sys
import types
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from conftest import TEST_KEY, RecordingServer, own_properties

from speechrest import InvalidArgumentError, RetryPolicy, SpeechClient
from speechrest.emulator import Emulator
from speechrest.upload import BlockId, BlockUploader, UploadError, UploadProgress, progress_bar

VERSIONS = ["v3.0", "v3.1", "2024-11-15", "2025-10-15"]
DATASET_ID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
DATASET = {
    "self": f"https://x.example/speechtotext/datasets/{DATASET_ID}",
    "displayName": "d",
    "locale": "en-US",
    "kind": "Language",
}
BLOCK = 64 * 1024
DATA = b"".join(f"line {n}: the quick brown fox\n".encode() for n in range(6000))  # ~180 KB: 3 blocks


async def pieces(data: bytes, size: int = 5000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def stored_bytes(client: SpeechClient, dataset_id: str) -> bytes:
    """The dataset's data file, once the dataset has been processed."""
    for _ in range(100):
        dataset = await client.datasets.get(dataset_id)
        if str(getattr(dataset.status, "value", dataset.status)) == "Succeeded":
            break
        await asyncio.sleep(0.05)
    files = [
        f async for f in client.datasets.list_files(dataset_id) if getattr(f.kind, "value", f.kind) == "LanguageData"
    ]
    assert len(files) == 1 and files[0].links is not None
    return await client.download(files[0].links.content_url)


@pytest.mark.speech_emulator(processing_seconds=0.05)
@pytest.mark.parametrize("version", VERSIONS)
async def test_upload_is_byte_exact_on_every_version(version: str, speech_emulator: Emulator) -> None:
    async with SpeechClient(endpoint=speech_emulator.url, key=speech_emulator.key, api_version=version) as client:
        dataset = await client.datasets.upload(
            DATA, display_name="corpus", locale="en-US", kind="Language", block_size=BLOCK, custom_properties={"a": "b"}
        )
        assert dataset.display_name == "corpus" and own_properties(dataset.custom_properties) == {"a": "b"}
        assert hashlib.sha256(await stored_bytes(client, dataset.id)).digest() == hashlib.sha256(DATA).digest()
    requests = speech_emulator.stats["requests"]
    if version == "v3.0":
        assert "UploadDatasetFromForm" in requests and "Datasets_UploadBlock" not in requests
    else:
        assert requests["Datasets_UploadBlock"] == {"201": 3}
        assert requests["Datasets_CommitBlocks"] == {"200": 1}


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_resume_on_v3_0_is_refused_before_anything_is_sent(speech_emulator: Emulator) -> None:
    async with SpeechClient(endpoint=speech_emulator.url, key=speech_emulator.key, api_version="v3.0") as client:
        with pytest.raises(InvalidArgumentError, match=r"resume= needs block uploads \(v3.1 and later\)"):
            await client.datasets.upload(
                DATA, display_name="d", locale="en-US", kind="Language", resume="0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
            )
    assert speech_emulator.stats["total"] == 0


@pytest.mark.speech_emulator(processing_seconds=0.05)
@pytest.mark.parametrize("kind", ["path", "str-path", "file", "async-stream", "bytearray"])
async def test_every_kind_of_source(kind: str, tmp_path: Path, speech_client: SpeechClient) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(DATA)
    source: Any = {
        "path": path,
        "str-path": str(path),
        "file": io.BytesIO(DATA),
        "async-stream": pieces(DATA),
        "bytearray": bytearray(DATA),
    }[kind]
    dataset = await speech_client.datasets.upload(
        source, display_name="corpus", locale="en-US", kind="Language", block_size=BLOCK, max_concurrency=2
    )
    assert await stored_bytes(speech_client, dataset.id) == DATA


async def empty() -> AsyncIterator[bytes]:
    for chunk in ():
        yield chunk


@pytest.mark.parametrize(
    ("source", "options", "message"),
    [
        (DATA, {"block_size": 8 * 1024 * 1024 + 1}, "block_size must be between"),
        (DATA, {"block_size": 1024}, "block_size must be between"),
        (DATA, {"max_concurrency": 0}, "max_concurrency must be >= 1"),
        (b"", {}, "the source is empty"),
        (empty(), {}, "the source is empty"),
        (Path("/nonexistent/corpus.txt"), {}, "no file at"),
        (Path("/"), {}, "is a directory"),
        (12, {}, "source must be a path"),
    ],
    ids=["block-too-big", "block-too-small", "no-workers", "empty-bytes", "empty-stream", "missing", "dir", "int"],
)
async def test_bad_input_sends_nothing(
    source: Any, options: dict[str, Any], message: str, server: RecordingServer, client: SpeechClient
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        await client.datasets.upload(source, display_name="d", locale="en-US", kind="Language", **options)
    assert server.requests == []


async def test_a_failed_block_names_the_block_offset_and_dataset(server: RecordingServer) -> None:
    server.reply(201, DATASET)
    server.reply(500, {"code": "InternalServerError", "message": "boom"})
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0) as client:
        with pytest.raises(UploadError) as caught:
            await client.datasets.upload(
                DATA, display_name="d", locale="en-US", kind="Language", block_size=BLOCK, max_concurrency=1
            )
    error = caught.value
    assert error.dataset_id == DATASET_ID
    assert error.block_id == BlockUploader.block_id(0, DATA[:BLOCK], block_size=BLOCK, total=len(DATA))
    assert error.offset == 0
    assert "InternalServerError" in str(error)
    assert not any(r.path.endswith("blocks:commit") for r in server.requests)


async def test_blocks_are_sent_in_order_with_equal_length_ids(server: RecordingServer) -> None:
    server.handler = lambda request, body: web.json_response(DATASET, status=201 if request.method != "GET" else 200)
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0) as client:
        await client.datasets.upload(DATA, display_name="d", locale="en-US", kind="Language", block_size=BLOCK)
    puts = {r.query["blockid"]: r.body for r in server.requests if r.method == "PUT"}
    commit = next(r for r in server.requests if r.path.endswith("blocks:commit"))
    order = [e["id"] for e in commit.json()]
    assert sorted(order) == sorted(puts) and b"".join(puts[i] for i in order) == DATA
    assert len({len(i) for i in order}) == 1 and all(e["kind"] == "Uncommitted" for e in commit.json())
    # each id says its index, the block size, the source's size and a digest of its bytes
    said = [BlockId(n, BLOCK, len(DATA), hashlib.sha256(puts[i]).digest()[:18]) for n, i in enumerate(order)]
    assert [BlockId.parse(i) for i in order] == said


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_progress_is_monotone_and_ends_at_the_total(speech_client: SpeechClient) -> None:
    data = DATA * 8  # ~1.4 MB in 64 KiB blocks
    seen: list[UploadProgress] = []

    async def record(update: UploadProgress) -> None:
        seen.append(update)

    dataset = await speech_client.datasets.upload(
        data, display_name="d", locale="en-US", kind="Language", block_size=BLOCK, progress=record, wait=True
    )
    assert str(getattr(dataset.status, "value", dataset.status)) == "Succeeded"
    assert seen[0].done == 0 and seen[-1].done == len(data)
    assert all(u.total == len(data) and u.dataset_id == dataset.id for u in seen)
    middle = [u.done for u in seen[1:-1]]  # between the first report and the one after the commit
    assert middle and middle == sorted(middle)
    # no more often than every 256 KiB (blocks here are smaller), so a few reports, not one per block
    assert all(later - earlier >= 256 * 1024 for earlier, later in itertools.pairwise(middle))


UPLOAD: dict[str, Any] = {"display_name": "d", "locale": "en-US", "kind": "Language"}
RESUMED = DATA * 4  # 12 blocks of 64 KiB, the last one short


class Crash(Exception):
    """The upload's process stopping."""


async def crash_halfway(client: SpeechClient, source: Any, size: int) -> str:
    """Upload ``source`` (``size`` bytes) one block at a time and stop as soon as half of it is
    sent, before the next block starts; the dataset's id."""
    started: list[str] = []

    def watch(update: UploadProgress) -> None:
        started.append(update.dataset_id)
        if update.done >= size // 2:
            raise Crash

    with pytest.raises(Crash):
        await client.datasets.upload(source, block_size=BLOCK, max_concurrency=1, progress=watch, **UPLOAD)
    return started[0]


def changed_at(offset: int) -> bytes:
    """``RESUMED`` with one bit flipped at ``offset``."""
    changed = bytearray(RESUMED)
    changed[offset] ^= 1
    return bytes(changed)


def sent_blocks(emulator: Emulator) -> int:
    return int(emulator.stats["requests"].get("Datasets_UploadBlock", {}).get("201", 0))


async def assert_nothing_committed(client: SpeechClient, emulator: Emulator, dataset_id: str) -> None:
    assert "Datasets_CommitBlocks" not in emulator.stats["requests"]
    assert not (await client.datasets.get_blocks(dataset_id)).committed_blocks
    dataset = await client.datasets.get(dataset_id)
    assert str(getattr(dataset.status, "value", dataset.status)) != "Succeeded"


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_a_crashed_upload_resumes_with_only_the_missing_blocks(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    dataset_id = await crash_halfway(speech_client, RESUMED, len(RESUMED))
    assert sent_blocks(speech_emulator) == 8  # 512 KiB: the first report past half of it
    reports: list[int] = []
    dataset = await speech_client.datasets.upload(
        RESUMED, block_size=BLOCK, resume=dataset_id, progress=lambda update: reports.append(update.done), **UPLOAD
    )
    assert reports[0] == 8 * BLOCK  # the blocks already there count from the first report
    assert reports[-1] == len(RESUMED) and reports == sorted(reports)
    assert sent_blocks(speech_emulator) == 12  # only the 4 missing blocks were sent
    assert dataset.id == dataset_id
    assert await stored_bytes(speech_client, dataset.id) == RESUMED
    with pytest.raises(InvalidArgumentError, match="already committed"):
        await speech_client.datasets.upload(RESUMED, block_size=BLOCK, resume=dataset.id, **UPLOAD)


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_a_source_rewritten_at_the_same_size_is_refused_and_the_first_one_still_resumes(
    tmp_path: Path, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(RESUMED)
    dataset_id = await crash_halfway(speech_client, path, len(RESUMED))
    sent_before = sent_blocks(speech_emulator)
    path.write_bytes(changed_at(BLOCK + 10))  # in block 1, which the first try sent
    message = rf"resume='{dataset_id}' refused, nothing committed: block 1 \(bytes from {BLOCK}\) is not the one"
    with pytest.raises(InvalidArgumentError, match=message):
        await speech_client.datasets.upload(path, block_size=BLOCK, resume=dataset_id, **UPLOAD)
    assert sent_blocks(speech_emulator) == sent_before  # nothing was sent either
    await assert_nothing_committed(speech_client, speech_emulator, dataset_id)
    path.write_bytes(RESUMED)
    await speech_client.datasets.upload(path, block_size=BLOCK, resume=dataset_id, **UPLOAD)
    assert sent_blocks(speech_emulator) == 12
    assert await stored_bytes(speech_client, dataset_id) == RESUMED


def open_files() -> set[str]:
    """The paths of the files this process has open (Linux)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the listing's own descriptor, closed by now
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists open files through /proc")
async def test_a_stopped_or_refused_upload_leaves_its_source_file_closed(
    tmp_path: Path, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(RESUMED)
    dataset_id = await crash_halfway(speech_client, path, len(RESUMED))
    assert str(path) not in open_files()
    path.write_bytes(changed_at(BLOCK + 10))
    with pytest.raises(InvalidArgumentError, match="the source changed"):
        await speech_client.datasets.upload(path, block_size=BLOCK, resume=dataset_id, **UPLOAD)
    assert str(path) not in open_files()


@pytest.mark.speech_emulator(processing_seconds=0.05)
@pytest.mark.parametrize(
    ("source", "block_size", "message"),
    [
        (
            RESUMED,
            2 * BLOCK,
            rf"the first try cut {BLOCK}-byte blocks, this one block_size={2 * BLOCK}; "
            rf"resume with block_size={BLOCK}",
        ),
        (RESUMED[:-1], BLOCK, rf"the first try's source was {len(RESUMED)} bytes, this one is {len(RESUMED) - 1}"),
        (RESUMED + b"more", BLOCK, rf"the first try's source was {len(RESUMED)} bytes, this one is {len(RESUMED) + 4}"),
    ],
    ids=["block-size", "shorter", "longer"],
)
async def test_another_block_size_or_size_is_refused_at_once(
    source: bytes, block_size: int, message: str, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    dataset_id = await crash_halfway(speech_client, RESUMED, len(RESUMED))
    before = speech_emulator.stats["total"]
    with pytest.raises(InvalidArgumentError, match=rf"resume='{dataset_id}' refused, nothing committed: {message}"):
        await speech_client.datasets.upload(source, block_size=block_size, resume=dataset_id, **UPLOAD)
    assert speech_emulator.stats["total"] == before + 1  # the list of blocks, and nothing more
    await assert_nothing_committed(speech_client, speech_emulator, dataset_id)


@pytest.mark.speech_emulator(processing_seconds=0.05)
@pytest.mark.parametrize(
    ("resumed", "message"),
    [
        (changed_at(0), r"block 0 \(bytes from 0\) is not the one the first try sent: the source changed"),
        (RESUMED[: 2 * BLOCK], rf"block 2 \(bytes from {2 * BLOCK}\) is past this source's end \({2 * BLOCK} bytes\)"),
    ],
    ids=["changed", "cut-at-a-block"],
)
async def test_a_stream_resumed_with_other_bytes_is_refused(
    resumed: bytes, message: str, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    dataset_id = await crash_halfway(speech_client, pieces(RESUMED), len(RESUMED))
    sent_before = sent_blocks(speech_emulator)
    with pytest.raises(InvalidArgumentError, match=rf"resume='{dataset_id}' refused, nothing committed: {message}"):
        await speech_client.datasets.upload(pieces(resumed), block_size=BLOCK, resume=dataset_id, **UPLOAD)
    assert sent_blocks(speech_emulator) == sent_before
    await assert_nothing_committed(speech_client, speech_emulator, dataset_id)


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_a_stream_resumes_from_the_same_bytes_as_a_file(
    tmp_path: Path, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    dataset_id = await crash_halfway(speech_client, pieces(RESUMED), len(RESUMED))
    path = tmp_path / "corpus.txt"
    path.write_bytes(RESUMED)  # its ids name its size, where the stream's did not know it
    await speech_client.datasets.upload(path, block_size=BLOCK, resume=dataset_id, **UPLOAD)
    assert sent_blocks(speech_emulator) == 12  # 8 by the stream, 4 from the file
    assert await stored_bytes(speech_client, dataset_id) == RESUMED


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_blocks_missing_before_the_last_one_there_wait_until_it_is_checked(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    dataset = await speech_client.datasets.create({"displayName": "gap", "locale": "en-US", "kind": "Language"})
    for index in (0, 1, 3):  # block 2 was in flight when the first try stopped
        chunk = RESUMED[index * BLOCK : (index + 1) * BLOCK]
        block_id = BlockUploader.block_id(index, chunk, block_size=BLOCK, total=len(RESUMED))
        await speech_client.datasets.upload_block(dataset.id, block_id, chunk)
    with pytest.raises(InvalidArgumentError, match=rf"block 3 \(bytes from {3 * BLOCK}\) is not the one"):
        await BlockUploader(speech_client, dataset.id).upload(changed_at(3 * BLOCK), block_size=BLOCK, resume=True)
    assert sent_blocks(speech_emulator) == 3  # block 2 was held, and dropped with the refusal
    await BlockUploader(speech_client, dataset.id).upload(RESUMED, block_size=BLOCK, resume=True)
    assert sent_blocks(speech_emulator) == 3 + 9  # block 2, and 4 to 11
    assert await stored_bytes(speech_client, dataset.id) == RESUMED


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_blocks_from_another_uploader_cannot_be_checked_so_are_refused(speech_client: SpeechClient) -> None:
    dataset = await speech_client.datasets.create({"displayName": "old", "locale": "en-US", "kind": "Language"})
    old_id = base64.b64encode(b"000000000000").decode()  # an index alone, as speechrest 0.1 made them
    await speech_client.datasets.upload_block(dataset.id, old_id, RESUMED[:BLOCK])
    with pytest.raises(InvalidArgumentError, match=rf"block id '{old_id}' was not made by this version of speechrest"):
        await speech_client.datasets.upload(RESUMED, block_size=BLOCK, resume=dataset.id, **UPLOAD)


@pytest.mark.speech_emulator(processing_seconds=0.05, fault_rate=0.1, seed=11)
@pytest.mark.speech_client(retry=RetryPolicy(backoff=0.01, max_backoff=0.05))
async def test_upload_stays_byte_exact_under_faults(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    data = DATA * 3
    dataset = await speech_client.datasets.upload(
        data, display_name="d", locale="en-US", kind="Language", block_size=BLOCK, max_concurrency=3
    )
    assert await stored_bytes(speech_client, dataset.id) == data
    assert sum(speech_emulator.stats["faults"].values()) > 0
    assert speech_emulator.stats["create_tokens"]["duplicated"] == {}


@pytest.mark.speech_emulator(processing_seconds=0.05)
@pytest.mark.parametrize(
    "size",
    [1, BLOCK, BLOCK + 1, 50 * 1024 * 1024],
    ids=["one-byte", "exactly-one-block", "one-byte-over-a-block", "50-MiB"],
)
async def test_sizes_round_trip_byte_exact(size: int, speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    block = BLOCK if size < 1024 * 1024 else 4 * 1024 * 1024
    dataset = await speech_client.datasets.upload(
        data, display_name="d", locale="en-US", kind="Language", block_size=block
    )
    assert hashlib.sha256(await stored_bytes(speech_client, dataset.id)).digest() == hashlib.sha256(data).digest()
    blocks = -(-size // block)
    assert speech_emulator.stats["requests"]["Datasets_UploadBlock"] == {"201": blocks}


def test_progress_bar_drives_tqdm_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[str, Any]] = []

    class FakeBar:
        def __init__(self, **options: Any) -> None:
            shown.append(("open", options["total"]))
            self.n = 0

        def update(self, step: int) -> None:
            self.n += step
            shown.append(("update", self.n))

        def close(self) -> None:
            shown.append(("close", self.n))

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    bar = progress_bar("corpus")
    for done in (0, 1000, 3000, 3000):
        bar(UploadProgress("d", done, 3000))
    assert shown == [("open", 3000), ("update", 1000), ("update", 3000), ("close", 3000)]


def test_a_progress_bar_used_as_a_context_manager_stops_when_the_upload_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[int] = []

    class FakeBar:
        def __init__(self, **options: Any) -> None:
            self.n = 0

        def update(self, step: int) -> None:
            self.n += step

        def close(self) -> None:
            closed.append(self.n)

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    with pytest.raises(UploadError), progress_bar() as bar:
        bar(UploadProgress("d", 1000, 3000))
        raise UploadError("block failed", dataset_id="d", block_id="AAA=", offset=1000)
    bar(UploadProgress("d", 2000, 3000))  # a late report draws nothing
    assert closed == [1000]


def test_progress_bar_needs_tqdm_or_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    with pytest.raises(ImportError, match="tqdm or rich"):
        progress_bar()


@pytest.mark.speech_emulator(processing_seconds=0.05)
async def test_block_uploader_fills_a_dataset_created_by_the_caller(speech_client: SpeechClient) -> None:
    dataset = await speech_client.datasets.create({"displayName": "mine", "locale": "en-US", "kind": "Language"})
    await BlockUploader(speech_client, dataset.id, max_concurrency=2).upload(DATA, block_size=BLOCK)
    assert await stored_bytes(speech_client, dataset.id) == DATA
    with pytest.raises(InvalidArgumentError, match="block_size must be between"):
        await BlockUploader(speech_client, dataset.id).upload(DATA, block_size=10)
