"""Web hook callbacks: the challenge handshake, events, ``ping`` and ``test``."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiohttp

from .._generated.v3_1.models import Status
from ._store import Record

EVENT_HEADER = "X-MicrosoftSpeechServices-Event"
SIGNATURE_HEADER = "X-MicrosoftSpeechServices-Signature"
# After this many failed deliveries in a row the service marks a hook Failed.
MAX_FAILURES = 5


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class Notifier:
    """Sends callbacks to registered hooks, one task per delivery, none left behind on close."""

    def __init__(
        self,
        hooks: Callable[[], list[Record]],
        to_wire: Callable[[Any], dict[str, Any]],
        render: Callable[[Record, dict[str, Any]], dict[str, Any]],
    ) -> None:
        self._hooks = hooks
        self._to_wire = to_wire
        self._render = render  # a payload as the hook's API version spells it
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._failures: Counter[str] = Counter()
        self.last: dict[str, dict[str, Any]] = {}  # the last payload of each event type
        self.stats: Counter[str] = Counter()

    def _session_(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def spawn(self, coro: Any) -> None:
        """Run ``coro`` in the background; ``close`` cancels what is still running."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def challenge(self, hook: Record) -> bool:
        """The registration handshake: the receiver must echo ``validationToken``."""
        token = secrets.token_hex(16)
        url = hook.entity.web_url
        try:
            async with self._session_().post(
                url, params={"validationToken": token}, headers={EVENT_HEADER: "challenge"}
            ) as response:
                answered = response.status == 200 and (await response.text()).strip() == token
        except (aiohttp.ClientError, asyncio.TimeoutError):
            answered = False
        self.stats["challenge_ok" if answered else "challenge_failed"] += 1
        return answered

    def notify(self, event: str, payload: dict[str, Any]) -> None:
        """Send ``event`` to every active hook subscribed to it."""
        self.last[event] = payload
        for hook in self._hooks():
            if self._subscribed(hook, event):
                self.spawn(self.deliver(hook, event, payload))

    def ping(self, hook: Record) -> None:
        self.spawn(self.deliver(hook, "ping", self._to_wire(hook.entity)))

    def test(self, hook: Record) -> int:
        """Send the last payload of each event type the hook subscribed to; returns how many."""
        sent = 0
        for event, payload in self.last.items():
            if self._subscribed(hook, event, active_only=False):
                self.spawn(self.deliver(hook, event, payload))
                sent += 1
        return sent

    def _subscribed(self, hook: Record, event: str, active_only: bool = True) -> bool:
        status = getattr(hook.entity.status, "value", hook.entity.status)
        events = self._to_wire(hook.entity.events) if hook.entity.events is not None else {}
        return bool(events.get(event)) and (status == "Succeeded" or not active_only)

    async def deliver(self, hook: Record, event: str, payload: dict[str, Any]) -> bool:
        body = json.dumps(self._render(hook, payload)).encode()
        headers = {EVENT_HEADER: event, "Content-Type": "application/json"}
        props = hook.entity.properties
        if props is not None and props.secret:
            headers[SIGNATURE_HEADER] = signature(props.secret, body)
        try:
            async with self._session_().post(hook.entity.web_url, data=body, headers=headers) as response:
                delivered = 200 <= response.status < 300
        except (aiohttp.ClientError, asyncio.TimeoutError):
            delivered = False
        self.stats["delivered" if delivered else "failed"] += 1
        self._failures[hook.id] = 0 if delivered else self._failures[hook.id] + 1
        if self._failures[hook.id] >= MAX_FAILURES:
            hook.entity.status = Status.FAILED
            hook.wire_cache = None
        return delivered
