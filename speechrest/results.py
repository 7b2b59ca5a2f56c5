"""Recognition results, one family for batch result files and fast transcription answers.

Times are kept as exact integer ticks (1 tick = 100 ns) as the service sends them;
``offset`` and ``duration`` give them as ``timedelta``. A result renders itself as text
(per channel and per speaker) and as SRT or WebVTT captions (see ``speechrest.captions``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs

from . import captions

__all__ = ["Alternative", "Phrase", "ReportEntry", "TranscriptionReport", "TranscriptionResult", "Word"]

TICKS_PER_MS = 10_000


def _ticks(value: Any) -> int:
    """Tick values arrive as integers, or in older files as floats ending in ``.0``."""
    ticks = int(value)
    if ticks != value:
        raise ValueError(f"a tick count must be a whole number, got {value!r}")
    return ticks


def _delta(ticks: int) -> timedelta:
    return timedelta(microseconds=ticks / 10)


class _Timed:
    """``offset`` and ``duration`` as ``timedelta``, from exact tick fields."""

    __slots__ = ()
    offset_ticks: int
    duration_ticks: int

    @property
    def offset(self) -> timedelta:
        return _delta(self.offset_ticks)

    @property
    def duration(self) -> timedelta:
        return _delta(self.duration_ticks)

    @property
    def end_ticks(self) -> int:
        return self.offset_ticks + self.duration_ticks


@attrs.frozen
class Word(_Timed):
    """A recognised word (or display-form word) and when it was said."""

    text: str
    offset_ticks: int
    duration_ticks: int
    confidence: float | None = None


@attrs.frozen
class Alternative:
    """One recognition hypothesis of a phrase (``nBest`` entry), best first."""

    display: str
    lexical: str | None = None
    itn: str | None = None
    masked_itn: str | None = None
    confidence: float | None = None
    words: tuple[Word, ...] = ()
    display_words: tuple[Word, ...] = ()


@attrs.frozen
class Phrase(_Timed):
    """One utterance: where and when it was said, by whom, and its alternatives."""

    channel: int
    offset_ticks: int
    duration_ticks: int
    alternatives: tuple[Alternative, ...]
    speaker: int | None = None
    locale: str | None = None
    status: str = "Success"

    @property
    def best(self) -> Alternative:
        return self.alternatives[0]

    @property
    def text(self) -> str:
        """The best alternative's display text."""
        return self.best.display


@attrs.frozen
class TranscriptionResult:
    """The recognised speech of one audio file."""

    source: str | None
    duration_ticks: int
    phrases: tuple[Phrase, ...]
    combined: dict[int, str]  # channel -> the channel's whole display text
    timestamp: str | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def duration(self) -> timedelta:
        return _delta(self.duration_ticks)

    @property
    def channels(self) -> list[int]:
        return sorted({p.channel for p in self.phrases} | set(self.combined))

    @property
    def speakers(self) -> list[int]:
        return sorted({p.speaker for p in self.phrases if p.speaker is not None})

    def text(self, *, channel: int | None = None, speaker: int | None = None) -> str:
        """The display text, of every channel (one line each) or of one channel or speaker."""
        if speaker is not None:
            return " ".join(p.text for p in self._recognised() if p.speaker == speaker and _on(p, channel))
        if channel is not None:
            if channel in self.combined:
                return self.combined[channel]
            return " ".join(p.text for p in self._recognised() if p.channel == channel)
        return "\n".join(self.text(channel=c) for c in self.channels)

    def _recognised(self) -> list[Phrase]:
        return sorted((p for p in self.phrases if p.status == "Success"), key=lambda p: (p.offset_ticks, p.channel))

    def to_srt(self, **options: Any) -> str:
        """SubRip captions; see ``speechrest.captions.to_srt`` for the options."""
        return captions.to_srt(self, **options)

    def to_webvtt(self, **options: Any) -> str:
        """WebVTT captions; see ``speechrest.captions.to_webvtt`` for the options."""
        return captions.to_webvtt(self, **options)

    def to_dict(self) -> dict[str, Any]:
        """The wire JSON this result was read from."""
        return self.raw

    # ----------------------------------------------------------------- readers

    @classmethod
    def from_batch(cls, data: dict[str, Any]) -> TranscriptionResult:
        """A batch transcription result file (``kind == "Transcription"``)."""
        phrases = tuple(
            Phrase(
                channel=int(p.get("channel", 0)),
                offset_ticks=_ticks(p["offsetInTicks"]),
                duration_ticks=_ticks(p["durationInTicks"]),
                alternatives=tuple(_alternative(a) for a in p.get("nBest", ())) or (Alternative(display=""),),
                speaker=p.get("speaker"),
                locale=p.get("locale"),
                status=p.get("recognitionStatus", "Success"),
            )
            for p in data.get("recognizedPhrases", ())
        )
        combined = {int(c.get("channel", 0)): c.get("display", "") for c in data.get("combinedRecognizedPhrases", ())}
        return cls(
            source=data.get("source"),
            duration_ticks=_ticks(data.get("durationInTicks", 0)),
            phrases=phrases,
            combined=combined,
            timestamp=data.get("timestamp"),
            raw=data,
        )

    @classmethod
    def from_fast(cls, data: dict[str, Any], source: str | None = None) -> TranscriptionResult:
        """A fast transcription answer (``TranscribeResult`` in wire form: milliseconds)."""
        phrases = tuple(
            Phrase(
                channel=int(p.get("channel") or 0),
                offset_ticks=int(p["offsetMilliseconds"]) * TICKS_PER_MS,
                duration_ticks=int(p["durationMilliseconds"]) * TICKS_PER_MS,
                alternatives=(
                    Alternative(
                        display=p["text"],
                        confidence=p.get("confidence"),
                        words=tuple(
                            Word(
                                w["text"],
                                int(w["offsetMilliseconds"]) * TICKS_PER_MS,
                                int(w["durationMilliseconds"]) * TICKS_PER_MS,
                            )
                            for w in p.get("words") or ()
                        ),
                    ),
                ),
                speaker=p.get("speaker"),
                locale=p.get("locale"),
            )
            for p in data.get("phrases", ())
        )
        combined = {int(c.get("channel") or 0): c["text"] for c in data.get("combinedPhrases", ())}
        return cls(
            source=source,
            duration_ticks=int(data.get("durationMilliseconds", 0)) * TICKS_PER_MS,
            phrases=phrases,
            combined=combined,
            raw=data,
        )


def _on(phrase: Phrase, channel: int | None) -> bool:
    return channel is None or phrase.channel == channel


def _word(data: dict[str, Any], text_key: str) -> Word:
    return Word(data[text_key], _ticks(data["offsetInTicks"]), _ticks(data["durationInTicks"]), data.get("confidence"))


def _alternative(data: dict[str, Any]) -> Alternative:
    return Alternative(
        display=data.get("display", ""),
        lexical=data.get("lexical"),
        itn=data.get("itn"),
        masked_itn=data.get("maskedITN"),
        confidence=data.get("confidence"),
        words=tuple(_word(w, "word") for w in data.get("words", ())),
        display_words=tuple(_word(w, "displayText") for w in data.get("displayWords", ())),
    )


@attrs.frozen
class ReportEntry:
    """How one audio file of a batch transcription went."""

    source: str | None
    status: str  # "Succeeded" or "Failed"
    error_kind: str | None = None
    error_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


@attrs.frozen
class TranscriptionReport:
    """The report file of a batch transcription (``kind == "TranscriptionReport"``)."""

    successful_count: int
    failed_count: int
    details: tuple[ReportEntry, ...]
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def failed(self) -> list[ReportEntry]:
        """The audio files that could not be transcribed."""
        return [entry for entry in self.details if not entry.succeeded]

    def to_dict(self) -> dict[str, Any]:
        """The wire JSON this report was read from."""
        return self.raw

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TranscriptionReport:
        details = tuple(
            ReportEntry(d.get("source"), str(d.get("status", "")), d.get("errorKind"), d.get("errorMessage"))
            for d in data.get("details", ())
        )
        return cls(
            successful_count=int(data.get("successfulTranscriptionsCount", 0)),
            failed_count=int(data.get("failedTranscriptionsCount", 0)),
            details=details,
            raw=data,
        )
