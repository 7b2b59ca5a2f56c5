"""Client CPU per request: ``SpeechClient`` beside raw aiohttp + ``json.loads``, same GET.

Run: ``.venv/bin/python benchmarks/bench_overhead.py [--requests 5000] [--concurrency 16]``, or with
``--instructions`` to count user-space instructions per request with callgrind (valgrind), which a
busy or shared machine does not blur as it does CPU time.

A small server in its own process answers a fixed transcription. The SDK runs with its
retries, rate limiter (set high enough never to wait), logging and authentication in
place. Also shown: raw aiohttp sending the key and reading the answer into the SDK's model (with
the SDK's generated reader), what any SDK that authenticates and returns models pays before its
own machinery. Target: SDK <= 1.15 x raw aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable

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


Once = Callable[[], Awaitable[object]]


async def run(requests: int, concurrency: int, once: Once) -> None:
    """``requests`` calls of ``once``, ``concurrency`` at a time."""
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await once()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def cpu_per_request(requests: int, concurrency: int, once: Once) -> float:
    """Client CPU seconds per request for ``requests`` calls of ``once``, ``concurrency`` at a time."""
    for _ in range(50):  # warm up connections and caches
        await once()
    start = time.process_time()
    await run(requests, concurrency, once)
    return (time.process_time() - start) / requests


@contextlib.asynccontextmanager
async def variants(url: str) -> AsyncIterator[dict[str, Once]]:
    """The three ways of making the same GET, by name."""
    unlimited = RateLimit(requests=10**9, per_seconds=1)
    address = f"{url}/speechtotext/transcriptions/{ID}?api-version=2025-10-15"
    read = READERS.lookup(models_2025_10_15.Transcription)
    async with (
        aiohttp.ClientSession() as session,
        SpeechClient(endpoint=url, key="bench-key", rate_limit=unlimited) as client,
    ):

        async def raw() -> None:
            async with session.get(address) as response:
                json.loads(await response.read())

        async def floor() -> None:  # what any SDK pays: the key sent, the answer read into a model
            async with session.get(address, headers={"Ocp-Apim-Subscription-Key": "bench-key"}) as response:
                read(json.loads(await response.read()))

        async def sdk() -> None:
            await client.transcriptions.get(ID)

        yield {"raw": raw, "floor": floor, "sdk": sdk}


def report(unit: str, figures: dict[str, float]) -> None:
    raw, floor, sdk = figures["raw"], figures["floor"], figures["sdk"]
    print(f"  raw aiohttp + json.loads:                 {raw:9.1f} {unit}")
    print(f"  + the key header, the answer as a model:  {floor:9.1f} {unit} ({floor / raw:.2f} x raw)")
    print(f"  SpeechClient:                             {sdk:9.1f} {unit} ({sdk / floor:.2f} x the line above)")
    print(f"  ratio: {sdk / raw:.2f} x raw (target <= 1.15)")


async def measure(url: str, requests: int, concurrency: int, rounds: int) -> None:
    best = {"raw": float("inf"), "floor": float("inf"), "sdk": float("inf")}
    async with variants(url) as ways:
        # Alternate them and keep each one's best round: this machine's noise only adds time.
        for _ in range(rounds):
            for name, once in ways.items():
                best[name] = min(best[name], await cpu_per_request(requests, concurrency, once))
    print(f"{requests} GETs, {concurrency} at a time, best of {rounds} rounds, client CPU per request:")
    report("us", {name: seconds * 1e6 for name, seconds in best.items()})


async def one_variant(url: str, name: str, requests: int, concurrency: int) -> None:
    """The child process that callgrind counts: a warm-up, then ``requests`` GETs the ``name`` way."""
    async with variants(url) as ways:
        for _ in range(50):
            await ways[name]()
        await run(requests, concurrency, ways[name])


def instructions(url: str, concurrency: int) -> None:
    """User-space instructions per GET, counted by callgrind: the difference between 1,000 and 200
    GETs (start-up and warm-up cancel out). Steady where CPU time on a shared machine is not."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    counts = {}
    for name in ("raw", "floor", "sdk"):
        totals = []
        for requests in (200, 1000):
            command = [sys.executable, __file__, "--one", name, "--url", url, "--requests", str(requests)]
            command += ["--concurrency", str(concurrency)]
            counted = subprocess.run(
                ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                capture_output=True,
                text=True,
                check=True,
            )
            found = re.search(r"Collected : (\d+)", counted.stderr)
            if found is None:
                raise SystemExit(f"callgrind said no count:\n{counted.stderr}")
            totals.append(int(found.group(1)))
        counts[name] = (totals[1] - totals[0]) / 800 / 1000
    print(f"GETs {concurrency} at a time, thousands of user-space instructions per request (callgrind):")
    report("k", counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="count instructions with callgrind instead")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child callgrind counts
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    if args.one is not None:
        asyncio.run(one_variant(args.url, args.one, args.requests, args.concurrency))
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
        if args.instructions:
            instructions(found.group(1), args.concurrency)
        else:
            asyncio.run(measure(found.group(1), args.requests, args.concurrency, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
