"""When to try a request again, and how long to wait first.

Hand-written rather than borrowed because the rules are the service's: which POSTs are
safe to repeat, that a create is only re-sent after looking for it (exactly-once), and
that the service's ``Retry-After`` is a floor, never shortened by our own backoff.
"""

from __future__ import annotations

import random

import attrs

from ._core.records import Route

__all__ = ["MIN_POLL_SECONDS", "RETRY_STATUSES", "RetryPolicy", "is_create", "is_idempotent"]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# A job's Retry-After shorter than this is not taken (a waiter told 0 would spend the quota),
# unless the waiter asked to poll more often than that.
MIN_POLL_SECONDS = 1.0
# POST actions that change nothing when repeated (the same commit, ping or test again),
# and fast transcription, which creates nothing.
_SAFE_POST_ENDINGS = (":commit", ":ping", ":test", "/ping", "/test", ":transcribe", ":authorizecopy")


@attrs.frozen
class RetryPolicy:
    """Retries per call: ``max_retries`` more tries, full-jitter exponential backoff from
    ``backoff`` seconds up to ``max_backoff``, a server's ``Retry-After`` honoured up to
    ``max_retry_after``, and an overall ``deadline`` in seconds across all tries (None: none)."""

    max_retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    deadline: float | None = 300.0

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0 or self.backoff <= 0 or self.max_backoff < self.backoff:
            raise ValueError(f"RetryPolicy needs max_retries >= 0 and 0 < backoff <= max_backoff, got {self}")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 0)."""
        backoff = rng.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))
        if retry_after is None:
            return backoff
        return min(max(retry_after, 0.0), self.max_retry_after)

    def poll_delay(self, retry_after: float | None, poll_interval: float) -> float:
        """Seconds before asking for a running job again: its ``Retry-After`` held between a second
        (``poll_interval`` if shorter) and ``max_retry_after``; ``poll_interval`` when it sent none."""
        if retry_after is None:
            return poll_interval
        return min(max(retry_after, min(MIN_POLL_SECONDS, poll_interval)), self.max_retry_after)


def is_idempotent(route: Route) -> bool:
    """Repeating the request cannot do anything twice."""
    return route.method != "POST" or route.path.endswith(_SAFE_POST_ENDINGS)


def is_create(route: Route) -> bool:
    """A POST that makes a new entity whose body can carry our create token."""
    if route.method != "POST" or route.ok != (201,):
        return False
    for param in route.params:
        if param.location == "body" and param.kind == "json" and isinstance(param.model, type):
            return "custom_properties" in getattr(param.model, "__annotations__", {})
    return False
