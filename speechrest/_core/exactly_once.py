"""Creates that happen once.

A create carries a client-made token in ``customProperties``. When its outcome is unknown
(a 5xx, a timeout, a connection lost after sending, a success answer nobody can read) the
entity is looked for by that token among those created since just before the first try, and
the create is sent again, with the same token, only when it is surely not there. A search that
cannot finish (its listing fails, loops, or runs out of pages or of the call's deadline), or
whose time window rests on a doubtful clock, ends in ``AmbiguousCreateError`` with the token.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .._wire import format_datetime
from ..errors import (
    AmbiguousCreateError,
    APIStatusError,
    APITimeoutError,
    InvalidArgumentError,
    ResponseParseError,
    SpeechError,
    parse_retry_after,
)
from .arguments import wire_body
from .policies.retry import Ambiguous
from .records import Route

if TYPE_CHECKING:
    from .context import ClientState
    from .records import CallOptions
    from .requester import Requester

__all__ = ["TOKEN_KEY", "create_once"]

log = logging.getLogger("speechrest")

TOKEN_KEY = AmbiguousCreateError.TOKEN_KEY
MAX_CUSTOM_PROPERTIES = 10  # the service's limit
# How far back (besides any clock difference) to look for a lost create.
CLOCK_SLACK = timedelta(minutes=2)
# A Date header further than this from our clock leaves a search by creation time in doubt:
# a create it did not find is not sent again.
TRUSTED_SKEW = timedelta(minutes=10)
# The most list pages one search for a lost create reads.
MAX_SEARCH_PAGES = 20


def with_token(requester: Requester, route: Route, args: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The arguments with a create token in the body's ``customProperties`` (the caller's kept)."""
    param = next(p for p in route.params if p.location == "body" and p.kind == "json")
    body = args.get(param.wire)
    if body is None:
        raise InvalidArgumentError(f"{route.operation_id}: '{param.arg}' is required")
    wire = wire_body(route, param, body, requester.unstructure, requester.api_version)
    custom = dict(wire.get("customProperties") or {})
    token = custom.get(TOKEN_KEY) or str(uuid.uuid4())
    if TOKEN_KEY not in custom and len(custom) >= MAX_CUSTOM_PROPERTIES:
        raise InvalidArgumentError(
            f"{route.operation_id}: customProperties already holds {len(custom)} entries, the service's limit; "
            f"exactly-once creates need one for '{TOKEN_KEY}': drop one, or pass exactly_once=False"
        )
    custom[TOKEN_KEY] = token
    wire["customProperties"] = custom
    return token, {**args, param.wire: wire}


async def create_once(
    requester: Requester, route: Route, args: Mapping[str, Any], options: CallOptions, exactly_once: bool
) -> tuple[Any, Mapping[str, str]]:
    """Send a create so that it happens once: look for a lost one before sending it again."""
    token, args = with_token(requester, route, args)
    state, policy = requester.state, requester.retry
    clock = state.clock
    started, began, skew = clock.monotonic(), clock.now(), state.skew
    given = options.get("max_retries")
    max_retries = policy.max_retries if given is None else given
    attempt = 0
    while True:
        try:
            return await requester.send_route(route, args, options, reconciled=True, started=started)
        except Ambiguous as unknown:
            error = unknown.error
        except ResponseParseError as unreadable:  # a 2xx that cannot be read (a gateway's page): acted on or not
            error = unreadable
        if not exactly_once:
            raise AmbiguousCreateError(route.operation_id, token, error) from error
        try:
            found = await _find(requester, route, token, options, _window(state, began, skew), started)
            if found is None:
                _trust_window(state, skew)
        except SpeechError as stopped:  # never the listing's own error: the caller must learn the token
            raise AmbiguousCreateError(route.operation_id, token, stopped) from stopped
        if found is not None:
            state.counters["reconciled_creates"] += 1
            log.info("%s: the lost create was found by its token; not sent again", route.operation_id)
            return found, {}
        asked = error.headers.get("Retry-After") if isinstance(error, APIStatusError) else None
        delay = policy.delay(attempt, parse_retry_after(asked), state.rng)
        if attempt >= max_retries or (
            policy.deadline is not None and clock.monotonic() + delay - started > policy.deadline
        ):
            error.attempts = attempt + 1
            raise error from None
        attempt += 1
        state.counters["resent_creates"] += 1
        log.info("%s: no entity with the token; sending again in %.2f s", route.operation_id, delay)
        await clock.sleep(delay)


def _window(state: ClientState, began: datetime, skew: timedelta) -> datetime:
    """Where the search starts: before the first try by our clock and by the service's (``skew``
    then or now), less the slack, so that a wrong clock on either side only widens it."""
    return began + min(timedelta(0), skew, state.skew) - CLOCK_SLACK


def _trust_window(state: ClientState, skew: timedelta) -> None:
    """Raise when the clocks disagree too much to take a search by creation time's "not there" for sure."""
    doubt = max(abs(skew), abs(state.skew))
    if doubt > TRUSTED_SKEW:
        raise SpeechError(
            f"the service's Date header was {doubt.total_seconds():.0f} s from this machine's clock; a lost "
            "create not found by its creation time may still exist, so it is not sent again"
        )


async def _find(
    requester: Requester, route: Route, token: str, options: CallOptions, since: datetime, started: float
) -> Any:
    """The entity carrying ``token`` among those created since ``since``, or None.

    Raises what stops the search: a list error, a paging loop, more than ``MAX_SEARCH_PAGES``
    pages, or the call's deadline (from ``started``) passing."""
    listing = requester.versions.listing(route)
    if listing is None:
        return None
    args: dict[str, Any] = {}
    if any(p.wire == "filter" for p in listing.params):
        args["filter"] = f"createdDateTime ge {format_datetime(since.replace(microsecond=0))}"
    deadline, clock = requester.retry.deadline, requester.clock
    pager = requester.page_route(listing, args, options, started=started)
    async with aclosing(pager.pages()) as pages:
        read = 0
        async for page in pages:
            for item in page.items:
                if (getattr(item, "custom_properties", None) or {}).get(TOKEN_KEY) == token:
                    return item
            read += 1
            if page.next_link and read >= MAX_SEARCH_PAGES:
                raise SpeechError(f"{listing.operation_id}: {read} pages read without finding the token; gave up")
            if page.next_link and deadline is not None and clock.monotonic() - started >= deadline:
                raise APITimeoutError(
                    f"{listing.operation_id}: the call's {deadline:g} s deadline passed after {read} pages", sent=False
                )
    return None
