"""The request pipeline: policies in order, each handing the request on to the next, then the transport."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from .context import Context
from .transport import Request, Response, Transport

__all__ = ["Next", "Pipeline", "Policy"]

# The rest of the pipeline, as a policy sees it.
Next = Callable[[Request, Context], Awaitable[Response]]


class Policy:
    """One concern of sending a request: ``send`` does its part and hands the request on to
    ``self.next``, the rest of the pipeline (set when the pipeline is built), or does not."""

    next: Next

    async def send(self, request: Request, context: Context) -> Response:
        raise NotImplementedError


class Pipeline:
    """``policies`` (outermost first) in front of ``transport``, linked once: each policy's
    ``next`` is the one after it, the last one's the transport. A policy serves one pipeline."""

    def __init__(self, policies: Sequence[Policy], transport: Transport) -> None:
        self.policies = tuple(policies)
        self.transport = transport

        def deliver(request: Request, context: Context) -> Awaitable[Response]:
            return transport.send(request)  # the transport's own coroutine: no frame of ours between

        send: Next = deliver
        for policy in reversed(self.policies):
            if hasattr(policy, "next"):
                raise ValueError(f"{type(policy).__name__} is already in a pipeline: make one per pipeline")
            policy.next = send
            send = policy.send
        self.send: Next = send  # the outermost policy's send: the request enters there

    def __repr__(self) -> str:
        names = " -> ".join(type(p).__name__ for p in self.policies)
        return f"<Pipeline {names} -> {type(self.transport).__name__}>"
