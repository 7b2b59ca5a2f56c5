"""Keeping within the service's quota: the client-wide pause after a 429, the rate limiter,
and the cap on requests in flight."""

from __future__ import annotations

import asyncio

from ..._ratelimit import Limiter
from ...errors import RateLimitError, parse_retry_after
from ..context import Context
from ..pipeline import Policy
from ..transport import Request, Response

__all__ = ["Throttle"]


class Throttle(Policy):
    """Requests to the service wait out a 429 pause and the rate limiter, then take an
    in-flight slot (content URLs on other hosts are not the service's quota: they only take
    the slot). A 429 pauses the whole client for its ``Retry-After`` (``default_pause`` when
    it gives none, ``max_pause`` at most)."""

    def __init__(
        self,
        limiter: Limiter | None,
        connection_limit: int,
        *,
        default_pause: float,
        max_pause: float,
    ) -> None:
        self.limiter = limiter
        self._in_flight = asyncio.Semaphore(connection_limit)
        self._default_pause = default_pause
        self._max_pause = max_pause

    async def send_within_quota(self, request: Request, context: Context) -> Response:
        state = context.state
        if request.to_service:
            observer = context.observer  # telemetry, if any, hears how long this took
            began = state.clock.monotonic() if observer is not None else 0.0
            # a 429 seen meanwhile can push the pause further: look again after each sleep
            while (pause := state.not_before - state.clock.monotonic()) > 0:
                await state.clock.sleep(pause)
            if self.limiter is not None:
                await self.limiter.acquire()
            if observer is not None:
                observer.waited_for_quota(state.clock.monotonic() - began)
        await self._in_flight.acquire()  # taken after the waits, so waiting requests hold no slot
        try:
            return await self.next(request, context)
        except RateLimitError as error:
            asked = parse_retry_after(error.headers.get("Retry-After") if error.headers else None)
            state.pause(min(self._max_pause, asked if asked is not None else self._default_pause))
            raise
        finally:
            self._in_flight.release()

    send = send_within_quota
