"""``client.transcriptions``: the generated calls, and by hand: many audio files at once,
results and reports, fast transcription, and waiting."""

from __future__ import annotations

import asyncio
import collections
import io
import json
import os
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union
from uuid import UUID

from .._core.arguments import MAX_CONTENT_URLS
from .._core.telemetry import traced_iteration
from .._core.transport import read_json
from .._generated.groups import TranscriptionsGroup
from ..errors import InvalidArgumentError, NotFoundError, PermissionDeniedError, SpeechError, _text
from ..waiting import TEntity, Waitable, _id_of

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._core.records import CallOptions
    from ..results import TranscriptionReport, TranscriptionResult

__all__ = ["MAX_FAST_AUDIO_BYTES", "AudioSource", "Transcriptions"]

# An expired content URL is renewed this many times at most (a storage firewall refuses every one).
MAX_URL_RENEWALS = 2
# Fast transcription takes audio under 300 MB (and under 120 minutes, which only the service can tell).
MAX_FAST_AUDIO_BYTES = 300 * 1000 * 1000
# Audio as a path, an open binary file, bytes, or an async stream of bytes (streamed, never read whole).
AudioSource = Union[str, "os.PathLike[str]", IO[bytes], bytes, bytearray, memoryview, AsyncIterable[bytes]]


class Transcriptions(Waitable[TEntity], TranscriptionsGroup):
    """``client.transcriptions``: the generated calls plus fast transcription and ``wait``."""

    __slots__ = ()
    _GET = "Transcriptions_Get"
    _LIST = "Transcriptions_List"
    _WHAT = "transcription"

    async def create_many(
        self, content_urls: Sequence[str], definition: TEntity | Mapping[str, Any], **options: Unpack[CallOptions]
    ) -> list[TEntity]:
        """Transcriptions for any number of audio URLs: one per 1,000 (the service's limit), all
        with ``definition``'s settings (a model or a wire dict), each created exactly once."""
        urls = list(content_urls)
        if not urls:
            raise InvalidArgumentError("create_many: no content URLs")
        base = (
            dict(definition) if isinstance(definition, Mapping) else self._requester.converter.unstructure(definition)
        )
        parts = [urls[i : i + MAX_CONTENT_URLS] for i in range(0, len(urls), MAX_CONTENT_URLS)]
        created: list[Any] = []  # the version's class, which the generated create names as a union
        for number, part in enumerate(parts, start=1):
            body = {**base, "contentUrls": part}
            if len(parts) > 1:
                body["displayName"] = f"{base.get('displayName', 'transcription')} ({number}/{len(parts)})"
            created.append(await self.create(body, **options))
        return created

    @traced_iteration
    async def results(
        self, transcription: TEntity | str | UUID, *, settle_seconds: float = 10.0, concurrency: int = 4
    ) -> AsyncIterator[TranscriptionResult]:
        """The result of every audio file of a succeeded transcription, one ``TranscriptionResult`` each.

        Files are fetched from their content URLs without credentials, ``concurrency`` at a
        time ahead of the one you read, and yielded in the service's order. An expired URL (403)
        is renewed by asking for the file again (twice at most, then ``PermissionDeniedError``); a
        file that is not there yet (404, which happens right after ``Succeeded``) is asked for
        again for up to ``settle_seconds``.

        Given an id, or a state that does not say ``Succeeded``, it first asks the service (one GET):
        ``JobFailedError`` (with the service's error) if the transcription failed,
        ``JobNotFinishedError`` while it has not finished (``await client.transcriptions.wait(t)`` first).
        """
        if concurrency < 1:
            raise InvalidArgumentError(f"results: concurrency must be >= 1, got {concurrency}")
        from ..results import TranscriptionResult  # results and captions load when first read

        async for data in self._read_files(transcription, "Transcription", settle_seconds, concurrency):
            yield TranscriptionResult.from_batch(data)

    async def report(self, transcription: TEntity | str | UUID, *, settle_seconds: float = 10.0) -> TranscriptionReport:
        """The report of a succeeded transcription: how many audio files succeeded, and why any failed.

        Fetched like ``results`` (no credentials, renewed when expired, waited for briefly), with the
        same errors for a transcription that failed or has not finished."""
        from ..results import TranscriptionReport  # results and captions load when first read

        async with aclosing(self._read_files(transcription, "TranscriptionReport", settle_seconds, 1)) as reports:
            async for data in reports:
                return TranscriptionReport.from_json(data)
        raise SpeechError(f"transcription {_id_of(transcription)} has no report file")

    async def _read_files(
        self, transcription: Any, kind: str, settle_seconds: float, concurrency: int
    ) -> AsyncGenerator[Any, None]:
        """The JSON of each of the transcription's files of ``kind``, up to ``concurrency`` fetched ahead."""
        transcription_id = (await self._succeeded(transcription)).id
        ahead: collections.deque[asyncio.Task[bytes]] = collections.deque()
        try:
            async for file in self.list_files(transcription_id):
                if _text(file.kind) == kind:
                    ahead.append(asyncio.ensure_future(self._fetch(transcription_id, file, settle_seconds)))
                    if len(ahead) >= concurrency:
                        yield read_json(await ahead.popleft(), f"a {kind} file")
            while ahead:
                yield read_json(await ahead.popleft(), f"a {kind} file")
        finally:  # the reader stopped early, or a fetch failed: the others are not left running
            for task in ahead:
                task.cancel()
            await asyncio.gather(*ahead, return_exceptions=True)

    async def _fetch(self, transcription_id: str, file: Any, settle_seconds: float) -> bytes:
        clock = self._requester.clock
        deadline = clock.monotonic() + settle_seconds
        pause = 0.25
        renewals = 0
        while True:
            try:
                return await self._requester.download(file.links.content_url, {})
            except PermissionDeniedError:  # the SAS URL expired: a fresh one comes with the file
                if renewals >= MAX_URL_RENEWALS:
                    raise
                renewals += 1
                file = await self.get_file(transcription_id, file.id)
            except NotFoundError:
                if clock.monotonic() + pause > deadline:
                    raise
                await clock.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def transcribe(
        self,
        audio: AudioSource,
        *,
        locales: Sequence[str] | None = None,
        diarization: bool | int | None = None,
        channels: Sequence[int] | None = None,
        profanity_filter_mode: str | None = None,
        phrase_list: Sequence[str] | Mapping[str, Any] | None = None,
        enhanced_mode: bool | Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> TranscriptionResult:
        """Transcribe one audio file at once (GA versions); no job to wait for.

        ``diarization`` is True, or the most speakers to tell apart. The audio is checked
        (not a directory, not empty, under 300 MB) before anything is sent.
        """
        definition = self._definition(locales, diarization, channels, profanity_filter_mode, phrase_list, enhanced_mode)
        body = _audio_body(audio)
        source = os.fspath(audio) if isinstance(audio, (str, os.PathLike)) else None
        return await self._run(definition, body, source, options)

    async def transcribe_from_url(
        self,
        url: str,
        *,
        locales: Sequence[str] | None = None,
        diarization: bool | int | None = None,
        channels: Sequence[int] | None = None,
        profanity_filter_mode: str | None = None,
        phrase_list: Sequence[str] | Mapping[str, Any] | None = None,
        enhanced_mode: bool | Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> TranscriptionResult:
        """Transcribe the audio at ``url`` at once (API version 2025-10-15 and later)."""
        if self._requester.api_version == "2024-11-15":
            raise InvalidArgumentError("transcribe_from_url needs API version 2025-10-15 (audioUrl)")
        if not url.startswith(("https://", "http://")):
            raise InvalidArgumentError(f"transcribe_from_url: url must be an http(s) URL, got {url!r}")
        definition = self._definition(locales, diarization, channels, profanity_filter_mode, phrase_list, enhanced_mode)
        definition["audioUrl"] = url
        return await self._run(definition, None, url, options)

    def _definition(
        self,
        locales: Sequence[str] | None,
        diarization: bool | int | None,
        channels: Sequence[int] | None,
        profanity_filter_mode: str | None,
        phrase_list: Sequence[str] | Mapping[str, Any] | None,
        enhanced_mode: bool | Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The ``TranscribeDefinition`` JSON for the options given."""
        definition: dict[str, Any] = {"locales": list(locales or ())}
        if diarization:
            definition["diarization"] = {"enabled": True}
            if not isinstance(diarization, bool):
                if diarization < 2:
                    raise InvalidArgumentError(f"transcribe: diarization takes 2 or more speakers, got {diarization}")
                definition["diarization"]["maxSpeakers"] = diarization
        if channels is not None:
            definition["channels"] = list(channels)
        if profanity_filter_mode is not None:
            definition["profanityFilterMode"] = profanity_filter_mode
        if phrase_list is not None:
            definition["phraseList"] = (
                dict(phrase_list) if isinstance(phrase_list, Mapping) else {"phrases": list(phrase_list)}
            )
        if enhanced_mode:
            if self._requester.api_version == "2024-11-15":
                raise InvalidArgumentError("transcribe: enhanced_mode needs API version 2025-10-15")
            definition["enhancedMode"] = {"enabled": True} if enhanced_mode is True else dict(enhanced_mode)
        return definition

    async def _run(
        self, definition: dict[str, Any], audio: Any, source: str | None, options: CallOptions
    ) -> TranscriptionResult:
        args = {"audio": audio, "definition": json.dumps(definition)}
        answer = await self._requester.invoke("Transcriptions_Transcribe", args, options)
        from ..results import TranscriptionResult  # results and captions load when first read

        return TranscriptionResult.from_fast(self._requester.converter.unstructure(answer), source)


def _audio_body(audio: AudioSource) -> Any:
    """The audio as something to stream, after checking what can be checked before sending."""
    if isinstance(audio, (str, os.PathLike)):
        path = Path(audio)
        if path.is_dir():
            raise InvalidArgumentError(f"transcribe: {path} is a directory, not an audio file")
        if not path.is_file():
            raise InvalidArgumentError(f"transcribe: no audio file at {path}")
        _check_size(path.stat().st_size)
        return path
    if isinstance(audio, (bytes, bytearray, memoryview)):
        _check_size(len(audio))
        return io.BytesIO(audio)
    if isinstance(audio, AsyncIterable):
        return _counted(audio)
    if hasattr(audio, "read"):
        _check_size(_remaining(audio))
        return audio
    raise InvalidArgumentError(
        f"transcribe: audio must be a path, a binary file, bytes or an async iterable, got {audio!r}"
    )


def _check_size(size: int | None) -> None:
    if size == 0:
        raise InvalidArgumentError("transcribe: the audio is empty")
    if size is not None and size >= MAX_FAST_AUDIO_BYTES:
        raise InvalidArgumentError(f"transcribe: the audio is {size:,} bytes; fast transcription takes under 300 MB")


def _remaining(file: IO[bytes]) -> int | None:
    """Bytes left in a file object, when it can tell."""
    try:
        return os.fstat(file.fileno()).st_size - file.tell()
    except (OSError, AttributeError, io.UnsupportedOperation):
        try:
            here = file.tell()
            end = file.seek(0, io.SEEK_END)
            file.seek(here)
            return end - here
        except (OSError, AttributeError, io.UnsupportedOperation):
            return None


async def _counted(stream: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Pass a stream through, refusing it once it passes the size limit."""
    total = 0
    async for chunk in stream:
        total += len(chunk)
        _check_size(None if total < MAX_FAST_AUDIO_BYTES else total)
        yield chunk
    _check_size(total)
