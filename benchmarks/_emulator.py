"""The emulator in its own process, for the benchmarks that measure against it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def emulator_process(*options: str) -> Iterator[str]:
    """``python -m speechrest.emulator --port 0 OPTIONS`` until the block ends; yields its URL."""
    command = [sys.executable, "-m", "speechrest.emulator", "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        found = re.search(r"listening on (\S+)", process.stdout.readline())
        if found is None:
            raise SystemExit("the emulator did not start")
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)
