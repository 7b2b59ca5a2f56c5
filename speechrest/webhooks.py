"""Receiving the service's web hook callbacks: signatures, the challenge, parsed events.

``verify_signature`` checks ``X-MicrosoftSpeechServices-Signature``; ``handle_callback``
does the whole job for any web framework (headers, query and body in; status and body
out); ``receiver_app`` wraps it as an ``aiohttp.web.Application``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web

from ._client import DEFAULT_API_VERSION
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


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is base64(HMAC-SHA256(secret, body)), compared in constant time."""
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
    ``secret`` an unsigned or badly signed callback gets 401; otherwise ``handler`` gets the event."""
    event = next((v for k, v in headers.items() if k.lower() == EVENT_HEADER.lower()), "")
    if event == "challenge":
        return 200, query.get("validationToken", "")
    if secret is not None:
        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
        if not verify_signature(secret, body, signature):
            return 401, "bad or missing signature"
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return 400, "the body is not JSON"
    kind = next((name for prefix, name in _ENTITY.items() if event.startswith(prefix)), None)
    entity = None
    if kind is not None and isinstance(data, dict):
        entity = converter.structure(data, getattr(for_version(api_version), kind))
    outcome = handler(WebHookEvent(event, entity, data))
    if inspect.isawaitable(outcome):
        await outcome
    return 200, ""


def receiver_app(
    *, handler: Handler, secret: str | None = None, api_version: str = DEFAULT_API_VERSION, path: str = "/"
) -> web.Application:
    """An aiohttp application that receives callbacks on ``path`` (POST) and hands them to ``handler``."""

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

    app = web.Application()
    app.router.add_post(path, receive)
    return app
