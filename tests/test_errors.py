"""Error answers, transport failures and refused operations.

Answers come from a fake service (``fakes``); connection failures and timeouts from real sockets.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web
from conftest import TEST_KEY, RecordingServer
from fakes import FakeNetwork, FakeServer, answer

from speechrest import (
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FakeClock,
    InvalidArgumentError,
    MockTransport,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Request,
    Response,
    ServerError,
    SpeechClient,
    SpeechError,
    TransportError,
    operations,
)
from speechrest._core.transport import response
from speechrest.errors import UnsupportedOperationError, status_error_class
from speechrest.models import v3_1 as models

UID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
TRANSCRIPTION = {
    "self": f"https://westus.api.cognitive.microsoft.com/speechtotext/v3.1/transcriptions/{UID}",
    "displayName": "ok",
    "locale": "en-US",
}

# A full service error: details, a target, and two levels of inner errors.
FULL_ERROR = {
    "code": "InvalidRequest",
    "message": "The request is not valid.",
    "target": "displayName",
    "details": [
        {"code": "InvalidArgument", "message": "displayName is too long.", "target": "displayName"},
        {"code": "BrandNewCode", "message": "something the SDK has never heard of"},
    ],
    "innerError": {
        "code": "InvalidParameterValue",
        "message": "Parameter out of range.",
        "innerError": {"code": "DeeperProblem", "message": "Deepest."},
    },
}


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    """Overrides conftest's client: one of the fake service, one try per call."""
    async with net.client(service, api_version="v3.1", max_retries=0, rate_limit=None) as c:
        yield c


async def get_transcription(client: SpeechClient, **options: Any) -> models.Transcription:
    return await operations.transcriptions_get(client, id=UID, **options)


async def raised(client: SpeechClient, **options: Any) -> APIStatusError:
    """The status error ``Transcriptions_Get`` raises."""
    with pytest.raises(APIStatusError) as info:
        await get_transcription(client, **options)
    return info.value


# ---------------------------------------------------------------- status -> class


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (405, APIStatusError),
        (418, APIStatusError),
        (422, APIStatusError),
    ],
)
async def test_status_maps_to_class(
    service: FakeServer, client: SpeechClient, status: int, cls: type[APIStatusError]
) -> None:
    """Each status raises exactly its class; all are APIStatusError and SpeechError."""
    service.reply(status, {"code": "Whatever", "message": f"status {status}"})

    exc = await raised(client)

    assert type(exc) is cls
    assert isinstance(exc, APIStatusError)
    assert isinstance(exc, SpeechError)
    assert exc.status == status
    assert exc.code == "Whatever"
    assert exc.message == f"status {status}"
    assert exc.operation_id == "Transcriptions_Get"
    assert len(service.requests) == 1


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare", "wrapped-in-error"])
async def test_error_body_fields(service: FakeServer, client: SpeechClient, wrapped: bool) -> None:
    """Code, message, target, details and nested inner errors come from the body (bare or under ``error``)."""
    body = {"error": FULL_ERROR} if wrapped else FULL_ERROR
    service.reply(400, body, {"apim-request-id": "req-42"})

    exc = await raised(client)

    assert isinstance(exc, BadRequestError)
    assert exc.status == 400
    assert exc.code == "InvalidRequest"
    assert type(exc.code) is str
    assert exc.message == "The request is not valid."
    assert exc.target == "displayName"
    assert isinstance(exc.error, models.Error)
    assert [type(d) for d in exc.details] == [models.Error, models.Error]
    assert [d.code for d in exc.details] == [models.ErrorCode.INVALID_ARGUMENT, "BrandNewCode"]
    assert exc.details[0].target == "displayName"
    inner = exc.inner_error
    assert isinstance(inner, models.InnerError)
    assert inner.code == models.DetailedErrorCode.INVALID_PARAMETER_VALUE
    assert inner.message == "Parameter out of range."
    assert inner.inner_error.code == "DeeperProblem"
    assert inner.inner_error.inner_error is None
    assert exc.request_id == "req-42"
    assert exc.headers["apim-request-id"] == "req-42"
    assert isinstance(exc.response, Response) and exc.response.status == exc.status
    assert exc.response.status == 400
    assert json.loads(exc.body) == body
    assert exc.method == "GET"
    assert exc.url == f"{service.url}/speechtotext/v3.1/transcriptions/{UID}"


async def test_error_str_names_everything(service: FakeServer, client: SpeechClient) -> None:
    """The message names the operation, status, code, message, inner error codes and request id."""
    service.reply(400, FULL_ERROR, {"apim-request-id": "req-42"})

    text = str(await raised(client))

    for part in (
        "Transcriptions_Get",
        "400",
        "InvalidRequest",
        "The request is not valid.",
        "InvalidParameterValue",
        "DeeperProblem",
        "req-42",
    ):
        assert part in text, part


async def test_error_with_only_a_code(service: FakeServer, client: SpeechClient) -> None:
    """A body with just a code still gives a readable message and empty details."""
    service.reply(404, {"code": "NotFound"})

    exc = await raised(client)

    assert exc.code == "NotFound"
    assert exc.message is None
    assert exc.target is None
    assert exc.details == []
    assert exc.inner_error is None
    assert exc.request_id is None
    assert "HTTP 404" in str(exc)
    assert "NotFound" in str(exc)


@pytest.mark.parametrize("header", ["apim-request-id", "x-ms-request-id", "X-Request-Id"])
async def test_request_id_headers(service: FakeServer, client: SpeechClient, header: str) -> None:
    """The request id is read from any of the headers the service and gateways use."""
    service.reply(500, {"code": "InternalServerError", "message": "boom"}, {header: "rid-7"})

    exc = await raised(client)

    assert exc.request_id == "rid-7"
    assert "rid-7" in str(exc)


# ---------------------------------------------------------------- Retry-After


async def test_retry_after_seconds(service: FakeServer, client: SpeechClient) -> None:
    """``Retry-After: 7`` becomes ``retry_after == 7.0``."""
    service.reply(429, {"code": "TooManyRequests", "message": "slow down"}, {"Retry-After": "7"})

    exc = await raised(client)

    assert isinstance(exc, RateLimitError)
    assert exc.retry_after == 7.0


async def test_retry_after_http_date(service: FakeServer, client: SpeechClient) -> None:
    """An HTTP-date ``Retry-After`` becomes the seconds left until then."""
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=60)
    service.reply(429, {"code": "TooManyRequests"}, {"Retry-After": format_datetime(when, usegmt=True)})

    exc = await raised(client)

    assert isinstance(exc, RateLimitError)
    assert exc.retry_after is not None
    assert 50 <= exc.retry_after <= 60


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: no wait
        ("-3", 0.0),
        ("0.5", 0.5),
        ("soon", None),
    ],
)
async def test_retry_after_odd_values(
    service: FakeServer, client: SpeechClient, header: str | None, expected: float | None
) -> None:
    """Missing, past, negative and unreadable values give no wait or None."""
    service.reply(429, {"code": "TooManyRequests"}, {"Retry-After": header} if header is not None else None)

    exc = await raised(client)

    assert isinstance(exc, RateLimitError)
    assert exc.retry_after == expected


async def test_retry_after_asctime_date(service: FakeServer, client: SpeechClient) -> None:
    """The asctime form, which RFC 9110 says recipients must accept, is read as a date in UTC."""
    service.reply(429, {"code": "TooManyRequests"}, {"Retry-After": "Sun Nov  6 08:49:37 1994"})

    exc = await raised(client)

    assert exc.retry_after == 0.0


# ---------------------------------------------------------------- bodies that are not Error JSON


@pytest.mark.parametrize(
    ("status", "body", "content_type", "snippet"),
    [
        (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", "502 Bad Gateway"),
        (503, "upstream connect error or disconnect", "text/plain", "upstream connect error"),
        (500, '{"code": "Broken', "application/json", '{"code": "Broken'),  # truncated JSON
        (400, '["not", "an", "object"]', "application/json", '["not", "an", "object"]'),
        (400, '"just a string"', "application/json", "just a string"),
        (404, "{}", "application/json", "{}"),
        (409, '{"unrelated": 1}', "application/json", "unrelated"),
    ],
)
async def test_non_error_bodies_keep_a_snippet(
    service: FakeServer, client: SpeechClient, status: int, body: str, content_type: str, snippet: str
) -> None:
    """Without a usable Error body, the message shows the status and the start of the body."""
    service.handler = lambda seen: answer(status, body, {"Content-Type": content_type})

    exc = await raised(client)

    assert exc.status == status
    assert exc.code is None
    assert exc.message is None
    assert exc.details == []
    assert exc.inner_error is None
    assert exc.body == body.encode()
    assert f"HTTP {status}" in str(exc)
    assert snippet in str(exc)
    assert "Transcriptions_Get" in str(exc)


async def test_empty_error_body(service: FakeServer, client: SpeechClient) -> None:
    """An error with no body at all says so."""
    service.reply(503)

    exc = await raised(client)

    assert isinstance(exc, ServerError)
    assert exc.code is None
    assert exc.error is None
    assert exc.body == b""
    assert "HTTP 503" in str(exc)
    assert "no error body" in str(exc)


async def test_long_body_is_cut(service: FakeServer, client: SpeechClient) -> None:
    """A long non-JSON body is shortened in the message but kept whole in ``.body``."""
    body = "x" * 5000
    service.reply(500, body)

    exc = await raised(client)

    assert exc.body == body.encode()
    assert len(str(exc)) < 1000


# ---------------------------------------------------------------- transport failures


def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_is_a_transport_error() -> None:
    """Nothing listening: TransportError (not a timeout), naming the operation."""
    async with SpeechClient(
        endpoint=f"http://127.0.0.1:{closed_port()}", key=TEST_KEY, api_version="v3.1", max_retries=0
    ) as client:
        with pytest.raises(TransportError) as info:
            await get_transcription(client)

    assert not isinstance(info.value, APITimeoutError)
    assert isinstance(info.value, SpeechError)
    assert "Transcriptions_Get" in str(info.value)
    assert isinstance(info.value.__cause__, ConnectionRefusedError)


class SlowServer(RecordingServer):
    """A recording server that holds each request until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await self.release.wait()
        return await super()._handle(request)


@pytest.fixture
async def slow() -> AsyncIterator[SlowServer]:
    async with SlowServer() as srv:
        try:
            yield srv
        finally:
            srv.release.set()


async def test_timeout_then_client_still_works(slow: SlowServer) -> None:
    """A per-call timeout raises APITimeoutError; the next call on the same client succeeds."""
    async with SpeechClient(endpoint=slow.url, key=TEST_KEY, api_version="v3.1", max_retries=0) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(APITimeoutError) as info:
            await get_transcription(client, timeout=0.2)
        elapsed = asyncio.get_running_loop().time() - started

        assert isinstance(info.value, TransportError)
        assert isinstance(info.value, TimeoutError)
        assert isinstance(info.value, asyncio.TimeoutError)
        assert "Transcriptions_Get" in str(info.value)
        assert elapsed < 5

        # The held request is answered too (into a closed connection), so set a handler, not a queue.
        slow.handler = lambda request, raw: web.json_response(TRANSCRIPTION)
        slow.release.set()
        result = await get_transcription(client)

    assert result.display_name == "ok"
    assert slow.last.path == f"/speechtotext/v3.1/transcriptions/{UID}"


async def test_client_usable_after_status_error(server: RecordingServer) -> None:
    """An error answer does not spoil the session for the next call."""
    server.reply(500, {"code": "InternalServerError", "message": "boom"})
    server.reply(200, TRANSCRIPTION)

    async with SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="v3.1", max_retries=0) as client:
        with pytest.raises(ServerError):
            await get_transcription(client)
        result = await get_transcription(client)

    assert result.display_name == "ok"
    assert len(server.requests) == 2


# ---------------------------------------------------------------- unsupported operations


async def test_unsupported_operation(service: FakeServer, client: SpeechClient) -> None:
    """An operation ID the API version lacks raises UnsupportedOperationError, sending nothing."""
    with pytest.raises(UnsupportedOperationError, match="Nope_Nothing") as info:
        await client.requester.invoke("Nope_Nothing", {}, {})

    assert isinstance(info.value, SpeechError)
    assert "v3.1" in str(info.value)
    assert service.requests == []


async def test_unsupported_list_operation(service: FakeServer, client: SpeechClient) -> None:
    """The same holds for list operations, at call time."""
    with pytest.raises(UnsupportedOperationError):
        client.requester.page_operation("Nope_List", {}, {})

    assert service.requests == []


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        *[(status, True) for status in (408, 429, 500, 502, 503, 504)],
        *[(status, False) for status in (400, 401, 403, 404, 409, 501)],
    ],
)
def test_an_error_answer_says_whether_it_is_retryable(status: int, retryable: bool) -> None:
    error = status_error_class(status)(status=status, operation_id="X", method="GET", url="u", headers=None, body=b"")
    assert error.retryable is retryable


def test_a_failure_without_an_answer_is_retryable_and_other_errors_are_not() -> None:
    assert TransportError("reset").retryable
    assert APITimeoutError("late").retryable
    assert not InvalidArgumentError("bad").retryable
    assert not SpeechError("x").retryable


@pytest.mark.parametrize("status", [501, 503])
async def test_the_retry_policy_retries_what_is_retryable(status: int) -> None:
    def service(request: Request) -> Response:
        return response(status)

    transport = MockTransport(service)
    async with SpeechClient(
        endpoint="https://x.cognitiveservices.azure.com", key="k", transport=transport, clock=FakeClock(), max_retries=2
    ) as client:
        with pytest.raises(ServerError) as raised:
            await client.transcriptions.get(UID)
    assert len(transport.requests) == (3 if raised.value.retryable else 1)
