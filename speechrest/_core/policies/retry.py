"""Trying again: after failures the service invites (429, 408, 5xx) or connection trouble,
waiting the service's ``Retry-After`` or a jittered backoff, within the call's deadline.

A request the service may have acted on (a 5xx, a timeout, a connection lost after sending)
is tried again only when repeating it cannot do anything twice; a create raises ``Ambiguous``
instead, so that the caller can look for it first (``exactly_once``).
"""

from __future__ import annotations

import logging

import aiohttp

from ..._retry import RetryPolicy
from ...errors import APIStatusError, RateLimitError, SpeechError, TransportError, parse_retry_after
from ..context import Context
from ..pipeline import Policy
from ..transport import Request, Response

__all__ = ["Ambiguous", "Retries"]

log = logging.getLogger("speechrest")


class Ambiguous(Exception):
    """A create may have been acted on; ``error`` is what happened. Caught by exactly-once creates."""

    def __init__(self, error: SpeechError) -> None:
        super().__init__(str(error))
        self.error = error


def _verdict(error: SpeechError) -> tuple[bool, bool]:
    """(worth another try, the service may have acted) for a failed try."""
    if isinstance(error, RateLimitError):
        return True, False  # a 429 is answered before anything is done
    if isinstance(error, APIStatusError):
        return error.retryable, True
    if isinstance(error, TransportError):
        return True, error.sent
    return False, False


class Retries(Policy):
    """Sends a request until it succeeds, fails for good, or the policy's tries or deadline run out."""

    def __init__(self, policy: RetryPolicy, default_timeout: aiohttp.ClientTimeout) -> None:
        self.policy = policy
        self._default_timeout = default_timeout

    async def send_with_retries(self, request: Request, context: Context) -> Response:
        policy, clock = self.policy, context.clock
        given = context.options.get("max_retries")
        max_retries = policy.max_retries if given is None else given
        attempt = 0
        maybe_acted = False
        while True:
            try:
                return await self.next(self._within_deadline(request, context), context)
            except SpeechError as error:
                failure = error
            finally:
                if request.files:
                    request.close_files()
            if maybe_acted and request.method == "DELETE" and _not_found(failure):
                assert isinstance(failure, APIStatusError) and failure.response is not None
                return failure.response  # an earlier try deleted it; only its answer was lost
            retry, acted = _verdict(failure)
            maybe_acted = maybe_acted or acted
            asked = (
                failure.headers.get("Retry-After") if isinstance(failure, APIStatusError) and failure.headers else None
            )
            delay = policy.delay(attempt, parse_retry_after(asked), context.state.rng)
            if retry and acted and not request.idempotent:
                if request.reconciled:
                    raise Ambiguous(failure) from failure
                retry = False
            if retry and request.rebuild is None:
                retry = False
                log.warning("%s: not retried: its body is a stream that cannot be re-read", request.operation)
            deadline = policy.deadline
            if (
                not retry
                or attempt >= max_retries
                or (deadline is not None and clock.monotonic() + delay - context.started > deadline)
            ):
                failure.attempts = attempt + 1
                raise failure
            attempt += 1
            context.state.counters["retries"] += 1
            log.info("%s: %s; try %d in %.2f s", request.operation, _reason(failure), attempt + 1, delay)
            if context.observer is not None:
                context.observer.retrying(failure, attempt + 1, delay)
            await clock.sleep(delay)
            assert request.rebuild is not None
            request = request.rebuild()

    send = send_with_retries

    def _within_deadline(self, request: Request, context: Context) -> Request:
        """The request with this try's timeout (the call's, else the client's) cut to what is left of the deadline."""
        given = context.options.get("timeout")
        if given is None:
            timeout = self._default_timeout
        elif isinstance(given, aiohttp.ClientTimeout):
            timeout = given
        else:
            timeout = aiohttp.ClientTimeout(total=given, connect=self._default_timeout.connect)
        deadline = self.policy.deadline
        if deadline is not None:
            left = max(0.001, deadline - (context.clock.monotonic() - context.started))
            if timeout.total is None or timeout.total > left:
                timeout = aiohttp.ClientTimeout(total=left, connect=timeout.connect)
        request.timeout = timeout
        return request


def _not_found(error: SpeechError) -> bool:
    return isinstance(error, APIStatusError) and error.status == 404


def _reason(error: SpeechError) -> str:
    return f"HTTP {error.status}" if isinstance(error, APIStatusError) else type(error).__name__
