"""One SDK, four API versions: choosing a version, operations and parameters a version
lacks, friendly calls mapped onto each version's wire form, and the emulator serving
every version from one store (including the GA-only model copy and fast transcription)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from conftest import TEST_KEY, RecordingServer, without_token

from speechrest import SpeechClient, models, operations
from speechrest.emulator import Emulator
from speechrest.errors import BadRequestError, InvalidArgumentError, NotFoundError, UnsupportedOperationError

VERSIONS = ["v3.0", "v3.1", "2024-11-15", "2025-10-15"]
GA_VERSIONS = ["2024-11-15", "2025-10-15"]
BASE_PATH = {
    "v3.0": "/speechtotext/v3.0",
    "v3.1": "/speechtotext/v3.1",
    "2024-11-15": "/speechtotext",
    "2025-10-15": "/speechtotext",
}
MODULE_NAME = {"v3.0": "v3_0", "v3.1": "v3_1", "2024-11-15": "v2024_11_15", "2025-10-15": "v2025_10_15"}
TRANSCRIPTION_ID = "0b4f6b3c-8c3e-4a57-9d43-6a0e2f1f3a11"
HOOK_ID = "5a3c1e2d-7b6f-4c8a-9e0d-1f2a3b4c5d6e"
AUDIO_URL = "https://example.com/audio/call.wav"
AUDIO = b"RIFF" + bytes(range(256)) * 16  # only its bytes matter to the emulator
QUICK = pytest.mark.speech_emulator(processing_seconds=0.05)


def is_ga(version: str) -> bool:
    return version in GA_VERSIONS


def transcription_body(version: str, *, diarization: bool = False, name: str = "versions") -> dict[str, Any]:
    """A transcription definition in the shape ``version`` expects on the wire."""
    properties: dict[str, Any] = {"wordLevelTimestampsEnabled": True}
    if is_ga(version):
        properties["timeToLiveHours"] = 12
        if diarization:
            properties["diarization"] = {"enabled": True, "maxSpeakers": 3}
    else:
        properties["timeToLive"] = "PT12H"
        if diarization:
            properties["diarizationEnabled"] = True
    return {"displayName": name, "locale": "en-US", "contentUrls": [AUDIO_URL], "properties": properties}


def status_text(entity: Any) -> str:
    return str(getattr(entity.status, "value", entity.status))


def kind_text(file: Any) -> str:
    return str(getattr(file.kind, "value", file.kind))


async def wait_until_done(fetch: Callable[[], Awaitable[Any]], *, timeout: float = 5.0) -> Any:
    """Poll ``fetch()`` until the entity it returns ends; returns it, and fails unless it Succeeded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        entity = await fetch()
        status = status_text(entity)
        if status in ("Succeeded", "Failed"):
            assert status == "Succeeded", entity
            return entity
        assert loop.time() < deadline, f"still {status} after {timeout} s"
        await asyncio.sleep(0.02)


def emulator_client(emulator: Emulator, version: str) -> SpeechClient:
    return SpeechClient(endpoint=emulator.url, key=emulator.key, api_version=version)


def recording_client(server: RecordingServer, version: str) -> SpeechClient:
    return SpeechClient(endpoint=server.url, key=TEST_KEY, api_version=version, max_retries=0, rate_limit=None)


async def run(call: Any) -> Any:
    """Await a coroutine, or drain a pager: whichever the call returned."""
    return await (call.to_list() if hasattr(call, "to_list") else call)


# ---------------------------------------------------------------------------- choosing a version


def test_default_version_is_2025_10_15() -> None:
    client = SpeechClient(endpoint="https://example.invalid", key=TEST_KEY)
    assert client.api_version == "2025-10-15"


def test_unknown_version_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        SpeechClient(endpoint="https://example.invalid", key=TEST_KEY, api_version="v9")
    message = str(caught.value)
    assert "'v9'" in message
    assert all(version in message for version in VERSIONS), message


@pytest.mark.parametrize("version", VERSIONS)
def test_models_for_version_is_that_versions_module(version: str) -> None:
    assert models.for_version(version) is getattr(models, MODULE_NAME[version])
    with pytest.raises(ValueError, match="v9"):
        models.for_version("v9")


# ---------------------------------------------------------------------------- what a version lacks


UNSUPPORTED = [
    # (client version, the call, versions the error must name)
    pytest.param(
        "v3.1",
        lambda c: operations.transcriptions_submit(c, transcription=transcription_body("v3.1")),
        ["2024-11-15", "2025-10-15"],
        id="transcriptions_submit-on-v3.1",
    ),
    pytest.param("2025-10-15", lambda c: operations.get_datasets(c), ["v3.0"], id="get_datasets-on-2025-10-15"),
    pytest.param("2024-11-15", lambda c: operations.projects_list(c), ["v3.1", "2025-10-15"], id="projects_list-2024"),
    pytest.param(
        "v3.1",
        lambda c: c.models.copy(TRANSCRIPTION_ID, {"id": "x"}),
        ["2024-11-15", "2025-10-15"],
        id="friendly-models.copy-on-v3.1",
    ),
    pytest.param(
        "v3.0", lambda c: c.transcriptions.transcribe(AUDIO), ["2024-11-15", "2025-10-15"], id="transcribe-on-v3.0"
    ),
]


@pytest.mark.parametrize(("version", "call", "named"), UNSUPPORTED)
async def test_unsupported_operation_names_the_versions_that_have_it(
    version: str, call: Any, named: list[str], server: RecordingServer
) -> None:
    async with recording_client(server, version) as client:
        with pytest.raises(UnsupportedOperationError) as caught:
            await run(call(client))
    message = str(caught.value)
    assert f"API version {version}" in message
    where = message.partition("it is in")[2]
    assert sorted(v for v in VERSIONS if v in where) == sorted(named), message
    assert server.requests == []


async def test_unsupported_friendly_call_names_every_version_where_it_works(server: RecordingServer) -> None:
    async with recording_client(server, "2024-11-15") as client:
        with pytest.raises(UnsupportedOperationError) as caught:
            await client.projects.list().to_list()
    assert "v3.0" in str(caught.value).partition("it is in")[2]


REFUSED_PARAMETERS = [
    pytest.param(
        "v3.1",
        lambda c: operations.transcriptions_list_files(c, id=TRANSCRIPTION_ID, sas_lifetime_minutes=5),
        "sasLifetimeMinutes",
        id="sasLifetimeMinutes-on-v3.1",
    ),
    pytest.param(
        "2025-10-15",
        lambda c: operations.transcriptions_list_files(c, id=TRANSCRIPTION_ID, sas_validity_in_seconds=60),
        "sasValidityInSeconds",
        id="sasValidityInSeconds-on-2025-10-15",
    ),
    pytest.param("v3.0", lambda c: c.transcriptions.list(filter="status eq 'Succeeded'"), "filter", id="filter-v3.0"),
    pytest.param("v3.0", lambda c: c.web_hooks.list(filter="displayName eq 'x'"), "filter", id="hook-filter-v3.0"),
]


@pytest.mark.parametrize(("version", "call", "parameter"), REFUSED_PARAMETERS)
async def test_parameter_the_version_lacks_is_refused_before_sending(
    version: str, call: Any, parameter: str, server: RecordingServer
) -> None:
    async with recording_client(server, version) as client:
        with pytest.raises(InvalidArgumentError, match=f"'{parameter}' is not a parameter in API version {version}"):
            await run(call(client))
    assert server.requests == []


@pytest.mark.parametrize("version", ["v3.1", "2025-10-15"])
async def test_conflicting_sas_arguments_are_refused(version: str, server: RecordingServer) -> None:
    async with recording_client(server, version) as client:
        with pytest.raises(InvalidArgumentError):
            await client.transcriptions.list_files(
                TRANSCRIPTION_ID, sas_validity_in_seconds=600, sas_lifetime_minutes=5
            ).to_list()
    assert server.requests == []


async def test_unknown_keyword_argument_is_refused(server: RecordingServer) -> None:
    async with recording_client(server, "v3.1") as client:
        with pytest.raises((TypeError, InvalidArgumentError)):
            await client.transcriptions.list_files(TRANSCRIPTION_ID, sas_validity=600).to_list()  # type: ignore[call-arg]
    assert server.requests == []


# ---------------------------------------------------------------------------- friendly calls on the wire


def assert_version_query(version: str, sent: Any) -> None:
    """GA requests carry ``api-version`` once; v3.x requests never do."""
    if is_ga(version):
        assert sent.query.getall("api-version") == [version]
    else:
        assert "api-version" not in sent.query


CREATE_PATHS = {
    "v3.0": "/speechtotext/v3.0/transcriptions",
    "v3.1": "/speechtotext/v3.1/transcriptions",
    "2024-11-15": "/speechtotext/transcriptions:submit",
    "2025-10-15": "/speechtotext/transcriptions:submit",
}


@pytest.mark.parametrize("version", VERSIONS)
async def test_create_transcription_on_the_wire(version: str, server: RecordingServer) -> None:
    body = transcription_body(version)
    self_link = f"{server.url}{BASE_PATH[version]}/transcriptions/{TRANSCRIPTION_ID}"
    server.reply(201, {**body, "self": self_link + (f"?api-version={version}" if is_ga(version) else "")})
    async with recording_client(server, version) as client:
        created = await client.transcriptions.create(body)
    sent = server.last
    assert (sent.method, sent.path) == ("POST", CREATE_PATHS[version])
    assert without_token(sent.json()) == body
    assert_version_query(version, sent)
    assert isinstance(created, models.for_version(version).Transcription)
    assert created.id == TRANSCRIPTION_ID


@pytest.mark.parametrize(
    ("version", "action"),
    [("v3.0", "/ping"), ("v3.1", ":ping"), ("2024-11-15", ":ping"), ("2025-10-15", ":ping")],
)
async def test_ping_web_hook_on_the_wire(version: str, action: str, server: RecordingServer) -> None:
    server.reply(204)
    async with recording_client(server, version) as client:
        assert await client.web_hooks.ping(HOOK_ID) is None
    sent = server.last
    assert (sent.method, sent.path) == ("POST", f"{BASE_PATH[version]}/webhooks/{HOOK_ID}{action}")
    assert_version_query(version, sent)


SAS_CASES = [
    # (version, friendly keyword arguments, the query the service must receive besides api-version)
    ("v3.0", {"sas_validity_in_seconds": 600}, {"sasValidityInSeconds": "600"}),
    ("v3.1", {"sas_validity_in_seconds": 600}, {"sasValidityInSeconds": "600"}),
    ("2024-11-15", {"sas_validity_in_seconds": 600}, {"sasLifetimeMinutes": "10"}),
    ("2025-10-15", {"sas_validity_in_seconds": 600}, {"sasLifetimeMinutes": "10"}),
    ("2025-10-15", {"sas_validity_in_seconds": 61}, {"sasLifetimeMinutes": "2"}),  # rounded up, never shorter
    ("v3.0", {"sas_lifetime_minutes": 2}, {"sasValidityInSeconds": "120"}),
    ("v3.1", {"sas_lifetime_minutes": 2}, {"sasValidityInSeconds": "120"}),
    ("2024-11-15", {"sas_lifetime_minutes": 2}, {"sasLifetimeMinutes": "2"}),
    ("2025-10-15", {}, {}),
]


@pytest.mark.parametrize(
    ("version", "kwargs", "expected"),
    SAS_CASES,
    ids=[f"{v}-" + ("-".join(f"{k}={n}" for k, n in kw.items()) or "none") for v, kw, _ in SAS_CASES],
)
async def test_sas_lifetime_is_sent_in_the_versions_unit(
    version: str, kwargs: dict[str, int], expected: dict[str, str], server: RecordingServer
) -> None:
    server.reply(200, {"values": []})
    async with recording_client(server, version) as client:
        assert await client.transcriptions.list_files(TRANSCRIPTION_ID, **kwargs).to_list() == []
    sent = server.last
    assert (sent.method, sent.path) == ("GET", f"{BASE_PATH[version]}/transcriptions/{TRANSCRIPTION_ID}/files")
    assert {k: v for k, v in sent.query.items() if k != "api-version"} == expected
    assert_version_query(version, sent)


@pytest.mark.parametrize("version", VERSIONS)
async def test_every_request_carries_the_api_version_on_ga_only(version: str, server: RecordingServer) -> None:
    server.handler = lambda request, body: web.json_response({"values": []})
    async with recording_client(server, version) as client:
        await client.transcriptions.list(top=5).to_list()
        await client.web_hooks.list().to_list()
        await client.models.list_base_models().to_list()
        await client.transcriptions.list_files(TRANSCRIPTION_ID, sas_validity_in_seconds=120).to_list()
        server.handler = lambda request, body: web.Response(status=204)
        await client.transcriptions.delete(TRANSCRIPTION_ID)
        await client.web_hooks.test(HOOK_ID)
    assert len(server.requests) == 6
    for sent in server.requests:
        assert sent.path.startswith(BASE_PATH[version] + "/")
        assert_version_query(version, sent)


# ---------------------------------------------------------------------------- the emulator, every version


@QUICK
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("diarization", [False, True], ids=["plain", "diarized"])
async def test_transcription_lifecycle_on_the_emulator(
    version: str, diarization: bool, speech_emulator: Emulator
) -> None:
    version_models = models.for_version(version)
    async with emulator_client(speech_emulator, version) as client:
        created = await client.transcriptions.create(transcription_body(version, diarization=diarization))
        assert isinstance(created, version_models.Transcription)
        assert created.self_.startswith(f"{speech_emulator.url}{BASE_PATH[version]}/transcriptions/")
        if is_ga(version):
            assert created.self_.endswith(f"?api-version={version}")
        else:
            assert "api-version" not in created.self_
        assert len(created.id) == 36 and "?" not in created.id

        done = await wait_until_done(lambda: client.transcriptions.get(created.id))
        assert isinstance(done, version_models.Transcription)
        assert done.id == created.id
        if is_ga(version):
            assert done.properties.time_to_live_hours == 12
            assert done.properties.duration_milliseconds > 0
        else:
            assert done.properties.time_to_live == timedelta(hours=12)
            assert done.properties.duration > timedelta(0)

        files = await client.transcriptions.list_files(created.id, sas_validity_in_seconds=300).to_list()
        assert files and all(isinstance(f, version_models.File) for f in files)
        assert {"Transcription", "TranscriptionReport"} <= {kind_text(f) for f in files}
        result_file = next(f for f in files if kind_text(f) == "Transcription")
        result = json.loads(await client.download(result_file.links.content_url))

    assert result["source"] == AUDIO_URL
    assert result["recognizedPhrases"]
    speakers = {p.get("speaker") for p in result["recognizedPhrases"]}
    if diarization:
        assert None not in speakers and speakers <= {1, 2, 3}
    else:
        assert speakers == {None}


@QUICK
@pytest.mark.parametrize("version", VERSIONS)
async def test_audio_sources_are_write_only(version: str, speech_emulator: Emulator) -> None:
    """contentUrls and contentContainerUrl are taken but never shown; result files name their audio."""
    by_urls = transcription_body(version, name="urls")
    by_container = {**by_urls, "contentUrls": None, "contentContainerUrl": "https://audio.example.com/calls?sp=rl"}
    async with emulator_client(speech_emulator, version) as client:
        created = [await client.transcriptions.create(body) for body in (by_urls, by_container)]
        done = [await wait_until_done(lambda t=t: client.transcriptions.get(t.id)) for t in created]
        listed = await client.transcriptions.list().to_list()
        sources = []
        for transcription in created:
            sources.append(sorted([r.source async for r in client.transcriptions.results(transcription)]))
    for shown in [*created, *done, *listed]:
        assert shown.content_urls is None and shown.content_container_url is None
    container_audio = [f"https://audio.example.com/calls/audio{n}.wav" for n in (1, 2)]
    assert sources == [[AUDIO_URL], container_audio]


@pytest.mark.parametrize("version", VERSIONS)
async def test_entity_created_in_v3_1_is_seen_through_every_version(version: str, speech_emulator: Emulator) -> None:
    async with emulator_client(speech_emulator, "v3.1") as v31:
        created = await v31.transcriptions.create(transcription_body("v3.1", name="shared", diarization=True))
    async with emulator_client(speech_emulator, version) as client:
        seen = await client.transcriptions.get(created.id)
        listed = await client.transcriptions.list().to_list()
    assert isinstance(seen, models.for_version(version).Transcription)
    assert (seen.id, seen.display_name) == (created.id, "shared")
    assert seen.self_.startswith(f"{speech_emulator.url}{BASE_PATH[version]}/transcriptions/{created.id}")
    assert [t.id for t in listed] == [created.id]
    if is_ga(version):
        assert seen.properties.diarization.enabled is True
        assert seen.properties.time_to_live_hours == 12
    else:
        assert seen.properties.diarization_enabled is True
        assert seen.properties.time_to_live == timedelta(hours=12)


@pytest.mark.parametrize("version", ["v3.0", "v3.1", "2024-11-15"])
async def test_entity_created_in_2025_10_15_is_seen_through_older_versions(
    version: str, speech_emulator: Emulator
) -> None:
    async with emulator_client(speech_emulator, "2025-10-15") as ga:
        created = await ga.transcriptions.create(transcription_body("2025-10-15", diarization=True))
    async with emulator_client(speech_emulator, version) as client:
        seen = await client.transcriptions.get(created.id)
    assert seen.id == created.id
    if is_ga(version):
        assert seen.properties.diarization.max_speakers == 3
        assert seen.self_.endswith(f"?api-version={version}")
    else:
        assert seen.properties.diarization_enabled is True
        assert seen.properties.time_to_live == timedelta(hours=12)


async def test_entity_references_are_shown_in_the_readers_version(speech_emulator: Emulator) -> None:
    async with emulator_client(speech_emulator, "2025-10-15") as ga:
        base = (await ga.models.list_base_models().to_list())[0]
        body = {**transcription_body("2025-10-15"), "model": {"self": base.self_}}
        created = await ga.transcriptions.create(body)
    async with emulator_client(speech_emulator, "v3.1") as v31:
        seen = await v31.transcriptions.get(created.id)
    assert seen.model.self_ == f"{speech_emulator.url}/speechtotext/v3.1/models/base/{base.id}"


async def test_disabled_diarization_stays_disabled_on_ga(speech_emulator: Emulator) -> None:
    body = transcription_body("2025-10-15")
    body["properties"]["diarization"] = {"enabled": False, "maxSpeakers": 3}
    async with emulator_client(speech_emulator, "2025-10-15") as client:
        created = await client.transcriptions.create(body)
    assert created.properties.diarization.enabled is False


async def test_v3_0_web_hook_links_point_at_v3_0_operations(speech_emulator: Emulator) -> None:
    hook = {"displayName": "hook", "webUrl": "https://example.com/hook", "events": {"transcriptionCompletion": True}}
    async with emulator_client(speech_emulator, "v3.0") as client:
        assert await client.web_hooks.create(hook) is None  # v3.0 answers 201 with no body
        (created,) = await client.web_hooks.list().to_list()
    base = f"{speech_emulator.url}/speechtotext/v3.0/webhooks/{created.id}"
    assert (created.links.ping, created.links.test) == (base + "/ping", base + "/test")


async def test_v3_0_model_copy_link_points_at_v3_0_operation(speech_emulator: Emulator) -> None:
    async with emulator_client(speech_emulator, "v3.0") as client:
        base = (await client.models.list_base_models().to_list())[0]
        model = await client.models.create({"displayName": "m", "locale": "en-US", "baseModel": {"self": base.self_}})
    assert model.links.copy_to == f"{speech_emulator.url}/speechtotext/v3.0/models/{model.id}/copyto"


@pytest.mark.parametrize("version", VERSIONS)
async def test_deleting_what_does_not_exist_by_kind(version: str, speech_emulator: Emulator) -> None:
    """204 ("deleted or did not exist") for jobs, models and projects; 404 for endpoints and web hooks."""
    missing = "7d0c6a52-3f1e-4b8a-9c2d-5e6f7a8b9c0d"
    gone_is_deleted = ["datasets", "evaluations", "models", "transcriptions"]
    if version != "2024-11-15":  # the only version without projects
        gone_is_deleted.append("projects")
    async with emulator_client(speech_emulator, version) as client:
        for group in gone_is_deleted:
            assert await getattr(client, group).delete(missing) is None
        for group in ("endpoints", "web_hooks"):
            with pytest.raises(NotFoundError):
                await getattr(client, group).delete(missing)
    answered: Counter[str] = Counter()
    for counts in speech_emulator.stats["requests"].values():
        answered.update(counts)
    assert answered == {"204": len(gone_is_deleted), "404": 2}


@pytest.mark.parametrize("version", VERSIONS)
async def test_supported_locales_by_version(version: str, speech_emulator: Emulator) -> None:
    async with emulator_client(speech_emulator, version) as client:
        locales = await client.transcriptions.list_supported_locales()
    if is_ga(version):
        assert isinstance(locales, models.for_version(version).TranscriptionLocales)
        assert "en-US" in locales.submit and "en-US" in locales.transcribe
    else:
        assert isinstance(locales, list) and "en-US" in locales


# ---------------------------------------------------------------------------- GA only: model copy


async def succeeded_custom_model(client: SpeechClient) -> Any:
    """A custom model on an en-US base model, once it has Succeeded."""
    base = await client.models.list_base_models().to_list()
    english = next(b for b in base if b.locale == "en-US")
    model = await client.models.create(
        {"displayName": "to copy", "locale": "en-US", "baseModel": {"self": english.self_}}
    )
    return await wait_until_done(lambda: client.models.get_custom_model(model.id))


@QUICK
async def test_model_copy_runs_as_an_operation(speech_emulator: Emulator) -> None:
    ga = models.for_version("2025-10-15")
    async with emulator_client(speech_emulator, "2025-10-15") as client:
        source = await succeeded_custom_model(client)
        authorization = await client.models.authorize_copy({"sourceResourceId": "x"})
        assert isinstance(authorization, ga.ModelCopyAuthorization)
        assert authorization.source_resource_id == "x"

        operation = await client.models.copy(source.id, authorization)
        assert isinstance(operation, ga.Operation)
        assert status_text(operation) in ("NotStarted", "Running")

        # The friendly call hides the headers: a second copy through the requester shows Operation-Location.
        second, headers = await client.requester.call_with_headers(
            "Models_Copy", {"id": source.id, "modelCopyAuthorization": authorization}, {}
        )
        assert second.id != operation.id
        location = f"{speech_emulator.url}/speechtotext/operations/models/copy/{second.id}?api-version=2025-10-15"
        assert headers["Operation-Location"] == location

        done = await wait_until_done(lambda: client.operations.get_model_copy(operation.id))
        assert isinstance(done, ga.Operation) and done.id == operation.id
        link = done.result.link
        assert link.startswith(f"{speech_emulator.url}/speechtotext/models/")
        assert link.endswith("?api-version=2025-10-15")
        copy_id = link.partition("?")[0].rsplit("/", 1)[-1]
        assert copy_id != source.id
        copied = await client.models.get_custom_model(copy_id)
        waited = await client.operations.wait(second, poll_interval=0.02, timeout=5)
    assert isinstance(copied, ga.CustomModel)
    assert (copied.id, copied.locale, status_text(copied)) == (copy_id, "en-US", "Succeeded")
    assert status_text(waited) == "Succeeded" and waited.result.link != link


@QUICK
async def test_model_copy_with_unknown_authorization_is_a_bad_request(speech_emulator: Emulator) -> None:
    async with emulator_client(speech_emulator, "2025-10-15") as client:
        source = await succeeded_custom_model(client)
        authorization = await client.models.authorize_copy({"sourceResourceId": "x"})
        forged = {**client.converter.unstructure(authorization), "id": "not-an-authorization"}
        with pytest.raises(BadRequestError) as caught:
            await client.models.copy(source.id, forged)
    assert caught.value.status == 400 and caught.value.operation_id == "Models_Copy"
    assert "Operations_GetModelCopy" not in speech_emulator.stats["requests"]


# ---------------------------------------------------------------------------- GA only: fast transcription


def definition(**extra: Any) -> str:
    return json.dumps({"locales": ["en-US"], **extra})


def combined_text(result: Any) -> str:
    return " ".join(phrase.text for phrase in result.combined_phrases)


@pytest.mark.parametrize("version", GA_VERSIONS)
async def test_fast_transcription_through_the_raw_operation(version: str, speech_emulator: Emulator) -> None:
    diarized = definition(diarization={"enabled": True, "maxSpeakers": 2})
    async with emulator_client(speech_emulator, version) as client:
        first = await operations.transcriptions_transcribe(client, audio=AUDIO, definition=diarized)
        second = await operations.transcriptions_transcribe(client, audio=AUDIO, definition=diarized)
        other = await operations.transcriptions_transcribe(client, audio=AUDIO + b"!", definition=diarized)
    assert isinstance(first, models.for_version(version).TranscribeResult)
    assert first.duration_milliseconds > 0
    assert first.phrases and first.combined_phrases
    assert {p.speaker for p in first.phrases} <= {1, 2} and None not in {p.speaker for p in first.phrases}
    assert combined_text(first) and combined_text(first) == combined_text(second)
    assert combined_text(other) != combined_text(first)


async def test_fast_transcription_without_audio_is_a_bad_request(speech_emulator: Emulator) -> None:
    """2025-10-15 makes ``audio`` optional (``audioUrl`` may stand in): the service refuses neither."""
    async with emulator_client(speech_emulator, "2025-10-15") as client:
        with pytest.raises(BadRequestError) as caught:
            await operations.transcriptions_transcribe(client, definition=definition())
    assert caught.value.status == 400
    assert speech_emulator.stats["requests"]["Transcriptions_Transcribe"] == {"400": 1}


async def test_fast_transcription_needs_audio_on_2024_11_15(speech_emulator: Emulator) -> None:
    """In 2024-11-15 ``audio`` is required: the client refuses before sending."""
    async with emulator_client(speech_emulator, "2024-11-15") as client:
        with pytest.raises(InvalidArgumentError, match="'audio' is required"):
            await operations.transcriptions_transcribe(client, definition=definition())
    assert speech_emulator.stats["total"] == 0


# ---------------------------------------------------------------------------- emulator routing, raw HTTP


ROUTING_CASES = [
    # (path, query, expected status)
    ("/speechtotext/transcriptions", {}, 400),
    ("/speechtotext/transcriptions", {"api-version": "2023-01-01"}, 404),
    ("/speechtotext/transcriptions", {"api-version": "v3.1"}, 404),
    ("/speechtotext/projects", {"api-version": "2024-11-15"}, 404),
    ("/speechtotext/projects", {"api-version": "2025-10-15"}, 200),
    ("/speechtotext/transcriptions", {"api-version": "2024-11-15"}, 200),
    ("/speechtotext/v3.0/transcriptions", {}, 200),
    ("/speechtotext/v3.1/transcriptions", {}, 200),
    ("/speechtotext/v3.1/projects", {}, 200),
]


@pytest.mark.parametrize(("path", "query", "status"), ROUTING_CASES)
async def test_emulator_routes_by_path_and_api_version(
    path: str, query: dict[str, str], status: int, speech_emulator: Emulator
) -> None:
    headers = {"Ocp-Apim-Subscription-Key": speech_emulator.key or ""}
    async with (
        aiohttp.ClientSession() as session,
        session.get(speech_emulator.url + path, params=query, headers=headers) as response,
    ):
        body = await response.json()
    assert response.status == status, body
    if status == 200:
        assert body["values"] == []
    else:
        assert isinstance(body["code"], str) and body["message"]
        assert "api-version" in body["message"]
