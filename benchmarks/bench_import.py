"""Import time and memory of ``import speechrest``, and of making a client per API version.

Run: ``.venv/bin/python benchmarks/bench_import.py [--repeat 5]``. Each figure is the
fastest of ``--repeat`` fresh interpreters; memory is peak RSS above a bare interpreter's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

PROBE = """
import json, resource, sys, time
start = time.perf_counter()
version = sys.argv[1]
if version != "python":
    import speechrest
if version not in ("python", "-"):
    client = speechrest.SpeechClient(endpoint="https://example.invalid", key="k", api_version=version)
    models = speechrest.models.for_version(version) if hasattr(speechrest.models, "for_version") else speechrest.models
    speechrest.models.converter.structure({"displayName": "x", "locale": "en-US"}, models.Transcription)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = measure("python", args.repeat)["rss"]
    for version in ("-", "v3.0", "v3.1", "2024-11-15", "2025-10-15"):
        run = measure(version, args.repeat)
        what = "import speechrest" if version == "-" else f"+ a client and a model of {version}"
        memory = (run["rss"] - base) / 1024
        print(f"{what:<40} {run['ms']:6.1f} ms  +{memory:5.1f} MiB RSS  {run['modules']:3.0f} speechrest modules")


if __name__ == "__main__":
    main()
