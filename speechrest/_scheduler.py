"""One scheduler per client: a poller per kind of job asks the service for every waiter at once.

Waiters register the ids they wait for and read states from an ``Inbox``. The ``StateRouter``
hands each state to every inbox watching that id, whether it came from a web hook callback or
from a ``Poller``, which looks at all watched jobs of its kind in one loop: a GET per job (no
sooner than its ``Retry-After``) while few jobs wait, list sweeps filtered by
``lastActionDateTime`` once many do; a job's ``Retry-After`` is held within the retry policy's
bounds (``RetryPolicy.poll_delay``). The poller runs while someone watches and stops with the
last watcher, or when the client closes.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Collection
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ._core.clock import wait_event
from ._wire import format_datetime
from .errors import SpeechError, parse_retry_after

if TYPE_CHECKING:
    from ._core.clock import Clock
    from ._core.records import Requester
    from .webhooks import WebHookEvent

__all__ = ["Inbox", "JobKind", "Poller", "Scheduler", "StateRouter"]


class Inbox:
    """The states (or errors) that reached one waiter since it last looked, and a wake-up signal."""

    __slots__ = ("_arrived", "states")

    def __init__(self) -> None:
        self.states: dict[str, Any] = {}
        self._arrived = asyncio.Event()

    def put(self, entity_id: str, state: Any) -> None:
        self.states[entity_id] = state
        self._arrived.set()

    def take(self) -> dict[str, Any]:
        """Everything that arrived, emptying the inbox."""
        states, self.states = self.states, {}
        self._arrived.clear()
        return states

    async def arrival(self, seconds: float | None, clock: Clock) -> None:
        """Return when something arrives, or after ``seconds`` on ``clock`` (None: no limit)."""
        await wait_event(self._arrived, seconds, clock)


class StateRouter:
    """Routes entity states, polled or pushed, to the inboxes of the waiters watching them."""

    def __init__(self) -> None:
        self.safety_net: float | None = None  # seconds between looks once callbacks push; None: polling only
        self._inboxes: dict[str, list[Inbox]] = {}
        self._last: dict[str, Any] = {}  # the latest state of each watched id, for waiters joining later

    def deliver(self, event: WebHookEvent) -> None:
        """A web hook callback: its entity's state goes to every waiter watching it."""
        entity = event.entity
        if getattr(entity, "status", None) is not None and getattr(entity, "id", None):
            self.publish(entity.id, entity)

    def publish(self, entity_id: str, state: Any) -> None:
        """Hand a state, or an error ending the wait, to the waiters of ``entity_id``."""
        inboxes = self._inboxes.get(entity_id)
        if not inboxes:
            return
        if not isinstance(state, BaseException):
            self._last[entity_id] = state
        for inbox in inboxes:
            inbox.put(entity_id, state)

    def known(self, entity_id: str) -> bool:
        return entity_id in self._last

    def watch(self, ids: Collection[str]) -> Inbox:
        """A new inbox for the states of ``ids`` (holding the latest already known)."""
        inbox = Inbox()
        for entity_id in ids:
            self._inboxes.setdefault(entity_id, []).append(inbox)
            if entity_id in self._last:
                inbox.put(entity_id, self._last[entity_id])
        return inbox

    def unwatch(self, ids: Collection[str], inbox: Inbox) -> None:
        """Stop routing the states of ``ids`` to ``inbox``."""
        for entity_id in ids:
            others = [other for other in self._inboxes.get(entity_id, ()) if other is not inbox]
            if others:
                self._inboxes[entity_id] = others
            else:
                self._inboxes.pop(entity_id, None)
                self._last.pop(entity_id, None)


@attrs.frozen
class JobKind:
    """A kind of job as the poller asks for it: the friendly calls that read one and list them."""

    get: str
    list: str
    sweep_above: int  # with more jobs than this waiting, list sweeps replace a GET per job
    sweep_slack: timedelta  # how far back a sweep looks beyond the previous one


class Scheduler:
    """A client's waiting machinery: the state router and one poller per kind of job."""

    def __init__(self, requester: Requester) -> None:
        self.requester = requester
        self.router = StateRouter()  # states of waited-on jobs, polled or pushed, to their waiters
        self._pollers: dict[str, Poller] = {}

    def poller(self, kind: JobKind) -> Poller:
        """The poller for this kind of job, made on first use."""
        poller = self._pollers.get(kind.list)
        if poller is None:
            poller = self._pollers[kind.list] = Poller(kind, self.requester, self.router)
        return poller

    def close(self, error: SpeechError) -> None:
        """Stop every poller; running waits end with ``error``."""
        for poller in self._pollers.values():
            poller.stop(error)


class Poller:
    """Looks at every watched job of one kind for all of a client's waiters, in one task."""

    def __init__(self, kind: JobKind, requester: Requester, router: StateRouter) -> None:
        self._kind = kind
        self._requester = requester
        self._clock = requester.clock
        self._router = router
        self._intervals: dict[str, list[float]] = {}  # watched id -> its waiters' poll intervals
        self._fresh: set[str] = set()  # ids nobody has looked at yet
        self._due: dict[str, float] = {}  # while few jobs wait: when each may be asked for again
        self._next_sweep = 0.0
        self._since: Any = None  # the service time the next filtered sweep starts from
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def watch(self, ids: Collection[str], poll_interval: float) -> None:
        """Look at ``ids`` (at least every ``poll_interval`` s) until they are unwatched."""
        watched = len(self._intervals)
        for entity_id in ids:
            self._intervals.setdefault(entity_id, []).append(poll_interval)
            if not self._router.known(entity_id):
                self._fresh.add(entity_id)
        self._count_jobs(len(self._intervals) - watched)
        if self._task is None:
            # in a context of its own: it works for every waiter, so it takes on none's (their trace spans)
            self._task = contextvars.Context().run(asyncio.get_running_loop().create_task, self._run())
        self._wake.set()

    def unwatch(self, ids: Collection[str], poll_interval: float) -> None:
        """Undo one ``watch`` of ``ids``; the task ends with the last watched id."""
        watched = len(self._intervals)
        for entity_id in ids:
            intervals = self._intervals.get(entity_id, [])
            with suppress(ValueError):
                intervals.remove(poll_interval)
            if not intervals:
                self._forget(entity_id)
        self._count_jobs(len(self._intervals) - watched)
        if not self._intervals:
            self.stop()

    def stop(self, error: SpeechError | None = None) -> None:
        """End the task (it restarts with the next watcher); ``error`` ends every wait too."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if error is not None:
            for entity_id in list(self._intervals):
                self._router.publish(entity_id, error)

    def _count_jobs(self, change: int) -> None:
        """Tell telemetry, if any, how many more (or fewer) jobs are being waited on."""
        telemetry = self._requester.telemetry
        if change and telemetry is not None:
            telemetry.jobs(change, self._kind.get.partition("_")[0].lower())  # Transcriptions_Get: transcriptions

    def _forget(self, entity_id: str) -> None:
        self._intervals.pop(entity_id, None)
        self._fresh.discard(entity_id)
        self._due.pop(entity_id, None)

    def _interval(self, ids: Collection[str]) -> float:
        """Seconds until the next look at ``ids``: the safety net with callbacks, else the shortest asked for."""
        safety_net = self._router.safety_net
        return safety_net if safety_net is not None else min(min(self._intervals[i]) for i in ids)

    def _sweeping(self) -> bool:
        return len(self._intervals) > self._kind.sweep_above

    def _wait_seconds(self, now: float) -> float:
        if self._fresh:
            return 0.0
        if self._sweeping():
            return self._next_sweep - now
        return min(self._due.get(entity_id, now) for entity_id in self._intervals) - now

    async def _run(self) -> None:
        while self._intervals:
            wait = self._wait_seconds(self._clock.monotonic())
            if wait > 0:
                self._wake.clear()
                await wait_event(self._wake, wait, self._clock)
                continue
            try:
                await self._look()
            except Exception as error:  # every waiter of this kind hears of it, not just a log
                later = self._clock.monotonic() + self._interval(self._intervals)  # not again at once
                self._next_sweep = later
                for entity_id in list(self._intervals):
                    self._due[entity_id] = later
                    self._router.publish(entity_id, error)

    async def _look(self) -> None:
        """One round: the new ids, then whatever is due."""
        fresh, self._fresh = self._fresh, set()
        if not self._sweeping():
            self._since = None
            now = self._clock.monotonic()
            for entity_id in [i for i in self._intervals if i in fresh or self._due.get(i, now) <= now]:
                await self._get(entity_id)
            return
        if self._since is not None and len(fresh) <= self._kind.sweep_above:
            for entity_id in fresh:
                await self._get(entity_id)
            if self._clock.monotonic() < self._next_sweep:
                return
        started = self._requester.server_now()
        await self._sweep()
        self._since = started - self._kind.sweep_slack
        self._next_sweep = self._clock.monotonic() + self._interval(self._intervals)

    async def _get(self, entity_id: str) -> None:
        """Ask for one job; its state (or the error) goes to its waiters."""
        if entity_id not in self._intervals:
            return  # its waiters left while we looked at others
        try:
            entity, headers = await self._requester.call_with_headers(self._kind.get, {"id": entity_id}, {})
        except SpeechError as error:
            state: Any = error
            asked = None  # its waiters end with the error; until they leave, it waits its turn
        else:
            state, asked = entity, parse_retry_after(headers.get("Retry-After"))
        if entity_id in self._intervals:
            if self._router.safety_net is not None:
                asked = None  # callbacks push its changes: looked at only as often as the safety net
            delay = self._requester.retry.poll_delay(asked, self._interval([entity_id]))
            self._due[entity_id] = self._clock.monotonic() + delay
        self._router.publish(entity_id, state)

    async def _sweep(self) -> None:
        """One pass over the list: everything changed since the last sweep (or all, the first time).

        A job the whole list lacks is asked for by id: its waiters get a ``NotFoundError`` if it
        does not exist."""
        args: dict[str, Any] = {}
        if self._since is not None and self._requester.supports(self._kind.list, "filter"):
            args["filter"] = f"lastActionDateTime ge {format_datetime(self._since.replace(microsecond=0))}"
        seen = set()
        async for entity in self._requester.page(self._kind.list, args, {}):
            if entity.id in self._intervals:
                seen.add(entity.id)
                self._router.publish(entity.id, entity)
        if "filter" not in args:
            for entity_id in self._intervals.keys() - seen:
                await self._get(entity_id)
