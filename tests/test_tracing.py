"""OpenTelemetry: a span per operation around its tries, a span per try, spans for upload, waits
and results, the client metrics, no secret anywhere, and nothing imported without the package.

Spans and metrics go to the SDK's in-memory exporter and reader; the service is a function
behind a ``MockTransport`` on a ``FakeClock``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import aclosing
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from speechrest import (
    FakeClock,
    JobFailedError,
    MockTransport,
    NotFoundError,
    RateLimit,
    Request,
    Response,
    SpeechClient,
    SpeechError,
    TransportError,
)
from speechrest._core.transport import response

ENDPOINT = "https://tracing.cognitiveservices.azure.com"
BASE = f"{ENDPOINT}/speechtotext"
HOST = "tracing.cognitiveservices.azure.com"
TRANSCRIPTION = "11111111-2222-3333-4444-555555555555"
DATASET = "66666666-7777-8888-9999-000000000000"
FILE = "abcdefab-cdef-abcd-efab-cdefabcdefab"
CONTENT_URL = "https://blob.example.com/results/1.json?sv=2024&sig=SIGSECRET"
Handler = Callable[[Request], Response]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.clear()


@pytest.fixture
def tracer_provider(spans: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return provider


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(reader: InMemoryMetricReader) -> MeterProvider:
    return MeterProvider(metric_readers=[reader])


@pytest.fixture
def make_client(
    tracer_provider: TracerProvider, meter_provider: MeterProvider
) -> Iterator[Callable[..., SpeechClient]]:
    """Clients whose telemetry goes to this test's exporter and reader."""

    def make(handler: Handler, **options: Any) -> SpeechClient:
        options.setdefault("key", "KEYSECRET")
        return SpeechClient(
            endpoint=ENDPOINT,
            transport=MockTransport(handler),
            clock=FakeClock(),
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            **options,
        )

    yield make


def answers(*replies: Response) -> Handler:
    """A handler giving these answers in turn, then the last one again."""
    queue = list(replies)

    def handler(request: Request) -> Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def named(spans: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [span for span in spans.get_finished_spans() if span.name == name]


def only(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    found = named(spans, name)
    assert len(found) == 1, [span.name for span in spans.get_finished_spans()]
    return found[0]


def children(spans: InMemorySpanExporter, parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    return [
        s for s in spans.get_finished_spans() if s.parent is not None and s.parent.span_id == parent.context.span_id
    ]


def points(reader: InMemoryMetricReader, name: str | None = None) -> list[Any]:
    """The data points of a metric (None: of all), as the reader collects them now."""
    data = reader.get_metrics_data()
    assert data is not None
    return [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if name is None or metric.name == name
        for point in metric.data.data_points
    ]


def by_status(reader: InMemoryMetricReader) -> dict[Any, int]:
    return {p.attributes.get("http.response.status_code"): p.value for p in points(reader, "speechrest.requests")}


# ---------------------------------------------------------------- a span per operation


async def test_an_operation_is_one_span_around_its_tries_and_retries_are_its_events(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter
) -> None:
    handler = answers(
        response(503, {"code": "ServiceUnavailable"}, headers={"Retry-After": "3", "apim-request-id": "first"}),
        response(200, {"values": []}, headers={"apim-request-id": "req-42"}),
    )
    async with make_client(handler) as client:
        assert [t async for t in client.transcriptions.list()] == []

    operation = only(spans, "Transcriptions_List")
    assert operation.kind == SpanKind.INTERNAL
    assert operation.parent is None
    assert operation.status.status_code == StatusCode.UNSET
    assert dict(operation.attributes or {}) == {
        "speechrest.operation_id": "Transcriptions_List",
        "speechrest.api_version": "2025-10-15",
        "http.request.method": "GET",
        "url.full": f"{BASE}/transcriptions?api-version=2025-10-15",
        "server.address": HOST,
        "server.port": 443,
        "http.response.status_code": 200,
        "az.service_request_id": "req-42",
        "speechrest.tries": 2,
    }
    [retry] = operation.events
    assert retry.name == "retry"
    assert dict(retry.attributes or {}) == {
        "speechrest.retry.try": 2,
        "speechrest.retry.delay": 3.0,
        "error.type": "503",
    }

    first, second = sorted(children(spans, operation), key=lambda s: s.start_time or 0)
    assert [first.name, second.name] == ["GET", "GET"]
    assert first.kind == second.kind == SpanKind.CLIENT
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.attributes["az.service_request_id"] == "first"
    assert first.status.status_code == StatusCode.ERROR
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.resend_count"] == 1
    assert second.status.status_code == StatusCode.UNSET


async def test_a_failed_operation_is_an_error_span_naming_the_error(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter
) -> None:
    missing = response(404, {"code": "NotFound", "message": "no such transcription"}, headers={"x-ms-request-id": "r1"})
    async with make_client(answers(missing)) as client:
        with pytest.raises(NotFoundError):
            await client.transcriptions.get(TRANSCRIPTION)

    operation = only(spans, "Transcriptions_Get")
    attributes = dict(operation.attributes or {})
    assert operation.status.status_code == StatusCode.ERROR
    assert "NotFound: no such transcription" in (operation.status.description or "")
    assert attributes["error.type"] == "404"
    assert attributes["http.response.status_code"] == 404
    assert attributes["az.service_request_id"] == "r1"
    assert attributes["speechrest.tries"] == 1
    [exception] = operation.events
    assert exception.name == "exception"
    assert (exception.attributes or {})["exception.type"] == "speechrest.errors.NotFoundError"


async def test_an_operation_that_gets_no_answer_names_the_exception(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter
) -> None:
    def refuse(request: Request) -> Response:
        raise TransportError("connection refused", sent=False)

    async with make_client(refuse, max_retries=1) as client:
        with pytest.raises(TransportError):
            await client.transcriptions.get(TRANSCRIPTION)

    operation = only(spans, "Transcriptions_Get")
    assert (operation.attributes or {})["error.type"] == "speechrest.errors.TransportError"
    assert (operation.attributes or {})["speechrest.tries"] == 2
    assert [event.name for event in operation.events] == ["retry", "exception"]
    tries = children(spans, operation)
    assert len(tries) == 2
    assert all((t.attributes or {})["error.type"] == "speechrest.errors.TransportError" for t in tries)
    assert all("http.response.status_code" not in (t.attributes or {}) for t in tries)


# ---------------------------------------------------------------- secrets


async def test_no_key_token_or_signature_in_any_span_or_metric(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter, reader: InMemoryMetricReader
) -> None:
    def service(request: Request) -> Response:
        if request.url.host == "blob.example.com":
            if "again" in request.url.path:
                raise TransportError(f"connection reset while reading {request.url}")
            return response(403, {"code": "AuthenticationFailed"})
        return response(401, {"code": "Unauthorized", "message": "bad credentials"})

    async with make_client(service) as keyed, make_client(service, key=None, token="TOKENSECRET") as bearer:
        for client in (keyed, bearer):
            with pytest.raises(SpeechError):
                await client.transcriptions.get(TRANSCRIPTION)
            with pytest.raises(SpeechError):
                await client.download(CONTENT_URL)
            with pytest.raises(SpeechError):
                await client.download(CONTENT_URL.replace("1.json", "again.json"), max_retries=0)

    texts = []
    for span in spans.get_finished_spans():
        texts += [span.name, span.status.description or "", *map(str, (span.attributes or {}).values())]
        for event in span.events:
            texts += [event.name, *map(str, (event.attributes or {}).values())]
    for point in points(reader):
        texts += map(str, point.attributes.values())
    everything = "\n".join(texts)
    assert "sig=REDACTED" in everything  # the content URL is there, redacted
    for secret in ("KEYSECRET", "TOKENSECRET", "Bearer", "SIGSECRET"):
        assert secret not in everything


# ---------------------------------------------------------------- spans of the resource groups


def dataset(status: str) -> dict[str, Any]:
    return {
        "self": f"{BASE}/datasets/{DATASET}",
        "displayName": "corpus",
        "locale": "en-US",
        "kind": "Language",
        "status": status,
    }


def transcription(status: str) -> dict[str, Any]:
    return {
        "self": f"{BASE}/transcriptions/{TRANSCRIPTION}",
        "displayName": "call",
        "locale": "en-US",
        "properties": {},
        "status": status,
        "createdDateTime": "2026-01-01T00:00:00Z",
    }


def datasets_service(request: Request) -> Response:
    path = request.url.path
    if request.method == "POST" and path.endswith("/datasets"):
        return response(201, dataset("NotStarted"))
    if request.method == "PUT" and path.endswith("/blocks"):
        return response(201)
    if path.endswith("/blocks:commit"):
        return response(200)
    return response(200, dataset("Succeeded"))


async def test_an_upload_is_one_span_over_its_operations(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter
) -> None:
    async with make_client(datasets_service) as client:
        uploaded = await client.datasets.upload(
            b"hello world\n", display_name="corpus", locale="en-US", kind="Language"
        )
    assert uploaded.id == DATASET

    upload = only(spans, "datasets.upload")
    assert upload.parent is None
    assert upload.status.status_code == StatusCode.UNSET
    inside = sorted(s.name for s in children(spans, upload))
    assert inside == ["Datasets_CommitBlocks", "Datasets_Create", "Datasets_Get", "Datasets_UploadBlock"]


async def test_a_wait_is_one_span_and_counts_its_jobs(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter, reader: InMemoryMetricReader
) -> None:
    seen_waiting = []

    def service(request: Request) -> Response:
        seen_waiting.append([p.value for p in points(reader, "speechrest.jobs.waiting")])
        return response(200, transcription("Running" if len(seen_waiting) < 3 else "Succeeded"))

    async with make_client(service) as client:
        done = await client.transcriptions.wait(TRANSCRIPTION)
    assert done.status == "Succeeded"

    wait = only(spans, "transcriptions.wait")  # wait -> wait_all -> as_completed: one span
    assert not named(spans, "transcriptions.wait_all") and not named(spans, "transcriptions.as_completed")
    assert wait.parent is None and wait.status.status_code == StatusCode.UNSET
    polls = named(spans, "Transcriptions_Get")
    assert len(polls) == 3
    assert all(poll.parent is None for poll in polls)  # the poller works for every waiter: none is its parent
    assert seen_waiting == [[1], [1], [1]]
    assert [p.value for p in points(reader, "speechrest.jobs.waiting")] == [0]
    assert [dict(p.attributes) for p in points(reader, "speechrest.jobs.waiting")] == [
        {"speechrest.job.kind": "transcriptions"}
    ]


async def test_a_failed_wait_is_an_error_span(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter, reader: InMemoryMetricReader
) -> None:
    failed = {**transcription("Failed"), "properties": {"error": {"code": "InvalidData", "message": "no audio"}}}
    async with make_client(answers(response(200, failed))) as client:
        with pytest.raises(JobFailedError):
            await client.transcriptions.wait_all([TRANSCRIPTION])

    wait = only(spans, "transcriptions.wait_all")
    assert wait.status.status_code == StatusCode.ERROR
    assert (wait.attributes or {})["error.type"] == "speechrest.errors.JobFailedError"
    assert [p.value for p in points(reader, "speechrest.jobs.waiting")] == [0]


async def test_results_are_one_span_current_only_while_an_item_is_made(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter
) -> None:
    file = {"self": f"{BASE}/transcriptions/{TRANSCRIPTION}/files/{FILE}", "kind": "Transcription"}
    file["links"] = {"contentUrl": CONTENT_URL}

    def service(request: Request) -> Response:
        if request.url.host == "blob.example.com":
            return response(200, {"source": "https://audio.example.com/1.wav", "recognizedPhrases": []})
        if request.url.path.endswith("/files"):
            return response(200, {"values": [file]})
        return response(200, transcription("Succeeded"))

    outside = []
    async with make_client(service) as client:
        async for result in client.transcriptions.results(TRANSCRIPTION):
            assert result.source == "https://audio.example.com/1.wav"
            outside.append(trace.get_current_span().get_span_context().is_valid)
    assert outside == [False]  # the caller's code between items is not inside the span

    results = only(spans, "transcriptions.results")
    inside = sorted(s.name for s in children(spans, results))
    assert inside == ["Transcriptions_Get", "Transcriptions_ListFiles", "download"]
    download = only(spans, "download")
    assert (download.attributes or {})["url.full"] == CONTENT_URL.replace("SIGSECRET", "REDACTED")
    assert (download.attributes or {})["server.address"] == "blob.example.com"


async def test_a_reader_that_stops_early_ends_the_span(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter
) -> None:
    page = {"values": [{"self": f"{BASE}/transcriptions/{TRANSCRIPTION}/files/{FILE}", "kind": "Transcription"}] * 3}
    for entry in page["values"]:
        entry["links"] = {"contentUrl": CONTENT_URL}

    def service(request: Request) -> Response:
        if request.url.host == "blob.example.com":
            return response(200, {"source": "a.wav"})
        return response(200, page if request.url.path.endswith("/files") else transcription("Succeeded"))

    async with make_client(service) as client, aclosing(client.transcriptions.results(TRANSCRIPTION)) as items:
        async for result in items:
            assert result.source == "a.wav"
            break
    assert only(spans, "transcriptions.results").status.status_code == StatusCode.UNSET


# ---------------------------------------------------------------- metrics


async def test_requests_429s_retries_and_rate_limit_waits_are_counted(
    make_client: Callable[..., SpeechClient], spans: InMemorySpanExporter, reader: InMemoryMetricReader
) -> None:
    handler = answers(
        response(429, {"code": "TooManyRequests"}, headers={"Retry-After": "2"}),
        response(200, {"values": []}),
    )
    async with make_client(handler, rate_limit=RateLimit(requests=1, per_seconds=10)) as client:
        assert [t async for t in client.transcriptions.list()] == []  # 429, then 2 s and the rate limit's 10.05 s

    assert by_status(reader) == {429: 1, 200: 1}
    [throttled] = points(reader, "speechrest.throttled")
    assert throttled.value == 1
    assert dict(throttled.attributes) == {"speechrest.operation_id": "Transcriptions_List"}
    [retried] = points(reader, "speechrest.retries")
    assert retried.value == 1
    assert dict(retried.attributes) == {"speechrest.operation_id": "Transcriptions_List", "error.type": "429"}
    [waited] = points(reader, "speechrest.rate_limit.wait")
    assert waited.count == 2  # one per try
    assert waited.sum == pytest.approx(10.05 - 2)  # the retry's own 2 s sleep is not the rate limit's
    operation = only(spans, "Transcriptions_List")
    assert (operation.attributes or {})["speechrest.rate_limit.wait"] == pytest.approx(8.05)


# ---------------------------------------------------------------- without OpenTelemetry


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_speechrest_does_not_import_opentelemetry() -> None:
    out = run("""
        import sys
        import speechrest
        print(sorted(name for name in sys.modules if name.startswith("opentelemetry")))
        """)
    assert out.strip() == "[]"


def test_without_opentelemetry_a_client_has_no_telemetry_and_imports_none() -> None:
    out = run(f"""
        import asyncio, sys
        sys.modules["opentelemetry"] = None  # as if it were not installed
        from speechrest import FakeClock, InvalidArgumentError, MockTransport, SpeechClient
        from speechrest._core.transport import response

        async def main():
            transport = MockTransport(lambda request: response(200, {{"values": []}}))
            async with SpeechClient(endpoint="{ENDPOINT}", key="k", transport=transport, clock=FakeClock()) as client:
                assert [t async for t in client.transcriptions.list()] == []
                print(client.pipeline)
            try:
                SpeechClient(endpoint="{ENDPOINT}", key="k", tracer_provider=object())
            except InvalidArgumentError as error:
                print(error)

        asyncio.run(main())
        print(sorted(name for name, module in sys.modules.items() if name.startswith("opentelemetry") and module))
        """)
    pipeline, refused, imported = out.splitlines()
    assert pipeline.startswith("<Pipeline Retries -> ") and "Spans" not in pipeline
    assert "pip install 'speechrest[otel]'" in refused
    assert imported == "[]"


def test_with_nothing_configured_a_client_runs_no_telemetry_policies() -> None:
    """opentelemetry-api alone records nothing: a client made then skips the span policies;
    one made after an SDK provider is set runs them."""
    out = run(f"""
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from speechrest import SpeechClient

        print(SpeechClient(endpoint="{ENDPOINT}", key="k").pipeline)
        trace.set_tracer_provider(TracerProvider())
        print(SpeechClient(endpoint="{ENDPOINT}", key="k").pipeline)
        """)
    before, after = out.splitlines()
    assert before.startswith("<Pipeline Retries -> ") and "Spans" not in before
    assert after.startswith("<Pipeline OperationSpans -> Retries -> ") and "TrySpans" in after
