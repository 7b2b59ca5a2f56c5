"""Time as the core sees it: the system's, or a fake one that tests move by hand.

Everything that waits (retries, the 429 pause, the rate limiter, waits for jobs) asks the client's clock,
so a test on ``FakeClock`` runs a ten-minute backoff in no time and on a busy machine alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Awaitable
from datetime import datetime, timedelta, timezone
from typing import Protocol, TypeVar, runtime_checkable

__all__ = ["SYSTEM_CLOCK", "Clock", "FakeClock", "SystemClock", "TimedOut", "wait_event", "within"]

T = TypeVar("T")


@runtime_checkable
class Clock(Protocol):
    """Monotonic seconds for intervals, wall-clock time for the service's time stamps, and sleeping."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clocks and ``asyncio.sleep``."""

    monotonic = staticmethod(time.monotonic)  # called several times a request: no Python frame

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "<SystemClock>"


SYSTEM_CLOCK = SystemClock()


class TimedOut(TimeoutError):
    """``within``'s limit passed first (told apart from a ``TimeoutError`` the awaitable raised)."""


async def within(awaitable: Awaitable[T], seconds: float | None, clock: Clock) -> T:
    """The result of ``awaitable``, or ``TimedOut`` once ``seconds`` pass on ``clock`` first (None: no limit).

    The awaitable and the clock's sleep race as two tasks (the loser is cancelled), so that a
    ``FakeClock`` can jump to the timeout while the awaitable is still pending.
    """
    if seconds is None:
        return await awaitable
    task = asyncio.ensure_future(awaitable)
    timer = asyncio.ensure_future(clock.sleep(max(seconds, 0.0)))
    try:
        await asyncio.wait((task, timer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, timer):
            pending.cancel()
        await asyncio.gather(task, timer, return_exceptions=True)
    if task.cancelled():
        raise TimedOut(f"no answer within {seconds:g} s")
    return task.result()


async def wait_event(event: asyncio.Event, seconds: float | None, clock: Clock) -> None:
    """Return once ``event`` is set, or after ``seconds`` on ``clock`` (None: no limit), whichever comes first."""
    with contextlib.suppress(TimedOut):
        await within(event.wait(), seconds, clock)


class FakeClock:
    """A clock that only moves when every sleeper is asleep: it then jumps to the earliest wake-up.

    Sleeping takes no real time. Work that goes on between sleeps must not wait on real I/O
    (use it with ``MockTransport``): the clock moves once the event loop has had a few turns
    with nothing else to run. ``advance(seconds)`` moves it by hand; ``slept`` is the total
    time sleepers asked for.
    """

    # Event-loop turns to let other tasks run before the clock jumps to the next wake-up.
    SETTLE_TURNS = 20

    def __init__(self, start: datetime | None = None) -> None:
        self._now = 0.0
        self._epoch = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._mover: asyncio.Task[None] | None = None
        self.slept = 0.0

    def monotonic(self) -> float:
        return self._now

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=self._now)

    def advance(self, seconds: float) -> None:
        """Move the clock forward and wake whoever is due."""
        self._now += max(0.0, seconds)
        self._wake_due()

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept += seconds
        if seconds == 0:
            await asyncio.sleep(0)
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), woken))
        if self._mover is None or self._mover.done():
            self._mover = asyncio.get_running_loop().create_task(self._move())
        await woken

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, woken = heapq.heappop(self._sleepers)
            if not woken.done():
                woken.set_result(None)

    async def _move(self) -> None:
        """Jump to the next wake-up whenever the other tasks have settled; stop when none sleeps."""
        while self._sleepers:
            for _ in range(self.SETTLE_TURNS):
                await asyncio.sleep(0)
            self._sleepers = [s for s in self._sleepers if not s[2].done()]  # cancelled sleepers
            heapq.heapify(self._sleepers)
            if self._sleepers:
                self._now = max(self._now, self._sleepers[0][0])
                self._wake_due()

    def __repr__(self) -> str:
        return f"<FakeClock at {self._now:.3f} s>"
