"""The wire format: generated models <-> the JSON the service sends and expects.

The payloads below are written by hand to look like real v3.1 answers, with an
emphasis on the shapes the spec's example files leave out or barely touch.
"""

from __future__ import annotations

import copy
import inspect
import pickle
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from speechrest import models as every_model
from speechrest._generated import VERSIONS
from speechrest._wire import format_datetime, format_duration, parse_datetime, parse_duration
from speechrest.models import converter
from speechrest.models import v3_1 as models

BASE = "https://westeurope.api.cognitive.microsoft.com/speechtotext/v3.1"
BLOB = "https://stcustomspeechweu.blob.core.windows.net"
UTC = timezone.utc

TRANSCRIPTION_ID = "6b1f6f0e-3c0d-4a55-9d4c-1b2a0f7e9c11"
DATASET_ID = "0f3c2a9b-7d41-4e8c-b6a5-2c9e81d4f702"
ENDPOINT_ID = "c47d1e2a-58b3-4f90-a1e6-93d0b2c4e815"
WEBHOOK_ID = "e2a9b0c4-11d7-4b6e-8f35-7a0c9d2e6b48"
EVALUATION_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
MODEL_ID = "3d2c1b0a-9f8e-4d7c-a6b5-4e3d2c1b0a9f"
BASE_MODEL_ID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
PROJECT_ID = "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f"
FILE_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


def ref(path: str) -> dict[str, str]:
    """An entity reference as the service writes it."""
    return {"self": f"{BASE}/{path}"}


# --------------------------------------------------------------------------
# Hand-written payloads, one per entity kind
# --------------------------------------------------------------------------

SERVICE_HEALTH: dict[str, Any] = {
    "status": "Degraded",
    "message": "Some subcomponents are unhealthy; batch transcription may be delayed.",
    "components": [
        {
            "name": "TranscriptionStorage",
            "type": "AzureBlobStorage",
            "status": "Healthy",
            "message": "Storage is reachable.",
        },
        {
            "name": "ModelAdaptation",
            "type": "BatchPipeline",
            "status": "Unhealthy",
            "message": "Adaptation jobs are queued.",
        },
        {"name": "Database", "type": "SqlDatabase", "status": "Degraded"},
    ],
}

MODEL_MANIFEST: dict[str, Any] = {
    "model": ref(f"models/{MODEL_ID}"),
    "modelFiles": [
        {
            "name": "model.zip",
            "contentUrl": f"{BLOB}/models/{MODEL_ID}/model.zip?sv=2021-08-06&sr=b&sig=abc%3D",
        },
        {
            "name": "lexicon.txt",
            "contentUrl": f"{BLOB}/models/{MODEL_ID}/lexicon.txt?sv=2021-08-06&sr=b&sig=def%3D",
        },
    ],
    "properties": {
        "decoder": {"beamWidth": 20, "useLanguageModel": True, "version": "2.3.0"},
        "container": {"image": "mcr.microsoft.com/azure-cognitive-services/speechservices/custom-speech-to-text"},
    },
}

UPLOADED_BLOCKS: dict[str, Any] = {
    "committedBlocks": [
        {"name": "YmxvY2stMDAwMDAx", "size": 8388608},
        {"name": "YmxvY2stMDAwMDAy", "size": 8388608},
    ],
    "uncommittedBlocks": [
        {"name": "YmxvY2stMDAwMDAz", "size": 8388608},
        {"name": "YmxvY2stMDAwMDA0", "size": 1048576},
    ],
}

ERROR: dict[str, Any] = {
    "code": "InvalidArgument",
    "message": "The request is invalid.",
    "target": "transcription",
    "details": [
        {"code": "InvalidArgument", "message": "The locale is not supported.", "target": "locale"},
        {
            "code": "NotFound",
            "message": "The model does not exist.",
            "target": "model",
            "innerError": {"code": "InvalidModelUri", "message": "Unknown model id."},
        },
    ],
    "innerError": {
        "code": "InvalidParameterValue",
        "message": "One of the parameters has an invalid value.",
        "target": "properties",
        "details": {"parameter": "properties.diarization.speakers.maxCount", "value": "40"},
        "innerError": {
            "code": "InvalidPayload",
            "message": "maxCount must be less than 36.",
            "target": "maxCount",
        },
    },
}

DATASET_LOCALES: dict[str, Any] = {
    "en-US": ["Language", "Acoustic", "Pronunciation", "AudioFiles", "LanguageMarkdown"],
    "de-DE": ["Language", "Acoustic", "AudioFiles"],
    "ja-JP": ["Language"],
}

TRANSCRIPTION: dict[str, Any] = {
    "self": f"{BASE}/transcriptions/{TRANSCRIPTION_ID}",
    "model": ref(f"models/base/{BASE_MODEL_ID}"),
    "project": ref(f"projects/{PROJECT_ID}"),
    "links": {"files": f"{BASE}/transcriptions/{TRANSCRIPTION_ID}/files"},
    "properties": {
        "diarizationEnabled": True,
        "wordLevelTimestampsEnabled": True,
        "displayFormWordLevelTimestampsEnabled": False,
        "channels": [0, 1],
        "punctuationMode": "DictatedAndAutomatic",
        "profanityFilterMode": "Masked",
        "timeToLive": "PT12H",
        "duration": "PT4M12S",
        "diarization": {"speakers": {"minCount": 2, "maxCount": 5}},
        "languageIdentification": {
            "candidateLocales": ["en-US", "de-DE", "fr-FR"],
            "speechModelMapping": {
                "de-DE": ref(f"models/{MODEL_ID}"),
                "fr-FR": ref(f"models/base/{BASE_MODEL_ID}"),
            },
        },
        "email": "ops@contoso.com",
        "error": {"code": "InvalidData", "message": "The audio file could not be decoded."},
    },
    "contentUrls": [
        "https://contoso.blob.core.windows.net/calls/call-0001.wav",
        "https://contoso.blob.core.windows.net/calls/call-0002.wav",
    ],
    "lastActionDateTime": "2024-03-05T10:22:47Z",
    "status": "Failed",
    "createdDateTime": "2024-03-05T10:20:01Z",
    "locale": "en-US",
    "displayName": "Support calls, March",
    "description": "Two-channel call recordings with speaker separation.",
    "customProperties": {"team": "support", "batch": "2024-03"},
}

DATASET: dict[str, Any] = {
    "self": f"{BASE}/datasets/{DATASET_ID}",
    "kind": "Acoustic",
    "project": ref(f"projects/{PROJECT_ID}"),
    "links": {
        "files": f"{BASE}/datasets/{DATASET_ID}/files",
        "commitBlocks": f"{BASE}/datasets/{DATASET_ID}/blocks:commit",
        "listBlocks": f"{BASE}/datasets/{DATASET_ID}/blocks",
        "uploadBlocks": f"{BASE}/datasets/{DATASET_ID}/blocks",
    },
    "properties": {"acceptedLineCount": 412, "rejectedLineCount": 0, "duration": "PT1H2M3.5S"},
    "lastActionDateTime": "2024-02-10T08:15:30Z",
    "status": "Succeeded",
    "createdDateTime": "2024-02-10T08:01:12Z",
    "locale": "de-DE",
    "displayName": "Werkstatt audio",
    "description": "Workshop recordings with transcripts.",
    "customProperties": {"source": "upload"},
}

ENDPOINT: dict[str, Any] = {
    "self": f"{BASE}/endpoints/{ENDPOINT_ID}",
    "model": ref(f"models/{MODEL_ID}"),
    "project": ref(f"projects/{PROJECT_ID}"),
    "links": {
        "logs": f"{BASE}/endpoints/{ENDPOINT_ID}/files/logs",
        "restInteractive": (
            f"https://westeurope.stt.speech.microsoft.com/speech/recognition/interactive/cognitiveservices/v1?cid={ENDPOINT_ID}"
        ),
        "restConversation": (
            f"https://westeurope.stt.speech.microsoft.com/speech/recognition/conversation/cognitiveservices/v1?cid={ENDPOINT_ID}"
        ),
        "restDictation": (
            f"https://westeurope.stt.speech.microsoft.com/speech/recognition/dictation/cognitiveservices/v1?cid={ENDPOINT_ID}"
        ),
        "webSocketInteractive": (
            f"wss://westeurope.stt.speech.microsoft.com/speech/recognition/interactive/cognitiveservices/v1?cid={ENDPOINT_ID}"
        ),
        "webSocketConversation": (
            f"wss://westeurope.stt.speech.microsoft.com/speech/recognition/conversation/cognitiveservices/v1?cid={ENDPOINT_ID}"
        ),
        "webSocketDictation": (
            f"wss://westeurope.stt.speech.microsoft.com/speech/recognition/dictation/cognitiveservices/v1?cid={ENDPOINT_ID}"
        ),
    },
    "properties": {"loggingEnabled": True, "timeToLive": "P1DT2H", "email": "speech@contoso.com"},
    "lastActionDateTime": "2024-04-01T12:00:00.5Z",
    "status": "Running",
    "createdDateTime": "2024-04-01T11:58:42Z",
    "locale": "de-DE",
    "displayName": "Werkstatt endpoint",
    "text": "Drehmomentschluessel Schraubstock",
}

WEBHOOK: dict[str, Any] = {
    "self": f"{BASE}/webhooks/{WEBHOOK_ID}",
    "displayName": "Transcription events",
    "description": "Tells the dispatcher when a transcription is done or deleted.",
    "webUrl": "https://hooks.contoso.com/speech/callback",
    "links": {
        "ping": f"{BASE}/webhooks/{WEBHOOK_ID}:ping",
        "test": f"{BASE}/webhooks/{WEBHOOK_ID}:test",
    },
    "events": {
        "transcriptionCreation": False,
        "transcriptionProcessing": False,
        "transcriptionCompletion": True,
        "transcriptionDeletion": True,
        "ping": True,
        "challenge": True,
    },
    "properties": {"apiVersion": "v3.1", "secret": "hmac-shared-secret-42"},
    "createdDateTime": "2024-01-15T09:30:00Z",
    "lastActionDateTime": "2024-01-15T09:30:02Z",
    "status": "Succeeded",
    "customProperties": {"owner": "dispatch"},
}

EVALUATION: dict[str, Any] = {
    "self": f"{BASE}/evaluations/{EVALUATION_ID}",
    "model1": ref(f"models/base/{BASE_MODEL_ID}"),
    "model2": ref(f"models/{MODEL_ID}"),
    "dataset": ref(f"datasets/{DATASET_ID}"),
    "transcription1": ref("transcriptions/11111111-2222-4333-8444-555555555555"),
    "transcription2": ref("transcriptions/66666666-7777-4888-9999-000000000000"),
    "project": ref(f"projects/{PROJECT_ID}"),
    "links": {"files": f"{BASE}/evaluations/{EVALUATION_ID}/files"},
    "properties": {
        "wordErrorRate1": 0.1234,
        "wordErrorRate2": 0.0875,
        "sentenceErrorRate1": 0.42,
        "sentenceErrorRate2": 0.31,
        "sentenceCount1": 120,
        "sentenceCount2": 120,
        "wordCount1": 2048,
        "wordCount2": 2048,
        "correctWordCount1": 1795,
        "correctWordCount2": 1869,
        "wordSubstitutionCount1": 180,
        "wordSubstitutionCount2": 120,
        "wordDeletionCount1": 73,
        "wordDeletionCount2": 59,
        "wordInsertionCount1": 0,
        "wordInsertionCount2": 0,
        "email": "qa@contoso.com",
    },
    "lastActionDateTime": "2024-02-20T16:45:10Z",
    "status": "Succeeded",
    "createdDateTime": "2024-02-20T16:30:00Z",
    "locale": "de-DE",
    "displayName": "Base vs. Werkstatt",
    "description": "Word error rate of the custom model against the base model.",
}

CUSTOM_MODEL: dict[str, Any] = {
    "self": f"{BASE}/models/{MODEL_ID}",
    "baseModel": ref(f"models/base/{BASE_MODEL_ID}"),
    "datasets": [ref(f"datasets/{DATASET_ID}"), ref("datasets/2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e")],
    "project": ref(f"projects/{PROJECT_ID}"),
    "links": {
        "manifest": f"{BASE}/models/{MODEL_ID}/manifest",
        "copyTo": f"{BASE}/models/{MODEL_ID}:copyto",
        "files": f"{BASE}/models/{MODEL_ID}/files",
    },
    "properties": {
        "customModelWeightPercent": 30,
        "deprecationDates": {"transcriptionDateTime": "2026-01-15T00:00:00Z"},
        "features": {
            "supportsTranscriptions": True,
            "supportsEndpoints": True,
            "supportsTranscriptionsOnSpeechContainers": False,
        },
        "email": "ml@contoso.com",
    },
    "lastActionDateTime": "2024-02-18T07:12:33Z",
    "status": "Succeeded",
    "createdDateTime": "2024-02-18T06:02:11Z",
    "locale": "de-DE",
    "displayName": "Werkstatt model",
    "description": "Adapted to workshop vocabulary.",
    "text": "Drehmomentschluessel",
    "customProperties": {"version": "3"},
}

BASE_MODEL: dict[str, Any] = {
    "self": f"{BASE}/models/base/{BASE_MODEL_ID}",
    "links": {"manifest": f"{BASE}/models/base/{BASE_MODEL_ID}/manifest"},
    "properties": {
        "deprecationDates": {
            "adaptationDateTime": "2025-07-15T00:00:00Z",
            "transcriptionDateTime": "2026-07-15T00:00:00Z",
        },
        "features": {
            "supportsTranscriptions": True,
            "supportsEndpoints": True,
            "supportsTranscriptionsOnSpeechContainers": True,
            "supportsAdaptationsWith": ["Language", "Acoustic", "LanguageMarkdown", "Pronunciation"],
        },
    },
    "lastActionDateTime": "2024-01-10T00:00:00Z",
    "status": "Succeeded",
    "createdDateTime": "2024-01-09T21:45:00Z",
    "locale": "de-DE",
    "displayName": "20240109 (de-DE)",
    "description": "de-DE base model",
}

FILE: dict[str, Any] = {
    "self": f"{BASE}/transcriptions/{TRANSCRIPTION_ID}/files/{FILE_ID}",
    "name": "contenturl_0.json",
    "kind": "Transcription",
    "properties": {"size": 5368709120},
    "createdDateTime": "2024-03-05T10:22:45Z",
    "links": {
        "contentUrl": (
            f"{BLOB}/bestor-c6e3ae79/TranscriptionData/{TRANSCRIPTION_ID}_0_0.json"
            "?skoid=1&sv=2023-11-03&st=2024-03-05T10%3A17%3A45Z&se=2024-03-05T22%3A22%3A45Z&sr=b&sp=rl&sig=xyz%3D"
        )
    },
}

AUDIO_FILE: dict[str, Any] = {
    "self": f"{BASE}/datasets/{DATASET_ID}/files/{FILE_ID}",
    "name": "recording-07.wav",
    "kind": "Audio",
    "properties": {"size": 1920044, "duration": "PT42S"},
    "createdDateTime": "2024-02-10T08:05:00Z",
    "links": {"contentUrl": f"{BLOB}/datasets/{DATASET_ID}/recording-07.wav?sv=2023-11-03&sr=b&sig=q%3D"},
}

PROJECT: dict[str, Any] = {
    "self": f"{BASE}/projects/{PROJECT_ID}",
    "links": {
        "evaluations": f"{BASE}/projects/{PROJECT_ID}/evaluations",
        "datasets": f"{BASE}/projects/{PROJECT_ID}/datasets",
        "models": f"{BASE}/projects/{PROJECT_ID}/models",
        "endpoints": f"{BASE}/projects/{PROJECT_ID}/endpoints",
        "transcriptions": f"{BASE}/projects/{PROJECT_ID}/transcriptions",
    },
    "properties": {
        "datasetCount": 4,
        "evaluationCount": 2,
        "modelCount": 1,
        "transcriptionCount": 0,
        "endpointCount": 1,
    },
    "createdDateTime": "2024-01-20T13:14:15Z",
    "locale": "de-DE",
    "displayName": "Werkstatt",
    "description": "Custom speech for the workshop floor.",
    "customProperties": {"costCenter": "4711"},
}

PAYLOADS: list[tuple[type, dict[str, Any]]] = [
    (models.ServiceHealth, SERVICE_HEALTH),
    (models.ModelManifest, MODEL_MANIFEST),
    (models.UploadedBlocks, UPLOADED_BLOCKS),
    (models.Error, ERROR),
    (models.DatasetLocales, DATASET_LOCALES),
    (models.Transcription, TRANSCRIPTION),
    (models.Dataset, DATASET),
    (models.Endpoint, ENDPOINT),
    (models.WebHook, WEBHOOK),
    (models.Evaluation, EVALUATION),
    (models.CustomModel, CUSTOM_MODEL),
    (models.BaseModel, BASE_MODEL),
    (models.File, FILE),
    (models.File, AUDIO_FILE),
    (models.Project, PROJECT),
]


def structure(payload: dict[str, Any], cls: type) -> Any:
    """Structure a deep copy, so a test can never pass by sharing the payload's objects."""
    return converter.structure(copy.deepcopy(payload), cls)


def assert_utc(value: Any, expected: datetime) -> None:
    """``value`` is an aware UTC datetime equal to ``expected``."""
    assert isinstance(value, datetime)
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)
    assert value == expected


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "payload"),
    PAYLOADS,
    ids=[f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(PAYLOADS)],
)
def test_round_trip_is_exact(cls: type, payload: dict[str, Any]) -> None:
    """Reading a payload and writing it back gives the very same JSON."""
    obj = structure(payload, cls)
    assert isinstance(obj, cls)
    assert obj.additional_properties == {} or cls is models.DatasetLocales
    assert converter.unstructure(obj) == payload


# --------------------------------------------------------------------------
# Typed values, model by model
# --------------------------------------------------------------------------


def test_service_health() -> None:
    """Overall and per-component statuses become ``HealthStatus`` members."""
    health = structure(SERVICE_HEALTH, models.ServiceHealth)
    assert health.status is models.HealthStatus.DEGRADED
    assert health.message.startswith("Some subcomponents")
    assert [c.name for c in health.components] == ["TranscriptionStorage", "ModelAdaptation", "Database"]
    assert [c.status for c in health.components] == [
        models.HealthStatus.HEALTHY,
        models.HealthStatus.UNHEALTHY,
        models.HealthStatus.DEGRADED,
    ]
    assert all(isinstance(c, models.Component) for c in health.components)
    assert health.components[1].type == "BatchPipeline"
    assert health.components[2].message is None


def test_model_manifest() -> None:
    """The manifest's model reference, files and free-form properties."""
    manifest = structure(MODEL_MANIFEST, models.ModelManifest)
    assert isinstance(manifest.model, models.EntityReference)
    assert manifest.model.id == MODEL_ID
    assert [f.name for f in manifest.model_files] == ["model.zip", "lexicon.txt"]
    assert all(isinstance(f, models.ModelFile) for f in manifest.model_files)
    assert manifest.model_files[0].content_url.startswith(f"{BLOB}/models/{MODEL_ID}/model.zip?")
    assert manifest.properties["decoder"] == {"beamWidth": 20, "useLanguageModel": True, "version": "2.3.0"}
    assert set(manifest.properties) == {"decoder", "container"}


def test_uploaded_blocks() -> None:
    """Committed and uncommitted blocks keep their names and sizes."""
    blocks = structure(UPLOADED_BLOCKS, models.UploadedBlocks)
    assert [(b.name, b.size) for b in blocks.committed_blocks] == [
        ("YmxvY2stMDAwMDAx", 8388608),
        ("YmxvY2stMDAwMDAy", 8388608),
    ]
    assert [(b.name, b.size) for b in blocks.uncommitted_blocks] == [
        ("YmxvY2stMDAwMDAz", 8388608),
        ("YmxvY2stMDAwMDA0", 1048576),
    ]
    assert all(isinstance(b, models.ResponseBlock) for b in blocks.committed_blocks + blocks.uncommitted_blocks)
    assert sum(b.size for b in blocks.uncommitted_blocks) == 9437184


def test_error_nesting() -> None:
    """Error details are Errors; inner errors nest two levels with their own codes."""
    error = structure(ERROR, models.Error)
    assert error.code is models.ErrorCode.INVALID_ARGUMENT
    assert error.target == "transcription"
    assert len(error.details) == 2
    assert all(isinstance(d, models.Error) for d in error.details)
    assert error.details[0].code is models.ErrorCode.INVALID_ARGUMENT
    assert error.details[0].target == "locale"
    assert error.details[1].code is models.ErrorCode.NOT_FOUND
    assert error.details[1].inner_error.code is models.DetailedErrorCode.INVALID_MODEL_URI

    inner = error.inner_error
    assert isinstance(inner, models.InnerError)
    assert inner.code is models.DetailedErrorCode.INVALID_PARAMETER_VALUE
    assert inner.details == {"parameter": "properties.diarization.speakers.maxCount", "value": "40"}
    assert isinstance(inner.inner_error, models.InnerError)
    assert inner.inner_error.code is models.DetailedErrorCode.INVALID_PAYLOAD
    assert inner.inner_error.message == "maxCount must be less than 36."
    assert inner.inner_error.inner_error is None


def test_dataset_locales_is_a_read_only_mapping() -> None:
    """The locale map reads like a dict of ``DatasetKind`` lists."""
    locales = structure(DATASET_LOCALES, models.DatasetLocales)
    assert isinstance(locales, models.DatasetLocales)
    assert len(locales) == 3
    assert list(locales) == ["en-US", "de-DE", "ja-JP"]
    assert locales["ja-JP"] == [models.DatasetKind.LANGUAGE]
    assert locales["de-DE"] == [
        models.DatasetKind.LANGUAGE,
        models.DatasetKind.ACOUSTIC,
        models.DatasetKind.AUDIO_FILES,
    ]
    assert all(isinstance(kind, models.DatasetKind) for kinds in locales.values() for kind in kinds)
    assert "fr-FR" not in locales
    with pytest.raises(KeyError):
        locales["fr-FR"]


def test_transcription() -> None:
    """A failed transcription with every property block filled in."""
    t = structure(TRANSCRIPTION, models.Transcription)
    assert t.id == TRANSCRIPTION_ID
    assert t.status is models.Status.FAILED
    assert_utc(t.created_date_time, datetime(2024, 3, 5, 10, 20, 1, tzinfo=UTC))
    assert_utc(t.last_action_date_time, datetime(2024, 3, 5, 10, 22, 47, tzinfo=UTC))
    assert t.model.id == BASE_MODEL_ID
    assert t.project.id == PROJECT_ID
    assert t.links.files == f"{BASE}/transcriptions/{TRANSCRIPTION_ID}/files"
    assert len(t.content_urls) == 2
    assert t.custom_properties == {"team": "support", "batch": "2024-03"}

    p = t.properties
    assert isinstance(p, models.TranscriptionProperties)
    assert p.diarization_enabled is True
    assert p.display_form_word_level_timestamps_enabled is False
    assert p.channels == [0, 1]
    assert p.time_to_live == timedelta(hours=12)
    assert p.duration == timedelta(minutes=4, seconds=12)
    assert p.punctuation_mode is models.PunctuationMode.DICTATED_AND_AUTOMATIC
    assert p.profanity_filter_mode is models.ProfanityFilterMode.MASKED
    assert isinstance(p.diarization.speakers, models.DiarizationSpeakersProperties)
    assert (p.diarization.speakers.min_count, p.diarization.speakers.max_count) == (2, 5)
    assert p.language_identification.candidate_locales == ["en-US", "de-DE", "fr-FR"]
    mapping = p.language_identification.speech_model_mapping
    assert set(mapping) == {"de-DE", "fr-FR"}
    assert isinstance(mapping["de-DE"], models.EntityReference)
    assert mapping["de-DE"].id == MODEL_ID
    assert isinstance(p.error, models.EntityError)
    assert p.error.code == "InvalidData"


def test_dataset() -> None:
    """Dataset kind, block-upload links and the processing counters."""
    d = structure(DATASET, models.Dataset)
    assert d.id == DATASET_ID
    assert d.kind is models.DatasetKind.ACOUSTIC
    assert d.status is models.Status.SUCCEEDED
    assert d.links.commit_blocks == f"{BASE}/datasets/{DATASET_ID}/blocks:commit"
    assert d.links.upload_blocks == d.links.list_blocks == f"{BASE}/datasets/{DATASET_ID}/blocks"
    assert d.properties.accepted_line_count == 412
    assert d.properties.rejected_line_count == 0
    assert d.properties.duration == timedelta(hours=1, minutes=2, seconds=3.5)
    assert d.content_url is None
    assert_utc(d.created_date_time, datetime(2024, 2, 10, 8, 1, 12, tzinfo=UTC))


def test_endpoint() -> None:
    """Endpoint links, logging flag, a day-and-hours time to live, a fractional timestamp."""
    e = structure(ENDPOINT, models.Endpoint)
    assert e.id == ENDPOINT_ID
    assert e.status is models.Status.RUNNING
    assert e.model.id == MODEL_ID
    assert e.links.logs == f"{BASE}/endpoints/{ENDPOINT_ID}/files/logs"
    assert e.links.web_socket_dictation.startswith("wss://")
    assert e.links.rest_interactive.endswith(f"?cid={ENDPOINT_ID}")
    assert e.properties.logging_enabled is True
    assert e.properties.time_to_live == timedelta(days=1, hours=2)
    assert_utc(e.last_action_date_time, datetime(2024, 4, 1, 12, 0, 0, 500000, tzinfo=UTC))
    assert e.text == "Drehmomentschluessel Schraubstock"


def test_webhook() -> None:
    """Web hook events are booleans (false ones included) and the secret is kept for the wire."""
    w = structure(WEBHOOK, models.WebHook)
    assert w.id == WEBHOOK_ID
    assert isinstance(w.events, models.WebHookEvents)
    assert w.events.transcription_completion is True
    assert w.events.transcription_creation is False
    assert w.events.challenge is True
    assert w.events.dataset_creation is None
    assert w.properties.api_version == "v3.1"
    assert w.properties.secret == "hmac-shared-secret-42"
    assert w.links.ping.endswith(":ping")
    assert w.web_url == "https://hooks.contoso.com/speech/callback"
    assert w.status is models.Status.SUCCEEDED
    assert_utc(w.created_date_time, datetime(2024, 1, 15, 9, 30, tzinfo=UTC))


def test_evaluation() -> None:
    """Error rates are floats, counts are ints, zero counts are kept."""
    ev = structure(EVALUATION, models.Evaluation)
    assert ev.id == EVALUATION_ID
    assert ev.model1.id == BASE_MODEL_ID
    assert ev.model2.id == MODEL_ID
    assert ev.dataset.id == DATASET_ID
    p = ev.properties
    assert isinstance(p.word_error_rate1, float)
    assert p.word_error_rate1 == pytest.approx(0.1234)
    assert p.sentence_error_rate2 == pytest.approx(0.31)
    assert isinstance(p.word_count1, int)
    assert p.correct_word_count2 == 1869
    assert p.word_insertion_count1 == 0
    assert p.error is None


def test_custom_model() -> None:
    """A custom model's base model, datasets, weight and deprecation date."""
    m = structure(CUSTOM_MODEL, models.CustomModel)
    assert m.id == MODEL_ID
    assert m.base_model.id == BASE_MODEL_ID
    assert [d.id for d in m.datasets] == [DATASET_ID, "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"]
    assert m.links.copy_to.endswith(":copyto")
    assert m.properties.custom_model_weight_percent == 30
    assert_utc(m.properties.deprecation_dates.transcription_date_time, datetime(2026, 1, 15, tzinfo=UTC))
    assert m.properties.features.supports_transcriptions_on_speech_containers is False
    assert m.custom_properties == {"version": "3"}


def test_base_model() -> None:
    """A base model's features list dataset kinds as enum members; both deprecation dates parse."""
    m = structure(BASE_MODEL, models.BaseModel)
    assert m.id == BASE_MODEL_ID
    features = m.properties.features
    assert isinstance(features, models.BaseModelFeatures)
    assert features.supports_adaptations_with == [
        models.DatasetKind.LANGUAGE,
        models.DatasetKind.ACOUSTIC,
        models.DatasetKind.LANGUAGE_MARKDOWN,
        models.DatasetKind.PRONUNCIATION,
    ]
    assert all(isinstance(k, models.DatasetKind) for k in features.supports_adaptations_with)
    dates = m.properties.deprecation_dates
    assert_utc(dates.adaptation_date_time, datetime(2025, 7, 15, tzinfo=UTC))
    assert_utc(dates.transcription_date_time, datetime(2026, 7, 15, tzinfo=UTC))
    assert m.links.manifest == f"{BASE}/models/base/{BASE_MODEL_ID}/manifest"


def test_files() -> None:
    """Result and audio files: kind, SAS content URL, size (past 32 bits) and duration."""
    result = structure(FILE, models.File)
    assert result.id == FILE_ID
    assert result.kind is models.FileKind.TRANSCRIPTION
    assert result.properties.size == 5368709120
    assert result.properties.duration is None
    assert result.links.content_url.startswith(f"{BLOB}/bestor-c6e3ae79/")
    assert "sig=xyz%3D" in result.links.content_url
    assert_utc(result.created_date_time, datetime(2024, 3, 5, 10, 22, 45, tzinfo=UTC))

    audio = structure(AUDIO_FILE, models.File)
    assert audio.kind is models.FileKind.AUDIO
    assert audio.properties.duration == timedelta(seconds=42)
    assert audio.id == FILE_ID


def test_project() -> None:
    """A project's links and entity counters (a zero count included)."""
    p = structure(PROJECT, models.Project)
    assert p.id == PROJECT_ID
    assert p.links.transcriptions == f"{BASE}/projects/{PROJECT_ID}/transcriptions"
    props = p.properties
    assert (props.dataset_count, props.evaluation_count, props.model_count) == (4, 2, 1)
    assert props.transcription_count == 0
    assert props.endpoint_count == 1
    assert p.custom_properties == {"costCenter": "4711"}
    assert_utc(p.created_date_time, datetime(2024, 1, 20, 13, 14, 15, tzinfo=UTC))


# --------------------------------------------------------------------------
# Forward compatibility: values and fields this SDK does not know yet
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "payload", "get"),
    [
        (
            models.Transcription,
            {**TRANSCRIPTION, "status": "Paused"},
            lambda o: o.status,
        ),
        (
            models.Transcription,
            {**TRANSCRIPTION, "properties": {**TRANSCRIPTION["properties"], "punctuationMode": "Smart"}},
            lambda o: o.properties.punctuation_mode,
        ),
        (
            models.Dataset,
            {**DATASET, "kind": "VideoFiles"},
            lambda o: o.kind,
        ),
        (
            models.File,
            {**FILE, "kind": "Captions"},
            lambda o: o.kind,
        ),
        (
            models.ServiceHealth,
            {**SERVICE_HEALTH, "status": "Maintenance"},
            lambda o: o.status,
        ),
        (
            models.Error,
            {**ERROR, "innerError": {**ERROR["innerError"], "code": "BrandNewDetailedCode"}},
            lambda o: o.inner_error.code,
        ),
    ],
    ids=["status", "punctuation", "dataset-kind", "file-kind", "health", "detailed-code"],
)
def test_unknown_enum_value_stays_a_string(cls: type, payload: dict[str, Any], get: Any) -> None:
    """An enum value added by the service later arrives as a plain string and goes back unchanged."""
    obj = structure(payload, cls)
    value = get(obj)
    assert type(value) is str
    assert value in {"Paused", "Smart", "VideoFiles", "Captions", "Maintenance", "BrandNewDetailedCode"}
    assert converter.unstructure(obj) == payload


def test_unknown_enum_value_inside_lists() -> None:
    """Unknown dataset kinds in a list sit next to the known members."""
    payload = {"en-US": ["Language", "VideoFiles"]}
    locales = structure(payload, models.DatasetLocales)
    assert locales["en-US"] == [models.DatasetKind.LANGUAGE, "VideoFiles"]
    assert type(locales["en-US"][1]) is str
    assert converter.unstructure(locales) == payload

    base = copy.deepcopy(BASE_MODEL)
    base["properties"]["features"]["supportsAdaptationsWith"].append("AudioFilesWithTimestamps")
    model = structure(base, models.BaseModel)
    assert model.properties.features.supports_adaptations_with[-1] == "AudioFilesWithTimestamps"
    assert converter.unstructure(model) == base


def test_unknown_fields_survive_at_every_level() -> None:
    """Unknown fields on the entity, in ``properties``, deeper still and in list items are kept."""
    payload = copy.deepcopy(TRANSCRIPTION)
    payload["priority"] = "High"
    payload["retention"] = {"policy": "Custom", "days": [7, 30]}
    payload["properties"]["summarization"] = {"enabled": True, "style": "bullets"}
    payload["properties"]["diarization"]["speakers"]["hint"] = "agent-first"
    payload["properties"]["languageIdentification"]["mode"] = "Continuous"
    payload["model"]["version"] = "2024-05"

    t = structure(payload, models.Transcription)
    assert t.additional_properties == {"priority": "High", "retention": {"policy": "Custom", "days": [7, 30]}}
    assert t.properties.additional_properties == {"summarization": {"enabled": True, "style": "bullets"}}
    assert t.properties.diarization.speakers.additional_properties == {"hint": "agent-first"}
    assert t.properties.language_identification.additional_properties == {"mode": "Continuous"}
    assert t.model.additional_properties == {"version": "2024-05"}
    assert t.properties.diarization.speakers.max_count == 5
    assert converter.unstructure(t) == payload


def test_unknown_fields_in_list_items() -> None:
    """Unknown fields on objects inside lists (components, error details) are kept too."""
    health = copy.deepcopy(SERVICE_HEALTH)
    health["components"][0]["region"] = "westeurope"
    health["checkedDateTime"] = "2024-03-05T10:00:00Z"
    parsed = structure(health, models.ServiceHealth)
    assert parsed.components[0].additional_properties == {"region": "westeurope"}
    assert parsed.components[1].additional_properties == {}
    assert parsed.additional_properties == {"checkedDateTime": "2024-03-05T10:00:00Z"}
    assert converter.unstructure(parsed) == health

    error = copy.deepcopy(ERROR)
    error["details"][1]["innerError"]["traceId"] = "00-abc-01"
    parsed_error = structure(error, models.Error)
    assert parsed_error.details[1].inner_error.additional_properties == {"traceId": "00-abc-01"}
    assert converter.unstructure(parsed_error) == error


def test_additional_properties_are_written_for_python_built_models() -> None:
    """Extra fields set by hand go out on the wire beside the known ones."""
    t = models.Transcription(
        display_name="Preview feature",
        locale="en-US",
        content_urls=["https://contoso.blob.core.windows.net/a.wav"],
        properties=models.TranscriptionProperties(additional_properties={"previewFlag": True}),
        additional_properties={"experimental": {"level": 2}},
    )
    assert converter.unstructure(t) == {
        "displayName": "Preview feature",
        "locale": "en-US",
        "contentUrls": ["https://contoso.blob.core.windows.net/a.wav"],
        "properties": {"previewFlag": True},
        "experimental": {"level": 2},
    }


# --------------------------------------------------------------------------
# Models built in Python
# --------------------------------------------------------------------------


def test_python_built_transcription_is_camel_case_without_nones() -> None:
    """Snake_case attributes go out as camelCase; fields left at None are not sent."""
    t = models.Transcription(
        display_name="Calls",
        locale="en-US",
        content_urls=["https://contoso.blob.core.windows.net/calls/1.wav"],
        model=models.EntityReference(self_=f"{BASE}/models/{MODEL_ID}"),
        properties=models.TranscriptionProperties(
            diarization_enabled=False,
            word_level_timestamps_enabled=True,
            channels=[0],
            punctuation_mode=models.PunctuationMode.AUTOMATIC,
            profanity_filter_mode="Tags",
            time_to_live=timedelta(hours=12),
            diarization=models.DiarizationProperties(
                speakers=models.DiarizationSpeakersProperties(min_count=1, max_count=3)
            ),
            language_identification=models.LanguageIdentificationProperties(
                candidate_locales=["en-US", "es-ES"],
                speech_model_mapping={"es-ES": models.EntityReference(self_=f"{BASE}/models/{MODEL_ID}")},
            ),
        ),
    )
    assert converter.unstructure(t) == {
        "displayName": "Calls",
        "locale": "en-US",
        "contentUrls": ["https://contoso.blob.core.windows.net/calls/1.wav"],
        "model": {"self": f"{BASE}/models/{MODEL_ID}"},
        "properties": {
            "diarizationEnabled": False,
            "wordLevelTimestampsEnabled": True,
            "channels": [0],
            "punctuationMode": "Automatic",
            "profanityFilterMode": "Tags",
            "timeToLive": "PT12H",
            "diarization": {"speakers": {"minCount": 1, "maxCount": 3}},
            "languageIdentification": {
                "candidateLocales": ["en-US", "es-ES"],
                "speechModelMapping": {"es-ES": {"self": f"{BASE}/models/{MODEL_ID}"}},
            },
        },
    }


def test_python_built_minimal_models() -> None:
    """Only the fields that were given are written, even empty lists and falsy values."""
    assert converter.unstructure(models.Transcription(display_name="x", locale="de-DE")) == {
        "displayName": "x",
        "locale": "de-DE",
    }
    assert converter.unstructure(models.TranscriptionProperties()) == {}
    assert converter.unstructure(models.ProjectProperties(transcription_count=0)) == {"transcriptionCount": 0}
    assert converter.unstructure(models.TranscriptionProperties(channels=[])) == {"channels": []}
    assert converter.unstructure(
        models.WebHookUpdate(
            web_url="https://hooks.contoso.com/new",
            events=models.WebHookEvents(transcription_completion=True, ping=False),
            properties=models.WebHookPropertiesUpdate(secret="rotated"),
        )
    ) == {
        "webUrl": "https://hooks.contoso.com/new",
        "events": {"transcriptionCompletion": True, "ping": False},
        "properties": {"secret": "rotated"},
    }
    assert converter.unstructure(
        [
            models.CommitBlocksEntry(kind=models.BlockKind.COMMITTED, id="YmxvY2stMDAwMDAx"),
            models.CommitBlocksEntry(kind="Uncommitted", id="YmxvY2stMDAwMDAz"),
        ],
        list[models.CommitBlocksEntry],
    ) == [
        {"kind": "Committed", "id": "YmxvY2stMDAwMDAx"},
        {"kind": "Uncommitted", "id": "YmxvY2stMDAwMDAz"},
    ]


def test_self_maps_to_self_underscore() -> None:
    """The wire's ``self`` is the attribute ``self_`` both ways."""
    t = structure(TRANSCRIPTION, models.Transcription)
    assert t.self_ == f"{BASE}/transcriptions/{TRANSCRIPTION_ID}"
    assert "self" not in t.additional_properties
    assert converter.unstructure(models.EntityReference(self_=f"{BASE}/datasets/{DATASET_ID}")) == {
        "self": f"{BASE}/datasets/{DATASET_ID}"
    }


@pytest.mark.parametrize(
    ("cls", "item"),
    [
        (models.PaginatedTranscriptions, TRANSCRIPTION),
        (models.PaginatedDatasets, DATASET),
        (models.PaginatedEndpoints, ENDPOINT),
        (models.PaginatedWebHooks, WEBHOOK),
        (models.PaginatedEvaluations, EVALUATION),
        (models.PaginatedCustomModels, CUSTOM_MODEL),
        (models.PaginatedBaseModels, BASE_MODEL),
        (models.PaginatedFiles, FILE),
        (models.PaginatedProjects, PROJECT),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "item",
)
def test_next_link_maps_to_next_link(cls: type, item: dict[str, Any]) -> None:
    """``@nextLink`` is ``next_link``; the last page has none and writes none."""
    next_url = f"{BASE}/things?skip=100&top=100"
    page = structure({"values": [item], "@nextLink": next_url}, cls)
    assert page.next_link == next_url
    assert page.additional_properties == {}
    assert len(page.values) == 1
    assert page.values[0].self_ == item["self"]
    assert converter.unstructure(page) == {"values": [item], "@nextLink": next_url}

    last = structure({"values": []}, cls)
    assert last.next_link is None
    assert converter.unstructure(last) == {"values": []}
    assert converter.unstructure(cls(values=[], next_link=next_url)) == {"values": [], "@nextLink": next_url}


# --------------------------------------------------------------------------
# Entity ids
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "payload", "expected"),
    [
        (models.Transcription, TRANSCRIPTION, TRANSCRIPTION_ID),
        (models.Dataset, DATASET, DATASET_ID),
        (models.Endpoint, ENDPOINT, ENDPOINT_ID),
        (models.WebHook, WEBHOOK, WEBHOOK_ID),
        (models.Evaluation, EVALUATION, EVALUATION_ID),
        (models.CustomModel, CUSTOM_MODEL, MODEL_ID),
        (models.BaseModel, BASE_MODEL, BASE_MODEL_ID),
        (models.File, FILE, FILE_ID),
        (models.Project, PROJECT, PROJECT_ID),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
@pytest.mark.parametrize("query", ["", "?api-version=2025-10-15", "?api-version=2024-11-15&foo=bar/baz"])
def test_id_is_the_last_path_segment(cls: type, payload: dict[str, Any], expected: str, query: str) -> None:
    """The id comes from the path of ``self``, whatever query the URL carries."""
    obj = structure({**payload, "self": payload["self"] + query}, cls)
    assert obj.id == expected


def test_id_of_references_and_python_built_entities() -> None:
    """References have ids too; a built entity with a ``self`` URL has one."""
    assert models.EntityReference(self_=f"{BASE}/models/base/{BASE_MODEL_ID}?api-version=2025-10-15").id == (
        BASE_MODEL_ID
    )
    t = structure(TRANSCRIPTION, models.Transcription)
    assert t.properties.language_identification.speech_model_mapping["fr-FR"].id == BASE_MODEL_ID
    built = models.Project(display_name="p", locale="en-US", self_=f"{BASE}/projects/{PROJECT_ID}")
    assert built.id == PROJECT_ID


@pytest.mark.parametrize(
    "obj",
    [
        models.Transcription(display_name="not yet created", locale="en-US"),
        models.Dataset(kind=models.DatasetKind.LANGUAGE, display_name="d", locale="en-US"),
        models.WebHook(web_url="https://hooks.contoso.com", display_name="w", events=models.WebHookEvents(ping=True)),
        models.File(),
        models.Project(display_name="p", locale="en-US", self_=""),
    ],
    ids=["transcription", "dataset", "webhook", "file", "empty-self"],
)
def test_id_without_self_raises_attribute_error(obj: Any) -> None:
    """Without a ``self`` URL there is no id, and asking for one says so."""
    with pytest.raises(AttributeError, match="self"):
        _ = obj.id
    assert not hasattr(obj, "id")


# --------------------------------------------------------------------------
# Date-times
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123Z", datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)),
        ("2024-01-02T03:04:05.5Z", datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        ("2024-01-02T03:04:05.70204Z", datetime(2024, 1, 2, 3, 4, 5, 702040, tzinfo=UTC)),  # 3.10: 3 or 6 only
        ("2024-01-02T03:04:05.000001Z", datetime(2024, 1, 2, 3, 4, 5, 1, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123456Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    ],
)
def test_utc_datetime_round_trips_exactly(text: str, expected: datetime) -> None:
    """UTC date-times parse to aware values and are written back character for character."""
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)
    assert format_datetime(parsed) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05.1234561Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2019-01-07T11:36:07.0000000Z", datetime(2019, 1, 7, 11, 36, 7, tzinfo=UTC)),
        (
            "2024-01-02T03:04:05.1234561+01:00",
            datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_seven_digit_fractions_parse(text: str, expected: datetime) -> None:
    """The service's .NET-style seven-digit fractions are accepted (to the microsecond)."""
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_offset_without_zone_means_utc() -> None:
    """A date-time with no offset at all is taken as UTC."""
    parsed = parse_datetime("2024-01-02T03:04:05")
    assert parsed.tzinfo is not None
    assert parsed == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert format_datetime(parsed) == "2024-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("2024-01-02T03:04:05+02:00", timedelta(hours=2)),
        ("2024-01-02T03:04:05.25-05:30", -timedelta(hours=5, minutes=30)),
        ("2024-07-01T23:59:59+09:00", timedelta(hours=9)),
    ],
)
def test_non_utc_offsets_are_kept(text: str, offset: timedelta) -> None:
    """A non-UTC offset is kept, not converted to UTC, and written back as it came."""
    parsed = parse_datetime(text)
    assert parsed.utcoffset() == offset
    assert format_datetime(parsed) == text


def test_non_utc_offset_in_a_model_round_trips() -> None:
    """The same holds inside a model."""
    payload = {**PROJECT, "createdDateTime": "2024-01-20T15:14:15.75+02:00"}
    project = structure(payload, models.Project)
    assert project.created_date_time.utcoffset() == timedelta(hours=2)
    assert project.created_date_time == datetime(2024, 1, 20, 13, 14, 15, 750000, tzinfo=UTC)
    assert converter.unstructure(project) == payload


def test_fractional_datetime_in_a_model_round_trips() -> None:
    """Millisecond timestamps survive a model round trip exactly."""
    payload = {**TRANSCRIPTION, "lastActionDateTime": "2024-01-02T03:04:05.123Z"}
    t = structure(payload, models.Transcription)
    assert t.last_action_date_time.microsecond == 123000
    assert converter.unstructure(t)["lastActionDateTime"] == "2024-01-02T03:04:05.123Z"


def test_aware_python_datetimes_are_written_with_z() -> None:
    """Aware UTC datetimes built in Python are written with ``Z`` and no zero padding."""
    assert format_datetime(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    assert format_datetime(datetime(2024, 1, 2, 3, 4, 5, 120000, tzinfo=UTC)) == "2024-01-02T03:04:05.12Z"
    dates = models.BaseModelDeprecationDates(adaptation_date_time=datetime(2025, 7, 15, tzinfo=UTC))
    assert converter.unstructure(dates) == {"adaptationDateTime": "2025-07-15T00:00:00Z"}


def test_naive_datetime_refuses_to_unstructure() -> None:
    """A naive datetime has no meaning on the wire: writing it fails with a clear message."""
    t = models.Transcription(display_name="x", locale="en-US", created_date_time=datetime(2024, 1, 2, 3, 4, 5))
    with pytest.raises(ValueError, match="time zone"):
        converter.unstructure(t)
    with pytest.raises(ValueError, match="aware"):
        format_datetime(datetime(2024, 1, 2))


# --------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("PT42S", timedelta(seconds=42)),
        ("PT4M12S", timedelta(minutes=4, seconds=12)),
        ("P2D", timedelta(days=2)),
        ("PT1H2M3.5S", timedelta(hours=1, minutes=2, seconds=3.5)),
        ("PT0S", timedelta(0)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT12H", timedelta(hours=12)),
        ("PT0.25S", timedelta(milliseconds=250)),
        ("P3DT4H5M6.000007S", timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7)),
        ("-PT5S", timedelta(seconds=-5)),
    ],
)
def test_duration_pairs(text: str, delta: timedelta) -> None:
    """Each duration parses to its timedelta and that timedelta formats back to it."""
    assert parse_duration(text) == delta
    assert format_duration(delta) == text


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("P1W", timedelta(weeks=1)),
        ("PT1,5S", timedelta(seconds=1.5)),
        ("PT90M", timedelta(minutes=90)),
        ("P0D", timedelta(0)),
        ("PT4.12S", timedelta(seconds=4, milliseconds=120)),
    ],
)
def test_other_duration_spellings_parse(text: str, delta: timedelta) -> None:
    """Weeks, comma fractions and unnormalised forms are read (written back normalised)."""
    assert parse_duration(text) == delta


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "PT",
        "P1DT",
        "-PT",
        "42S",
        "-P",
        "P1Y",
        "P1M",
        "PTS",
        "PT5",
        "PT-5S",
        "PT5S4M",
        "PT1H2H",
        "P1D2W",
        "PT1.2.3S",
        " PT5S",
        "PT5S ",
        "1 day",
        "pt5s",
        "PT1H-2M3S",
        "PT+5S",
        "PT5_0S",
        "PT1e3S",
        "PT\u0665S",
    ],
)
def test_bad_durations_raise(text: str) -> None:
    """Text that is not a day-to-second ISO 8601 duration is refused with ValueError."""
    with pytest.raises(ValueError):
        parse_duration(text)


def test_a_model_read_keeps_the_lists_and_dicts_it_was_read_from() -> None:
    """Readers take the JSON as their own (an answer's is never seen again): no copies."""
    payload = copy.deepcopy(TRANSCRIPTION)
    t = converter.structure(payload, models.Transcription)
    assert t.custom_properties is payload["customProperties"]
    assert t.properties.channels is payload["properties"]["channels"]


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("customProperties", ["a"], "expected a JSON object, got ['a']"),
        ("channels", "0,1", "expected a JSON array, got '0,1'"),
        ("model", "https://x", "string indices must be integers"),
    ],
)
def test_a_field_of_the_wrong_shape_raises(where: str, value: Any, message: str) -> None:
    payload = copy.deepcopy(TRANSCRIPTION)
    (payload["properties"] if where == "channels" else payload)[where] = value
    with pytest.raises(TypeError, match=re.escape(message)):
        converter.structure(payload, models.Transcription)


@pytest.mark.parametrize("hours", ["", "0H", "1H", "27H"])
@pytest.mark.parametrize("minutes", ["", "0M", "9M", "59M", "90M"])
@pytest.mark.parametrize("seconds", ["", "0S", "7S", "6.62S", "0.5S", "12.000007S", "1.12345678S"])
def test_the_services_durations_read_exactly(hours: str, minutes: str, seconds: str) -> None:
    """Hours, minutes and seconds after PT: exact to the microsecond (digits past it cut off)."""
    text = f"PT{hours}{minutes}{seconds}"
    if text == "PT":
        return
    whole, _, fraction = seconds.removesuffix("S").partition(".")
    expected = timedelta(
        hours=int(hours.removesuffix("H") or 0),
        minutes=int(minutes.removesuffix("M") or 0),
        seconds=int(whole or 0),
        microseconds=int((fraction + "000000")[:6]),
    )
    assert parse_duration(text) == expected


def test_bad_duration_in_payload_raises() -> None:
    """A bad duration inside a payload makes structuring fail rather than pass through."""
    payload = copy.deepcopy(TRANSCRIPTION)
    payload["properties"]["timeToLive"] = "twelve hours"
    with pytest.raises(ValueError):
        converter.structure(payload, models.Transcription)


# --------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------


def test_webhook_secret_not_in_repr() -> None:
    """The web hook secret stays out of repr and str."""
    props = models.WebHookProperties(secret="s3cr3t", api_version="v3.1")
    assert "s3cr3t" not in repr(props)
    assert "s3cr3t" not in str(props)
    assert "v3.1" in repr(props)
    assert "s3cr3t" not in repr(models.WebHookPropertiesUpdate(secret="s3cr3t"))
    assert "s3cr3t" not in repr(models.WebHookUpdate(properties=models.WebHookPropertiesUpdate(secret="s3cr3t")))


def test_model_copy_key_not_in_repr() -> None:
    """The target subscription key of a model copy stays out of repr, but is still sent."""
    copy_request = models.ModelCopy(target_subscription_key="k3y")
    assert "k3y" not in repr(copy_request)
    assert "k3y" not in str(copy_request)
    assert converter.unstructure(copy_request) == {"targetSubscriptionKey": "k3y"}


def test_parsed_webhook_hides_secret_but_sends_it() -> None:
    """A web hook read from the wire hides its secret in repr yet writes it back."""
    hook = structure(WEBHOOK, models.WebHook)
    assert "hmac-shared-secret-42" not in repr(hook)
    assert WEBHOOK_ID in repr(hook)
    assert converter.unstructure(hook)["properties"]["secret"] == "hmac-shared-secret-42"


# --------------------------------------------------------------------------
# Where the classes live


def test_a_class_lives_in_the_earliest_version_with_its_shape() -> None:
    """Each version's module holds its whole set; a class it shares with an earlier version is
    that version's, and answers read into it the same way."""
    packages = list(VERSIONS.values())
    for version, package in VERSIONS.items():
        module = every_model.for_version(version)
        for name in module.__all__:
            home = getattr(module, name).__module__.removesuffix(".models")
            assert home in packages[: packages.index(package) + 1], (version, name, home)
    assert every_model.v2025_10_15.WebHook is every_model.v2024_11_15.WebHook is models.WebHook
    assert models.WebHook.__module__ == "speechrest._generated.v3_1.models"
    assert every_model.v2025_10_15.Status is every_model.v3_0.Status is models.Status
    hook = structure(WEBHOOK, every_model.v2025_10_15.WebHook)
    assert hook.status is every_model.v2025_10_15.Status.SUCCEEDED


# --------------------------------------------------------------------------
# The classes: attrs classes whose __init__, __repr__ and __eq__ are generated code


def generated_classes() -> list[Any]:
    found = {}
    for version in VERSIONS:
        module = every_model.for_version(version)
        for name in module.__all__:
            cls = getattr(module, name)
            if attrs.has(cls):
                found[f"{cls.__module__}.{name}"] = cls
    return [pytest.param(cls, id=key.removeprefix("speechrest._generated.")) for key, cls in sorted(found.items())]


@pytest.mark.parametrize("cls", generated_classes())
def test_the_generated_methods_behave_as_attrs_would(cls: Any) -> None:
    """``__init__`` takes each field by name (required ones without default; the map classes'
    one positionally too), ``__repr__`` shows the fields attrs would show, ``__eq__`` compares
    them all, and the class stays unhashable like any mutable attrs class."""
    fields = attrs.fields(cls)
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert [p.name for p in parameters] == [f.name for f in fields]
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if issubclass(cls, Mapping) else inspect.Parameter.KEYWORD_ONLY
    assert {p.kind for p in parameters} == {kind}
    assert [p.default is inspect.Parameter.empty for p in parameters] == [f.default is attrs.NOTHING for f in fields]
    required = {f.name: f"<{f.name}>" for f in fields if f.default is attrs.NOTHING}
    one, other = cls(**required), cls(**required)
    assert one == other and one is not other
    assert one.additional_properties == {} and one.additional_properties is not other.additional_properties
    shown = ", ".join(f"{f.name}={getattr(one, f.name)!r}" for f in fields if f.repr)
    assert repr(one) == f"{cls.__name__}({shown})"
    for f in fields:
        changed = attrs.evolve(one, **{f.name: {"x": 1}})
        assert changed != one and getattr(changed, f.name) == {"x": 1}
    with pytest.raises(TypeError, match="unhashable"):
        hash(one)
    assert pickle.loads(pickle.dumps(one)) == one
    assert one.__eq__(object()) is NotImplemented


def test_a_required_argument_left_out_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="display_name"):
        models.Transcription(locale="en-US")  # type: ignore[call-arg]
