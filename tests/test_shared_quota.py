"""One quota for many processes: ``RedisRateLimit`` against a real redis-server.

The tests start ``redis-server`` on a free loopback port (and skip, saying why, where it is
not installed or does not start). Worker processes (``quota_worker.py``) share one limit
through it, alone and through ``SpeechClient`` against the emulator's quota; the fallback
to a local share and the return to Redis are checked on ports where Redis is absent.

What is asserted is what the limiter guarantees, which holds however busy the machine is:
the starts booked in Redis, by Redis's clock, never exceed the limit in any window, and no
call fails. When a process gets to run, and so when its requests arrive, is not asserted.
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
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from speechrest import InvalidArgumentError, RateLimit, RedisRateLimit, SpeechClient, _redis_ratelimit
from speechrest._ratelimit import MARGIN  # starts are spaced this much wider than the window
from speechrest.emulator import Emulator

redis = pytest.importorskip("redis", reason="redis-py is not installed: pip install -e '.[dev]'")
aioredis = pytest.importorskip("redis.asyncio")

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


def worst_window(starts: list[int], window: int) -> int:
    """The most starts in any window ``[start, start + window)``."""
    starts = sorted(starts)
    return max(bisect.bisect_left(starts, start + window) - first for first, start in enumerate(starts))


def window_us(limit: RateLimit) -> int:
    """The limiter's window in microseconds (Redis's unit): the limit's, widened by the margin."""
    return round((limit.per_seconds + MARGIN) * 1e6)


@asynccontextmanager
async def bookings(server: RedisServer, key: str) -> AsyncIterator[dict[str, int]]:
    """Every start booked under ``key`` while the block runs (its name -> its start in microseconds
    by Redis's clock), read from the key's sorted set every few milliseconds: a start stays there
    for a window at least after it was booked."""
    booked: dict[str, int] = {}
    client = aioredis.Redis(port=server.port)
    done = asyncio.Event()

    async def watch() -> None:
        while not done.is_set():
            booked.update(
                (name.decode(), int(score)) for name, score in await client.zrange(key, 0, -1, withscores=True)
            )
            await asyncio.sleep(0.005)

    # Stopped by an event, not by cancelling it: once the suite hung here, the workers gone and
    # the watcher still polling, as if the cancellation had been lost inside a redis-py command.
    watcher = asyncio.create_task(watch())
    try:
        yield booked
    finally:
        done.set()
        await watcher
        await client.aclose()


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until ``condition()`` holds (what another process does, with no event to wait on)."""
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "the condition never held"
        await asyncio.sleep(0.01)


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
    async with bookings(redis_server, key) as booked:
        # one machine's clock 5 s ahead: the window runs on Redis's clock, so it changes nothing
        results = await run_workers(args, args, args, [*args, "--clock-skew", "5"])
    assert results == [{"starts": 20, "shared": True}] * 4  # every start was booked in Redis
    assert len(booked) > 20  # more than one window's worth seen (all 80, unless the watcher was kept waiting)
    assert worst_window(list(booked.values()), window_us(RateLimit(20, 0.5))) <= 20
    await eventually(lambda: not redis_server.client.exists(key))  # the key goes away by itself


async def test_clients_in_two_processes_share_the_quota_and_no_call_fails(redis_server: RedisServer) -> None:
    key = f"test:{uuid.uuid4()}"
    async with (
        Emulator(key="k", processing_seconds=0.1, rate_limit="20/1") as emu,
        bookings(redis_server, key) as booked,
    ):
        args = [*worker_args("get", redis_server, key, "20/1", 2, 30), "--endpoint", emu.url, "--api-key", "k"]
        results = await run_workers(args, args)
    assert [(r["ok"], r["failed"], r["shared"]) for r in results] == [(30, [], True)] * 2
    assert worst_window(list(booked.values()), window_us(RateLimit(20, 1))) <= 20
    # Requests leave at their booked starts; a process kept waiting by a busy machine may send some
    # late, beside the next window's, and get a 429: the client waits it out and tries again.
    throttled = sum(r["throttled"] for r in results)
    assert emu.stats["throttled"] == throttled
    assert emu.stats["total"] == 60 + throttled


async def test_a_cancelled_wait_gives_its_booked_start_back(redis_server: RedisServer) -> None:
    key = f"test:{uuid.uuid4()}"
    limiter = RedisRateLimit(redis_server.url, key, RateLimit(1, 60), processes=1)
    await limiter.acquire()
    waiting = asyncio.create_task(limiter.acquire())
    await eventually(lambda: redis_server.client.zcard(key) == 2)  # booked for the next window, a minute away
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
    await eventually(lambda: connections() == 0)  # the server sees the close a moment later


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
    # 10 per 0.5 s shared by 2 processes: 5 in a window, the other 5 not before the next
    assert times[5] >= 0.5 + MARGIN
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
    assert time.monotonic() - started < 2  # two tries of 0.1 s, not of the default 2 s, then on the local share
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


async def test_the_limiter_returns_to_redis_when_it_answers_again(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG, logger="speechrest")
    ahead = 0.0  # how far the limiter's clock is moved past the real one
    monkeypatch.setattr(_redis_ratelimit, "time", SimpleNamespace(monotonic=lambda: time.monotonic() + ahead))
    port, key = free_port(), f"test:{uuid.uuid4()}"
    limiter = RedisRateLimit(f"redis://127.0.0.1:{port}/0", key, RateLimit(4, 1), processes=2, reconnect_after=30)
    await limiter.acquire()
    await limiter.acquire()  # within reconnect_after: on the local share without asking Redis
    assert not limiter.shared
    assert "still unavailable" not in caplog.text
    server = RedisServer(port)
    try:
        ahead = 31  # past reconnect_after
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
