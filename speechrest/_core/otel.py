"""OpenTelemetry spans and metrics for a client (``speechrest[otel]``).

The one module that imports ``opentelemetry``, and only ``telemetry.load`` imports it, when a
client is made. Attribute names follow OpenTelemetry's HTTP conventions where they have one;
URLs are redacted as in the log (no SAS signature, no user info) and no header is recorded.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import attrs
from opentelemetry import metrics, trace
from opentelemetry.trace import Span, SpanKind, StatusCode
from opentelemetry.util.types import AttributeValue

from .._logging import redact_text, redact_url
from .._version import __version__
from ..errors import APIStatusError, request_id
from .context import Context
from .pipeline import Policy
from .policies.retry import Ambiguous
from .transport import Request, Response

__all__ = ["OperationSpans", "Telemetry", "TrySpans", "configured", "telemetry_for"]

SCOPE = "speechrest"  # the tracer's and the meter's name
OPERATION_ID = "speechrest.operation_id"

Attributes = dict[str, AttributeValue]


def configured(tracer_provider: Any, meter_provider: Any) -> bool:
    """Whether anything would record: providers given, or global ones set by an OpenTelemetry SDK.

    With ``opentelemetry-api`` alone every span and metric is a no-op; a client made then runs
    no telemetry policies at all (configure OpenTelemetry before making clients)."""
    if tracer_provider is not None or meter_provider is not None:
        return True
    unset_meters = type(metrics.get_meter_provider()).__name__ == "_ProxyMeterProvider"  # the API's placeholder
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider) or not unset_meters


@functools.lru_cache(maxsize=16)
def telemetry_for(tracer_provider: Any, meter_provider: Any) -> Telemetry:
    """Telemetry from these providers (None: the global ones), made once for every client that shares them."""
    return Telemetry(
        trace.get_tracer(SCOPE, __version__, tracer_provider),
        metrics.get_meter(SCOPE, __version__, meter_provider),
    )


class Telemetry:
    """A tracer and the client metrics; the policies that use them, and spans for resource groups."""

    def __init__(self, tracer: trace.Tracer, meter: metrics.Meter) -> None:
        self.tracer = tracer
        self.requests = meter.create_counter(
            "speechrest.requests", "{request}", "HTTP requests sent (each try), by operation and outcome"
        )
        self.throttled = meter.create_counter("speechrest.throttled", "{response}", "429 answers, by operation")
        self.retries = meter.create_counter("speechrest.retries", "{retry}", "Tries after the first, by operation")
        self.quota_wait = meter.create_histogram(
            "speechrest.rate_limit.wait", "s", "Time a request to the service waited for a 429 pause and the rate limit"
        )
        self.jobs_waiting = meter.create_up_down_counter(
            "speechrest.jobs.waiting", "{job}", "Jobs the client is waiting on, by kind"
        )

    def policies(self, api_version: str) -> tuple[list[Policy], list[Policy]]:
        """The policies to put before all others (a span per operation) and after them (a span per try)."""
        return [OperationSpans(self, api_version)], [TrySpans(self)]

    @contextmanager
    def span(self, name: str) -> Iterator[Span]:
        """A span, ended on leaving and failed by an exception; not made current (see ``current``)."""
        span = self.tracer.start_span(name)
        try:
            yield span
        except Exception as error:
            _fail(span, error)
            raise
        finally:
            span.end()

    def current(self, span: Span) -> AbstractContextManager[Span]:
        """``span`` as the parent of what starts inside."""
        return trace.use_span(span, record_exception=False, set_status_on_exception=False)

    def jobs(self, change: int, kind: str) -> None:
        """``change`` more (or fewer) jobs of ``kind`` are being waited on."""
        self.jobs_waiting.add(change, {"speechrest.job.kind": kind})


class OperationSpans(Policy):
    """Outermost: a span per operation around all its tries, retries as its events."""

    def __init__(self, telemetry: Telemetry, api_version: str) -> None:
        self._telemetry = telemetry
        self._api_version = api_version

    async def send_traced(self, request: Request, context: Context) -> Response:
        with self._telemetry.tracer.start_as_current_span(
            request.operation, kind=SpanKind.INTERNAL, record_exception=False, set_status_on_exception=False
        ) as span:
            if span.is_recording():  # no SDK configured: nothing to describe
                span.set_attributes(
                    {
                        OPERATION_ID: request.operation,
                        "speechrest.api_version": self._api_version,
                        **_request_attributes(request),
                    }
                )
            call = Call(self._telemetry, span, request.operation)
            try:
                response = await self.next(request, context.observed_by(call))
            except Exception as raised:
                error = raised.error if isinstance(raised, Ambiguous) else raised
                if isinstance(error, APIStatusError):
                    span.set_attributes(_answer_attributes(error.status, error.headers))
                _fail(span, error)
                raise
            else:
                span.set_attributes(_answer_attributes(response.status, response.headers))
                return response
            finally:
                span.set_attribute("speechrest.tries", call.tries)
                if call.waited:
                    span.set_attribute("speechrest.rate_limit.wait", call.waited)

    send = send_traced


class TrySpans(Policy):
    """Innermost: an HTTP client span per try, and the request metrics."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    async def send_traced_try(self, request: Request, context: Context) -> Response:
        telemetry = self._telemetry
        counted: Attributes = {OPERATION_ID: request.operation, "http.request.method": request.method}
        with telemetry.tracer.start_as_current_span(
            request.method, kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False
        ) as span:
            if span.is_recording():  # no SDK configured: nothing to describe
                attributes = _request_attributes(request)
                call = context.observer
                if isinstance(call, Call) and call.tries > 1:
                    attributes["http.request.resend_count"] = call.tries - 1
                span.set_attributes(attributes)
            try:
                response = await self.next(request, context)
            except Exception as error:
                _fail(span, error)
                telemetry.requests.add(1, {**counted, "error.type": _error_type(error)})
                raise
            answer = _answer_attributes(response.status, response.headers)
            span.set_attributes(answer)
            counted["http.response.status_code"] = response.status
            if response.status >= 400:
                span.set_attribute("error.type", str(response.status))
                span.set_status(StatusCode.ERROR)
                counted["error.type"] = str(response.status)
            telemetry.requests.add(1, counted)
            if response.status == 429:
                telemetry.throttled.add(1, {OPERATION_ID: request.operation})
            return response

    send = send_traced_try


@attrs.define
class Call:
    """One operation as telemetry follows it: its span, how many tries, how long it waited for the quota."""

    telemetry: Telemetry
    span: Span
    operation: str
    tries: int = 1
    waited: float = 0.0

    def retrying(self, error: Exception, next_try: int, delay: float) -> None:
        self.tries = next_try
        reason = _error_type(error)
        self.span.add_event(
            "retry", {"speechrest.retry.try": next_try, "speechrest.retry.delay": delay, "error.type": reason}
        )
        self.telemetry.retries.add(1, {OPERATION_ID: self.operation, "error.type": reason})

    def waited_for_quota(self, seconds: float) -> None:
        self.waited += seconds
        self.telemetry.quota_wait.record(seconds, {OPERATION_ID: self.operation})


def _request_attributes(request: Request) -> Attributes:
    url = request.url
    attributes: Attributes = {
        "http.request.method": request.method,
        "url.full": redact_url(str(url.with_user(None) if url.user is not None else url)),
        "server.address": url.host or "",
    }
    if url.port is not None:
        attributes["server.port"] = url.port
    return attributes


def _answer_attributes(status: int, headers: Mapping[str, str] | None) -> Attributes:
    attributes: Attributes = {"http.response.status_code": status}
    if (service_id := request_id(headers)) is not None:
        attributes["az.service_request_id"] = service_id
    return attributes


def _error_type(error: BaseException) -> str:
    """``error.type``: an error answer's status code, else the exception's full class name."""
    return str(error.status) if isinstance(error, APIStatusError) else _class_name(error)


def _class_name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _fail(span: Span, error: BaseException) -> None:
    """Mark ``span`` failed by ``error``: its message and traceback redacted like the log's (an
    exception's message may quote a URL: ``Span.record_exception`` would keep its signature)."""
    message = redact_text(str(error))
    span.set_attribute("error.type", _error_type(error))
    span.set_status(StatusCode.ERROR, f"{type(error).__name__}: {message}")
    span.add_event(
        "exception",
        {
            "exception.type": _class_name(error),
            "exception.message": message,
            "exception.stacktrace": redact_text(
                "".join(traceback.format_exception(type(error), error, error.__traceback__))
            ),
        },
    )
