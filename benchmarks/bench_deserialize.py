"""Pages of 100 transcriptions (bytes) turned into models, beside ``json.loads`` on the same bytes.

Run: ``.venv/bin/python benchmarks/bench_deserialize.py [--items 10000 100000]``.
Prints items/s for ``json.loads`` alone and for ``json.loads`` + structuring into
``PaginatedTranscriptions``, their ratio (target >= 0.4), and the per-item cost at each
size (target: flat from 10k to 100k items).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from collections.abc import Callable

from speechrest.models import converter, v3_1

PaginatedTranscriptions = v3_1.PaginatedTranscriptions  # the v3.1 list shape built below

PAGE = 100
BASE = "https://westus.api.cognitive.microsoft.com/speechtotext/v3.1"


def transcription(rng: random.Random, n: int) -> dict[str, object]:
    """A list item shaped like the service's, with values that vary item to item."""
    tid = f"{n:08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-8{rng.getrandbits(12):03x}-{n:012x}"
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    created = f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    return {
        "self": f"{BASE}/transcriptions/{tid}",
        "model": {"self": f"{BASE}/models/base/{rng.getrandbits(32):08x}-0000-4000-8000-000000000000"},
        "links": {"files": f"{BASE}/transcriptions/{tid}/files"},
        "properties": {
            "diarizationEnabled": rng.random() < 0.5,
            "wordLevelTimestampsEnabled": rng.random() < 0.5,
            "displayFormWordLevelTimestampsEnabled": False,
            "channels": [0, 1],
            "punctuationMode": "DictatedAndAutomatic",
            "profanityFilterMode": "Masked",
            "duration": f"PT{rng.randint(0, 59)}M{rng.randint(0, 59)}.{rng.randint(0, 99):02d}S",
        },
        "lastActionDateTime": created,
        "status": rng.choice(["NotStarted", "Running", "Succeeded", "Failed"]),
        "createdDateTime": created,
        "locale": "en-US",
        "displayName": f"Transcription {n}",
        "customProperties": {"batch": str(n // PAGE)},
    }


def pages(items: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for start in range(0, items, PAGE):
        values = [transcription(rng, n) for n in range(start, min(items, start + PAGE))]
        out.append(json.dumps({"values": values, "@nextLink": f"{BASE}/transcriptions?skip={start + PAGE}"}).encode())
    return out


def best_of(runs: int, data: list[bytes], read: Callable[[bytes], object]) -> float:
    """The fastest of ``runs`` passes of ``read`` over every page, each page's result dropped
    before the next (as a caller consuming a pager does)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        for page in data:
            read(page)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    converter.structure(json.loads(pages(PAGE)[0]), PaginatedTranscriptions)  # make the hooks once
    per_item = []
    for items in args.items:
        data = pages(items)
        loads = best_of(args.runs, data, json.loads)
        sdk = best_of(args.runs, data, lambda page: converter.structure(json.loads(page), PaginatedTranscriptions))
        per_item.append(sdk / items * 1e6)
        print(
            f"{items:>7} items: json.loads {items / loads:>10,.0f} items/s | "
            f"speechrest {items / sdk:>10,.0f} items/s ({sdk / items * 1e6:.2f} us/item) | "
            f"ratio {loads / sdk:.2f} x json.loads (target >= 0.4)"
        )
    if len(per_item) > 1:
        print(f"per-item cost, largest vs smallest size: {per_item[-1] / per_item[0]:.2f} x (target: about 1.0)")


if __name__ == "__main__":
    main()
