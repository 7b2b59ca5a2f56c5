"""Waiting for one long-running entity or operation to finish.

Polls no sooner than the service's ``Retry-After`` asks (or every ``poll_interval``
seconds when it does not say), and ends with the entity once ``Succeeded``,
``JobFailedError`` once ``Failed``, or ``WaitTimeoutError`` when ``timeout`` runs out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from .errors import JobFailedError, WaitTimeoutError, parse_retry_after

if TYPE_CHECKING:
    from ._client import SpeechClient

__all__ = ["Waitable", "wait_until_done"]

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


class Waitable:
    """``wait`` for a resource group whose entities run NotStarted -> Running -> Succeeded/Failed."""

    __slots__ = ()
    _client: SpeechClient
    _GET: ClassVar[str]  # the friendly call that reads one entity
    _WHAT: ClassVar[str]

    async def wait(self, entity: Any, *, timeout: float | None = None, poll_interval: float = 5.0) -> Any:
        """Poll an entity (or its id) until it is ``Succeeded`` and return it.

        ``JobFailedError`` (with the service's error code and message) when it fails,
        ``WaitTimeoutError`` (naming it, its status and the time waited) when ``timeout`` passes.
        """
        entity_id = str(entity) if isinstance(entity, (str, UUID)) else entity.id
        operation_id, args = self._client._canonical(self._GET, {"id": entity_id})
        return await wait_until_done(
            lambda: self._client._exchange(operation_id, args, {}), f"{self._WHAT} {entity_id}", timeout, poll_interval
        )
