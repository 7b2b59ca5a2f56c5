"""Waiting for long-running entities and operations to finish.

Polls no sooner than the service's ``Retry-After`` asks (or every ``poll_interval``
seconds when it does not say), sweeps the list when many jobs wait, takes states pushed by
web hook callbacks when the client has them, and ends with the entity once ``Succeeded``,
``JobFailedError`` once ``Failed``, or ``WaitTimeoutError`` when a timeout runs out.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from ._wire import format_datetime
from .errors import JobFailedError, SpeechError, WaitTimeoutError, _text, parse_retry_after

if TYPE_CHECKING:
    from ._client import SpeechClient
    from .webhooks import WebHookEvent

__all__ = ["PushedStates", "Waitable", "wait_until_done"]

Fetch = Callable[[], Awaitable[tuple[Any, Mapping[str, str]]]]


def _id_of(entity: Any) -> str:
    """The id of an entity, or the id given as a string or UUID."""
    return str(entity) if isinstance(entity, (str, UUID)) else str(entity.id)


async def wait_until_done(fetch: Fetch, what: str, timeout: float | None, poll_interval: float = 5.0) -> Any:
    """Poll ``fetch`` (entity, headers) until the entity is ``Succeeded``; returns it."""
    started = time.monotonic()
    while True:
        entity, headers = await fetch()
        status = _text(entity.status) or "unknown"
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


Inbox = dict[str, Any]  # entity id -> its latest pushed state, until the waiter reads it


class PushedStates:
    """Routes pushed entity states to the waiters watching them, and signals each arrival."""

    def __init__(self) -> None:
        self.safety_net: float | None = None  # seconds between sweeps once pushed to; None: polling only
        self._inboxes: dict[str, list[Inbox]] = {}
        self._arrived = asyncio.Event()

    def deliver(self, event: WebHookEvent) -> None:
        """Give the event's entity to every waiter watching it, and wake the waiters."""
        entity = event.entity
        inboxes = self._inboxes.get(getattr(entity, "id", None) or "")
        if not inboxes or getattr(entity, "status", None) is None:
            return
        for inbox in inboxes:
            inbox[entity.id] = entity
        self._arrived.set()
        self._arrived = asyncio.Event()

    @contextmanager
    def watching(self, ids: Collection[str]) -> Iterator[Inbox]:
        """An inbox for states of ``ids`` pushed while the block runs."""
        inbox: Inbox = {}
        for entity_id in ids:
            self._inboxes.setdefault(entity_id, []).append(inbox)
        try:
            yield inbox
        finally:
            for entity_id in ids:
                others = [other for other in self._inboxes.get(entity_id, ()) if other is not inbox]
                if others:
                    self._inboxes[entity_id] = others
                else:
                    self._inboxes.pop(entity_id, None)

    async def arrival(self, seconds: float) -> None:
        """Return when a callback arrives, or after ``seconds``."""
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), max(seconds, 0.0))


class Waitable:
    """``wait`` for a resource group whose entities run NotStarted -> Running -> Succeeded/Failed."""

    __slots__ = ()
    _client: SpeechClient
    _GET: ClassVar[str]  # the friendly call that reads one entity
    _LIST: ClassVar[str]  # the friendly call that lists them (for sweeps)
    _WHAT: ClassVar[str]
    # With more jobs than this waiting, one list sweep (100 per page) replaces a GET per job.
    SWEEP_ABOVE: ClassVar[int] = 8
    # How far back a sweep looks beyond the last one (clock differences, 1 s Date resolution).
    SWEEP_SLACK: ClassVar[timedelta] = timedelta(seconds=10)

    async def wait(self, entity: Any, *, timeout: float | None = None, poll_interval: float = 5.0) -> Any:
        """Poll an entity (or its id) until it is ``Succeeded`` and return it.

        ``JobFailedError`` (with the service's error code and message) when it fails,
        ``WaitTimeoutError`` (naming it, its status and the time waited) when ``timeout`` passes.
        """
        entity_id = _id_of(entity)
        if self._client._push.safety_net is not None:  # web hooks tell when it is done
            return (await self.wait_all([entity_id], timeout=timeout, poll_interval=poll_interval))[0]
        operation_id, args = self._client._canonical(self._GET, {"id": entity_id})
        return await wait_until_done(
            lambda: self._client._exchange(operation_id, args, {}), f"{self._WHAT} {entity_id}", timeout, poll_interval
        )

    async def as_completed(
        self,
        entities: Iterable[Any],
        *,
        timeout: float | None = None,
        job_timeout: float | None = None,
        poll_interval: float = 5.0,
        progress: Callable[[int, int], Awaitable[None] | None] | None = None,
    ) -> AsyncIterator[Any]:
        """Yield each entity as it finishes (``Succeeded``), or a ``JobFailedError`` for one that
        failed; a ``WaitTimeoutError`` for a job still unfinished ``job_timeout`` seconds after it
        was created, and for every job left when ``timeout`` (overall) passes. ``progress`` gets
        (finished, total) after each job.

        Few jobs are polled one by one; many are swept: the list is read with a
        ``lastActionDateTime`` filter (since the previous sweep), so one page of up to 100 entities
        updates up to 100 waiting jobs. Every request goes through the client's rate limiter.
        """
        pending = {_id_of(e): e for e in entities}
        total, finished = len(pending), 0
        push = self._client._push
        started = time.monotonic()
        deadline = None if timeout is None else started + timeout
        next_look = started  # when to ask the service next
        since = None  # the service time of the previous sweep's start
        with push.watching(list(pending)) as inbox:
            while pending:
                seen = [inbox.pop(entity_id) for entity_id in list(inbox)]
                if time.monotonic() >= next_look:
                    look_started = self._client._server_now()
                    seen += await self._look(since, pending)
                    since = look_started - self.SWEEP_SLACK
                    next_look = time.monotonic() + (push.safety_net or poll_interval)
                changed = {entity.id: entity for entity in seen if entity.id in pending}
                pending.update(changed)  # the latest states, also for timeouts' messages
                # A job stuck in one state does not show up in a filtered sweep: check every age.
                for entity_id in list(changed if job_timeout is None else pending):
                    entity = pending[entity_id]
                    known = not isinstance(entity, (str, UUID))  # a state, not just the id it was given as
                    outcome = self._outcome(entity, job_timeout) if known else None
                    if outcome is None:
                        continue
                    del pending[entity_id]
                    finished += 1
                    if progress is not None and inspect.isawaitable(reported := progress(finished, total)):
                        await reported
                    yield outcome
                if not pending:
                    return
                now = time.monotonic()
                if deadline is not None and (now >= deadline or (next_look > deadline and push.safety_net is None)):
                    for entity_id, entity in pending.items():
                        status = _text(getattr(entity, "status", None)) or "unknown"
                        yield WaitTimeoutError(entity, f"{self._WHAT} {entity_id}", status, now - started)
                    return
                wake = next_look if deadline is None else min(next_look, deadline)
                await push.arrival(wake - now)  # a callback, when the client has web hooks, or the time to look

    async def _look(self, since: Any, pending: Mapping[str, Any]) -> list[Any]:
        """Ask the service: one GET per job for a few, a list sweep for many."""
        if len(pending) > self.SWEEP_ABOVE:
            return await self._sweep(since, pending)
        return [await self._client._call(self._GET, {"id": entity_id}, {}) for entity_id in list(pending)]

    def _outcome(self, entity: Any, job_timeout: float | None) -> Any:
        """What a waiter yields for this state of a job, or None while it is still on its way."""
        status = _text(entity.status) or "unknown"
        what = f"{self._WHAT} {entity.id}"
        if status == "Succeeded":
            return entity
        if status == "Failed":
            return JobFailedError(entity, what)
        age = self._age(entity)
        if job_timeout is None or age is None or age <= job_timeout:
            return None
        return WaitTimeoutError(entity, what, status, age)

    def _age(self, entity: Any) -> float | None:
        """Seconds since the entity was created, by the service's clock."""
        created = getattr(entity, "created_date_time", None)
        return None if created is None else (self._client._server_now() - created).total_seconds()

    async def _sweep(self, since: Any, pending: Mapping[str, Any]) -> list[Any]:
        """One pass over the list: everything changed since ``since`` (or all, the first time).

        A job the whole list lacks is asked for by id: a ``NotFoundError`` if it does not exist."""
        args: dict[str, Any] = {}
        operation_id, _ = self._client._canonical(self._LIST, {})
        if since is not None and any(p.wire == "filter" for p in self._client._routes[operation_id].params):
            args["filter"] = f"lastActionDateTime ge {format_datetime(since.replace(microsecond=0))}"
        found = [
            entity async for entity in self._client._call_paged(self._LIST, args, {}, None) if entity.id in pending
        ]
        if "filter" not in args:
            missing = pending.keys() - {entity.id for entity in found}
            found += [await self._client._call(self._GET, {"id": entity_id}, {}) for entity_id in missing]
        return found

    async def wait_all(
        self,
        entities: Iterable[Any],
        *,
        timeout: float | None = None,
        job_timeout: float | None = None,
        poll_interval: float = 5.0,
        progress: Callable[[int, int], Awaitable[None] | None] | None = None,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """Every entity once finished, in the order given. A failed or timed-out job raises (the
        first one seen) unless ``return_exceptions``, which puts its error in its place instead."""
        order = [_id_of(e) for e in entities]
        done: dict[str, Any] = {}
        outcomes = self.as_completed(
            order, timeout=timeout, job_timeout=job_timeout, poll_interval=poll_interval, progress=progress
        )
        async for outcome in outcomes:
            if isinstance(outcome, SpeechError):
                if not return_exceptions:
                    raise outcome
                entity = getattr(outcome, "entity", None)
                done[str(getattr(entity, "id", None) or entity)] = outcome
            else:
                done[outcome.id] = outcome
        return [done[entity_id] for entity_id in order]
