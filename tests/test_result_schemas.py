"""The emulator's result files checked against Microsoft's JSON Schema for each API version.

Every file is fetched through the content URL that a client of that version was handed,
so the check covers the whole path: request body, processing, listing and the blob listener.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SPEC_ROOT

from speechrest import SpeechClient
from speechrest.emulator import Emulator
from speechrest.emulator._results import in_milliseconds, transcription_result

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

RESULTS = SPEC_ROOT / "results"
SCHEMA_FILES = {
    "v3.0": "transcriptionresult_v3.schema.json",
    "v3.1": "transcriptionresult_v3_1.schema.json",
    # No schema is published for 2025-10-15; nothing public says its files differ from 2024-11-15.
    "2024-11-15": "transcriptionresult_v2024-11-15.schema.json",
    "2025-10-15": "transcriptionresult_v2024-11-15.schema.json",
}
VERSIONS = list(SCHEMA_FILES)
GA_VERSIONS = ("2024-11-15", "2025-10-15")
AUDIO = [f"https://audio.example.com/schemas/call-{n}.wav" for n in (1, 2)]
FAILING_AUDIO = "https://audio.example.com/schemas/fail-unreadable.wav"
CANDIDATES = ["en-US", "de-DE", "fr-FR"]
CASES = ["plain", "diarized", "words", "display-words", "multichannel", "language-id"]
QUICK = pytest.mark.speech_emulator(processing_seconds=0.05)
TICKS_PER_MS = 10_000
MS_KEYS = {"offsetMilliseconds", "durationMilliseconds"}


@functools.cache
def registry() -> Any:
    """The four schemas by their ``$id``: they refer to each other, never to the network."""
    if not RESULTS.is_dir():
        pytest.skip(f"{RESULTS} is absent (the result schemas live in ../shared/spec/results beside the repo)")
    resources = []
    for path in sorted(RESULTS.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], referencing.Resource.from_contents(contents)))
    return referencing.Registry().with_resources(resources)


def validator(version: str) -> Any:
    schema = json.loads((RESULTS / SCHEMA_FILES[version]).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, registry=registry())


def errors(version: str, result: dict[str, Any]) -> list[str]:
    """Where and why ``result`` breaks the schema of ``version``."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(version).iter_errors(result)]


def assert_valid(version: str, result: dict[str, Any]) -> None:
    found = errors(version, result)
    assert not found, "\n".join(found[:10])


def test_the_schemas_tell_the_shapes_apart() -> None:
    """The check has teeth: GA files need their milliseconds, down to the display words."""
    stored = transcription_result(
        AUDIO[0], locale="en-US", timestamp="2025-01-01T00:00:00Z", word_timestamps=True, display_words=True
    )
    ga = json.loads(in_milliseconds(json.dumps(stored).encode()))
    assert not errors("v3.1", stored) and not errors("v3.1", ga)
    assert any("'durationMilliseconds' is a required property" in e for e in errors("2024-11-15", stored))
    assert not errors("2024-11-15", ga)
    shown = ga["recognizedPhrases"][0]["nBest"][0]["displayWords"]
    del shown[-1]["offsetMilliseconds"]
    where = ["recognizedPhrases", 0, "nBest", 0, "displayWords", len(shown) - 1]
    assert errors("2024-11-15", ga) == [f"{where}: 'offsetMilliseconds' is a required property"]
    stored["recognizedPhrases"][0]["locale"] = "english"
    assert errors("v3.1", stored) == [
        "['recognizedPhrases', 0, 'locale']: 'english' does not match '^[a-z]{2}-[A-Z]{2}$'"
    ]


def definition(version: str, case: str) -> dict[str, Any] | None:
    """A transcription body valid for ``version``, or None when the version cannot ask for ``case``."""
    ga = version in GA_VERSIONS
    properties: dict[str, Any] = {"timeToLiveHours": 6} if ga else {}
    if case == "diarized":  # diarization needs mono audio
        properties["channels"] = [0]
        if ga:
            properties["diarization"] = {"enabled": True, "maxSpeakers": 3}
        else:
            properties["diarizationEnabled"] = True
            if version == "v3.1":
                properties["diarization"] = {"speakers": {"minCount": 1, "maxCount": 3}}
    elif case == "words":
        properties["wordLevelTimestampsEnabled"] = True
    elif case == "display-words":
        if version == "v3.0":
            return None  # displayFormWordLevelTimestampsEnabled came with v3.1
        properties["displayFormWordLevelTimestampsEnabled"] = True
    elif case == "multichannel":
        properties["channels"] = [0, 1]
    elif case == "language-id":
        if version == "v3.0":
            return None  # languageIdentification came with v3.1
        properties["languageIdentification"] = {"candidateLocales": CANDIDATES}
    urls = [*AUDIO, FAILING_AUDIO] if case == "plain" else AUDIO
    body = {"displayName": f"schemas {case}", "locale": "en-US", "contentUrls": urls}
    return {**body, "properties": properties} if properties else body


def client_for(emulator: Emulator, version: str) -> SpeechClient:
    return SpeechClient(endpoint=emulator.url, key=emulator.key, api_version=version, rate_limit=None)


async def served_files(client: SpeechClient, transcription_id: str) -> dict[str, list[Any]]:
    """Each file's JSON by kind, fetched through its content URL; its listed size must be what is served."""
    by_kind: dict[str, list[Any]] = {}
    for file in await client.transcriptions.list_files(transcription_id).to_list():
        body = await client.download(file.links.content_url)
        assert file.properties.size == len(body), file.name
        by_kind.setdefault(str(getattr(file.kind, "value", file.kind)), []).append(json.loads(body))
    return by_kind


def timed(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every phrase, word and display word of a result file."""
    for phrase in result["recognizedPhrases"]:
        yield phrase
        for best in phrase["nBest"]:
            yield from best.get("words", [])
            yield from best.get("displayWords", [])


def assert_milliseconds(version: str, result: dict[str, Any]) -> None:
    """GA files carry milliseconds beside every tick field (the same instants); v3.x files none."""
    items = list(timed(result))
    if version not in GA_VERSIONS:
        assert "durationMilliseconds" not in result
        assert all(not MS_KEYS & item.keys() for item in items)
        return
    assert result["durationMilliseconds"] == result["durationInTicks"] // TICKS_PER_MS
    for item in items:
        assert item["offsetMilliseconds"] == item["offsetInTicks"] // TICKS_PER_MS
        assert item["durationMilliseconds"] == item["durationInTicks"] // TICKS_PER_MS


def assert_options_honoured(case: str, result: dict[str, Any]) -> None:
    """Keys appear exactly for the options the body asked for."""
    phrases = result["recognizedPhrases"]
    bests = [best for phrase in phrases for best in phrase["nBest"]]
    assert all(("words" in best) == (case == "words") for best in bests)
    assert all(("displayWords" in best) == (case == "display-words") for best in bests)
    assert all(("speaker" in phrase) == (case == "diarized") for phrase in phrases)
    assert all(("locale" in phrase) == (case == "language-id") for phrase in phrases)
    if case == "language-id":
        assert {phrase["locale"] for phrase in phrases} <= set(CANDIDATES)
    channels = [combined["channel"] for combined in result["combinedRecognizedPhrases"]]
    assert channels == ([0] if case == "diarized" else [0, 1])
    assert {phrase["channel"] for phrase in phrases} == set(channels)


def assert_report(report: dict[str, Any], sources: list[str]) -> None:
    """No schema is published for reports: the shape the service notes describe."""
    failed = [source for source in sources if "fail" in source]
    assert report["successfulTranscriptionsCount"] == len(sources) - len(failed)
    assert report["failedTranscriptionsCount"] == len(failed)
    assert [detail["source"] for detail in report["details"]] == sources
    for detail in report["details"]:
        if detail["source"] in failed:
            assert detail["status"] == "Failed"
            assert set(detail) == {"source", "status", "errorMessage", "errorKind"}
        else:
            assert detail == {"source": detail["source"], "status": "Succeeded"}


@QUICK
@pytest.mark.parametrize("version", VERSIONS)
async def test_every_served_file_matches_its_versions_schema(version: str, speech_emulator: Emulator) -> None:
    bodies = {case: body for case in CASES if (body := definition(version, case)) is not None}
    validated = 0
    async with client_for(speech_emulator, version) as client:
        created = {case: await client.transcriptions.create(body) for case, body in bodies.items()}
        await client.transcriptions.wait_all(list(created.values()), timeout=10, poll_interval=0.05)
        for case, transcription in created.items():
            files = await served_files(client, transcription.id)
            assert len(files["Transcription"]) == len(AUDIO)
            for result in files["Transcription"]:
                assert_valid(version, result)
                assert_milliseconds(version, result)
                assert_options_honoured(case, result)
                validated += 1
            [report] = files["TranscriptionReport"]
            assert_report(report, bodies[case]["contentUrls"])
    assert validated == len(AUDIO) * len(bodies)


@QUICK
@pytest.mark.parametrize(("creator", "reader"), [("v3.1", "2025-10-15"), ("2024-11-15", "v3.1"), ("v3.1", "v3.0")])
async def test_a_file_takes_the_shape_of_the_version_that_handed_out_its_url(
    creator: str, reader: str, speech_emulator: Emulator
) -> None:
    body = definition(creator, "words")
    assert body is not None
    async with client_for(speech_emulator, creator) as client:
        created = await client.transcriptions.create(body)
        await client.transcriptions.wait(created, timeout=10, poll_interval=0.05)
    async with client_for(speech_emulator, reader) as client:
        files = await served_files(client, created.id)
    for result in files["Transcription"]:
        assert_valid(reader, result)
        assert_milliseconds(reader, result)
