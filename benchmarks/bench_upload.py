"""Dataset upload throughput and memory against an emulator in its own process.

Run: ``.venv/bin/python benchmarks/bench_upload.py [--size-mib 1024] [--block-mib 4] [--concurrency 4]``.
Prints MiB/s for ``client.datasets.upload`` beside a raw aiohttp loop that PUTs the same
blocks with the same concurrency (target >= 0.9 x) and a sequential one-connection loop,
and the uploader's peak resident memory for a 256 MiB and the full-size file (target:
<= (concurrency + 2) x block + 40 MiB, the same for both sizes). Each upload runs in a
fresh process so that its peak memory is its own. The files are made here, not committed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from _emulator import emulator_process

from speechrest import SpeechClient

MIB = 1024 * 1024


def make_file(path: Path, size: int) -> None:
    """A file of ``size`` bytes that no block repeats exactly (one random MiB, varied per MiB)."""
    seed = bytearray(os.urandom(MIB))
    with path.open("wb") as out:
        for n in range(size // MIB):
            seed[:8] = n.to_bytes(8, "big")
            out.write(seed)


async def upload_sdk(url: str, path: Path, block: int, concurrency: int) -> str:
    async with SpeechClient(endpoint=url, rate_limit=None) as client:
        dataset = await client.datasets.upload(
            path, display_name="bench", locale="en-US", kind="Acoustic", block_size=block, max_concurrency=concurrency
        )
    return str(dataset.id)


async def upload_raw(url: str, path: Path, block: int, concurrency: int) -> str:
    """The same protocol with plain aiohttp: create, PUT blocks ``concurrency`` at a time, commit."""
    base = f"{url}/speechtotext/datasets"
    query = {"api-version": "2025-10-15"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        body = {"displayName": "bench", "locale": "en-US", "kind": "Acoustic"}
        async with session.post(base, params=query, json=body) as response:
            dataset_id = (await response.json())["self"].split("?")[0].rsplit("/", 1)[-1]
        slots = asyncio.Semaphore(concurrency)
        ids: list[str] = []
        tasks = []

        async def put(block_id: str, data: bytes) -> None:
            try:
                params = {**query, "blockid": block_id}
                async with session.put(f"{base}/{dataset_id}/blocks", params=params, data=data) as response:
                    response.raise_for_status()
            finally:
                slots.release()

        with path.open("rb") as source:
            while True:
                await slots.acquire()
                data = await asyncio.to_thread(source.read, block)
                if not data:
                    slots.release()
                    break
                block_id = base64.b64encode(f"{len(ids):012d}".encode()).decode()
                ids.append(block_id)
                tasks.append(asyncio.ensure_future(put(block_id, data)))
        await asyncio.gather(*tasks)
        entries = [{"kind": "Uncommitted", "id": i} for i in ids]
        async with session.post(f"{base}/{dataset_id}/blocks:commit", params=query, json=entries) as response:
            response.raise_for_status()
    return str(dataset_id)


async def delete(url: str, dataset_id: str) -> None:
    """Free the emulator's disk after a run (not timed)."""
    async with SpeechClient(endpoint=url, rate_limit=None) as client:
        await client.datasets.delete(dataset_id)


def child(mode: str, url: str, path: Path, block: int, concurrency: int) -> None:
    """One upload in this process; prints its seconds and peak resident memory."""
    run = {"sdk": upload_sdk, "raw": upload_raw, "sequential": upload_raw}[mode]
    started = time.perf_counter()
    dataset_id = asyncio.run(run(url, path, block, 1 if mode == "sequential" else concurrency))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    asyncio.run(delete(url, dataset_id))
    print(json.dumps({"seconds": seconds, "peak_mib": peak}))


def measure(mode: str, url: str, path: Path, block: int, concurrency: int) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", mode, "--url", url, "--file", str(path)]
    args += ["--block-mib", str(block / MIB), "--concurrency", str(concurrency)]
    result: dict[str, float] = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--block-mib", type=float, default=4)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    block = int(args.block_mib * MIB)
    if args.child:
        child(args.child, args.url, Path(args.file), block, args.concurrency)
        return
    with emulator_process("--processing-seconds", "0") as url, tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.bin", Path(folder) / "large.bin"
        make_file(small, 256 * MIB)
        make_file(large, args.size_mib * MIB)
        size = args.size_mib
        rates = dict.fromkeys(("raw", "sdk", "sequential"), 0.0)
        sdk_peak_large = 0.0
        for _ in range(args.rounds):  # alternate, keep each one's best: the machine's noise only slows
            for mode in rates:
                run = measure(mode, url, large, block, args.concurrency)
                rates[mode] = max(rates[mode], size / run["seconds"])
                if mode == "sdk":
                    sdk_peak_large = max(sdk_peak_large, run["peak_mib"])
        sdk_peak_small = measure("sdk", url, small, block, args.concurrency)["peak_mib"]
    bound = (args.concurrency + 2) * block / MIB + 40
    ratio = rates["sdk"] / rates["raw"]
    print(
        f"{size} MiB in {block / MIB:g} MiB blocks, {args.concurrency} at a time, best of {args.rounds} rounds, "
        "emulator in its own process:"
    )
    print(f"  raw aiohttp loop:          {rates['raw']:7.1f} MiB/s")
    print(f"  speechrest upload:         {rates['sdk']:7.1f} MiB/s  ({ratio:.2f} x raw, target >= 0.9)")
    print(f"  sequential, 1 connection:  {rates['sequential']:7.1f} MiB/s")
    print(f"  uploader peak RSS: 256 MiB file {sdk_peak_small:.0f} MiB, {size} MiB file {sdk_peak_large:.0f} MiB")
    print(f"  (target: (concurrency + 2) x block + 40 MiB = {bound:.0f} MiB, the same for both sizes)")


if __name__ == "__main__":
    main()
