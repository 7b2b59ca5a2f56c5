"""Riding out failures: retries with ``Retry-After``, and creates that happen exactly once.

A create carries a client-made token in ``customProperties``. When its outcome is unknown
(a 5xx, a timeout, a connection lost after sending) the entity is looked for by that token
among those created since just before the first try, and the create is sent again only
when it is not there.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp

from ._retry import RETRY_STATUSES, RetryPolicy, is_idempotent
from ._route import Prepared, Route, wire_body
from ._wire import format_datetime
from .errors import (
    AmbiguousCreateError,
    APIStatusError,
    InvalidArgumentError,
    RateLimitError,
    SpeechError,
    TransportError,
    parse_retry_after,
)

if TYPE_CHECKING:
    from ._client import SpeechClient
    from ._route import CallOptions

log = logging.getLogger("speechrest")

TOKEN_KEY = AmbiguousCreateError.TOKEN_KEY
MAX_CUSTOM_PROPERTIES = 10  # the service's limit
# How far back (besides the clock difference the Date header shows) to look for a lost create.
CLOCK_SLACK = timedelta(minutes=2)


class Ambiguous(Exception):
    """Internal: the request may have been acted on; ``error`` is what happened."""

    def __init__(self, error: SpeechError) -> None:
        super().__init__(str(error))
        self.error = error


def _retryable(error: SpeechError, idempotent: bool) -> tuple[bool, bool]:
    """(try again, the service may have acted) for a failed try."""
    if isinstance(error, RateLimitError):
        return True, False  # a 429 is answered before anything is done
    if isinstance(error, APIStatusError):
        return error.status in RETRY_STATUSES, error.status != 429
    if isinstance(error, TransportError):
        return True, error.sent
    return False, False


async def send_with_retries(
    client: SpeechClient,
    operation_id: str,
    idempotent: bool,
    prepare: Callable[[], Prepared],
    options: CallOptions,
    policy: RetryPolicy,
    *,
    ambiguous_is_final: bool = False,
) -> tuple[aiohttp.ClientResponse, bytes]:
    """Send a request, trying again as the policy allows.

    ``prepare`` builds the request afresh for every try (bodies are re-read from the start).
    A failure the service may have acted on is retried only for idempotent requests; for a
    create (``ambiguous_is_final``) it raises ``Ambiguous`` so that the caller can look first.
    """
    started = time.monotonic()
    attempt = 0
    maybe_acted = False
    while True:
        prepared = prepare()
        try:
            return await client._send_prepared(operation_id, prepared, _within(options, policy, started, client))
        except SpeechError as error:
            if _deleted_before(error, prepared, maybe_acted):
                assert isinstance(error, APIStatusError) and error.response is not None
                return error.response, b""  # an earlier try deleted it; only its answer was lost
            retry, acted = _retryable(error, idempotent)
            maybe_acted = maybe_acted or acted
            retry_after = parse_retry_after(
                error.headers.get("Retry-After") if isinstance(error, APIStatusError) and error.headers else None
            )
            delay = policy.delay(attempt, retry_after, client._rng)
            if isinstance(error, RateLimitError):
                client._cool_down(delay)
            if retry and acted and not idempotent:
                if ambiguous_is_final:
                    raise Ambiguous(error) from error
                retry = False
            if retry and prepared.stream:
                retry = False  # a stream cannot be read twice
                log.warning("%s: not retried: its body is a stream that cannot be re-read", operation_id)
            deadline = policy.deadline
            if (
                not retry
                or attempt >= _max_retries(options, policy)
                or (deadline is not None and time.monotonic() + delay - started > deadline)
            ):
                error.attempts = attempt + 1
                raise
            attempt += 1
            client.counters["retries"] += 1
            log.info("%s: %s; try %d in %.2f s", operation_id, _reason(error), attempt + 1, delay)
            await asyncio.sleep(delay)
        finally:
            for handle in prepared.files:
                handle.close()


def _within(options: CallOptions, policy: RetryPolicy, started: float, client: SpeechClient) -> CallOptions:
    """The call's options with this try's timeout cut to what is left of the deadline."""
    if policy.deadline is None:
        return options
    left = max(0.001, policy.deadline - (time.monotonic() - started))
    given = options.get("timeout")
    total = given.total if isinstance(given, aiohttp.ClientTimeout) else given
    total = total if total is not None else client._timeout.total
    if total is not None and total <= left:
        return options
    return {**options, "timeout": left}


def _deleted_before(error: SpeechError, prepared: Prepared, maybe_acted: bool) -> bool:
    """A retried DELETE that finds nothing: an earlier try did it."""
    return maybe_acted and prepared.method == "DELETE" and isinstance(error, APIStatusError) and error.status == 404


def _max_retries(options: CallOptions, policy: RetryPolicy) -> int:
    given = options.get("max_retries")
    return policy.max_retries if given is None else given


def _reason(error: SpeechError) -> str:
    return f"HTTP {error.status}" if isinstance(error, APIStatusError) else type(error).__name__


# ---------------------------------------------------------------------------- exactly-once creates


def with_token(route: Route, args: Mapping[str, Any], client: SpeechClient) -> tuple[str, dict[str, Any]]:
    """The arguments with a create token in the body's ``customProperties`` (the caller's kept)."""
    param = next(p for p in route.params if p.location == "body" and p.kind == "json")
    body = args.get(param.wire)
    if body is None:
        raise InvalidArgumentError(f"{route.operation_id}: '{param.arg}' is required")
    wire = wire_body(route, param, body, client.converter, client.api_version)
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
    client: SpeechClient, route: Route, args: Mapping[str, Any], options: CallOptions, policy: RetryPolicy
) -> tuple[Any, Any]:
    """Send a create so that it happens once: look for a lost one before sending again."""
    token, args = with_token(route, args, client)
    since = client._server_now() - CLOCK_SLACK
    exactly_once = options.get("exactly_once", client._exactly_once)
    attempt = 0
    while True:
        try:
            response, body = await send_with_retries(
                client,
                route.operation_id,
                is_idempotent(route),
                lambda: client._prepare(route, args),
                options,
                policy,
                ambiguous_is_final=True,
            )
            return client._parse(route, body, route.response), response.headers
        except Ambiguous as unknown:
            if not exactly_once:
                raise AmbiguousCreateError(route.operation_id, token, unknown.error) from unknown.error
            found = await find_created(client, route, token, since)
            if found is not None:
                client.counters["reconciled_creates"] += 1
                log.info("%s: the lost create was found by its token; not sent again", route.operation_id)
                return found, {}
            if attempt >= _max_retries(options, policy):
                unknown.error.attempts = attempt + 1
                raise unknown.error from None
            attempt += 1
            client.counters["resent_creates"] += 1
            error = unknown.error
            asked = error.headers.get("Retry-After") if isinstance(error, APIStatusError) and error.headers else None
            delay = policy.delay(attempt, parse_retry_after(asked), client._rng)
            log.info("%s: no entity with the token; sending again in %.2f s", route.operation_id, delay)
            await asyncio.sleep(delay)


async def find_created(client: SpeechClient, route: Route, token: str, since: datetime) -> Any:
    """The entity carrying ``token`` among those created since ``since``, or None."""
    collection = route.path.split(":", 1)[0]
    listing = next(
        (r for r in client._routes.values() if r.method == "GET" and r.path == collection and r.item is not None), None
    )
    if listing is None:
        return None
    args: dict[str, Any] = {}
    if any(p.wire == "filter" for p in listing.params):
        args["filter"] = f"createdDateTime ge {format_datetime(since.replace(microsecond=0))}"
    async for item in client._paginate(listing.operation_id, args, {}):
        if (getattr(item, "custom_properties", None) or {}).get(TOKEN_KEY) == token:
            return item
    return None
