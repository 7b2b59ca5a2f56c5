"""Pages of 100 transcriptions (bytes) turned into models, beside ``json.loads`` on the same bytes.

Run: ``.venv/bin/python benchmarks/bench_deserialize.py [--items 10000 100000] [--versions v3.1 2025-10-15]``.

For each API version's list shape (v3.1: ISO 8601 durations to parse; 2025-10-15, the default:
milliseconds) and each size, every round times ``json.loads`` alone and ``json.loads`` +
structuring into that version's ``PaginatedTranscriptions`` page by page, in process CPU time
(the machine may be busy), after a round that warms the garbage collector up as a long run
would. It prints the ratio over all rounds (target >= 0.4) with the rounds' spread, the per-item
cost, and how that cost grows from the smallest size to the largest, in CPU time and in units
of ``json.loads``'s own per-item cost, which a busy machine changes alike (target: about 1.0).
"""

from __future__ import annotations

import argparse
import json
import random
import time

from speechrest.models import converter, for_version

PAGE = 100
HOST = "https://westus.api.cognitive.microsoft.com/speechtotext"


def transcription(rng: random.Random, n: int, version: str) -> dict[str, object]:
    """A list item shaped like the service's in ``version``, with values that vary item to item."""
    ga = not version.startswith("v")
    base, query = (HOST, f"?api-version={version}") if ga else (f"{HOST}/{version}", "")
    tid = f"{n:08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-8{rng.getrandbits(12):03x}-{n:012x}"
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    created = f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    seconds = rng.randint(0, 3599)
    properties: dict[str, object] = {
        "wordLevelTimestampsEnabled": rng.random() < 0.5,
        "displayFormWordLevelTimestampsEnabled": False,
        "channels": [0, 1],
        "punctuationMode": "DictatedAndAutomatic",
        "profanityFilterMode": "Masked",
    }
    if ga:
        properties |= {"timeToLiveHours": 48, "durationMilliseconds": seconds * 1000 + rng.randint(0, 999)}
    else:
        centis = rng.randint(0, 99)
        properties |= {
            "diarizationEnabled": rng.random() < 0.5,
            "duration": f"PT{seconds // 60}M{seconds % 60}.{centis:02d}S",
        }
    return {
        "self": f"{base}/transcriptions/{tid}{query}",
        "model": {"self": f"{base}/models/base/{rng.getrandbits(32):08x}-0000-4000-8000-000000000000{query}"},
        "links": {"files": f"{base}/transcriptions/{tid}/files{query}"},
        "properties": properties,
        "lastActionDateTime": created,
        "status": rng.choice(["NotStarted", "Running", "Succeeded", "Failed"]),
        "createdDateTime": created,
        "locale": "en-US",
        "displayName": f"Transcription {n}",
        "customProperties": {"batch": str(n // PAGE)},
    }


def pages(items: int, version: str, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    base = HOST if not version.startswith("v") else f"{HOST}/{version}"
    out = []
    for start in range(0, items, PAGE):
        values = [transcription(rng, n, version) for n in range(start, min(items, start + PAGE))]
        out.append(json.dumps({"values": values, "@nextLink": f"{base}/transcriptions?skip={start + PAGE}"}).encode())
    return out


def one_round(data: list[bytes], model: type) -> tuple[float, float]:
    """CPU seconds of ``json.loads`` alone and of ``json.loads`` + structuring, page by page
    (so that both meet the same load on the machine; which goes first alternates), each page's
    result dropped before the next, as a caller consuming a pager does."""
    clock = time.process_time
    loads = sdk = 0.0
    for n, page in enumerate(data):
        if n % 2:
            started = clock()
            converter.structure(json.loads(page), model)
            middle = clock()
            json.loads(page)
            sdk, loads = sdk + middle - started, loads + clock() - middle
        else:
            started = clock()
            json.loads(page)
            middle = clock()
            converter.structure(json.loads(page), model)
            loads, sdk = loads + middle - started, sdk + clock() - middle
    return loads, sdk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--versions", nargs="+", default=["v3.1", "2025-10-15"])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    for version in args.versions:
        model = for_version(version).PaginatedTranscriptions
        converter.structure(json.loads(pages(PAGE, version)[0]), model)  # make the hooks once
        per_item, relative = [], []
        for items in args.items:
            data = pages(items, version)
            one_round(data, model)  # warm up: the collector's generations as in a long run
            rounds = [one_round(data, model) for _ in range(args.rounds)]
            loads, sdk = sum(r[0] for r in rounds), sum(r[1] for r in rounds)
            ratios = [r[0] / r[1] for r in rounds]
            per_item.append(sdk / (items * args.rounds) * 1e6)
            relative.append(sdk / loads)
            print(
                f"{version:>10} {items:>7} items: speechrest {per_item[-1]:.2f} us/item, "
                f"{loads / sdk:.2f} x json.loads (rounds {min(ratios):.2f}-{max(ratios):.2f}; target >= 0.4)"
            )
        if len(per_item) > 1:
            print(
                f"{version:>10} per-item cost, largest size vs smallest: {per_item[-1] / per_item[0]:.2f} x, "
                f"{relative[-1] / relative[0]:.2f} x in json.loads' (target: about 1.0)"
            )


if __name__ == "__main__":
    main()
