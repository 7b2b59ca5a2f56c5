"""Receiving the service's web hook callbacks: signatures, the challenge, parsed events.

``verify_signature`` checks ``X-MicrosoftSpeechServices-Signature``; ``handle_callback``
does the whole job for any web framework (headers, query and body in; status and body
out); ``receiver_app`` wraps it as an ``aiohttp.web.Application``.

An empty secret is refused (anyone can compute an HMAC with an empty key), and no secret
at all is logged as a warning, once. A body that cannot be read (not JSON, nested too
deep, a field the models cannot take) is answered 400: a 5xx would make the service retry
it and, in the end, disable the hook.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web

from ._client import DEFAULT_API_VERSION
from .errors import InvalidArgumentError
from .models import converter, for_version

__all__ = ["EVENT_HEADER", "SIGNATURE_HEADER", "WebHookEvent", "handle_callback", "receiver_app", "verify_signature"]

EVENT_HEADER = "X-MicrosoftSpeechServices-Event"
SIGNATURE_HEADER = "X-MicrosoftSpeechServices-Signature"
# The entity an event is about, by the event name's prefix.
_ENTITY = {
    "transcription": "Transcription",
    "dataset": "Dataset",
    "model": "CustomModel",
    "evaluation": "Evaluation",
    "endpoint": "Endpoint",
}
# The largest callback body receiver_app reads (413 beyond): a callback carries one entity.
_MAX_BODY = 1024 * 1024
# What reading a body into a model raises when a field has the wrong shape.
_UNREADABLE = (KeyError, TypeError, AttributeError, ValueError, RecursionError)
_log = logging.getLogger("speechrest")


def _check_secret(secret: str | None) -> None:
    """Refuse an empty secret; warn (once) that without one any caller's events are taken."""
    if secret == "":
        raise InvalidArgumentError(
            "secret='' would accept callbacks signed by anyone (an HMAC with an empty key is no secret); "
            "give the hook's secret, or None to skip the check"
        )
    if secret is None:
        _warn_unsigned()


@functools.cache
def _warn_unsigned() -> None:
    _log.warning("web hook callbacks are accepted without a signature check (secret=None): anyone can send events")


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is base64(HMAC-SHA256(secret, body)), compared in constant time.
    An empty ``secret`` raises ``InvalidArgumentError``."""
    _check_secret(secret)
    if not signature:
        return False
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


@attrs.frozen
class WebHookEvent:
    """One callback: its event type (``transcriptionCompletion``, ``ping``...), the entity it is
    about (a model of the API version given to the receiver; None for ``ping`` and unknown
    kinds), and the JSON body as sent."""

    event: str
    entity: Any
    body: Any


Handler = Callable[[WebHookEvent], Awaitable[None] | None]


async def handle_callback(
    headers: Mapping[str, str],
    query: Mapping[str, str],
    body: bytes,
    *,
    handler: Handler,
    secret: str | None = None,
    api_version: str = DEFAULT_API_VERSION,
) -> tuple[int, str]:
    """Answer one callback: (status, body). The ``challenge`` echoes ``validationToken``; with a
    ``secret`` an unsigned or badly signed callback gets 401, an unreadable body 400; otherwise
    ``handler`` gets the event. ``secret=""`` raises ``InvalidArgumentError``."""
    _check_secret(secret)
    event = next((v for k, v in headers.items() if k.lower() == EVENT_HEADER.lower()), "")
    if event == "challenge":
        return 200, query.get("validationToken", "")
    if secret is not None:
        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
        if not verify_signature(secret, body, signature):
            return 401, "bad or missing signature"
    try:
        data = json.loads(body) if body else None
    except RecursionError:
        return 400, "the body is nested too deep"
    except ValueError:
        return 400, "the body is not JSON"
    kind = next((name for prefix, name in _ENTITY.items() if event.startswith(prefix)), None)
    entity = None
    if kind is not None and isinstance(data, dict):
        try:
            entity = converter.structure(data, getattr(for_version(api_version), kind))
        except _UNREADABLE:
            return 400, f"the body is not a {kind} of API version {api_version}"
    outcome = handler(WebHookEvent(event, entity, data))
    if inspect.isawaitable(outcome):
        await outcome
    return 200, ""


def receiver_app(
    *, handler: Handler, secret: str | None = None, api_version: str = DEFAULT_API_VERSION, path: str = "/"
) -> web.Application:
    """An aiohttp application that receives callbacks on ``path`` (POST) and hands them to ``handler``.
    ``secret=""`` raises ``InvalidArgumentError``; a body over 1 MiB gets 413."""
    _check_secret(secret)

    async def receive(request: web.Request) -> web.Response:
        status, text = await handle_callback(
            request.headers,
            request.query,
            await request.read(),
            handler=handler,
            secret=secret,
            api_version=api_version,
        )
        return web.Response(status=status, text=text)

    app = web.Application(client_max_size=_MAX_BODY)
    app.router.add_post(path, receive)
    return app
