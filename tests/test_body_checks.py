"""Request bodies checked against each API version's spec: strictly by the emulator, as the
service does, and for required properties and JSON types by the SDK before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import TEST_KEY, RecordingServer, without_token

from speechrest import InvalidArgumentError, SpeechClient, models
from speechrest._generated import VERSIONS
from speechrest._schema import check_body
from speechrest.emulator import Emulator

GA = ("2024-11-15", "2025-10-15")
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
AUDIO = "https://audio.example.com/call.wav"
CORPUS = "https://data.example.com/corpus.txt"


def transcription(version: str, **changes: Any) -> dict[str, Any]:
    """A valid transcription body for ``version``, with ``changes`` (None removes a property)."""
    body: dict[str, Any] = {"displayName": "t", "locale": "en-US", "contentUrls": [AUDIO]}
    if version in GA:
        body["properties"] = {"timeToLiveHours": 6}
    return {k: v for k, v in {**body, **changes}.items() if v is not None}


def dataset(**changes: Any) -> dict[str, Any]:
    body = {"displayName": "d", "locale": "en-US", "kind": "Language", "contentUrl": CORPUS, **changes}
    return {k: v for k, v in body.items() if v is not None}


def path_of(version: str, collection: str) -> str:
    if version in GA:
        action = ":submit" if collection == "transcriptions" else ""
        return f"/speechtotext/{collection}{action}?api-version={version}"
    return f"/speechtotext/{version}/{collection}"


@pytest.fixture
async def emulator() -> Any:
    async with Emulator(key=TEST_KEY, processing_seconds=0.1) as emu:
        yield emu


async def post(emu: Emulator, version: str, collection: str, body: Any) -> tuple[int, Any]:
    headers = {"Ocp-Apim-Subscription-Key": TEST_KEY, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(emu.url + path_of(version, collection), data=json.dumps(body), headers=headers) as answer,
    ):
        return answer.status, await answer.json()


# The emulator: every version, the service's codes, a message naming the JSON path.
MALFORMED = "InvalidRequest", "InvalidPayload"
BAD_VALUE = "InvalidArgument", "InvalidParameterValue"
REFUSED = [
    # (versions, collection, body, (code, inner code), target, message after "The request body is invalid: ")
    (GA, "transcriptions", lambda v: transcription(v, properties=None), MALFORMED, "properties", None),
    (
        GA,
        "transcriptions",
        lambda v: transcription(v, properties={"wordLevelTimestampsEnabled": True}),
        MALFORMED,
        "properties.timeToLiveHours",
        "'properties.timeToLiveHours' is required.",
    ),
    (VERSIONS, "transcriptions", lambda v: transcription(v, locale=None), MALFORMED, "locale", None),
    (VERSIONS, "transcriptions", lambda v: transcription(v, displayName=None), MALFORMED, "displayName", None),
    (VERSIONS, "datasets", lambda v: dataset(kind=None), MALFORMED, "kind", "'kind' is required."),
    (
        VERSIONS,
        "datasets",
        lambda v: dataset(kind="Acoustc"),
        BAD_VALUE,
        "kind",
        None,  # the allowed values differ by version: checked below
    ),
    (
        GA,
        "transcriptions",
        lambda v: transcription(v, properties={"timeToLiveHours": "six"}),
        MALFORMED,
        "properties.timeToLiveHours",
        "'properties.timeToLiveHours' must be an integer, got 'six'.",
    ),
    (
        ("v3.1", *GA),
        "transcriptions",
        lambda v: transcription(v, contentUrls=[AUDIO, "calls/2.wav"]),
        BAD_VALUE,
        "contentUrls[1]",
        "'contentUrls[1]' must be an absolute URL, got 'calls/2.wav'.",
    ),
    (
        ("v3.0", "v3.1"),
        "transcriptions",
        lambda v: transcription(v, properties={"timeToLive": "12 hours"}),
        BAD_VALUE,
        "properties.timeToLive",
        "'properties.timeToLive' must be an ISO 8601 duration, got '12 hours'.",
    ),
    (
        VERSIONS,
        "datasets",
        lambda v: dataset(customProperties={"team": 7}),
        MALFORMED,
        "customProperties.team",
        "'customProperties.team' must be a string, got 7.",
    ),
    (VERSIONS, "projects", lambda v: ["not", "an", "object"], MALFORMED, "", "the body must be a JSON object, got"),
]
CASES = [
    pytest.param(version, *case[1:], id=f"{version}-{case[1]}-{case[4] or 'body'}-{n}")
    for n, case in enumerate(REFUSED)
    for version in case[0]
]


@pytest.mark.parametrize(("version", "collection", "make", "codes", "target", "message"), CASES)
async def test_the_emulator_refuses_what_the_spec_does_not_allow(
    emulator: Emulator, version: str, collection: str, make: Any, codes: tuple[str, str], target: str, message: Any
) -> None:
    if collection == "projects" and version == "2024-11-15":
        pytest.skip("2024-11-15 has no projects")
    status, error = await post(emulator, version, collection, make(version))
    assert status == 400
    assert (error["code"], error["innerError"]["code"]) == codes
    assert error.get("target", "") == target
    assert error["message"].startswith("The request body is invalid: ")
    assert f"'{target}'" in error["message"] if target else "the body" in error["message"]
    if message is not None:
        assert message in error["message"]
    assert emulator.service.store.count(collection) == 0  # nothing was created


@pytest.mark.parametrize("version", VERSIONS)
async def test_an_unknown_dataset_kind_is_refused_naming_the_allowed_ones(emulator: Emulator, version: str) -> None:
    """The spec marks the enum extensible for clients; the service still refuses an unknown kind."""
    _, error = await post(emulator, version, "datasets", dataset(kind="Acoustc"))
    allowed = "Language, Acoustic, Pronunciation, AudioFiles"
    allowed += {"v3.0": "", "v3.1": ", LanguageMarkdown"}.get(version, ", LanguageMarkdown, OutputFormatting")
    assert error["message"] == f"The request body is invalid: 'kind' must be one of {allowed}; got 'Acoustc'."


@pytest.mark.parametrize("version", VERSIONS)
async def test_valid_bodies_pass_in_every_version(emulator: Emulator, version: str) -> None:
    for collection, body in (("transcriptions", transcription(version)), ("datasets", dataset())):
        status, created = await post(emulator, version, collection, body)
        assert status == 201, created
    assert emulator.service.store.count("transcriptions") == emulator.service.store.count("datasets") == 1


def test_every_version_has_a_schema_for_each_json_body() -> None:
    """The generated tables cover every operation that takes a JSON body (none is skipped silently)."""
    for version in VERSIONS:
        routes = __import__(VERSIONS[version] + ".routes", fromlist=["ROUTES"]).ROUTES
        with_json = [r.operation_id for r in routes.values() if any(p.kind == "json" for p in r.params)]
        assert with_json
        for operation_id in with_json:
            assert check_body(version, operation_id, 42, strict=False) is not None, operation_id


# The SDK: required properties and JSON types, before the wire; the rest is the service's to judge.


@pytest.fixture
async def ga_client(server: RecordingServer) -> Any:
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0, rate_limit=None) as c:
        yield c


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (transcription("2025-10-15", properties=None), "'transcription.properties' is required"),
        (
            transcription("2025-10-15", properties={"diarization": {"enabled": True}}),
            "'transcription.properties.timeToLiveHours' is required",
        ),
        (transcription("2025-10-15", locale=None), "'transcription.locale' is required"),
        (
            transcription("2025-10-15", properties={"timeToLiveHours": "6"}),
            "'transcription.properties.timeToLiveHours' must be an integer, got '6'",
        ),
        (transcription("2025-10-15", contentUrls="https://a.example.com/1.wav"), "'transcription.contentUrls' must be"),
    ],
)
async def test_the_sdk_refuses_an_incomplete_or_mistyped_body_before_sending(
    server: RecordingServer, ga_client: SpeechClient, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=f"^Transcriptions_Submit: {message}"):
        await ga_client.transcriptions.create(body)
    assert server.requests == []


async def test_a_model_missing_a_required_field_is_refused_too(
    server: RecordingServer, ga_client: SpeechClient
) -> None:
    body = models.v2025_10_15.Transcription(display_name="t", locale="en-US", content_urls=[AUDIO], properties=None)
    with pytest.raises(InvalidArgumentError, match=r"'transcription\.properties' is required"):
        await ga_client.transcriptions.create(body)
    assert server.requests == []


async def test_unknown_enum_values_and_fields_still_go_out(server: RecordingServer, ga_client: SpeechClient) -> None:
    """The service adds values and fields over time: the SDK does not judge them."""
    created = {"self": f"{server.url}/speechtotext/datasets/{'0' * 8}-0000-4000-8000-{'0' * 12}"}
    server.reply(201, {**created, **dataset(kind="NewKind", futureField={"x": 1})})
    await ga_client.datasets.create(dataset(kind="NewKind", futureField={"x": 1}))
    sent = without_token(server.last.json())
    assert (sent["kind"], sent["futureField"]) == ("NewKind", {"x": 1})


async def test_a_model_of_another_version_is_named_as_such(server: RecordingServer) -> None:
    body = models.v2025_10_15.Transcription(
        display_name="t",
        locale="en-US",
        content_urls=[AUDIO],
        properties=models.v2025_10_15.TranscriptionProperties(time_to_live_hours=6),
    )
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="v3.1", rate_limit=None) as client:
        with pytest.raises(InvalidArgumentError) as caught:
            await client.transcriptions.create(body)
    assert str(caught.value) == (
        "Transcriptions_Create: 'transcription' must be a speechrest.models.v3_1.Transcription or a dict "
        "for API version v3.1; got the Transcription of API version 2025-10-15"
    )
    assert server.requests == []


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_key_is_refused_at_construction(key: str) -> None:
    with pytest.raises(InvalidArgumentError, match="key must be a non-empty string"):
        SpeechClient(endpoint="https://eastus.api.cognitive.microsoft.com", key=key)


@pytest.mark.parametrize(
    ("version", "properties", "refused"),
    [
        ("2025-10-15", {"timeToLiveHours": 5}, True),
        ("2025-10-15", {"timeToLiveHours": 6}, False),
        ("2024-11-15", {"timeToLiveHours": 744}, False),
        ("2024-11-15", {"timeToLiveHours": 745}, True),
        ("v3.1", {"timeToLive": "P31D"}, False),
        ("v3.1", {"timeToLive": "P31DT1H"}, True),
        ("v3.0", {"timeToLive": "PT0S"}, False),
    ],
)
async def test_the_time_to_live_is_kept_in_the_documented_range(
    emulator: Emulator, version: str, properties: dict[str, Any], refused: bool
) -> None:
    status, answer = await post(emulator, version, "transcriptions", transcription(version, properties=properties))
    if refused:
        assert (status, answer["code"], answer["innerError"]["code"]) == (400, "InvalidArgument", "InvalidTimeToLive")
    else:
        assert status == 201, answer


async def test_the_readme_example_runs_as_written(emulator: Emulator) -> None:
    """The first example of the README, pointed at the emulator, on the default API version."""
    code = README.split("## Using it", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert 'endpoint="https://eastus.api.cognitive.microsoft.com", key="..."' in code
    code = code.replace('endpoint="https://eastus.api.cognitive.microsoft.com", key="..."', "endpoint=URL, key=KEY")
    code = code.replace("asyncio.run(main())", "")
    namespace: dict[str, Any] = {"URL": emulator.url, "KEY": emulator.key}
    exec(compile(code, "README.md", "exec"), namespace)
    await namespace["main"]()
    assert emulator.stats["requests"]["Transcriptions_Submit"] == {"201": 1}


@pytest.mark.parametrize("version", GA)
async def test_a_fast_transcription_definition_is_checked_too(emulator: Emulator, version: str) -> None:
    form = aiohttp.FormData()
    form.add_field("audio", b"RIFF....WAVE", filename="a.wav")
    form.add_field("definition", json.dumps({"locales": ["en-US"], "profanityFilterMode": "Bleeped"}))
    url = f"{emulator.url}/speechtotext/transcriptions:transcribe?api-version={version}"
    async with (
        aiohttp.ClientSession(headers={"Ocp-Apim-Subscription-Key": TEST_KEY}) as session,
        session.post(url, data=form) as answer,
    ):
        error = await answer.json()
    assert answer.status == 400
    assert (error["code"], error["target"]) == ("InvalidArgument", "definition.profanityFilterMode")
