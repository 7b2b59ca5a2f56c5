"""One client in a process of its own, for the bounded-answer tests (``python tests/bounded_worker.py``).

It sends one small request (so that everything a request loads is loaded), starts its peak
memory afresh from what it holds now, then makes the call ``mode`` names against ``endpoint`` and
prints, as JSON, the error it got (if any), how far its peak memory rose above the start, and how
long the call took. The peak is Linux's ``VmHWM``: ``ru_maxrss`` would not do, as after ``exec``
it keeps the parent's peak at ``fork`` (pytest's, here), and starting it afresh leaves that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from speechrest import SpeechClient, SpeechError

UID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
MIB = 1 << 20


def peak_mib() -> float:
    """This process's peak resident memory since ``restart_peak``."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(status["VmHWM"].split()[0]) / 1024  # "123456 kB"


def restart_peak() -> None:
    """Make the peak the current size: else a higher peak from the imports would hide the call's."""
    Path("/proc/self/clear_refs").write_text("5")


def size_of(path: str) -> int:
    return Path(path).stat().st_size


async def run(args: argparse.Namespace) -> dict[str, Any]:
    caps = {}
    if args.max_response_mib:
        caps["max_response_bytes"] = args.max_response_mib * MIB
    if args.max_download_mib:
        caps["max_download_bytes"] = args.max_download_mib * MIB
    async with SpeechClient(endpoint=args.endpoint, key="k", max_retries=0, rate_limit=None, **caps) as client:
        await client.send_request("GET", "/warm-up")
        restart_peak()
        before = peak_mib()
        started = time.perf_counter()
        outcome: dict[str, Any] = {"error": None}
        try:
            if args.mode == "get":  # an API answer: the service's transcription
                await client.transcriptions.get(UID)
            elif args.mode == "download":
                await client.download(f"{args.endpoint}/files/{args.path}")
            else:
                await client.download(f"{args.endpoint}/files/{args.path}", to=args.to)
                outcome["size"] = size_of(args.to)
        except SpeechError as error:
            outcome.update(error=type(error).__name__, message=str(error), limit=getattr(error, "limit", None))
        outcome.update(seconds=time.perf_counter() - started, growth_mib=peak_mib() - before, peak_mib=peak_mib())
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("endpoint")
    parser.add_argument("mode", choices=("get", "download", "save"))
    parser.add_argument("--path", default="", help="the file to download (download, save)")
    parser.add_argument("--to", help="where to save it (save)")
    parser.add_argument("--max-response-mib", type=int, default=0, help="the client's max_response_bytes in MiB")
    parser.add_argument("--max-download-mib", type=int, default=0, help="the client's max_download_bytes in MiB")
    print(json.dumps(asyncio.run(run(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
