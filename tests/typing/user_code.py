"""Typed user code, never run: ``mypy --strict --warn-unused-ignores tests/typing`` (``make test``).

Each ``assert_type`` is what a client gives for its API version, and each ``type: ignore`` marks
an error the version's typing must keep raising (an unneeded one fails the check).
"""

from __future__ import annotations

from pathlib import Path

from typing_extensions import assert_type

from speechrest import AsyncPager, JobFailedError, SpeechClient, WaitTimeoutError, models
from speechrest.clients import SpeechClientV3_1, SpeechClientV2025_10_15
from speechrest.results import TranscriptionReport, TranscriptionResult

ENDPOINT = "https://my-speech.cognitiveservices.azure.com"


async def default_version() -> None:
    async with SpeechClient(endpoint=ENDPOINT, key="key") as client:
        transcription = await client.transcriptions.get("id")
        assert_type(transcription, models.v2025_10_15.Transcription)
        assert_type(transcription, models.Transcription)
        assert_type(client.transcriptions.list(), AsyncPager[models.Transcription])
        assert_type(await client.transcriptions.wait(transcription), models.Transcription)
        assert_type(await client.transcriptions.wait_all([transcription, "id"]), list[models.Transcription])
        outcomes = await client.transcriptions.wait_all(["id"], return_exceptions=True)
        assert_type(outcomes, list[models.Transcription | JobFailedError | WaitTimeoutError])
        async for outcome in client.transcriptions.as_completed([transcription]):
            assert_type(outcome, models.Transcription | JobFailedError | WaitTimeoutError)
        async for result in client.transcriptions.results(transcription):
            assert_type(result, TranscriptionResult)
        assert_type(await client.transcriptions.report("id"), TranscriptionReport)
        assert_type(await client.transcriptions.transcribe_from_url("https://example.com/a.wav"), TranscriptionResult)
        created = await client.transcriptions.create_many(["https://example.com/a.wav"], transcription)
        assert_type(created, list[models.Transcription])

        dataset = await client.datasets.upload(Path("audio.zip"), display_name="d", locale="en-US", kind="Acoustic")
        assert_type(dataset, models.Dataset)
        assert_type(await client.datasets.wait(dataset), models.Dataset)
        kind = models.DatasetKind.ACOUSTIC
        await client.datasets.upload(b"...", display_name="d", locale="en-US", kind=kind, resume=dataset)
        assert_type(await client.models.wait("id"), models.CustomModel)
        assert_type(await client.models.get("id"), models.CustomModel)
        assert_type(await client.operations.wait("id"), models.Operation)
        await client.service_health.get()  # type: ignore[attr-defined]


async def pinned_v3_1() -> None:
    async with SpeechClient(endpoint=ENDPOINT, key="key", api_version="v3.1") as client:
        transcription = await client.transcriptions.get("id")
        assert_type(transcription, models.v3_1.Transcription)
        assert_type(client.transcriptions.list(), AsyncPager[models.v3_1.Transcription])
        assert_type(await client.transcriptions.wait("id"), models.v3_1.Transcription)
        assert_type(await client.transcriptions.wait_all([transcription]), list[models.v3_1.Transcription])
        async for outcome in client.transcriptions.as_completed(["id"]):
            assert_type(outcome, models.v3_1.Transcription | JobFailedError | WaitTimeoutError)
        async for result in client.transcriptions.results(transcription):
            assert_type(result, TranscriptionResult)
        dataset = await client.datasets.upload(Path("audio.zip"), display_name="d", locale="en-US", kind="Acoustic")
        assert_type(dataset, models.v3_1.Dataset)
        assert_type(await client.datasets.wait(dataset), models.v3_1.Dataset)
        assert_type(await client.models.wait("id"), models.v3_1.CustomModel)
        assert_type(await client.service_health.get(), models.v3_1.ServiceHealth)

        assert transcription.properties is not None
        _ = transcription.properties.time_to_live_hours  # type: ignore[attr-defined]  # GA only: v3.1 has time_to_live
        await client.transcriptions.transcribe(b"...")  # type: ignore[attr-defined]  # fast transcription is GA only
        await client.operations.wait("id")  # type: ignore[attr-defined]  # so are model copies


async def other_versions(version: str) -> None:
    assert_type(await SpeechClient(endpoint=ENDPOINT, api_version="v3.0").models.wait("id"), models.v3_0.Model)
    ga = SpeechClient(endpoint=ENDPOINT, api_version="2024-11-15")
    assert_type(await ga.transcriptions.get("id"), models.v2024_11_15.Transcription)
    await ga.transcriptions.transcribe_from_url("https://example.com/a.wav")  # type: ignore[attr-defined]
    await ga.projects.get("id")  # type: ignore[attr-defined]  # 2024-11-15 has no projects

    # A version known only at run time types as SpeechClient: every call, each version's class.
    client = SpeechClient(endpoint=ENDPOINT, api_version=version)
    assert_type(client, SpeechClient)
    assert_type(SpeechClient.from_env(), SpeechClient)
    assert_type(
        await client.transcriptions.wait("id"),
        models.v3_0.Transcription
        | models.v3_1.Transcription
        | models.v2024_11_15.Transcription
        | models.v2025_10_15.Transcription,
    )


def takes_any_client(client: SpeechClient) -> None:
    """A pinned client is a ``SpeechClient`` still."""


def pass_pinned() -> None:
    takes_any_client(SpeechClient(endpoint=ENDPOINT, api_version="v3.1"))
    SpeechClient(endpiont=ENDPOINT)  # type: ignore[call-overload]


async def takes_v3_1(client: SpeechClientV3_1) -> models.v3_1.Transcription:
    """A function on one version's client (``speechrest.clients``) keeps that version's models."""
    transcription = await client.transcriptions.get("id")
    assert_type(transcription, models.v3_1.Transcription)
    return transcription


async def takes_newest(client: SpeechClientV2025_10_15) -> None:
    assert_type(await client.transcriptions.get("id"), models.Transcription)


async def pass_pinned_to_its_version(version: str) -> None:
    await takes_v3_1(SpeechClient(endpoint=ENDPOINT, key="key", api_version="v3.1"))
    await takes_v3_1(SpeechClient(endpoint=ENDPOINT, key="key"))  # type: ignore[arg-type]
    await takes_v3_1(SpeechClient(endpoint=ENDPOINT, api_version=version))  # type: ignore[arg-type]
    await takes_newest(SpeechClient(endpoint=ENDPOINT, key="key"))
    await takes_newest(SpeechClient(endpoint=ENDPOINT, key="key", api_version="v3.1"))  # type: ignore[arg-type]
