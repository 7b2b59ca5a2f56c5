"""Running the ``speechrest`` command line as a user does: a subprocess against an emulator
that runs in its own process. Shared by the CLI test modules."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs

from speechrest import SpeechClient

T = TypeVar("T")
KEY = "cli-test-key"


@attrs.frozen
class Service:
    """An emulator running in its own process."""

    url: str
    process: subprocess.Popen[str]

    def stats(self) -> dict[str, Any]:
        asking = urllib.request.Request(self.url + "/_emulator/stats", headers={"Ocp-Apim-Subscription-Key": KEY})
        with urllib.request.urlopen(asking) as answer:  # loopback only
            return dict(json.load(answer))

    def requests(self, operation: str) -> int:
        return sum(self.stats()["requests"].get(operation, {}).values())

    def sdk(self, work: Callable[[SpeechClient], Awaitable[T]]) -> T:
        """Run ``work`` with an SDK client of this emulator."""

        async def run() -> T:
            async with SpeechClient(endpoint=self.url, key=KEY, rate_limit=None) as client:
                return await work(client)

        return asyncio.run(run())


def start_emulator(*options: str) -> Service:
    process = subprocess.Popen(
        [sys.executable, "-m", "speechrest.emulator", "--port", "0", "--key", KEY, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "speechrest emulator listening on URL (files on ...)"
    assert "listening on" in line, line
    return Service(line.split("listening on ")[1].split()[0], process)


def stop_emulator(service: Service) -> None:
    service.process.send_signal(signal.SIGINT)
    service.process.communicate(timeout=10)


def environment(url: str, **env: str) -> dict[str, str]:
    """This process's environment with ``SPEECH_*`` set for ``url``, then ``env`` (an empty value
    removes a name). A deprecation warning (v3.x) is no output the tests look at: never shown."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SPEECH_") and k not in ("NO_COLOR", "COLUMNS")}
    environ.update(SPEECH_ENDPOINT=url, SPEECH_KEY=KEY, PYTHONWARNINGS="ignore::DeprecationWarning")
    return {k: v for k, v in {**environ, **env}.items() if v}


def cli(
    service: Service | str, *argv: str, cwd: Path, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``speechrest ARGV`` as a user runs it (output to pipes, not a terminal), against ``service``
    or an endpoint URL, with ``environment(url, **env)``."""
    return subprocess.run(
        [sys.executable, "-m", "speechrest.cli", *argv],
        cwd=cwd,
        env=environment(service if isinstance(service, str) else service.url, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
