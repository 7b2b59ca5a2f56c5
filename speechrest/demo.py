"""``python -m speechrest.demo``: a real end-to-end run against the built-in emulator.

It starts the emulator on loopback, then, through the SDK: transcribes three audio URLs
and prints the recognised text, and uploads a small dataset in blocks and checks that the
service holds exactly the bytes sent. No key, no network beyond loopback.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from . import SpeechClient, models
from .emulator import Emulator
from .upload import UploadProgress

AUDIO = [f"https://audio.example.com/calls/call-{n}.wav" for n in (1, 2, 3)]
TERMINAL = ("Succeeded", "Failed")


async def wait(get: Callable[[str], Awaitable[Any]], entity_id: str, what: str) -> Any:
    """Poll ``get`` (e.g. ``client.transcriptions.get``) until the entity finishes."""
    started = time.monotonic()
    last = None
    while True:
        entity = await get(entity_id)
        status = str(getattr(entity.status, "value", entity.status))
        if status != last:
            print(f"  {what} {entity_id}: {status} after {time.monotonic() - started:.1f} s")
            last = status
        if status in TERMINAL:
            return entity
        await asyncio.sleep(0.25)


async def transcribe(client: SpeechClient) -> None:
    print("Transcribing", len(AUDIO), "audio files with speaker separation ...")
    created = await client.transcriptions.create(
        models.Transcription(
            display_name="speechrest demo",
            locale="en-US",
            content_urls=AUDIO,
            properties=models.TranscriptionProperties(
                time_to_live_hours=24,
                diarization=models.DiarizationProperties(enabled=True, max_speakers=2),
                word_level_timestamps_enabled=True,
            ),
        )
    )
    await wait(client.transcriptions.get, created.id, "transcription")
    async for file in client.transcriptions.list_files(created.id, filter="kind eq 'Transcription'"):
        assert file.links is not None and file.links.content_url is not None
        result = json.loads(await client.download(file.links.content_url))
        print(f"\n  {result['source']} ({result['duration']}):")
        for phrase in result["recognizedPhrases"][:3]:
            print(f"    speaker {phrase.get('speaker', '?')} at {phrase['offset']}: {phrase['nBest'][0]['display']}")


async def upload_dataset(client: SpeechClient) -> None:
    data = b"".join(f"line {n}: the quick brown fox jumps over the lazy dog\n".encode() for n in range(3000))
    print(f"\nUploading a {len(data):,}-byte language dataset in 64 KiB blocks ...")

    def progress(update: UploadProgress) -> None:
        print(f"  dataset {update.dataset_id}: {update.done:,} of {update.total:,} bytes")

    dataset = await client.datasets.upload(
        data,
        display_name="demo corpus",
        locale="en-US",
        kind="Language",
        block_size=64 * 1024,
        progress=progress,
        wait=True,
    )
    print(f"  processed: {getattr(dataset.status, 'value', dataset.status)}")
    files = await client.datasets.list_files(dataset.id, filter="kind eq 'LanguageData'").to_list()
    assert files and files[0].links is not None and files[0].links.content_url is not None
    stored = await client.download(files[0].links.content_url)
    same = hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
    print(f"  the service holds {len(stored):,} bytes; identical to what was sent: {same}")
    if not same:
        raise SystemExit("the uploaded dataset differs from the source")


async def main() -> None:
    async with Emulator(processing_seconds=1.5) as emulator:
        print(f"Emulator running at {emulator.url} (files on {emulator.blob_url})\n")
        async with SpeechClient(endpoint=emulator.url) as client:  # the newest API version
            await transcribe(client)
            await upload_dataset(client)
        print(f"\nDone: {emulator.stats['total']} API requests served by the emulator.")


if __name__ == "__main__":
    asyncio.run(main())
