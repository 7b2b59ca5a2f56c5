"""``RedisRateLimit``: one request quota shared, through Redis, by every process naming the same key.

Each ``acquire`` is one round trip to a Lua script that reads the Redis server's clock (so
machines with skewed clocks still agree), drops starts older than the window from a sorted
set, and books the earliest start that keeps every window within the limit: now, or the
moment the start that would make one too many leaves the window. The caller sleeps until its
booked start; nobody polls. While Redis cannot be reached, each process keeps working on its
share of the quota (``requests // processes``) and asks Redis again every ``reconnect_after``
seconds. redis-py is imported only when a ``RedisRateLimit`` is made: ``speechrest[redis]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from ._ratelimit import DEFAULT_RATE_LIMIT, MARGIN, RateLimit, RateLimiter
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import redis.asyncio
    from redis.commands.core import AsyncScript

__all__ = ["RedisRateLimit"]

log = logging.getLogger("speechrest")

# KEYS[1]: a sorted set of request starts in microseconds by the server's clock, booked ones
# included. ARGV: requests per window, the window in microseconds, a unique name for this start.
# Returns the microseconds from now until the start it booked.
_BOOK_START = """
local key = KEYS[1]
local requests = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local start = now
if count >= requests then
    local kth = redis.call('ZRANGE', key, count - requests, count - requests, 'WITHSCORES')
    start = tonumber(kth[2]) + window
end
redis.call('ZADD', key, start, ARGV[3])
local last = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIRE', key, math.ceil((last - now + window) / 1000))
return start - now
"""

_CLIENT_NAME = "speechrest-ratelimit"
# Seconds to connect and to answer before Redis counts as unreachable; the URL can override
# them (``?socket_connect_timeout=0.5&socket_timeout=0.5``).
_TIMEOUT = 2.0


def _shown(url: str, parsed: Mapping[str, object]) -> str:
    """The URL without credentials or query: what logs and reprs may show."""
    if "path" in parsed:
        return f"unix://{parsed['path']}"
    scheme, host = url.partition("://")[0].lower(), str(parsed["host"])
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    return f"{scheme}://{host}:{parsed.get('port', 6379)}/{parsed.get('db', 0)}"


@attrs.define
class _Connection:
    """redis-py's client, its script and the booking lock, all bound to one event loop."""

    loop: asyncio.AbstractEventLoop
    client: redis.asyncio.Redis
    book: AsyncScript
    lock: asyncio.Lock = attrs.Factory(asyncio.Lock)


class RedisRateLimit:
    """A ``rate_limit=`` for ``SpeechClient`` that every process and machine naming ``key`` shares.

    ``url`` is the Redis server (``redis://[:password@]host:6379/0``, ``rediss://`` for TLS,
    ``unix:///path``); ``key`` names the Speech resource, e.g. ``"speech:westeurope:prod"``;
    ``limit`` is the resource's quota. ``processes`` is how many processes share it: when Redis
    cannot be reached, each goes on alone at ``limit.requests // processes`` per window and
    asks Redis again after ``reconnect_after`` seconds. The client that uses it closes its
    connection when it closes; it reconnects if used again.
    """

    def __init__(
        self,
        url: str,
        key: str,
        limit: RateLimit = DEFAULT_RATE_LIMIT,
        *,
        processes: int,
        reconnect_after: float = 30.0,
    ) -> None:
        if not isinstance(key, str) or not key:
            raise InvalidArgumentError(f"RedisRateLimit: key must be a non-empty string, got {key!r}")
        if not isinstance(limit, RateLimit):
            raise InvalidArgumentError(f"RedisRateLimit: limit must be a RateLimit, got {limit!r}")
        if not isinstance(processes, int) or isinstance(processes, bool) or processes < 1:
            raise InvalidArgumentError(f"RedisRateLimit: processes must be a whole number >= 1, got {processes!r}")
        if not reconnect_after > 0:
            raise InvalidArgumentError(f"RedisRateLimit: reconnect_after must be > 0, got {reconnect_after!r}")
        try:
            from redis.asyncio.connection import parse_url
            from redis.exceptions import RedisError
        except ImportError as error:
            raise ImportError(
                "RedisRateLimit needs redis-py, which speechrest does not install by default: "
                "pip install 'speechrest[redis]'"
            ) from error
        try:
            parsed = parse_url(url)
        except (ValueError, TypeError, AttributeError) as error:
            raise InvalidArgumentError(f"RedisRateLimit: not a Redis URL: {error}") from None
        if not parsed.get("host") and not parsed.get("path"):
            raise InvalidArgumentError("RedisRateLimit: the Redis URL names no host (redis://host:6379/0)")
        self.key = key
        self.limit = limit
        self.processes = processes
        self.local_limit = RateLimit(max(1, limit.requests // processes), limit.per_seconds)
        self.where = _shown(url, parsed)
        self._url = url
        self._password: str | None = parsed.get("password")
        self._reconnect_after = reconnect_after
        self._window_us = round((limit.per_seconds + MARGIN) * 1e6)
        self._local = RateLimiter(self.local_limit)
        self._errors = (RedisError, OSError)  # Redis unreachable, timed out, or refusing: go local
        self._prefix = secrets.token_hex(8)  # starts are named <prefix>:<count>, unique to this limiter
        self._count = itertools.count()
        self._retry_at: float | None = None  # while on the local share: when to ask Redis again
        self._connection: _Connection | None = None

    def __repr__(self) -> str:
        mode = "shared" if self.shared else "local"
        return (
            f"<RedisRateLimit {self.where} key={self.key!r} {self.limit.requests}/{self.limit.per_seconds:g}s "
            f"processes={self.processes} {mode}>"
        )

    @property
    def shared(self) -> bool:
        """False while Redis is unavailable and this process is on its local share."""
        return self._retry_at is None

    async def acquire(self) -> None:
        """Return when a request may start: at the start booked in Redis, or by the local share."""
        connection = self._connect()
        name = f"{self._prefix}:{next(self._count)}"
        wait = await self._book(connection, name)
        if wait is None:
            await self._local.acquire()
        elif wait > 0:
            try:
                await asyncio.sleep(wait)
            except asyncio.CancelledError:
                # give the booked start back, or it would hold a place in the window unused
                with contextlib.suppress(*self._errors):
                    await connection.client.zrem(self.key, name)
                raise

    async def aclose(self) -> None:
        """Close the connection to Redis (a later ``acquire`` opens a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None and connection.loop is asyncio.get_running_loop():
            await connection.client.aclose()

    def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        if self._connection is None or self._connection.loop is not loop:
            from redis.asyncio import Redis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            client = Redis.from_url(
                self._url,
                socket_connect_timeout=_TIMEOUT,
                socket_timeout=_TIMEOUT,
                # one immediate retry gets past a connection Redis dropped while idle
                retry=Retry(NoBackoff(), 1),
                client_name=_CLIENT_NAME,
            )
            self._connection = _Connection(loop, client, client.register_script(_BOOK_START))
        return self._connection

    async def _book(self, connection: _Connection, name: str) -> float | None:
        """Seconds until the start booked under ``name``, or None while on the local share."""
        async with connection.lock:  # one booking at a time per process: one connection, in order
            if self._retry_at is not None and time.monotonic() < self._retry_at:
                return None
            try:
                micros = await connection.book(keys=[self.key], args=[self.limit.requests, self._window_us, name])
            except self._errors as error:
                self._fall_back(error)
                return None
            if self._retry_at is not None:
                self._retry_at = None
                log.info(
                    "Redis at %s is available again: rate limit key %r is back on the shared limit of %d per %g s",
                    self.where,
                    self.key,
                    self.limit.requests,
                    self.limit.per_seconds,
                )
            return int(micros) / 1e6

    def _fall_back(self, error: BaseException) -> None:
        text = f"{type(error).__name__}: {error}"
        if self._password:
            text = text.replace(self._password, "***")
        if self._retry_at is None:
            log.warning(
                "Redis at %s is unavailable (%s): rate limit key %r falls back to a local limit of %d per %g s "
                "(%d / %d processes); asking Redis again in %g s",
                self.where,
                text,
                self.key,
                self.local_limit.requests,
                self.local_limit.per_seconds,
                self.limit.requests,
                self.processes,
                self._reconnect_after,
            )
        else:
            log.debug("Redis at %s is still unavailable (%s)", self.where, text)
        self._retry_at = time.monotonic() + self._reconnect_after
