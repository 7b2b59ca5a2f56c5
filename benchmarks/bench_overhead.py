"""Client CPU per request: ``SpeechClient`` beside raw aiohttp + ``json.loads``, same GET.

Run: ``.venv/bin/python benchmarks/bench_overhead.py [--requests 5000] [--concurrency 16]``.
A small server in its own process answers a fixed transcription. The SDK runs with its
retries, rate limiter (set high enough never to wait), logging and authentication in
place. Also shown: raw aiohttp sending the key and reading the answer into the SDK's model (with
the SDK's generated reader), what any SDK that authenticates and returns models pays before its
own machinery. Target: SDK <= 1.15 x raw aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from speechrest import RateLimit, SpeechClient
from speechrest._generated.v2025_10_15 import models as models_2025_10_15
from speechrest._wire import READERS

ID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
BODY = json.dumps(
    {
        "self": f"http://127.0.0.1/speechtotext/transcriptions/{ID}?api-version=2025-10-15",
        "displayName": "bench",
        "locale": "en-US",
        "status": "Succeeded",
        "createdDateTime": "2026-01-02T03:04:05Z",
        "lastActionDateTime": "2026-01-02T03:06:05Z",
        "links": {"files": f"http://127.0.0.1/speechtotext/transcriptions/{ID}/files?api-version=2025-10-15"},
        "properties": {"timeToLiveHours": 48, "channels": [0, 1], "durationMilliseconds": 42000},
        "customProperties": {"team": "bench"},
    }
).encode()


def serve(port: int) -> None:
    """The server side: answer every request with the same transcription."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, print=lambda line: print(line, flush=True), access_log=None)


async def cpu_per_request(requests: int, concurrency: int, once: Callable[[], Awaitable[object]]) -> float:
    """Client CPU seconds per request for ``requests`` calls of ``once``, ``concurrency`` at a time."""
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await once()

    for _ in range(50):  # warm up connections and caches
        await once()
    start = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - start) / requests


async def measure(url: str, requests: int, concurrency: int, rounds: int) -> None:
    unlimited = RateLimit(requests=10**9, per_seconds=1)
    async with (
        aiohttp.ClientSession() as session,
        SpeechClient(endpoint=url, key="bench-key", rate_limit=unlimited) as client,
    ):

        async def raw() -> None:
            async with session.get(f"{url}/speechtotext/transcriptions/{ID}?api-version=2025-10-15") as response:
                json.loads(await response.read())

        read = READERS.lookup(models_2025_10_15.Transcription)

        async def floor() -> None:  # what any SDK pays: the key sent, the answer read into a model
            async with session.get(
                f"{url}/speechtotext/transcriptions/{ID}?api-version=2025-10-15",
                headers={"Ocp-Apim-Subscription-Key": "bench-key"},
            ) as response:
                read(json.loads(await response.read()))

        async def sdk() -> None:
            await client.transcriptions.get(ID)

        # Alternate them and keep each one's best round: this machine's noise only adds time.
        raw_cpu = floor_cpu = sdk_cpu = float("inf")
        for _ in range(rounds):
            raw_cpu = min(raw_cpu, await cpu_per_request(requests, concurrency, raw))
            floor_cpu = min(floor_cpu, await cpu_per_request(requests, concurrency, floor))
            sdk_cpu = min(sdk_cpu, await cpu_per_request(requests, concurrency, sdk))
    print(f"{requests} GETs, {concurrency} at a time, best of {rounds} rounds, client CPU per request:")
    print(f"  raw aiohttp + json.loads:                 {raw_cpu * 1e6:7.1f} us")
    print(f"  + the key header, the answer as a model:  {floor_cpu * 1e6:7.1f} us ({floor_cpu / raw_cpu:.2f} x raw)")
    above = sdk_cpu / floor_cpu
    print(f"  SpeechClient:                             {sdk_cpu * 1e6:7.1f} us ({above:.2f} x the line above)")
    print(f"  ratio: {sdk_cpu / raw_cpu:.2f} x raw (target <= 1.15)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    server = subprocess.Popen([sys.executable, __file__, "--serve", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        found = None
        while found is None:
            line = server.stdout.readline()
            if not line:
                raise SystemExit("the server did not start")
            found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        asyncio.run(measure(found.group(1), args.requests, args.concurrency, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
