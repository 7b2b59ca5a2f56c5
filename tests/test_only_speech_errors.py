"""Only ``SpeechError`` escapes (issue #17, item 6).

Answers nested too deep for ``json``, durations and dates past ``datetime``'s range, a ``Date``
header thousands of years off, malformed result files, and credentials holding a line break:
each ends as a ``SpeechError`` subclass saying what was wrong, and nothing later breaks.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from fakes import FakeNetwork, FakeServer, Seen, answer

from speechrest import (
    BadRequestError,
    CredentialError,
    InvalidArgumentError,
    ResponseParseError,
    SpeechClient,
)
from speechrest._wire import parse_datetime, parse_duration
from speechrest.results import TranscriptionReport, TranscriptionResult

UID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
FILE_ID = "5b2d7e61-2c84-4f0e-8a1d-93b6c7e4f210"
DEEP = b"[" * 100_000 + b"]" * 100_000  # json.loads raises RecursionError on it
BLOB = "https://blob.test"


def transcription(**fields: Any) -> dict[str, Any]:
    """A transcription as the service (``net``'s ``service`` fixture) would send it."""
    self_link = f"https://speech.test/speechtotext/transcriptions/{UID}"
    return {"self": self_link, "displayName": "t", "locale": "en-US", "properties": {}, **fields}


# ---------------------------------------------------------------- answers nested too deep


async def test_an_answer_nested_too_deep_is_a_parse_error(net: FakeNetwork, service: FakeServer) -> None:
    async with net.client(service) as client:
        service.reply(200, DEEP)
        with pytest.raises(ResponseParseError, match="Transcriptions_Get: the answer is not a valid Transcription"):
            await client.transcriptions.get(UID)
        service.reply(200, DEEP)
        answered = await client.send_request("GET", "/transcriptions/x")
        with pytest.raises(ResponseParseError, match="the answer is not JSON"):
            answered.json()


async def test_an_error_body_nested_too_deep_still_gives_the_status_error(
    net: FakeNetwork, service: FakeServer
) -> None:
    async with net.client(service) as client:
        service.reply(400, DEEP)
        with pytest.raises(BadRequestError) as caught:
            await client.transcriptions.get(UID)
    assert caught.value.error is None and caught.value.status == 400


# ---------------------------------------------------------------- durations and dates out of range


@pytest.mark.parametrize(
    "text", ["P99999999999D", "PT9999999999999999H", "P" + "9" * 400 + "D", "P1000000000W", "-PT99999999999999S"]
)
def test_a_duration_out_of_range_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="duration out of range"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_date_time_out_of_range_in_utc_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="date-time out of range"):
        parse_datetime(text)


def test_the_ends_of_the_range_in_utc_still_read() -> None:
    assert parse_datetime("9999-12-31T23:59:59Z").year == 9999
    assert parse_datetime("0001-01-01T00:00:00Z").year == 1
    assert parse_duration("P999999999D") == timedelta(days=999_999_999)


@pytest.mark.parametrize(
    "fields",
    [
        {"properties": {"duration": "P99999999999D"}},
        {"createdDateTime": "9999-12-31T23:59:59-23:59"},
    ],
    ids=["duration", "date-time"],
)
async def test_an_answer_out_of_range_is_a_parse_error(
    fields: dict[str, Any], net: FakeNetwork, service: FakeServer
) -> None:
    async with net.client(service, api_version="v3.1") as client:  # v3.x answers carry ISO 8601 durations
        service.reply(200, transcription(**fields))
        with pytest.raises(ResponseParseError, match="out of range"):
            await client.transcriptions.get(UID)


# ---------------------------------------------------------------- the Date header


@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 1900 00:00:00 GMT", "9999"])
async def test_a_date_far_from_our_clock_is_ignored_and_creates_go_on(
    date: str, net: FakeNetwork, service: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Such a Date once made the service's clock overflow, failing every later create."""
    async with net.client(service, max_retries=1) as client:
        service.reply(200, transcription(), {"Date": date})
        await client.transcriptions.get(UID)
        net.clock.advance(5)
        service.reply(503, {"code": "Busy"}, {"Date": date.replace("59:59", "59:58")})  # the create's answer is lost
        service.reply(200, {"values": []})  # not created: it is sent again
        service.reply(201, transcription())
        definition = {**transcription(), "contentUrls": ["https://a/b.wav"], "properties": {"timeToLiveHours": 24}}
        with caplog.at_level(logging.WARNING, "speechrest"):
            assert (await client.transcriptions.create(definition)).id == UID
        assert client.requester.server_now() == net.clock.now()
    lookup = service.requests[2]
    assert lookup.query["filter"] == "createdDateTime ge 2025-12-31T23:58:05Z"  # our clock's now, less 2 minutes
    warnings = [r.message for r in caplog.records if "Date header" in r.message]
    assert len(warnings) == (0 if date == "9999" else 1)  # once per client, not per answer


async def test_a_date_within_a_day_is_believed(net: FakeNetwork, service: FakeServer) -> None:
    async with net.client(service) as client:
        service.reply(200, transcription(), {"Date": "Thu, 01 Jan 2026 20:00:00 GMT"})
        await client.transcriptions.get(UID)
        assert client.requester.server_now() - net.clock.now() == timedelta(hours=20)


# ---------------------------------------------------------------- malformed result files


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"recognizedPhrases": [1, 2]},
        {"recognizedPhrases": [{"nBest": "best"}]},
        {"recognizedPhrases": [{"offsetInTicks": "soon", "durationInTicks": 1}]},
        {"recognizedPhrases": [{"offsetMilliseconds": float("inf"), "durationInTicks": 1}]},
        {"combinedRecognizedPhrases": [{"channel": "left"}]},
        {"recognizedPhrases": [{"nBest": [{"words": [{"offsetInTicks": 1, "durationInTicks": 1}]}]}]},
    ],
    ids=["a-list", "numbers", "nbest-a-string", "ticks-a-word", "infinite-ms", "channel-a-word", "word-without-text"],
)
def test_a_malformed_result_file_is_a_parse_error(document: Any) -> None:
    with pytest.raises(ResponseParseError, match="a transcription result file could not be read"):
        TranscriptionResult.from_batch(document)


def test_a_malformed_fast_answer_or_report_is_a_parse_error() -> None:
    with pytest.raises(ResponseParseError, match="a fast transcription answer could not be read"):
        TranscriptionResult.from_fast({"combinedPhrases": [{"channel": 0}]})
    with pytest.raises(ResponseParseError, match="a transcription report file could not be read"):
        TranscriptionReport.from_json({"successfulTranscriptionsCount": "many"})


def result_files(content: bytes) -> Any:
    """The service of a succeeded transcription whose one result file, on the blob, is ``content``."""

    def handle(seen: Seen) -> Any:
        if seen.path.endswith("/files"):
            link = {"contentUrl": f"{BLOB}/result.json"}
            file = {"self": f"https://speech.test/x/files/{FILE_ID}", "kind": "Transcription", "links": link}
            return answer(200, {"values": [file]})
        return answer(200, transcription(status="Succeeded"))

    return handle, lambda seen: answer(200, content)


@pytest.mark.parametrize("content", [b"{not json", DEEP, b'{"recognizedPhrases": 7}'], ids=["not-json", "deep", "bad"])
async def test_a_malformed_result_file_from_the_service_is_a_parse_error(
    content: bytes, net: FakeNetwork, service: FakeServer
) -> None:
    service.handler, net.server(BLOB).handler = result_files(content)
    async with net.client(service) as client:
        with pytest.raises(ResponseParseError, match=r"could not be read|is not JSON"):
            async for _ in client.transcriptions.results(UID):
                pass


# ---------------------------------------------------------------- credentials with a line break


@pytest.mark.parametrize("secret", ["abc123\n", "abc\r\nX-Injected: 1", "abc\x00def", " "])
@pytest.mark.parametrize("name", ["key", "token"])
def test_a_key_or_token_that_http_cannot_carry_is_refused_when_the_client_is_made(name: str, secret: str) -> None:
    with pytest.raises(
        InvalidArgumentError, match=f"SpeechClient: {name} (holds a line break|must be a non-empty)"
    ) as e:
        SpeechClient(endpoint="https://x.cognitiveservices.azure.com", **{name: secret})
    assert secret.strip() == "" or secret.strip() not in str(e.value)


async def test_a_token_provider_giving_a_line_break_fails_the_request_unsent(
    net: FakeNetwork, service: FakeServer
) -> None:
    async def provider() -> str:
        return "token-123\r\nX-Injected: 1"

    async with net.client(service, token=provider) as client:
        with pytest.raises(CredentialError, match="token provider's token holds a line break") as caught:
            await client.transcriptions.get(UID)
    assert "token-123" not in str(caught.value) and service.requests == []


async def test_a_token_provider_that_raises_is_a_credential_error(net: FakeNetwork, service: FakeServer) -> None:
    async def provider() -> str:
        raise OSError("the token file is gone")

    async with net.client(service, token=provider) as client:
        with pytest.raises(CredentialError, match="the token provider raised OSError") as caught:
            await client.transcriptions.get(UID)
    assert isinstance(caught.value.__cause__, OSError) and service.requests == []


async def test_a_key_credential_holding_a_line_break_fails_the_request_unsent(
    net: FakeNetwork, service: FakeServer
) -> None:
    class KeyCredential:
        key = "key-123\n"

    async with net.client(service, credential=KeyCredential()) as client:
        with pytest.raises(CredentialError, match="Ocp-Apim-Subscription-Key header it gave holds a line break"):
            await client.transcriptions.get(UID)
    assert service.requests == []


async def test_a_header_with_a_line_break_is_refused_by_send_request(net: FakeNetwork, service: FakeServer) -> None:
    async with net.client(service) as client:
        with pytest.raises(InvalidArgumentError, match="header 'X-Note' holds a line break"):
            await client.send_request("GET", "/transcriptions", headers={"X-Note": "a\r\nb"})
    assert service.requests == []
