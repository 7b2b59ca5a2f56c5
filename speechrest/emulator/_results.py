"""Made-up but plausible transcription result files and reports for the emulator.

Everything is a pure function of its arguments: the text, timing, confidences,
speakers and locales come from SHA-256 digests of the source URL and the settings
that matter for each of them, so the same audio URL always "says" the same thing.
Switching word timestamps, display words or diarization on or off adds or removes
keys and never changes the words or their timing.

Files are made in the v3.x shape; ``shape_for`` tells how a client of another API version
sees them (the GA versions add milliseconds beside every tick field).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["format_ticks", "in_milliseconds", "shape_for", "transcription_report", "transcription_result"]

_T = TypeVar("_T")

TICKS_PER_SECOND = 10_000_000
TICKS_PER_MILLISECOND = 10_000
_TICKS_PER_MINUTE = 60 * TICKS_PER_SECOND
_TICKS_PER_HOUR = 60 * _TICKS_PER_MINUTE
# Timing is drawn in steps of 10 ms, as the service reports it; format_ticks stays exact to one tick.
_STEP = 100_000

# Plain lowercase words: no digits, names or "i", so inverse text normalisation leaves them
# alone; numbers (spoken as words, written as digits) are where itn and display differ.
_VOCABULARY = (
    "the", "a", "we", "you", "they", "it", "this", "that", "our", "your",
    "call", "meeting", "order", "account", "delivery", "team", "project", "report", "question", "answer",
    "price", "service", "morning", "today", "tomorrow", "week", "time", "plan", "update", "customer",
    "is", "are", "can", "will", "need", "check", "send", "review", "confirm", "schedule",
    "about", "for", "with", "after", "before", "again", "please", "thanks", "ready", "later",
)  # fmt: skip


_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# About one token in this many is a number ("twenty five" -> "25", "five percent" -> "5%").
_NUMBER_ODDS = 8

# A spoken word with its timing: (word, offset, duration, confidence).
_Word = tuple[str, int, int, float]
# A token of the written (ITN) text and the spoken words it stands for.
_Token = tuple[str, list[_Word]]


class _Draws:
    """A reproducible stream of integers: SHA-256 of a seed and a running counter."""

    def __init__(self, *seed: object) -> None:
        self._seed = json.dumps(seed, separators=(",", ":")).encode()
        self._counter = 0

    def below(self, bound: int) -> int:
        digest = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        self._counter += 1
        return int.from_bytes(digest[:8], "big") % bound

    def between(self, low: int, high: int) -> int:
        """An integer from ``low`` to ``high``, both included."""
        return low + self.below(high - low + 1)

    def pick(self, items: Sequence[_T]) -> _T:
        return items[self.below(len(items))]

    def confidence(self) -> float:
        return round(self.between(5_000, 9_900) / 10_000, 4)


def format_ticks(ticks: int) -> str:
    """Ticks (100 ns each) as an ISO 8601 duration such as ``PT1M2.5S``, exact and without trailing zeros."""
    if ticks < 0:
        raise ValueError(f"ticks must not be negative, got {ticks}")
    hours, rest = divmod(ticks, _TICKS_PER_HOUR)
    minutes, rest = divmod(rest, _TICKS_PER_MINUTE)
    seconds, fraction = divmod(rest, TICKS_PER_SECOND)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if seconds or fraction:
        text += f"{seconds}.{fraction:07d}".rstrip("0").rstrip(".") + "S"
    return f"PT{text or '0S'}"


def _span(offset: int, duration: int) -> dict[str, Any]:
    return {
        "offset": format_ticks(offset),
        "duration": format_ticks(duration),
        "offsetInTicks": offset,
        "durationInTicks": duration,
    }


def _spoken(number: int) -> list[str]:
    """1..99 as spoken words: 7 -> ["seven"], 42 -> ["forty", "two"]."""
    if number < 10:
        return [_UNITS[number - 1]]
    if number < 20:
        return [_TEENS[number - 10]]
    tens, units = divmod(number, 10)
    return [_TENS[tens - 2], *([_UNITS[units - 1]] if units else [])]


def _timed_tokens(draws: _Draws, start: int) -> list[_Token]:
    """One phrase's tokens, their spoken words timed one after another from ``start`` on."""
    tokens: list[_Token] = []
    cursor = start
    for _ in range(draws.between(3, 12)):
        # Never two numbers in a row: spoken together they would read as one ("sixty seven thirty one").
        if draws.below(_NUMBER_ODDS) or (tokens and tokens[-1][0][0].isdigit()):
            word = draws.pick(_VOCABULARY)
            written, spoken = word, [word]
        else:
            number, percent = draws.between(2, 99), not draws.below(3)
            written = f"{number}%" if percent else str(number)
            spoken = _spoken(number) + (["percent"] if percent else [])
        timed: list[_Word] = []
        for word in spoken:
            if tokens or timed:
                cursor += draws.between(0, 8) * _STEP
            duration = draws.between(15, 60) * _STEP
            timed.append((word, cursor, duration, draws.confidence()))
            cursor += duration
        tokens.append((written, timed))
    return tokens


def _phrase(channel: int, tokens: list[_Token], word_timestamps: bool, display_words: bool) -> dict[str, Any]:
    words = [word for _, spoken in tokens for word in spoken]
    offset = words[0][1]
    end = words[-1][1] + words[-1][2]
    itn = " ".join(written for written, _ in tokens)
    display = itn[0].upper() + itn[1:] + "."
    best: dict[str, Any] = {
        "confidence": round(sum(c for _, _, _, c in words) / len(words), 4),
        "lexical": " ".join(word for word, _, _, _ in words),
        "itn": itn,
        "maskedITN": itn,
        "display": display,
    }
    if word_timestamps:
        best["words"] = [{"word": w, **_span(o, d), "confidence": c} for w, o, d, c in words]
    if display_words:
        # A display token spans the spoken words it stands for ("twenty five" -> "25").
        best["displayWords"] = [
            {"displayText": text, **_span(spoken[0][1], spoken[-1][1] + spoken[-1][2] - spoken[0][1])}
            for text, (_, spoken) in zip(display.split(" "), tokens, strict=True)
        ]
    return {"recognitionStatus": "Success", "channel": channel, **_span(offset, end - offset), "nBest": [best]}


def _speakers(draws: _Draws, count: int, phrases: int) -> list[int]:
    """A label (1..count) per phrase; every label is used when there are enough phrases.

    Labels are renumbered in order of first appearance, so the first to talk is speaker 1.
    """
    labels = [draws.between(1, count) for _ in range(phrases)]
    slots = list(range(phrases))
    for i in range(phrases - 1, 0, -1):
        j = draws.below(i + 1)
        slots[i], slots[j] = slots[j], slots[i]
    for label, slot in enumerate(slots[: min(count, phrases)], start=1):
        labels[slot] = label
    renumbered: dict[int, int] = {}
    return [renumbered.setdefault(label, len(renumbered) + 1) for label in labels]


def transcription_result(
    source: str,
    *,
    locale: str,
    timestamp: str,
    channels: Sequence[int] = (0, 1),
    diarization: bool = False,
    min_speakers: int = 1,
    max_speakers: int = 2,
    word_timestamps: bool = False,
    display_words: bool = False,
    candidate_locales: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One result file's JSON for the audio at ``source``, the same every time for the same arguments.

    Each channel gets 2 to 6 non-overlapping phrases in time order. ``speaker`` is
    added with ``diarization`` (labels 1..n, where n lies between ``min_speakers`` and
    ``max_speakers`` and is at least 2 when ``max_speakers`` allows), ``locale`` with
    ``candidate_locales`` (one of them per phrase), ``words`` with ``word_timestamps``
    and ``displayWords`` with ``display_words``.
    """
    channels = list(channels)
    if not channels or len(set(channels)) != len(channels) or min(channels) < 0:
        raise ValueError(f"channels must be distinct non-negative numbers, got {channels}")
    if diarization and not 1 <= min_speakers <= max_speakers:
        raise ValueError(f"need 1 <= min_speakers <= max_speakers, got {min_speakers} and {max_speakers}")
    if candidate_locales is not None and not candidate_locales:
        raise ValueError("candidate_locales must name at least one locale (or be None)")

    if diarization:
        # At least two speakers whenever the bounds allow it.
        fewest = max(min_speakers, min(2, max_speakers))
        speaker_count = _Draws("speaker-count", source, min_speakers, max_speakers).between(fewest, max_speakers)
    combined = []
    phrases: list[tuple[int, int, dict[str, Any]]] = []
    end = 0
    for position, channel in enumerate(channels):
        draws = _Draws("phrases", source, locale, channel)
        cursor = draws.between(10, 150) * _STEP
        timed = []
        for index in range(draws.between(2, 6)):
            if index:
                cursor += draws.between(30, 200) * _STEP
            tokens = _timed_tokens(draws, cursor)
            last = tokens[-1][1][-1]
            cursor = last[1] + last[2]
            timed.append(tokens)
        end = max(end, cursor)
        built = [_phrase(channel, tokens, word_timestamps, display_words) for tokens in timed]
        if diarization:
            labels = _speakers(
                _Draws("speakers", source, min_speakers, max_speakers, channel), speaker_count, len(built)
            )
            for phrase, label in zip(built, labels, strict=True):
                phrase["speaker"] = label
        if candidate_locales is not None:
            picks = _Draws("locales", source, list(candidate_locales), channel)
            for phrase in built:
                phrase["locale"] = picks.pick(candidate_locales)
        phrases.extend((phrase["offsetInTicks"], position, phrase) for phrase in built)
        bests = [phrase["nBest"][0] for phrase in built]
        combined.append(
            {
                "channel": channel,
                **{key: " ".join(best[key] for best in bests) for key in ("lexical", "itn", "maskedITN", "display")},
            }
        )
    duration = end + _Draws("tail", source, locale).between(10, 100) * _STEP
    phrases.sort(key=lambda item: item[:2])
    return {
        "source": source,
        "timestamp": timestamp,
        "durationInTicks": duration,
        "duration": format_ticks(duration),
        "combinedRecognizedPhrases": combined,
        "recognizedPhrases": [_ordered(phrase) for _, _, phrase in phrases],
    }


_PHRASE_KEYS = (
    "recognitionStatus",
    "channel",
    "speaker",
    "offset",
    "duration",
    "offsetInTicks",
    "durationInTicks",
    "locale",
    "nBest",
)


def _ordered(phrase: dict[str, Any]) -> dict[str, Any]:
    """The phrase with its keys in the order the service writes them."""
    return {key: phrase[key] for key in _PHRASE_KEYS if key in phrase}


def _with_milliseconds(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` with its offset and duration also in milliseconds, right after the tick fields."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("recognizedPhrases", "nBest", "words", "displayWords"):
            value = [_with_milliseconds(child) for child in value]
        out[key] = value
        if key == "durationInTicks":
            if "offsetInTicks" in item:
                out["offsetMilliseconds"] = item["offsetInTicks"] // TICKS_PER_MILLISECOND
            out["durationMilliseconds"] = value // TICKS_PER_MILLISECOND
    return out


@functools.lru_cache(maxsize=64)  # a file is listed (for its size) and then fetched: made once
def in_milliseconds(content: bytes) -> bytes:
    """A stored result file (v3.x shape) as the GA versions write it: milliseconds beside the ticks
    at the top and on every phrase, word and display word."""
    return json.dumps(_with_milliseconds(json.loads(content)), indent=2).encode()


def shape_for(kind: str, version: str | None) -> Callable[[bytes], bytes] | None:
    """How a stored file of ``kind`` changes for a client of API ``version``; None when it is served as stored.

    Result files differ for the versions after v3.x (the GA versions). Reports have no
    published schema and nothing public shows them differing, so they stay the same.
    """
    if kind == "Transcription" and version is not None and not version.startswith("v3."):
        return in_milliseconds
    return None


def transcription_report(transcription_self: str, results: Sequence[tuple[str, bool, str | None]]) -> dict[str, Any]:
    """The report file for a finished transcription from (source, succeeded, error message) per audio.

    ``transcription_self`` names the transcription the report belongs to; the service's
    report does not repeat it, so it is not written. A failure without a message gets a
    generic one; a message given with a success is ignored.
    """
    details: list[dict[str, Any]] = []
    for source, succeeded, message in results:
        if succeeded:
            details.append({"source": source, "status": "Succeeded"})
        else:
            details.append(
                {
                    "source": source,
                    "status": "Failed",
                    "errorMessage": message or "The audio could not be transcribed.",
                    "errorKind": "InvalidData",
                }
            )
    succeeded_count = sum(1 for _, succeeded, _ in results if succeeded)
    return {
        "successfulTranscriptionsCount": succeeded_count,
        "failedTranscriptionsCount": len(details) - succeeded_count,
        "details": details,
    }
