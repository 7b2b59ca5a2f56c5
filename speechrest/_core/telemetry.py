"""OpenTelemetry when it is installed (``speechrest[otel]``), and nothing at all when it is not.

``load`` imports ``otel`` (and with it ``opentelemetry``) as a client is made; without the
package a client has no telemetry, and the decorators below only check for that.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError

if TYPE_CHECKING:  # the type variables are for annotations only: no cost at import
    from typing import Concatenate, ParamSpec, Protocol, TypeVar

    from opentelemetry.trace import Span

    from .otel import Telemetry
    from .records import Requester

    class Group(Protocol):
        """A resource group: its requester carries the client's telemetry."""

        @property
        def _requester(self) -> Requester: ...

    P = ParamSpec("P")
    T = TypeVar("T")
    G = TypeVar("G", bound=Group)

__all__ = ["load", "traced", "traced_iteration"]

# The resource group whose traced method runs in this task: what that method calls on the same
# group is part of its span (wait -> wait_all -> as_completed is one span, not three).
_GROUP: ContextVar[object] = ContextVar("speechrest_traced_group", default=None)


def load(tracer_provider: Any, meter_provider: Any) -> Telemetry | None:
    """A client's telemetry, from the providers given or else the global ones; None when
    ``opentelemetry-api`` is not installed, or nothing is configured to record."""
    try:
        from .otel import configured, telemetry_for
    except ModuleNotFoundError as missing:
        if (missing.name or "").partition(".")[0] != "opentelemetry":
            raise
        if tracer_provider is not None or meter_provider is not None:
            raise InvalidArgumentError(
                "SpeechClient: tracer_provider= and meter_provider= need opentelemetry-api "
                "(pip install 'speechrest[otel]')"
            ) from missing
        return None
    return telemetry_for(tracer_provider, meter_provider) if configured(tracer_provider, meter_provider) else None


def traced(
    method: Callable[Concatenate[G, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[G, P], Coroutine[Any, Any, T]]:
    """A span ``<group>.<method>`` (``datasets.upload``) around a resource group's async method."""

    @functools.wraps(method)
    async def call(self: G, /, *args: P.args, **kwargs: P.kwargs) -> T:
        telemetry = self._requester.telemetry
        if telemetry is None or _GROUP.get() is self:
            return await method(self, *args, **kwargs)
        with telemetry.span(_name(self, method)) as span, _within(telemetry, span, self):
            return await method(self, *args, **kwargs)

    return call


def traced_iteration(
    method: Callable[Concatenate[G, P], AsyncIterator[T]],
) -> Callable[Concatenate[G, P], AsyncIterator[T]]:
    """``traced`` for an async generator method: the span lasts from the first item to the
    last, and is the current span only while an item is being made, never while the caller holds one."""

    @functools.wraps(method)
    def call(self: G, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
        items = method(self, *args, **kwargs)
        telemetry = self._requester.telemetry
        if telemetry is None or _GROUP.get() is self:
            return items
        return _iterate(telemetry, _name(self, method), self, items)

    return call


async def _iterate(telemetry: Telemetry, name: str, group: object, items: AsyncIterator[T]) -> AsyncIterator[T]:
    with telemetry.span(name) as span:
        try:
            while True:
                with _within(telemetry, span, group):
                    try:
                        item = await anext(items)
                    except StopAsyncIteration:
                        return
                yield item
        finally:  # the caller stopped early, or it failed: the generator's own cleanup runs now
            if isinstance(items, AsyncGenerator):
                await items.aclose()


@contextmanager
def _within(telemetry: Telemetry, span: Span, group: object) -> Iterator[None]:
    """``span`` current, and ``group`` the traced group, until leaving."""
    token = _GROUP.set(group)
    try:
        with telemetry.current(span):
            yield
    finally:
        _GROUP.reset(token)


def _name(group: object, method: Callable[..., Any]) -> str:
    return f"{type(group).__name__.lower()}.{method.__name__}"
