"""Waiting for one long-running entity or operation to finish.

Polls no sooner than the service's ``Retry-After`` asks (or every ``poll_interval``
seconds when it does not say), and ends with the entity once ``Succeeded``,
``JobFailedError`` once ``Failed``, or ``WaitTimeoutError`` when ``timeout`` runs out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .errors import JobFailedError, WaitTimeoutError, parse_retry_after

__all__ = ["wait_until_done"]

Fetch = Callable[[], Awaitable[tuple[Any, Mapping[str, str]]]]


async def wait_until_done(fetch: Fetch, what: str, timeout: float | None, poll_interval: float = 5.0) -> Any:
    """Poll ``fetch`` (entity, headers) until the entity is ``Succeeded``; returns it."""
    started = time.monotonic()
    while True:
        entity, headers = await fetch()
        status = str(getattr(entity.status, "value", entity.status))
        if status == "Succeeded":
            return entity
        if status == "Failed":
            raise JobFailedError(entity, what)
        delay = parse_retry_after(headers.get("Retry-After"))
        delay = poll_interval if delay is None else delay
        waited = time.monotonic() - started
        if timeout is not None and waited + delay > timeout:
            if waited < timeout:
                await asyncio.sleep(timeout - waited)
            raise WaitTimeoutError(entity, what, status, time.monotonic() - started)
        await asyncio.sleep(delay)
