"""Waiting for long-running entities and operations to finish.

A waiter reads the states the client's scheduler (``_scheduler``) routes to it, polled or
pushed by web hook callbacks, and ends with the entity once ``Succeeded``, ``JobFailedError``
once ``Failed``, or ``WaitTimeoutError`` when a timeout runs out. Model-copy operations, which
have no list to sweep, are polled on their own no sooner than ``Retry-After`` asks.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeAlias, TypeVar, overload
from uuid import UUID

from ._core.telemetry import traced, traced_iteration
from ._scheduler import JobKind, Poller, Scheduler
from .errors import JobFailedError, JobNotFinishedError, SpeechError, WaitTimeoutError, _text, parse_retry_after

if TYPE_CHECKING:
    from ._core.records import Requester

__all__ = ["Outcome", "TEntity", "Waitable", "wait_until_done"]

# The entity a group waits for (its version's ``Transcription``, ``Dataset``...): generated
# per-version typing binds it (tools/codegen/handwritten.py reads the methods that use it).
TEntity = TypeVar("TEntity")
# What a waiter ends a job with: the entity once Succeeded, or the error saying why not.
Outcome: TypeAlias = TEntity | JobFailedError | WaitTimeoutError

Fetch = Callable[[], Awaitable[tuple[Any, Mapping[str, str]]]]
Progress = Callable[[int, int], Awaitable[None] | None]  # (finished, total), plain or async


def _id_of(entity: Any) -> str:
    """The id of an entity, or the id given as a string or UUID."""
    return str(entity) if isinstance(entity, (str, UUID)) else str(entity.id)


async def wait_until_done(
    fetch: Fetch, what: str, requester: Requester, timeout: float | None, poll_interval: float = 5.0
) -> Any:
    """Poll ``fetch`` (entity, headers) until the entity is ``Succeeded``, sleeping on the requester's
    clock at the pace ``RetryPolicy.poll_delay`` sets; returns it."""
    clock = requester.clock
    started = clock.monotonic()
    while True:
        entity, headers = await fetch()
        status = _text(entity.status) or "unknown"
        if status == "Succeeded":
            return entity
        if status == "Failed":
            raise JobFailedError(entity, what)
        delay = requester.retry.poll_delay(parse_retry_after(headers.get("Retry-After")), poll_interval)
        waited = clock.monotonic() - started
        if timeout is not None and waited + delay > timeout:
            if waited < timeout:
                await clock.sleep(timeout - waited)
            raise WaitTimeoutError(entity, what, status, clock.monotonic() - started)
        await clock.sleep(delay)


class Waitable(Generic[TEntity]):
    """``wait`` for a resource group whose entities run NotStarted -> Running -> Succeeded/Failed."""

    _requester: Requester
    _scheduler: Scheduler

    def __init__(self, requester: Requester, scheduler: Scheduler) -> None:
        self._requester = requester
        self._scheduler = scheduler

    _GET: ClassVar[str]  # the friendly call that reads one entity
    _LIST: ClassVar[str]  # the friendly call that lists them (for sweeps)
    _WHAT: ClassVar[str]
    # With more jobs than this waiting, one list sweep (100 per page) replaces a GET per job.
    SWEEP_ABOVE: ClassVar[int] = 8
    # How far back a sweep looks beyond the last one (clock differences, 1 s Date resolution).
    SWEEP_SLACK: ClassVar[timedelta] = timedelta(seconds=10)

    @traced
    async def wait(
        self, entity: TEntity | str | UUID, *, timeout: float | None = None, poll_interval: float = 5.0
    ) -> TEntity:
        """Wait until an entity (or the one with this id) is ``Succeeded`` and return it.

        Polled no sooner than the service's ``Retry-After`` asks (``poll_interval`` when it does
        not say). ``JobFailedError`` (with the service's error code and message) when it fails,
        ``WaitTimeoutError`` (naming it, its status and the time waited) when ``timeout`` passes.
        """
        return (await self.wait_all([entity], timeout=timeout, poll_interval=poll_interval))[0]

    @traced_iteration
    async def as_completed(
        self,
        entities: Iterable[TEntity | str | UUID],
        *,
        timeout: float | None = None,
        job_timeout: float | None = None,
        poll_interval: float = 5.0,
        progress: Progress | None = None,
    ) -> AsyncIterator[Outcome[TEntity]]:
        """Yield each entity as it finishes (``Succeeded``), or a ``JobFailedError`` for one that
        failed; a ``WaitTimeoutError`` for a job still unfinished ``job_timeout`` seconds after it
        was created, and for every job left when ``timeout`` (overall) passes. ``progress`` gets
        (finished, total) after each job.

        The client's one poller for this kind looks for every waiter at once: a GET per job while
        few wait, else list sweeps with a ``lastActionDateTime`` filter (since the previous sweep),
        so one page of up to 100 entities updates up to 100 waiting jobs. Every request goes
        through the client's rate limiter.
        """
        pending = {_id_of(e): e for e in entities}
        total, finished = len(pending), 0
        clock = self._requester.clock
        started = clock.monotonic()
        deadline = None if timeout is None else started + timeout
        router, poller = self._scheduler.router, self._poller()
        inbox = router.watch(pending)
        poller.watch(pending, poll_interval)
        try:
            while pending:
                changed = inbox.take()
                for state in changed.values():
                    if isinstance(state, BaseException):
                        # One error can end many waiters: each raise starts its own traceback,
                        # or every waiter's frames would pile up on the shared exception.
                        raise state.with_traceback(None)
                pending.update(changed)  # the latest states, also for timeouts' messages
                # A job stuck in one state does not show up in a filtered sweep: check every age.
                for entity_id in list(changed if job_timeout is None else pending):
                    entity = pending[entity_id]
                    known = not isinstance(entity, (str, UUID))  # a state, not just the id it was given as
                    outcome = self._outcome(entity, job_timeout) if known else None
                    if outcome is None:
                        continue
                    del pending[entity_id]
                    router.unwatch([entity_id], inbox)
                    poller.unwatch([entity_id], poll_interval)
                    finished += 1
                    if progress is not None and inspect.isawaitable(reported := progress(finished, total)):
                        await reported
                    yield outcome
                if not pending:
                    return
                now = clock.monotonic()
                if deadline is not None and now >= deadline:
                    for entity_id, entity in pending.items():
                        status = _text(getattr(entity, "status", None)) or "unknown"
                        yield WaitTimeoutError(entity, f"{self._WHAT} {entity_id}", status, now - started)
                    return
                wake = self._first_timeout(pending.values(), job_timeout)
                if deadline is not None:
                    wake = min(deadline - now, wake if wake is not None else math.inf)
                await inbox.arrival(wake, clock)
        finally:  # whatever ends the wait (done, an error, a timeout, cancellation)
            router.unwatch(list(pending), inbox)
            poller.unwatch(list(pending), poll_interval)

    def _poller(self) -> Poller:
        """The client's poller for this kind of job, made on first use."""
        return self._scheduler.poller(JobKind(self._GET, self._LIST, self.SWEEP_ABOVE, self.SWEEP_SLACK))

    def _first_timeout(self, entities: Iterable[Any], job_timeout: float | None) -> float | None:
        """Seconds until the first of these jobs runs out of ``job_timeout`` (None: no such limit)."""
        if job_timeout is None:
            return None
        ages = [age for entity in entities if (age := self._age(entity)) is not None]
        return max(job_timeout - max(ages), 0.0) if ages else None

    def _outcome(self, entity: Any, job_timeout: float | None) -> Any:
        """What a waiter yields for this state of a job, or None while it is still on its way."""
        status = _text(entity.status) or "unknown"
        what = f"{self._WHAT} {entity.id}"
        if status == "Succeeded":
            return entity
        if status == "Failed":
            return JobFailedError(entity, what)
        age = self._age(entity)
        if job_timeout is None or age is None or age < job_timeout:
            return None
        return WaitTimeoutError(entity, what, status, age)

    async def _succeeded(self, entity: Any) -> Any:
        """The entity, known to be ``Succeeded``: as given when it says so, else as the service has
        it now (one GET). ``JobFailedError`` if it failed, ``JobNotFinishedError`` if it is on its way."""
        if _text(getattr(entity, "status", None)) != "Succeeded":  # a bare id, or a state that may be old
            entity = await self._requester.call(self._GET, {"id": _id_of(entity)}, {})
        outcome = self._outcome(entity, None)
        if outcome is None:
            status = _text(entity.status) or "unknown"
            raise JobNotFinishedError(entity, f"{self._WHAT} {entity.id}", status, f"client.{self._WHAT}s.wait")
        if isinstance(outcome, SpeechError):
            raise outcome
        return outcome

    def _age(self, entity: Any) -> float | None:
        """Seconds since the entity was created, by the service's clock."""
        created = getattr(entity, "created_date_time", None)  # None too for a bare id
        return None if created is None else (self._requester.server_now() - created).total_seconds()

    @overload
    async def wait_all(
        self,
        /,
        entities: Iterable[TEntity | str | UUID],
        *,
        timeout: float | None = None,
        job_timeout: float | None = None,
        poll_interval: float = 5.0,
        progress: Progress | None = None,
        return_exceptions: Literal[False] = False,
    ) -> list[TEntity]: ...

    @overload
    async def wait_all(
        self,
        /,
        entities: Iterable[TEntity | str | UUID],
        *,
        timeout: float | None = None,
        job_timeout: float | None = None,
        poll_interval: float = 5.0,
        progress: Progress | None = None,
        return_exceptions: bool,
    ) -> list[Outcome[TEntity]]: ...

    @traced
    async def wait_all(
        self,
        entities: Iterable[TEntity | str | UUID],
        *,
        timeout: float | None = None,
        job_timeout: float | None = None,
        poll_interval: float = 5.0,
        progress: Progress | None = None,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """Every entity once finished, in the order given. A failed or timed-out job raises (the
        first one seen) unless ``return_exceptions``, which puts its error in its place instead."""
        order = [_id_of(e) for e in entities]
        done: dict[str, Any] = {}
        outcomes: AsyncIterator[Any] = self.as_completed(
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
