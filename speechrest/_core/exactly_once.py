"""Creates that happen once.

A create carries a client-made token in ``customProperties``. When its outcome is unknown
(a 5xx, a timeout, a connection lost after sending) the entity is looked for by that token
among those created since just before the first try, and the create is sent again, with the
same token, only when it is not there.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .._wire import format_datetime
from ..errors import AmbiguousCreateError, APIStatusError, InvalidArgumentError, parse_retry_after
from .arguments import wire_body
from .policies.retry import Ambiguous
from .records import Route

if TYPE_CHECKING:
    from .records import CallOptions
    from .requester import Requester

__all__ = ["TOKEN_KEY", "create_once"]

log = logging.getLogger("speechrest")

TOKEN_KEY = AmbiguousCreateError.TOKEN_KEY
MAX_CUSTOM_PROPERTIES = 10  # the service's limit
# How far back (besides the clock difference the Date header shows) to look for a lost create.
CLOCK_SLACK = timedelta(minutes=2)


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
    state = requester.state
    since = state.server_now() - CLOCK_SLACK
    policy = requester.retry
    given = options.get("max_retries")
    max_retries = policy.max_retries if given is None else given
    attempt = 0
    while True:
        try:
            return await requester.send_route(route, args, options, reconciled=True)
        except Ambiguous as unknown:
            if not exactly_once:
                raise AmbiguousCreateError(route.operation_id, token, unknown.error) from unknown.error
            found = await _find(requester, route, token, since.replace(microsecond=0))
            if found is not None:
                state.counters["reconciled_creates"] += 1
                log.info("%s: the lost create was found by its token; not sent again", route.operation_id)
                return found, {}
            if attempt >= max_retries:
                unknown.error.attempts = attempt + 1
                raise unknown.error from None
            attempt += 1
            state.counters["resent_creates"] += 1
            error = unknown.error
            asked = error.headers.get("Retry-After") if isinstance(error, APIStatusError) and error.headers else None
            delay = policy.delay(attempt, parse_retry_after(asked), state.rng)
            log.info("%s: no entity with the token; sending again in %.2f s", route.operation_id, delay)
            await state.clock.sleep(delay)


async def _find(requester: Requester, route: Route, token: str, since: Any) -> Any:
    """The entity carrying ``token`` among those created since ``since``, or None."""
    listing = requester.versions.listing(route)
    if listing is None:
        return None
    args: dict[str, Any] = {}
    if any(p.wire == "filter" for p in listing.params):
        args["filter"] = f"createdDateTime ge {format_datetime(since)}"
    async for item in requester.page_route(listing, args, {}):
        if (getattr(item, "custom_properties", None) or {}).get(TOKEN_KEY) == token:
            return item
    return None
