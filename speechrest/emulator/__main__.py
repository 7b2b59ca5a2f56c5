"""``python -m speechrest.emulator``: run the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import signal
import sys

from ._app import Emulator


def parse_args(argv: list[str] | None = None, prog: str = "python -m speechrest.emulator") -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="API port (0: any free port; default 8080)")
    parser.add_argument("--blob-port", type=int, default=0, help="port of the file (blob) listener (default: any)")
    parser.add_argument("--key", help="refuse requests that do not carry this subscription key")
    parser.add_argument(
        "--processing-seconds", default="2", help="time an entity takes to finish: seconds, or a range such as 5-60"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests failed (500/503/cut)")
    parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of requests answered 429")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every request")
    parser.add_argument("--seed", type=int, help="seed for reproducible ids and faults")
    parser.add_argument("--rate-limit", help="a request quota such as 100/10 (per seconds); 429 beyond it")
    parser.add_argument(
        "--json", action="store_true", help='say where it listens as one JSON line: {"url", "blob_url"}'
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(
        host=args.host,
        port=args.port,
        blob_port=args.blob_port,
        key=args.key,
        processing_seconds=args.processing_seconds,
        fault_rate=args.fault_rate,
        throttle_rate=args.throttle_rate,
        latency_ms=args.latency_ms,
        seed=args.seed,
        rate_limit=args.rate_limit,
    ) as emulator:
        if args.json:
            print(json.dumps({"url": emulator.url, "blob_url": emulator.blob_url}), flush=True)
        else:
            print(f"speechrest emulator listening on {emulator.url} (files on {emulator.blob_url})", flush=True)
        await stop.wait()
    if not args.json:
        print("speechrest emulator stopped", flush=True)


def main(argv: list[str] | None = None, prog: str = "python -m speechrest.emulator") -> int:
    """Serve until stopped; the exit code: 0, or 1 when it cannot listen (one line on stderr)."""
    try:
        asyncio.run(serve(parse_args(argv, prog)))
    except OSError as error:
        hint = " (choose another, or 0 for any free one)" if error.errno == errno.EADDRINUSE else ""
        print(f"error: {error.strerror or error}{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
