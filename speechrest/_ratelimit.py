"""The client-side rate limit: at most ``requests`` request starts in any ``per_seconds`` window.

A sliding window of start times (not a token bucket, which lets a full bucket plus its
refill through in one window) keeps the client under the service's quota in *every* window.
``Limiter`` is what the client asks before each request; ``RateLimiter`` is the in-process
one, and ``RedisRateLimit`` (in ``_redis_ratelimit``) shares one window among processes.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Protocol, runtime_checkable

import attrs

from ._core.clock import SYSTEM_CLOCK, Clock

__all__ = ["DEFAULT_RATE_LIMIT", "MARGIN", "Limiter", "RateLimit", "RateLimiter"]

# Starts are spaced a little wider than the window, so the service, which sees them a
# moment later and not all equally late, never counts one too many in its window.
MARGIN = 0.05


@attrs.frozen
class RateLimit:
    """At most ``requests`` requests per ``per_seconds`` seconds (the service: 100 per 10 s)."""

    requests: int = 100
    per_seconds: float = 10.0

    def __attrs_post_init__(self) -> None:
        if self.requests < 1 or self.per_seconds <= 0:
            raise ValueError(f"RateLimit needs requests >= 1 and per_seconds > 0, got {self}")


# The service allows about 100 requests per 10 s per resource.
DEFAULT_RATE_LIMIT = RateLimit(requests=100, per_seconds=10)


@runtime_checkable
class Limiter(Protocol):
    """Paces the requests of a client: ``acquire`` returns when the next one may start.

    ``SpeechClient(rate_limit=...)`` takes any such object and calls ``aclose`` when it closes.
    """

    async def acquire(self) -> None: ...

    async def aclose(self) -> None: ...


class RateLimiter:
    """Hands out request starts within a ``RateLimit``, shared by every task of one client."""

    def __init__(self, limit: RateLimit, clock: Clock = SYSTEM_CLOCK) -> None:
        self.limit = limit
        self._clock = clock
        self._starts: collections.deque[float] = collections.deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        window = self.limit.per_seconds + MARGIN
        if not self._lock.locked() and self._room(self._clock.monotonic(), window):
            return  # nobody waits and the window has room: no lock needed (nothing awaits in between)
        async with self._lock:  # one waiter at a time keeps the order fair
            while not self._room(now := self._clock.monotonic(), window):
                await self._clock.sleep(self._starts[0] + window - now)

    def _room(self, now: float, window: float) -> bool:
        """Take a start now if the window has room for it."""
        while self._starts and self._starts[0] <= now - window:
            self._starts.popleft()
        if len(self._starts) >= self.limit.requests:
            return False
        self._starts.append(now)
        return True

    async def aclose(self) -> None:
        """Nothing to release: the window lives in this process."""
