"""Mixed operations against an emulator that fails and throttles requests on purpose.

Run: ``.venv/bin/python benchmarks/bench_faults.py [--ops 1000] [--fault-rate 0.1]
[--throttle-rate 0.05] [--seed 7] [--no-exactly-once] [--json]``.
Prints the operations done, the faults the emulator injected by kind (500/503 before
acting, "lost": acted, answer cut off), throttled requests, the client's retries,
reconciled and re-sent creates, failures reaching the caller, and duplicated entities.
With ``--no-exactly-once`` ambiguous creates raise ``AmbiguousCreateError`` (counted apart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from typing import Any

from speechrest import AmbiguousCreateError, RetryPolicy, SpeechClient, SpeechError
from speechrest.emulator import Emulator

# Short waits so the run is quick: the emulator's Retry-After (1 s) is capped too.
FAST_RETRIES = RetryPolicy(max_retries=8, backoff=0.02, max_backoff=0.2, max_retry_after=0.05)
MIX = (("create_project", 15), ("create_transcription", 15), ("get", 30), ("list", 20), ("update", 10), ("delete", 10))


async def run(ops: int, fault_rate: float, throttle_rate: float, seed: int, exactly_once: bool) -> dict[str, Any]:
    rng = random.Random(seed)
    plan = rng.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX], k=ops)
    outcome: Counter[str] = Counter()
    projects: list[str] = []  # every live project and transcription, to check none went missing
    transcriptions: list[str] = []
    async with (
        Emulator(fault_rate=fault_rate, throttle_rate=throttle_rate, seed=seed, processing_seconds=0) as emu,
        SpeechClient(endpoint=emu.url, retry=FAST_RETRIES, rate_limit=None, exactly_once=exactly_once) as client,
    ):

        async def one(step: int, name: str, mine: list[str]) -> None:
            """One operation; a lane only updates and deletes its own projects."""
            try:
                if name == "create_project" or (name in ("update", "delete") and not mine):
                    created = await client.projects.create({"displayName": f"p{step}", "locale": "en-US"})
                    assert created is not None  # only v3.0 answers a project create without a body
                    mine.append(created.id)
                    projects.append(created.id)
                elif name == "create_transcription" or (name == "get" and not transcriptions):
                    body = {
                        "displayName": f"t{step}",
                        "locale": "en-US",
                        "contentUrls": [f"https://audio.example.com/{step}.wav"],
                        "properties": {"timeToLiveHours": 24},
                    }
                    transcriptions.append((await client.transcriptions.create(body)).id)
                elif name == "get":
                    await client.transcriptions.get(rng.choice(transcriptions))
                elif name == "list":
                    await client.projects.list(top=20, max_items=40).to_list()
                elif name == "update":
                    await client.projects.update(rng.choice(mine), {"displayName": f"renamed {step}"})
                else:
                    victim = mine.pop(rng.randrange(len(mine)))
                    projects.remove(victim)
                    await client.projects.delete(victim)
                outcome["ok"] += 1
            except AmbiguousCreateError:
                outcome["ambiguous_creates"] += 1
            except SpeechError as error:
                outcome[f"failed: {type(error).__name__}"] += 1

        started = time.perf_counter()
        lanes = [plan[i::20] for i in range(20)]  # 20 tasks at a time, each doing its share in order

        async def lane(index: int, names: list[str]) -> None:
            mine: list[str] = []
            for step, name in enumerate(names):
                await one(index + step * 20, name, mine)

        await asyncio.gather(*(lane(i, names) for i, names in enumerate(lanes)))
        elapsed = time.perf_counter() - started
        stats = emu.stats
        missing = [p for p in projects if emu.service.store.find("projects", p) is None]
        missing += [t for t in transcriptions if emu.service.store.find("transcriptions", t) is None]
        counters = dict(client.counters)
    return {
        "operations": ops,
        "by_operation": dict(Counter(plan)),
        "seconds": round(elapsed, 2),
        "outcomes": dict(outcome),
        "failures": sum(n for kind, n in outcome.items() if kind.startswith("failed")),
        "injected_faults": stats["faults"],
        "throttled": stats["throttled"],
        "client": counters,
        "entities_with_token": stats["create_tokens"]["entities"],
        "duplicated_tokens": len(stats["create_tokens"]["duplicated"]),
        "missing_entities": len(missing),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--throttle-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-exactly-once", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    report = asyncio.run(run(args.ops, args.fault_rate, args.throttle_rate, args.seed, not args.no_exactly_once))
    if args.json:
        print(json.dumps(report))
        return
    for key, value in report.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
