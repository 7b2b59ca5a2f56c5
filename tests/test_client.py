"""SpeechClient: configuration, credentials, sessions, bodies and resource groups."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from conftest import TEST_KEY, RecordingServer, without_token
from samples import SAMPLE_SELF, SAMPLE_UUID
from yarl import URL

from speechrest import FakeClock, InvalidArgumentError, MockTransport, SpeechClient, SpeechError, operations
from speechrest._core.context import ClientState, Context
from speechrest._core.pipeline import Pipeline, Policy
from speechrest._core.transport import Request, Response, response
from speechrest.errors import APIStatusError
from speechrest.models import v3_1 as models

DATASET = {"displayName": "d", "locale": "en-US", "kind": "Language", "self": SAMPLE_SELF}


# ----------------------------------------------------------------------------- configuration


def test_region_builds_the_regional_endpoint() -> None:
    client = SpeechClient(region="westeurope", key="k")
    assert client.endpoint == "https://westeurope.api.cognitive.microsoft.com"
    assert client.api_version == "2025-10-15"
    root = "https://westeurope.api.cognitive.microsoft.com/speechtotext"
    assert client.requester.api_url("/datasets") == f"{root}/datasets?api-version=2025-10-15"
    v31 = SpeechClient(region="westeurope", key="k", api_version="v3.1")
    assert v31.requester.api_url("/datasets") == f"{root}/v3.1/datasets"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of endpoint= or region="),
        ({"endpoint": "https://a.example", "region": "eastus"}, "exactly one of endpoint= or region="),
        ({"region": "east us"}, "region must be a name"),
        ({"endpoint": "ftp://a.example"}, "must be an http(s) URL"),
        ({"endpoint": "http://speech.example.com"}, "plain http://"),
        ({"endpoint": "https://a.example", "api_version": "v9"}, "unknown api_version 'v9'"),
        ({"endpoint": "https://a.example", "key": "k", "token": "t"}, "key= or token=, not both"),
        ({"endpoint": "https://a.example", "connection_limit": 0}, "connection_limit must be >= 1"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SpeechClient(**kwargs)  # type: ignore[arg-type]


def test_plain_http_is_allowed_on_loopback_or_when_asked() -> None:
    SpeechClient(endpoint="http://127.0.0.1:8080", key="k")
    SpeechClient(endpoint="http://localhost:8080", key="k")
    SpeechClient(endpoint="http://[::1]:8080", key="k")
    SpeechClient(endpoint="http://speech.internal", key="k", allow_insecure_http=True)


async def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPEECH_ENDPOINT", raising=False)
    monkeypatch.setenv("SPEECH_REGION", "eastus")
    monkeypatch.setenv("SPEECH_KEY", "env-key")
    transport = MockTransport(lambda request: response(200, {}))
    client = SpeechClient.from_env(transport=transport)
    assert client.endpoint == "https://eastus.api.cognitive.microsoft.com"
    await client.send_request("GET", "/healthstatus")
    assert transport.requests[0].headers["Ocp-Apim-Subscription-Key"] == "env-key"
    monkeypatch.setenv("SPEECH_ENDPOINT", "https://custom.cognitiveservices.azure.com/")
    assert SpeechClient.from_env().endpoint == "https://custom.cognitiveservices.azure.com"
    monkeypatch.delenv("SPEECH_ENDPOINT")
    monkeypatch.delenv("SPEECH_REGION")
    with pytest.raises(InvalidArgumentError, match="SPEECH_ENDPOINT or SPEECH_REGION"):
        SpeechClient.from_env()


def test_repr_never_shows_the_key_or_token() -> None:
    keyed = SpeechClient(endpoint="https://a.example", key=TEST_KEY)
    tokened = SpeechClient(endpoint="https://a.example", token="secret-token-value")
    assert TEST_KEY not in repr(keyed) and "auth=key" in repr(keyed)
    assert "secret-token-value" not in repr(tokened) and "auth=token" in repr(tokened)


# ----------------------------------------------------------------------------- credentials


async def test_token_callable_is_asked_for_every_request(server: RecordingServer) -> None:
    calls = 0

    async def token() -> str:
        nonlocal calls
        calls += 1
        return f"token-{calls}"

    server.reply(200, DATASET)
    server.reply(200, DATASET)
    async with SpeechClient(endpoint=server.url, token=token, api_version="v3.1") as client:
        await client.datasets.get(SAMPLE_UUID)
        await client.datasets.get(SAMPLE_UUID)
    assert [r.headers["Authorization"] for r in server.requests] == ["Bearer token-1", "Bearer token-2"]
    assert all("Ocp-Apim-Subscription-Key" not in r.headers for r in server.requests)


async def test_redirects_are_not_followed_so_credentials_stay_home(
    server: RecordingServer, other_server: RecordingServer, client: SpeechClient
) -> None:
    server.reply(302, None, headers={"Location": other_server.url + "/steal"})
    with pytest.raises(APIStatusError) as caught:
        await client.datasets.get(SAMPLE_UUID)
    assert caught.value.status == 302
    assert other_server.requests == []


# ----------------------------------------------------------------------------- sessions


async def test_a_callers_session_is_used_and_left_open(server: RecordingServer) -> None:
    server.reply(200, DATASET)
    async with aiohttp.ClientSession() as session:
        async with SpeechClient(endpoint=server.url, key=TEST_KEY, session=session, api_version="v3.1") as client:
            dataset = await client.datasets.get(SAMPLE_UUID)
        assert dataset.id == SAMPLE_UUID
        assert not session.closed
        assert server.last.headers["Ocp-Apim-Subscription-Key"] == TEST_KEY


async def test_a_closed_client_refuses_calls(server: RecordingServer) -> None:
    client = SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="v3.1")
    await client.close()
    assert client.closed
    with pytest.raises(SpeechError, match="closed"):
        await client.datasets.get(SAMPLE_UUID)
    assert server.requests == []


async def test_the_client_makes_its_session_lazily_without_a_context_manager(server: RecordingServer) -> None:
    server.reply(200, {"status": "Healthy"})
    client = SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="v3.1")
    try:
        health = await client.service_health.get()
    finally:
        await client.close()
    assert health.status is models.HealthStatus.HEALTHY


# ----------------------------------------------------------------------------- arguments and bodies


async def test_groups_take_path_parameters_positionally(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(200, DATASET)
    server.reply(200, DATASET)
    by_group = await client.datasets.get(uuid.UUID(SAMPLE_UUID))
    by_function = await operations.datasets_get(client, id=SAMPLE_UUID)
    assert by_group == by_function
    assert server.requests[0].path == server.requests[1].path == f"/speechtotext/v3.1/datasets/{SAMPLE_UUID}"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: operations.datasets_get(c, id="not-a-uuid"), "Datasets_Get: 'id' must be a UUID, got 'not-a-uuid'"),
        (lambda c: operations.datasets_get(c, id=None), "Datasets_Get: 'id' is required"),
        (
            lambda c: operations.datasets_create(c, dataset=["x"]),
            "'dataset' must be a speechrest.models.v3_1.Dataset or a dict",
        ),
        (lambda c: operations.datasets_create(c, dataset=models.Project(display_name="p", locale="en-US")), "Dataset"),
        (lambda c: operations.datasets_commit_blocks(c, id=SAMPLE_UUID, block_list="x"), "a list of CommitBlocksEntry"),
        (lambda c: operations.datasets_upload_block(c, id=SAMPLE_UUID, blockid="AA==", body="text"), "bytes"),
        (lambda c: operations.endpoints_list_base_model_logs(c, locale=""), "'locale' must be a non-empty string"),
    ],
)
async def test_bad_arguments_fail_before_sending(
    call: object, message: str, server: RecordingServer, client: SpeechClient
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        result = call(client)  # type: ignore[operator]
        if hasattr(result, "__await__"):
            await result
        else:
            await result.to_list()
    assert message in str(caught.value)
    assert server.requests == []


async def test_a_model_body_and_a_dict_body_send_the_same_json(server: RecordingServer, client: SpeechClient) -> None:
    wire = {"displayName": "d", "locale": "en-US", "kind": "Acoustic", "contentUrl": "https://blob.example/a.zip"}
    server.reply(201, {**wire, "self": SAMPLE_SELF, "status": "NotStarted"})
    server.reply(201, {**wire, "self": SAMPLE_SELF, "status": "NotStarted"})
    model = models.Dataset(
        display_name="d", locale="en-US", kind=models.DatasetKind.ACOUSTIC, content_url="https://blob.example/a.zip"
    )
    created = await client.datasets.create(model)
    await client.datasets.create(wire)
    assert without_token(server.requests[0].json()) == without_token(server.requests[1].json()) == wire
    assert created.status is models.Status.NOT_STARTED


async def test_block_upload_streams_an_async_iterable(server: RecordingServer, client: SpeechClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"abc", b"def", b"ghi"):
            yield part

    server.reply(201)
    block_id = "YmxvY2stMDAwMDE+Pz8/"  # has +, / and = to encode
    await client.datasets.upload_block(SAMPLE_UUID, block_id, chunks())
    assert server.last.body == b"abcdefghi"
    assert server.last.query["blockid"] == block_id
    assert "blockid=YmxvY2stMDAwMDE%2BPz8%2F" in server.last.raw_path


async def test_dataset_form_upload_streams_a_file_from_a_path(
    tmp_path: Path, server: RecordingServer, client: SpeechClient
) -> None:
    data = tmp_path / "corpus.txt"
    data.write_bytes(b"hello world\n" * 1000)
    server.reply(201, DATASET)
    dataset = await operations.datasets_upload(
        client, display_name="corpus", locale="en-US", kind="Language", data=data
    )
    assert dataset.display_name == "d"
    body = server.last.body
    assert b'name="displayName"' in body and b"corpus" in body
    assert b"hello world\n" * 1000 in body
    assert server.last.headers["Content-Type"].startswith("multipart/form-data")


async def test_form_upload_refuses_a_missing_file(
    tmp_path: Path, server: RecordingServer, client: SpeechClient
) -> None:
    with pytest.raises(InvalidArgumentError, match="'data' must be the path of an existing file"):
        await operations.datasets_upload(
            client, display_name="c", locale="en-US", kind="Language", data=tmp_path / "nope.txt"
        )
    assert server.requests == []


async def test_query_values_are_percent_encoded(server: RecordingServer, client: SpeechClient) -> None:
    server.reply(200, {"values": []})
    flt = "displayName eq 'a+b & c' and createdDateTime ge 2024-01-01T00:00:00Z"
    assert await client.transcriptions.list(filter=flt, skip=0, top=10).to_list() == []
    assert server.last.query["filter"] == flt
    assert "%20" in server.last.raw_path and "+" not in server.last.raw_path.split("?", 1)[1]


async def test_a_pipeline_links_each_policy_to_the_next_once() -> None:
    seen: list[str] = []

    class Note(Policy):
        def __init__(self, name: str) -> None:
            self.name = name

        async def send(self, request: Request, context: Context) -> Response:
            seen.append(self.name)
            return await self.next(request, context)

    outer, inner = Note("outer"), Note("inner")
    transport = MockTransport(lambda request: response(204))
    pipeline = Pipeline([outer, inner], transport)
    request = Request("GET", URL("https://a.example/x"), "Probe")
    answer = await pipeline.send(request, Context({}, ClientState(FakeClock())))
    assert (answer.status, seen, transport.requests) == (204, ["outer", "inner"], [request])
    assert repr(pipeline) == "<Pipeline Note -> Note -> MockTransport>"
    with pytest.raises(ValueError, match="Note is already in a pipeline: make one per pipeline"):
        Pipeline([inner], transport)  # its next is taken: a second pipeline would re-link the first
