"""One process of the shared-quota tests (``python tests/quota_worker.py acquire|get ...``).

It makes its ``RedisRateLimit``, prints ``ready``, waits for a line on stdin, then either takes
``--count`` starts from the limiter at once (``acquire``) or sends ``--count`` GETs at once through
a ``SpeechClient`` using it, retrying as clients do (``get``), and prints what it got and whether
every start was booked in Redis (``shared``). ``--clock-skew`` moves this process's wall clock, as
on a machine whose clock is off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from speechrest import RateLimit, RedisRateLimit, SpeechClient


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("acquire", "get"))
    parser.add_argument("--redis", required=True, help="the Redis URL")
    parser.add_argument("--key", required=True)
    parser.add_argument("--limit", required=True, help="REQUESTS/SECONDS, e.g. 20/0.5")
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--endpoint", help="the emulator's URL (get)")
    parser.add_argument("--api-key", help="the emulator's key (get)")
    parser.add_argument("--clock-skew", type=float, default=0.0, help="seconds added to this process's wall clock")
    return parser.parse_args()


async def take_starts(limiter: RedisRateLimit, count: int) -> dict[str, Any]:
    await asyncio.gather(*(limiter.acquire() for _ in range(count)))
    shared = limiter.shared
    await limiter.aclose()
    return {"starts": count, "shared": shared}


async def send_gets(limiter: RedisRateLimit, args: argparse.Namespace) -> dict[str, Any]:
    async with SpeechClient(endpoint=args.endpoint, key=args.api_key, rate_limit=limiter) as client:
        calls = (client.transcriptions.list_supported_locales() for _ in range(args.count))
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        failed = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
        shared = limiter.shared
    return {
        "ok": len(outcomes) - len(failed),
        "failed": failed,
        "throttled": client.counters["throttled"],
        "shared": shared,
    }


def main() -> None:
    args = parse_args()
    wall = time.time
    if args.clock_skew:
        time.time = lambda: wall() + args.clock_skew
        time.time_ns = lambda: int((wall() + args.clock_skew) * 1e9)
    requests, _, seconds = args.limit.partition("/")
    limiter = RedisRateLimit(args.redis, args.key, RateLimit(int(requests), float(seconds)), processes=args.processes)
    print("ready", flush=True)
    sys.stdin.readline()
    work = take_starts(limiter, args.count) if args.mode == "acquire" else send_gets(limiter, args)
    print(json.dumps(asyncio.run(work)), flush=True)


if __name__ == "__main__":
    main()
