"""One quota for many processes: a rate limit shared through Redis beside per-process limits.

Run: ``.venv/bin/python benchmarks/bench_shared_quota.py [--processes 4] [--gets 250]
[--requests 100] [--per-seconds 10] [--redis URL]``. An emulator in its own process has the
service's quota (``--requests`` per ``--per-seconds``), and a redis-server is started on a free
loopback port (or ``--redis`` names one). In each mode, ``--processes`` worker processes each
send ``--gets`` concurrent ``transcriptions.get`` calls, all starting together: "shared" with
one ``RedisRateLimit`` key for all of them, "per-process" with each client's own ``RateLimit``
of the full quota (what one gets without sharing). Printed per mode: 429s received, requests
sent, calls that failed, wall time, the quota's minimum wall time and the ratio. Targets for
the shared limiter: no 429s and a wall time within 10% of the minimum.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

import aiohttp
from _emulator import emulator_process

from speechrest import RateLimit, RedisRateLimit, SpeechClient

KEY = "bench-key"
CONTROL = {"Ocp-Apim-Subscription-Key": KEY}  # the emulator's control endpoints need the key too
BODY = {"displayName": "bench", "locale": "en-US", "contentUrls": ["https://a.example/1.wav"]}


async def worker(mode: str, args: argparse.Namespace, url: str, ids: list[str], go: Barrier) -> dict[str, Any]:
    """One process: its client, then (when every process is ready) ``--gets`` GETs at once."""
    quota = RateLimit(args.requests, args.per_seconds)
    limiter = RedisRateLimit(args.redis, args.run_key, quota, processes=args.processes) if mode == "shared" else quota
    async with SpeechClient(endpoint=url, key=KEY, rate_limit=limiter) as client:
        go.wait()  # blocks the loop, which has nothing else to do yet
        started = time.time()
        calls = (client.transcriptions.get(ids[n % len(ids)]) for n in range(args.gets))
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        return {
            "started": started,
            "ended": time.time(),
            "failed": sum(isinstance(outcome, BaseException) for outcome in outcomes),
            "throttled": client.counters["throttled"],
        }


def run_worker(
    mode: str, args: argparse.Namespace, url: str, ids: list[str], go: Barrier, results: Queue[dict[str, Any]]
) -> None:
    results.put(asyncio.run(worker(mode, args, url, ids, go)))


async def emulator_stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession(headers=CONTROL) as session, session.get(f"{url}/_emulator/stats") as response:
        stats: dict[str, Any] = await response.json()
        return stats


async def prepare(url: str, quota: str) -> list[str]:
    """A few transcriptions to GET, made before the quota is switched on."""
    async with SpeechClient(endpoint=url, key=KEY, rate_limit=None) as client:
        created = await asyncio.gather(*(client.transcriptions.create(BODY) for _ in range(10)))
    async with (
        aiohttp.ClientSession(headers=CONTROL) as session,
        session.put(f"{url}/_emulator/quota", data=quota) as response,
    ):
        response.raise_for_status()
    return [str(transcription.id) for transcription in created]


def run_mode(mode: str, args: argparse.Namespace, url: str, ids: list[str]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    go = context.Barrier(args.processes)
    results: Queue[dict[str, Any]] = context.Queue()
    processes = [
        context.Process(target=run_worker, args=(mode, args, url, ids, go, results)) for _ in range(args.processes)
    ]
    before = asyncio.run(emulator_stats(url))
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    after = asyncio.run(emulator_stats(url))
    return {
        "requests": after["total"] - before["total"],
        "throttled": after["throttled"] - before["throttled"],
        "failed": sum(outcome["failed"] for outcome in outcomes),
        "seconds": max(o["ended"] for o in outcomes) - min(o["started"] for o in outcomes),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_server(given: str | None) -> Iterator[str]:
    """The Redis URL given, else a throwaway redis-server's on a free loopback port."""
    if given:
        yield given
        return
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("redis-server is not installed; install it or pass --redis URL")
    port = free_port()
    command = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        for _ in range(250):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.02)
        else:
            raise SystemExit("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def report(args: argparse.Namespace, figures: dict[str, dict[str, Any]]) -> None:
    total = args.processes * args.gets
    minimum = (total - 1) // args.requests * args.per_seconds
    print(
        f"{args.processes} processes x {args.gets} concurrent GETs = {total} calls; "
        f"quota {args.requests} requests per {args.per_seconds:g} s; minimum wall time {minimum:.1f} s"
    )
    for mode, f in figures.items():
        print(
            f"  {mode:12} {f['throttled']:5} 429s, {f['requests']:5} requests sent, {f['failed']:4} calls failed, "
            f"wall {f['seconds']:6.1f} s = {f['seconds'] / minimum:.3f} x the minimum"
        )
    shared = figures.get("shared")
    if shared is not None:
        print(
            f"  target (shared): 0 429s -> {shared['throttled']}; "
            f"wall within 10% of the minimum -> {(shared['seconds'] / minimum - 1) * 100:+.1f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--gets", type=int, default=250, help="concurrent GETs per process")
    parser.add_argument("--requests", type=int, default=100, help="the quota: requests per window")
    parser.add_argument("--per-seconds", type=float, default=10.0, help="the quota's window")
    parser.add_argument("--redis", help="a Redis URL to use instead of starting redis-server")
    parser.add_argument("--modes", default="shared,per-process", help="comma-separated: shared, per-process")
    args = parser.parse_args()
    modes = args.modes.split(",")
    if not set(modes) <= {"shared", "per-process"}:
        parser.error(f"--modes takes shared and per-process, got {args.modes!r}")
    args.run_key = f"bench:speech:{uuid.uuid4()}"  # a fresh window in Redis for this run
    with emulator_process("--key", KEY, "--processing-seconds", "0") as url, redis_server(args.redis) as args.redis:
        ids = asyncio.run(prepare(url, f"{args.requests}/{args.per_seconds:g}"))
        figures: dict[str, dict[str, Any]] = {}
        for mode in modes:
            time.sleep(args.per_seconds + 0.5)  # an empty window at the emulator before each mode
            figures[mode] = run_mode(mode, args, url, ids)
    report(args, figures)


if __name__ == "__main__":
    main()
