"""Result files (JSON bytes) turned into typed results and into SRT, beside ``json.loads``.

Run: ``.venv/bin/python benchmarks/bench_results.py [--files 200]``. The files are made by the
emulator's result generator (diarization and word timings on). Target: typed results at
least 0.5 x the speed of ``json.loads`` alone.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable

from speechrest.emulator._results import transcription_result
from speechrest.results import TranscriptionResult


def files(count: int) -> list[bytes]:
    return [
        json.dumps(
            transcription_result(
                f"https://audio.example.com/call-{n}.wav",
                locale="en-US",
                timestamp="2026-01-02T03:04:05Z",
                diarization=True,
                max_speakers=3,
                word_timestamps=True,
            )
        ).encode()
        for n in range(count)
    ]


def best_of(runs: int, data: list[bytes], read: Callable[[bytes], object]) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        for item in data:
            read(item)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = files(args.files)
    megabytes = sum(len(d) for d in data) / 1e6
    loads = best_of(args.runs, data, json.loads)
    typed = best_of(args.runs, data, lambda d: TranscriptionResult.from_batch(json.loads(d)))
    srt = best_of(args.runs, data, lambda d: TranscriptionResult.from_batch(json.loads(d)).to_srt())
    print(f"{args.files} result files, {megabytes:.1f} MB of JSON:")
    print(f"  json.loads:                 {megabytes / loads:7.1f} MB/s")
    print(
        f"  typed TranscriptionResult:  {megabytes / typed:7.1f} MB/s ({loads / typed:.2f} x json.loads, target >= 0.5)"
    )
    print(f"  typed result + SRT:         {megabytes / srt:7.1f} MB/s ({loads / srt:.2f} x json.loads)")


if __name__ == "__main__":
    main()
