"""Import time and memory of ``import speechrest``, and of making a client per API version.

Run: ``.venv/bin/python benchmarks/bench_import.py [--repeat 5] [--processes 15]``.

First, whole processes as a user starts them (``python -c "import aiohttp"`` beside
``python -c "import speechrest"``, interleaved, the median of ``--processes`` runs each): the
target is speechrest within 30 ms of aiohttp. Then, inside fresh interpreters, the fastest of
``--repeat`` runs of importing and of making a client per version; memory is peak RSS above a
bare interpreter's.

Both packages are measured with their bytecode cached, as ``pip install`` leaves them: the
package's ``.pyc`` files are written first (an editable install under
``PYTHONDONTWRITEBYTECODE=1`` would otherwise compile every module on every import, +50 ms).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROBE = """
import json, resource, sys, time
start = time.perf_counter()
version = sys.argv[1]
if version != "python":
    import speechrest
if version not in ("python", "-"):
    client = speechrest.SpeechClient(endpoint="https://example.invalid", key="k", api_version=version)
    models = speechrest.models.for_version(version) if hasattr(speechrest.models, "for_version") else speechrest.models
    answer = {"displayName": "x", "locale": "en-US", "properties": {"timeToLiveHours": 48}}  # as GA versions send
    speechrest.models.converter.structure(answer, models.Transcription)
elapsed = time.perf_counter() - start
print(json.dumps({"ms": elapsed * 1000, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "modules": sum(1 for m in sys.modules if m.startswith("speechrest"))}))
"""


def measure(version: str, repeat: int) -> dict[str, float]:
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", PROBE, version], capture_output=True, text=True).stdout)
        for _ in range(repeat)
    ]
    return min(runs, key=lambda run: run["ms"])


def whole_processes(processes: int) -> None:
    """Wall time of ``python -c 'import X'``, interleaved so that load on the machine hits both alike."""
    times: dict[str, list[float]] = {"aiohttp": [], "speechrest": []}
    for _ in range(processes):
        for module, runs in times.items():
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
            runs.append((time.perf_counter() - started) * 1000)
    aiohttp, ours = statistics.median(times["aiohttp"]), statistics.median(times["speechrest"])
    print(f"whole processes, median of {processes}: import aiohttp {aiohttp:.1f} ms, import speechrest {ours:.1f} ms")
    print(f"  speechrest costs {ours - aiohttp:+.1f} ms beyond aiohttp (target: at most +30 ms)")


def cache_bytecode() -> None:
    """Write speechrest's ``.pyc`` files, as installing it does (aiohttp's are already there).
    Found without importing it: a child's peak RSS starts from this process's."""
    spec = importlib.util.find_spec("speechrest")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("speechrest is not installed")
    package = Path(spec.submodule_search_locations[0])
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"could not compile {package}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--processes", type=int, default=15)
    args = parser.parse_args()
    cache_bytecode()
    whole_processes(args.processes)
    base = measure("python", args.repeat)["rss"]
    for version in ("-", "v3.0", "v3.1", "2024-11-15", "2025-10-15"):
        run = measure(version, args.repeat)
        what = "import speechrest" if version == "-" else f"+ a client and a model of {version}"
        memory = (run["rss"] - base) / 1024
        print(f"{what:<40} {run['ms']:6.1f} ms  +{memory:5.1f} MiB RSS  {run['modules']:3.0f} speechrest modules")


if __name__ == "__main__":
    main()
