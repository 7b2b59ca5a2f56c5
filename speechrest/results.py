"""Recognition results, one family for batch result files and fast transcription answers.

Times are kept as exact integer ticks (1 tick = 100 ns); ``offset`` and ``duration`` give
them as ``timedelta``. Each time is read from its tick field, else its milliseconds field (GA
files, fast transcription), else its ISO 8601 duration. A result renders itself as text (per
channel and per speaker) and as SRT or WebVTT captions (see ``speechrest.captions``).
A document that cannot be read so raises ``ResponseParseError``.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import re
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import attrs

from . import captions
from .errors import ResponseParseError

__all__ = ["Alternative", "Phrase", "ReportEntry", "TranscriptionReport", "TranscriptionResult", "Word"]

TICKS_PER_MS = 10_000
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def _ticks(value: Any) -> int:
    """Tick values arrive as integers, or in older files as floats ending in ``.0``."""
    ticks = int(value)
    if ticks != value:
        raise ValueError(f"a tick count must be a whole number, got {value!r}")
    return ticks


def _iso_ticks(text: str) -> int:
    """An ISO 8601 duration such as ``PT1M2.5S`` in ticks, exactly (to the nearest tick)."""
    match = _ISO_DURATION.fullmatch(text)
    if match is None or text.endswith(("P", "T")):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    from decimal import Decimal  # only files without tick fields need it: not at import

    days, hours, minutes, seconds = (Decimal(part or 0) for part in match.groups())
    return int((((days * 24 + hours) * 60 + minutes) * 60 + seconds).scaleb(7).to_integral_value())


def _time(data: dict[str, Any], name: str) -> int:
    """``name`` (``offset`` or ``duration``) in ticks, from whichever field the document has; 0 without any."""
    ticks = data.get(name + "InTicks")
    if ticks is not None:
        return _ticks(ticks)
    milliseconds = data.get(name + "Milliseconds")
    if milliseconds is not None:
        return _ticks(milliseconds) * TICKS_PER_MS
    iso = data.get(name)
    return _iso_ticks(iso) if isinstance(iso, str) else 0


def _span(data: dict[str, Any]) -> tuple[int, int]:
    """(offset, duration) in ticks; integer tick fields, the usual case, are taken as they are."""
    offset, duration = data.get("offsetInTicks"), data.get("durationInTicks")
    if type(offset) is int and type(duration) is int:
        return offset, duration
    return _time(data, "offset"), _time(data, "duration")


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


def _frozen(data: dict[str, Any]) -> bytes:
    """A private copy of a document: marshalled, which is quicker than a deep copy, and each load is a new one."""
    try:
        return marshal.dumps(data)
    except ValueError:  # types marshal refuses (a dict subclass, say) are copied as JSON has them
        return marshal.dumps(json.loads(json.dumps(data)))


_EMPTY_DOCUMENT = _frozen({})


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    """Whatever a malformed document makes a reader raise, as ``ResponseParseError``."""
    try:
        yield
    except Exception as exc:
        raise ResponseParseError(f"{what} could not be read: {exc!r}") from exc


@attrs.frozen
class TranscriptionResult:
    """The recognised speech of one audio file."""

    source: str | None
    duration_ticks: int
    phrases: tuple[Phrase, ...]
    combined: dict[int, str]  # channel -> the channel's whole display text
    timestamp: str | None = None
    _wire: bytes = attrs.field(default=_EMPTY_DOCUMENT, repr=False, eq=False, alias="wire")

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
            return captions.join_text(p.text for p in self._recognised() if p.speaker == speaker and _on(p, channel))
        if channel is not None:
            if channel in self.combined:
                return self.combined[channel]
            return captions.join_text(p.text for p in self._recognised() if p.channel == channel)
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
        """A fresh copy of the wire JSON this result was read from."""
        loaded: dict[str, Any] = marshal.loads(self._wire)
        return loaded

    # ----------------------------------------------------------------- readers

    @classmethod
    def from_batch(cls, data: dict[str, Any]) -> TranscriptionResult:
        """A batch transcription result file (``kind == "Transcription"``), of any API version."""
        with _reading("a transcription result file"):
            phrases = tuple([_batch_phrase(p) for p in data.get("recognizedPhrases", ())])
            combined = {
                int(c.get("channel") or 0): c.get("display", "") for c in data.get("combinedRecognizedPhrases", ())
            }
            return cls(
                source=data.get("source"),
                duration_ticks=_time(data, "duration"),
                phrases=phrases,
                combined=combined,
                timestamp=data.get("timestamp", data.get("timeStamp")),
                wire=_frozen(data),
            )

    @classmethod
    def from_fast(cls, data: dict[str, Any], source: str | None = None) -> TranscriptionResult:
        """A fast transcription answer (``TranscribeResult`` in wire form: milliseconds)."""
        with _reading("a fast transcription answer"):
            phrases = tuple([_fast_phrase(p) for p in data.get("phrases", ())])
            combined = {int(c.get("channel") or 0): c["text"] for c in data.get("combinedPhrases", ())}
            return cls(
                source=source,
                duration_ticks=_time(data, "duration"),
                phrases=phrases,
                combined=combined,
                wire=_frozen(data),
            )


def _on(phrase: Phrase, channel: int | None) -> bool:
    return channel is None or phrase.channel == channel


def _batch_phrase(data: dict[str, Any]) -> Phrase:
    offset, duration = _span(data)
    return Phrase(
        channel=int(data.get("channel") or 0),
        offset_ticks=offset,
        duration_ticks=duration,
        alternatives=tuple([_alternative(a) for a in data.get("nBest", ())]) or (Alternative(display=""),),
        speaker=data.get("speaker"),
        locale=data.get("locale"),
        status=data.get("recognitionStatus", "Success"),
    )


def _fast_phrase(data: dict[str, Any]) -> Phrase:
    offset, duration = _span(data)
    best = Alternative(
        display=data.get("text", ""), confidence=data.get("confidence"), words=_words(data.get("words") or (), "text")
    )
    return Phrase(
        channel=int(data.get("channel") or 0),
        offset_ticks=offset,
        duration_ticks=duration,
        alternatives=(best,),
        speaker=data.get("speaker"),
        locale=data.get("locale"),
    )


def _words(items: Iterable[dict[str, Any]], text_key: str) -> tuple[Word, ...]:
    words = []
    for w in items:  # _span, written out: this runs for every word
        offset, duration = w.get("offsetInTicks"), w.get("durationInTicks")
        if type(offset) is not int or type(duration) is not int:
            offset, duration = _time(w, "offset"), _time(w, "duration")
        words.append(Word(w[text_key], offset, duration, w.get("confidence")))
    return tuple(words)


def _alternative(data: dict[str, Any]) -> Alternative:
    return Alternative(
        display=data.get("display", ""),
        lexical=data.get("lexical"),
        itn=data.get("itn"),
        masked_itn=data.get("maskedITN"),
        confidence=data.get("confidence"),
        words=_words(data.get("words") or (), "word"),
        display_words=_words(data.get("displayWords") or (), "displayText"),
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
    _wire: bytes = attrs.field(default=_EMPTY_DOCUMENT, repr=False, eq=False, alias="wire")

    @property
    def failed(self) -> list[ReportEntry]:
        """The audio files that could not be transcribed."""
        return [entry for entry in self.details if not entry.succeeded]

    def to_dict(self) -> dict[str, Any]:
        """A fresh copy of the wire JSON this report was read from."""
        loaded: dict[str, Any] = marshal.loads(self._wire)
        return loaded

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TranscriptionReport:
        """A transcription report file (``kind == "TranscriptionReport"``)."""
        with _reading("a transcription report file"):
            details = tuple(
                ReportEntry(d.get("source"), str(d.get("status", "")), d.get("errorKind"), d.get("errorMessage"))
                for d in data.get("details", ())
            )
            return cls(
                successful_count=int(data.get("successfulTranscriptionsCount", 0)),
                failed_count=int(data.get("failedTranscriptionsCount", 0)),
                details=details,
                wire=_frozen(data),
            )
