"""What a call carries down the pipeline beside its request: its options and deadline, and
the client-wide state the policies share (random source, counters, clocks)."""

from __future__ import annotations

import contextlib
import logging
import random
from collections import Counter
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol

from .clock import Clock

if TYPE_CHECKING:
    from ..errors import SpeechError
    from .records import CallOptions

__all__ = ["MAX_SKEW", "CallObserver", "ClientState", "Context"]

log = logging.getLogger("speechrest")

# A ``Date`` further than this from our clock is not believed (a broken proxy, a bad header).
MAX_SKEW = timedelta(days=1)


class CallObserver(Protocol):
    """Hears what the policies do within one call beyond sending it (telemetry)."""

    def retrying(self, error: SpeechError, next_try: int, delay: float) -> None:
        """Try number ``next_try`` follows ``error`` in ``delay`` seconds."""

    def waited_for_quota(self, seconds: float) -> None:
        """A try to the service waited this long for the 429 pause and the rate limiter."""


class ClientState:
    """Shared by every call of one client."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.rng = random.Random()
        self.counters: Counter[str] = Counter()
        # The service's clock minus ours, as its last ``Date`` header showed it.
        self.skew = timedelta(0)
        self.last_date: str | None = None
        self.date_distrusted = False  # a Date was ignored (said once in the log)
        # No request to the service starts before this (monotonic seconds): the 429 pause.
        self.not_before = 0.0
        self.closed = False  # the client was closed: no more requests

    def note_date(self, date: str | None) -> None:
        """Learn the service's clock from a ``Date`` header (it changes once a second: parse it then
        only). One that cannot be read, or is more than ``MAX_SKEW`` from our clock, is ignored."""
        if not date or date == self.last_date:
            return
        self.last_date = date
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            skew = parsedate_to_datetime(date) - self.clock.now()
            if abs(skew) <= MAX_SKEW:
                self.skew = skew
            elif not self.date_distrusted:
                self.date_distrusted = True
                log.warning("the service's Date header %r is more than a day from this clock; not believed", date)

    def server_now(self) -> datetime:
        """The service's clock, as its last answer showed it."""
        return self.clock.now() + self.skew

    def pause(self, seconds: float) -> None:
        """Let no request to the service start for ``seconds`` (it answered 429)."""
        self.not_before = max(self.not_before, self.clock.monotonic() + seconds)


class Context:
    """One call: its options, when it started (monotonic seconds), and the client's shared state;
    ``observer`` hears what the policies do, when telemetry records anything."""

    __slots__ = ("clock", "observer", "options", "started", "state")

    def __init__(
        self, options: CallOptions, state: ClientState, started: float = 0.0, observer: CallObserver | None = None
    ) -> None:
        self.options = options
        self.state = state
        self.clock = state.clock
        self.started = started
        self.observer = observer

    def observed_by(self, observer: CallObserver) -> Context:
        """This call, heard by ``observer``."""
        return Context(self.options, self.state, self.started, observer)
