"""How fast the emulator serves ``Transcriptions_Get``, running in its own process (one core).

Run: ``.venv/bin/python benchmarks/bench_emulator.py [--seconds 5] [--concurrency 32]``.
Prints requests/s for raw aiohttp GETs, and for the same GETs through ``SpeechClient``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from _emulator import emulator_process

from speechrest import SpeechClient


async def hammer(seconds: float, concurrency: int, once: Callable[[], Awaitable[object]]) -> float:
    """Requests per second from ``concurrency`` workers calling ``once`` for ``seconds``."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await once()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


async def rates(url: str, version: str, seconds: float, concurrency: int) -> tuple[float, float]:
    """(raw aiohttp, SpeechClient) requests/s for one transcription's GET in ``version``."""
    async with SpeechClient(endpoint=url, api_version=version, rate_limit=None) as client:  # the emulator's pace
        body: dict[str, Any] = {"displayName": "bench", "locale": "en-US", "contentUrls": ["https://a.example/x.wav"]}
        if version[0].isdigit():  # the GA versions require the time to live
            body["properties"] = {"timeToLiveHours": 24}
        created = await client.transcriptions.create(body)
        target = str(created.self_)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

            async def raw() -> None:
                async with session.get(target) as response:
                    await response.read()

            raw_rate = await hammer(seconds, concurrency, raw)
        sdk_rate = await hammer(seconds, concurrency, lambda: client.transcriptions.get(created.id))
    return raw_rate, sdk_rate


async def measure(url: str, seconds: float, concurrency: int) -> None:
    print(f"emulator, Transcriptions_Get, {concurrency} concurrent, {seconds:.0f} s each:")
    for version in ("v3.1", "2025-10-15"):
        raw_rate, sdk_rate = await rates(url, version, seconds, concurrency)
        print(f"  {version:<10} raw aiohttp: {raw_rate:8,.0f} requests/s   SpeechClient: {sdk_rate:8,.0f} requests/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with emulator_process("--processing-seconds", "0") as url:
        asyncio.run(measure(url, args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
