"""Waiting on many transcriptions within the service's quota, beside naive polling.

Run: ``.venv/bin/python benchmarks/bench_polling.py [--jobs 10000] [--naive-seconds 60]``.
An emulator in its own process gives each job 5-60 s of processing. The jobs are created
with no quota; then the emulator's quota is set like the service's (100 requests per 10 s)
and ``client.transcriptions.as_completed`` waits for them all (or, with ``--single-waits``,
one ``wait()`` per job, all at once, served by the client's one poller). Printed: wall time beside the
longest processing time, requests and requests per job, 429s, the worst delay between a job
finishing and being seen, client CPU per job; then the naive way (one GET per job every 5 s,
as Microsoft's sample does) for ``--naive-seconds`` on the same emulator: requests, 429s,
jobs seen. Targets: every job seen within 15 s of finishing, <= 0.1 requests per job, no 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

import aiohttp
from _emulator import emulator_process

from speechrest import SpeechClient

BODY = {"displayName": "bench", "locale": "en-US", "properties": {"timeToLiveHours": 24}}


async def emulator_stats(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(f"{url}/_emulator/stats") as response:
        stats: dict[str, Any] = await response.json()
        return stats


def total(stats: dict[str, Any]) -> int:
    return int(stats["total"])


async def create_jobs(url: str, jobs: int) -> list[Any]:
    async with SpeechClient(endpoint=url, rate_limit=None) as client:
        created: list[Any] = []
        for start in range(0, jobs, 200):
            batch = [
                client.transcriptions.create({**BODY, "contentUrls": [f"https://a.example/{n}.wav"]})
                for n in range(start, min(jobs, start + 200))
            ]
            created += await asyncio.gather(*batch)
        return created


async def wait_smart(url: str, created: list[Any], single_waits: bool) -> dict[str, Any]:
    async with SpeechClient(endpoint=url) as client:  # the default rate limit: 100 requests per 10 s
        started, cpu = time.monotonic(), time.process_time()
        worst_lag = 0.0

        def seen(outcome: Any) -> None:
            nonlocal worst_lag
            worst_lag = max(worst_lag, (client.requester.server_now() - outcome.last_action_date_time).total_seconds())

        if single_waits:  # one wait() per job, all at once: the client's one poller serves them all

            async def wait_one(job: Any) -> None:
                seen(await client.transcriptions.wait(job, poll_interval=5))

            await asyncio.gather(*(wait_one(job) for job in created))
        else:
            async for outcome in client.transcriptions.as_completed(created, poll_interval=5):
                seen(outcome)
        return {
            "seconds": time.monotonic() - started,
            "cpu_per_job_us": (time.process_time() - cpu) / len(created) * 1e6,
            "worst_lag": worst_lag,
            "throttled": client.counters["throttled"],
        }


async def wait_naive(url: str, created: list[Any], seconds: float) -> dict[str, Any]:
    """One GET per job every 5 s, no client-side limit, stopped after ``seconds``."""
    statuses: Counter[int] = Counter()
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:

        async def poll(job: Any) -> None:
            while time.monotonic() < deadline:
                async with session.get(job.self_) as response:
                    statuses[response.status] += 1
                    if response.status == 200 and (await response.json())["status"] in ("Succeeded", "Failed"):
                        seen.add(job.id)
                        return
                await asyncio.sleep(5)

        await asyncio.gather(*(poll(job) for job in created))
    return {"requests": sum(statuses.values()), "throttled": statuses[429], "seen": len(seen)}


async def run(url: str, jobs: int, naive_seconds: float, single_waits: bool) -> None:
    async with aiohttp.ClientSession() as session:
        created = await create_jobs(url, jobs)
        async with session.put(f"{url}/_emulator/quota", data="100/10") as response:
            response.raise_for_status()
        before = total(await emulator_stats(session, url))
        smart = await wait_smart(url, created, single_waits)
        requests = total(await emulator_stats(session, url)) - before
        naive_jobs = await create_jobs_without_quota(session, url, jobs)
        naive = await wait_naive(url, naive_jobs, naive_seconds)
    print(f"{jobs} transcriptions, processing 5-60 s each, emulator quota 100 requests per 10 s:")
    how = f"{jobs} concurrent wait() calls" if single_waits else "as_completed"
    print(f"  speechrest ({how}): all seen after {smart['seconds']:.1f} s (longest processing: 60 s)")
    print(
        f"              {requests} requests = {requests / jobs:.3f} per job (target <= 0.1), {smart['throttled']} 429s"
    )
    print(f"              worst delay from finishing to being seen: {smart['worst_lag']:.1f} s (target <= 15)")
    print(f"              client CPU per job: {smart['cpu_per_job_us']:.0f} us")
    print(f"  naive (GET per job every 5 s) for {naive_seconds:.0f} s: {naive['requests']} requests, ")
    print(f"              {naive['throttled']} 429s, {naive['seen']} of {jobs} jobs seen finished")


async def create_jobs_without_quota(session: aiohttp.ClientSession, url: str, jobs: int) -> list[Any]:
    async with session.put(f"{url}/_emulator/quota", data="") as response:
        response.raise_for_status()
    created = await create_jobs(url, jobs)
    async with session.put(f"{url}/_emulator/quota", data="100/10") as response:
        response.raise_for_status()
    return created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--naive-seconds", type=float, default=60)
    parser.add_argument(
        "--single-waits", action="store_true", help="one client.transcriptions.wait() per job instead of as_completed"
    )
    args = parser.parse_args()
    with emulator_process("--processing-seconds", "5-60", "--seed", "1") as url:
        asyncio.run(run(url, args.jobs, args.naive_seconds, args.single_waits))


if __name__ == "__main__":
    main()
