"""Fast transcription (GA versions): every kind of audio source, the definition on the wire,
bad input refused before sending, and the typed result with its captions."""

from __future__ import annotations

import email
import email.policy
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import TEST_KEY, RecordingServer

from speechrest import InvalidArgumentError, SpeechClient
from speechrest.emulator import Emulator
from speechrest.errors import UnsupportedOperationError
from speechrest.resources.transcriptions import MAX_FAST_AUDIO_BYTES
from speechrest.results import TranscriptionResult

AUDIO = b"RIFF" + bytes(range(256)) * 64  # stands in for a WAV file: only its bytes matter


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
    )
    return {
        str(p.get_param("name", header="content-disposition")): p.get_payload(decode=True) for p in message.iter_parts()
    }


@pytest.mark.parametrize("version", ["2024-11-15", "2025-10-15"])
async def test_every_audio_source_gives_the_same_result(
    version: str, tmp_path: Path, speech_emulator: Emulator
) -> None:
    path = tmp_path / "call.wav"
    path.write_bytes(AUDIO)
    async with SpeechClient(endpoint=speech_emulator.url, key=speech_emulator.key, api_version=version) as client:
        results = [
            await client.transcriptions.transcribe(AUDIO, locales=["en-US"]),
            await client.transcriptions.transcribe(path, locales=["en-US"]),
            await client.transcriptions.transcribe(str(path), locales=["en-US"]),
            await client.transcriptions.transcribe(io.BytesIO(AUDIO), locales=["en-US"]),
            await client.transcriptions.transcribe(chunks(AUDIO), locales=["en-US"]),
        ]
        other = await client.transcriptions.transcribe(AUDIO + b"!", locales=["en-US"])
    texts = {r.text() for r in results}
    assert len(texts) == 1 and texts.pop()
    assert other.text() != results[0].text()
    assert results[1].source == str(path)
    assert all(isinstance(r, TranscriptionResult) and r.duration_ticks > 0 for r in results)


async def test_diarized_result_has_speakers_and_captions(speech_client: SpeechClient) -> None:
    result = await speech_client.transcriptions.transcribe(AUDIO, locales=["en-US"], diarization=3)
    assert 2 <= len(result.speakers) <= 3
    assert all(p.best.words for p in result.phrases)
    srt, vtt = result.to_srt(), result.to_webvtt()
    assert srt.startswith("1\n00:00:") and " --> " in srt
    assert vtt.startswith("WEBVTT\n\n") and "<v Speaker 1>" in vtt
    first = result.phrases[0]
    assert result.text(speaker=first.speaker).startswith(first.text)


async def test_the_definition_on_the_wire(server: RecordingServer) -> None:
    server.reply(200, {"durationMilliseconds": 1000, "combinedPhrases": [{"text": "Hi."}], "phrases": []})
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0) as client:
        result = await client.transcriptions.transcribe(
            AUDIO,
            locales=["en-US", "de-DE"],
            diarization=4,
            channels=[0, 1],
            profanity_filter_mode="Masked",
            phrase_list=["Contoso", "Jessie"],
            enhanced_mode={"enabled": True, "task": "translate", "targetLanguage": "de"},
        )
    sent = server.last
    assert (sent.method, sent.path, sent.query["api-version"]) == (
        "POST",
        "/speechtotext/transcriptions:transcribe",
        "2025-10-15",
    )
    parts = multipart(sent.body, sent.headers["Content-Type"])
    assert parts["audio"] == AUDIO
    assert json.loads(parts["definition"]) == {
        "locales": ["en-US", "de-DE"],
        "diarization": {"enabled": True, "maxSpeakers": 4},
        "channels": [0, 1],
        "profanityFilterMode": "Masked",
        "phraseList": {"phrases": ["Contoso", "Jessie"]},
        "enhancedMode": {"enabled": True, "task": "translate", "targetLanguage": "de"},
    }
    assert result.text() == "Hi."


async def test_transcribe_from_url_sends_no_audio(server: RecordingServer) -> None:
    server.reply(200, {"durationMilliseconds": 0, "combinedPhrases": [], "phrases": []})
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0) as client:
        result = await client.transcriptions.transcribe_from_url("https://audio.example.com/a.wav")
    parts = multipart(server.last.body, server.last.headers["Content-Type"])
    assert set(parts) == {"definition"}
    assert json.loads(parts["definition"])["audioUrl"] == "https://audio.example.com/a.wav"
    assert result.source == "https://audio.example.com/a.wav"


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: tmp / "missing.wav", "no audio file at"),
        (lambda tmp: b"", "the audio is empty"),
        (lambda tmp: sparse(tmp / "empty.wav", 0), "the audio is empty"),
        (lambda tmp: sparse(tmp / "huge.wav", MAX_FAST_AUDIO_BYTES), "under 300 MB"),
        (lambda tmp: 42, "audio must be a path"),
    ],
    ids=["directory", "missing", "empty-bytes", "empty-file", "300-MB", "not-audio"],
)
async def test_bad_audio_is_refused_before_sending(
    audio: object, message: str, tmp_path: Path, server: RecordingServer
) -> None:
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, max_retries=0) as client:
        with pytest.raises(InvalidArgumentError, match=message):
            await client.transcriptions.transcribe(audio(tmp_path))  # type: ignore[operator]
    assert server.requests == []


async def test_versions_without_fast_transcription_say_so(server: RecordingServer) -> None:
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="v3.1") as client:
        with pytest.raises(UnsupportedOperationError, match="2024-11-15, 2025-10-15"):
            await client.transcriptions.transcribe(AUDIO)
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="2024-11-15") as client:
        with pytest.raises(InvalidArgumentError, match="2025-10-15"):
            await client.transcriptions.transcribe_from_url("https://audio.example.com/a.wav")
        with pytest.raises(InvalidArgumentError, match="enhanced_mode needs API version 2025-10-15"):
            await client.transcriptions.transcribe(AUDIO, enhanced_mode=True)
    assert server.requests == []
