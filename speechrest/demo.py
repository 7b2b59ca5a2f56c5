"""``python -m speechrest.demo``: a real end-to-end run against the built-in emulator.

It starts the emulator on loopback, then, through the SDK: transcribes three audio URLs and
prints each speaker's text and a caption, waits for forty transcriptions at once with list
sweeps, and uploads a small dataset in blocks and checks that the service holds exactly the
bytes sent. No key, no network beyond loopback.
"""

from __future__ import annotations

import asyncio
import hashlib
import textwrap
import time

from . import SpeechClient, models
from .emulator import Emulator
from .upload import UploadProgress

AUDIO = [f"https://audio.example.com/calls/call-{n}.wav" for n in (1, 2, 3)]
BATCH = 40  # transcriptions waited on together, to show list sweeps instead of a GET per job


async def transcribe(client: SpeechClient) -> None:
    print("Transcribing", len(AUDIO), "audio files with speaker separation ...")
    print("  (the emulator hears no audio: it makes up its words, numbers and timings)")
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
    started = time.monotonic()
    done = await client.transcriptions.wait(created, timeout=60)
    print(f"  transcription {done.id}: {done.status} after {time.monotonic() - started:.1f} s")
    async for result in client.transcriptions.results(done):
        print(f"\n  {result.source} ({result.duration.total_seconds():.1f} s, speakers {result.speakers}):")
        for speaker in result.speakers:
            print(f"    speaker {speaker}: {textwrap.shorten(result.text(speaker=speaker), 70, placeholder=' ...')}")
        cues = result.to_webvtt(max_line_length=42).split("\n\n")
        print("    captions (WebVTT), first cue:", *cues[1].splitlines(), sep="\n      ")


async def wait_for_many(client: SpeechClient, emulator: Emulator) -> None:
    print(f"\nSubmitting {BATCH} transcriptions and waiting for them all ...")
    jobs = [
        await client.transcriptions.create(
            {
                "displayName": f"job {n}",
                "locale": "en-US",
                "contentUrls": [f"https://audio.example.com/{n}.wav"],
                "properties": {"timeToLiveHours": 24},
            }
        )
        for n in range(BATCH)
    ]
    before = dict(emulator.stats["requests"])

    def progress(finished: int, total: int) -> None:
        if finished % 10 == 0:
            print(f"  {finished} of {total} finished")

    await client.transcriptions.wait_all(jobs, timeout=120, poll_interval=1, progress=progress)
    after = emulator.stats["requests"]
    gets = sum(after.get("Transcriptions_Get", {}).values()) - sum(before.get("Transcriptions_Get", {}).values())
    sweeps = sum(after.get("Transcriptions_List", {}).values()) - sum(before.get("Transcriptions_List", {}).values())
    print(f"  waited with {sweeps} list sweeps and {gets} single GETs for {BATCH} jobs")


async def upload_dataset(client: SpeechClient) -> None:
    data = b"".join(f"line {n}: the quick brown fox jumps over the lazy dog\n".encode() for n in range(30000))
    print(f"\nUploading a {len(data):,}-byte language dataset in 256 KiB blocks ...")

    shown: list[str] = []

    def progress(update: UploadProgress) -> None:
        if not shown:
            shown.append(update.dataset_id)
            print(f"  dataset {update.dataset_id} created; blocks going up:")
        total = update.total or len(data)  # bytes in memory: the total is known
        bar = "#" * round(update.done / total * 20)
        print(f"    [{bar:<20}] {update.done / total:4.0%}  {update.done / 1024:,.0f} of {total / 1024:,.0f} KiB")

    dataset = await client.datasets.upload(
        data,
        display_name="demo corpus",
        locale="en-US",
        kind="Language",
        block_size=256 * 1024,
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
            await wait_for_many(client, emulator)
            await upload_dataset(client)
        print(f"\nDone: {emulator.stats['total']} API requests served by the emulator.")


if __name__ == "__main__":
    asyncio.run(main())
