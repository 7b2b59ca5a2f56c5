"""One quota for many processes: ``RedisRateLimit`` against a real redis-server.

The tests start ``redis-server`` on a free loopback port (and skip, saying why, where it is
not installed or does not start). Worker processes (``quota_worker.py``) share one limit
through it, alone and through ``SpeechClient`` against the emulator's quota; the fallback
to a local share and the return to Redis are checked on ports where Redis is absent.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from speechrest import InvalidArgumentError, RateLimit, RedisRateLimit, SpeechClient
from speechrest._ratelimit import MARGIN  # starts are spaced this much wider than the window
from speechrest.emulator import Emulator

redis = pytest.importorskip("redis", reason="redis-py is not installed: pip install -e '.[dev]'")

WORKER = Path(__file__).with_name("quota_worker.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """A redis-server process on a loopback port, without persistence."""

    def __init__(self, port: int) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip("redis-server is not installed (CI installs it with apt-get install redis-server)")
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        command = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        client = redis.Redis(port=port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None:
                    output = self.process.communicate()[0].strip().splitlines()[-3:]
                    pytest.skip(f"redis-server did not start on port {port}: {' / '.join(output)}")
                time.sleep(0.02)
        else:
            self.stop()
            pytest.skip(f"redis-server did not answer on port {port} within 5 s")
        self.client = client

    def stop(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=5)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    yield server
    server.client.close()
    server.stop()


def worst_window(starts: list[float], seconds: float) -> int:
    """The most starts in any window of ``seconds``."""
    starts = sorted(starts)
    return max(bisect.bisect_left(starts, start + seconds) - first for first, start in enumerate(starts))


async def run_workers(*commands: list[str]) -> list[dict[str, Any]]:
    """Start the workers, let them all go at once when each is ready, return what they print."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for command in commands
    ]
    for process in processes:
        assert process.stdout is not None
        assert (await asyncio.wait_for(process.stdout.readline(), 20)) == b"ready\n"
    results = await asyncio.gather(*(process.communicate(b"go\n") for process in processes))
    for process, (_, errors) in zip(processes, results, strict=True):
        assert process.returncode == 0, errors.decode()
    return [json.loads(out) for out, _ in results]


def worker_args(mode: str, server: RedisServer, key: str, limit: str, processes: int, count: int) -> list[str]:
    options = {"--redis": server.url, "--key": key, "--limit": limit, "--processes": processes, "--count": count}
    return [mode, *(str(part) for option in options.items() for part in option)]


async def test_processes_sharing_a_key_keep_every_window_within_the_limit(redis_server: RedisServer) -> None:
    key = f"test:{uuid.uuid4()}"
    args = worker_args("acquire", redis_server, key, "20/0.5", 4, 20)
    # one machine's clock 5 s ahead: the window runs on Redis's clock, so it changes nothing
    results = await run_workers(args, args, args, [*args, "--clock-skew", "5"])
    starts = [start for result in results for start in result["starts"]]
    assert len(starts) == 80
    assert worst_window(starts, 0.5) <= 20
    # 80 starts at 20 per window: the last may start 3 windows after the first
    assert max(starts) - min(starts) < 3 * (0.5 + MARGIN) + 0.3
    assert redis_server.client.pttl(key) > 0  # the key goes away by itself


async def test_clients_in_two_processes_get_no_429_from_the_quota(redis_server: RedisServer) -> None:
    key = f"test:{uuid.uuid4()}"
    async with Emulator(key="k", processing_seconds=0.1, rate_limit="20/1") as emu:
        args = [*worker_args("get", redis_server, key, "20/1", 2, 30), "--endpoint", emu.url, "--api-key", "k"]
        started = time.monotonic()
        results = await run_workers(args, args)
        elapsed = time.monotonic() - started
        assert [(r["ok"], r["failed"], r["throttled"]) for r in results] == [(30, [], 0), (30, [], 0)]
        assert emu.stats["throttled"] == 0
        assert emu.stats["total"] == 60
    assert elapsed < 2 * (1 + MARGIN) + 3  # two windows after the first, plus starting the processes


async def test_a_cancelled_wait_gives_its_booked_start_back(redis_server: RedisServer) -> None:
    key = f"test:{uuid.uuid4()}"
    limiter = RedisRateLimit(redis_server.url, key, RateLimit(1, 0.5), processes=1)
    await limiter.acquire()
    waiting = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.05)
    assert redis_server.client.zcard(key) == 2  # booked for the next window
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert redis_server.client.zcard(key) == 1
    await limiter.aclose()


async def test_the_client_closes_the_limiters_connection(redis_server: RedisServer) -> None:
    def connections() -> int:
        return sum(1 for c in redis_server.client.client_list() if c["name"] == "speechrest-ratelimit")

    limiter = RedisRateLimit(redis_server.url, f"test:{uuid.uuid4()}", RateLimit(5, 1), processes=2)
    async with Emulator() as emu, SpeechClient(endpoint=emu.url, rate_limit=limiter) as client:
        await client.transcriptions.list_supported_locales()
        assert connections() == 1
    for _ in range(50):  # the server sees the close a moment later
        if connections() == 0:
            break
        await asyncio.sleep(0.02)
    assert connections() == 0


async def take(limiter: RedisRateLimit, count: int) -> list[float]:
    """Start ``count`` acquires at once; the seconds after the first call at which each returned."""
    started = time.monotonic()

    async def one() -> float:
        await limiter.acquire()
        return time.monotonic() - started

    return sorted(await asyncio.gather(*(one() for _ in range(count))))


async def test_unreachable_redis_falls_back_to_a_share_of_the_limit(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="speechrest")
    port = free_port()  # nothing listens there
    limiter = RedisRateLimit(f"redis://user:s3cret@127.0.0.1:{port}/0", "speech:test", RateLimit(10, 0.5), processes=2)
    times = await take(limiter, 10)
    # 10 per 0.5 s shared by 2 processes: 5 now, 5 in the next window
    assert times[4] < 0.2 <= 0.5 + MARGIN <= times[5]
    assert not limiter.shared
    assert limiter.local_limit == RateLimit(5, 0.5)
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert f"Redis at redis://127.0.0.1:{port}/0 is unavailable" in warning.getMessage()
    assert "local limit of 5 per 0.5 s (10 / 2 processes)" in warning.getMessage()
    assert "s3cret" not in caplog.text and "user" not in caplog.text
    await limiter.aclose()


async def test_a_redis_that_does_not_answer_counts_as_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="speechrest")
    accepted: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda _, writer: accepted.append(writer), "127.0.0.1", 0)  # never answers
    port = silent.sockets[0].getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0?socket_timeout=0.1&socket_connect_timeout=0.1"
    limiter = RedisRateLimit(url, "speech:test", RateLimit(4, 1), processes=4)
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started < 1  # two tries of 0.1 s, then on the local share
    assert not limiter.shared
    assert "TimeoutError" in caplog.text
    await limiter.aclose()
    for writer in accepted:
        writer.close()
    silent.close()
    await silent.wait_closed()


async def test_a_redis_that_refuses_the_script_is_unavailable_too(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    key = f"test:{uuid.uuid4()}"
    redis_server.client.set(key, "not a sorted set")
    limiter = RedisRateLimit(redis_server.url, key, RateLimit(4, 1), processes=2)
    await limiter.acquire()  # work goes on, on the local share
    assert not limiter.shared
    assert "ResponseError: WRONGTYPE" in caplog.text
    await limiter.aclose()


async def test_the_limiter_returns_to_redis_when_it_answers_again(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="speechrest")
    port, key = free_port(), f"test:{uuid.uuid4()}"
    limiter = RedisRateLimit(f"redis://127.0.0.1:{port}/0", key, RateLimit(4, 1), processes=2, reconnect_after=0.3)
    started = time.monotonic()
    await limiter.acquire()
    await limiter.acquire()  # within reconnect_after: on the local share without asking Redis
    assert not limiter.shared
    assert "still unavailable" not in caplog.text
    server = RedisServer(port)
    try:
        await asyncio.sleep(0.35 - (time.monotonic() - started))  # past reconnect_after
        await limiter.acquire()
        assert limiter.shared
        assert server.client.zcard(key) == 1
        assert f"Redis at redis://127.0.0.1:{port}/0 is available again" in caplog.text
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
        await limiter.aclose()
    finally:
        server.client.close()
        server.stop()


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("localhost:6379", {}, "not a Redis URL"),
        ("http://localhost:6379", {}, "not a Redis URL"),
        ("redis://localhost:port", {}, "not a Redis URL"),
        ("redis://", {}, "names no host"),
        ("redis://localhost", {"processes": 0}, "processes must be a whole number >= 1"),
        ("redis://localhost", {"processes": 1.5}, "processes must be a whole number >= 1"),
        ("redis://localhost", {"key": ""}, "key must be a non-empty string"),
        ("redis://localhost", {"limit": 100}, "limit must be a RateLimit"),
        ("redis://localhost", {"reconnect_after": 0}, "reconnect_after must be > 0"),
    ],
)
def test_bad_configuration_is_refused_at_once(url: str, options: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"key": "speech:test", "processes": 2, **options}
    with pytest.raises(InvalidArgumentError, match=message):
        RedisRateLimit(url, **arguments)


def test_the_client_refuses_a_rate_limit_that_is_not_one() -> None:
    with pytest.raises(InvalidArgumentError, match="rate_limit must be a RateLimit"):
        SpeechClient(endpoint="https://x.example", rate_limit=100)  # type: ignore[arg-type]


def test_redis_py_stays_optional() -> None:
    script = (
        "import sys\n"
        "import speechrest\n"
        "assert 'redis' not in sys.modules, 'import speechrest imported redis'\n"
        "sys.modules['redis'] = None\n"
        "try:\n"
        "    speechrest.RedisRateLimit('redis://localhost', 'speech:x', processes=2)\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert "pip install 'speechrest[redis]'" in done.stdout
