"""The request pipeline: policies in order, each handing the request on to the next, then the transport."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Protocol

from .context import Context
from .transport import Request, Response, Transport

__all__ = ["Next", "Pipeline", "Policy"]

# The rest of the pipeline, as a policy sees it.
Next = Callable[[Request, Context], Awaitable[Response]]


class Policy(Protocol):
    """One concern of sending a request. ``send`` does its part and calls ``next`` (or not)."""

    async def send(self, request: Request, context: Context, next: Next) -> Response: ...


class Pipeline:
    """``policies`` (outermost first) in front of ``transport``; the chain is linked once."""

    def __init__(self, policies: Sequence[Policy], transport: Transport) -> None:
        self.policies = tuple(policies)
        self.transport = transport

        async def deliver(request: Request, context: Context) -> Response:
            return await transport.send(request)

        send: Next = deliver
        for policy in reversed(self.policies):
            send = partial(policy.send, next=send)
        self._send = send

    async def send(self, request: Request, context: Context) -> Response:
        return await self._send(request, context)

    def __repr__(self) -> str:
        names = " -> ".join(type(p).__name__ for p in self.policies)
        return f"<Pipeline {names} -> {type(self.transport).__name__}>"
