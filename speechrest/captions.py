"""Captions from recognition results: SRT and WebVTT.

A phrase becomes one or more cues. With word timings, cues break at word boundaries
when a cue's text would need more than ``max_lines`` lines of ``max_line_length``
characters or last longer than ``max_cue_duration``, and each cue takes the times of its
own words; without them the phrase text is cut by length and its time shared out by
characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from typing_extensions import TypedDict, Unpack

    from .results import Phrase, TranscriptionResult, Word

    class CaptionOptions(TypedDict, total=False):
        """How cues are cut: see ``cues``."""

        max_line_length: int
        max_lines: int
        max_cue_duration: timedelta
        channel: int | None


__all__ = ["Cue", "cues", "to_srt", "to_webvtt"]

_TICKS_PER_MS = 10_000


@attrs.frozen
class Cue:
    """One caption: its time span (ticks), its lines, and who spoke."""

    start_ticks: int
    end_ticks: int
    lines: tuple[str, ...]
    speaker: int | None = None


def cues(
    result: TranscriptionResult,
    *,
    max_line_length: int = 42,
    max_lines: int = 2,
    max_cue_duration: timedelta = timedelta(seconds=7),
    channel: int | None = None,
) -> list[Cue]:
    """The cues of a result (one channel, or all of them in time order)."""
    if max_line_length < 1 or max_lines < 1 or max_cue_duration <= timedelta(0):
        raise ValueError("max_line_length, max_lines and max_cue_duration must be positive")
    longest = int(max_cue_duration / timedelta(microseconds=1)) * 10
    out: list[Cue] = []
    phrases = sorted(
        (p for p in result.phrases if p.status == "Success" and (channel is None or p.channel == channel)),
        key=lambda p: (p.offset_ticks, p.channel),
    )

    def fits(text: str) -> bool:
        return len(_wrap(text, max_line_length)) <= max_lines

    for phrase in phrases:
        for start, end, text in _spans(phrase, fits, longest):
            out.append(Cue(start, end, _wrap(text, max_line_length), phrase.speaker))
    return out


def _timed_tokens(phrase: Phrase) -> list[tuple[str, Word]]:
    """The display text's tokens with word timings, when the phrase has them."""
    best = phrase.best
    if best.display_words:
        return [(w.text, w) for w in best.display_words]
    tokens = best.display.split()
    if best.words and len(tokens) == len(best.words):
        return list(zip(tokens, best.words, strict=True))
    return [(w.text, w) for w in best.words]


def _spans(phrase: Phrase, fits: Callable[[str], bool], longest: int) -> list[tuple[int, int, str]]:
    timed = _timed_tokens(phrase)
    if not timed:
        return _split_evenly(phrase, fits)
    spans: list[tuple[int, int, str]] = []
    group: list[tuple[str, Word]] = []
    for token, word in timed:
        text = " ".join(t for t, _ in [*group, (token, word)])
        if group and (not fits(text) or word.end_ticks - group[0][1].offset_ticks > longest):
            spans.append((group[0][1].offset_ticks, group[-1][1].end_ticks, " ".join(t for t, _ in group)))
            group = []
        group.append((token, word))
    spans.append((group[0][1].offset_ticks, group[-1][1].end_ticks, " ".join(t for t, _ in group)))
    return spans


def _split_evenly(phrase: Phrase, fits: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """Cut untimed text into chunks that fit a cue, the phrase's time shared out by length."""
    chunks: list[str] = []
    for token in phrase.text.split():
        if chunks and fits(chunks[-1] + " " + token):
            chunks[-1] += " " + token
        else:
            chunks.append(token)
    total = sum(len(c) for c in chunks) or 1
    spans, start = [], phrase.offset_ticks
    for chunk in chunks:
        end = start + phrase.duration_ticks * len(chunk) // total
        spans.append((start, end, chunk))
        start = end
    if spans:
        spans[-1] = (spans[-1][0], phrase.end_ticks, spans[-1][2])
    return spans


def _wrap(text: str, width: int) -> tuple[str, ...]:
    lines: list[str] = []
    for token in text.split():
        if lines and len(lines[-1]) + 1 + len(token) <= width:
            lines[-1] += " " + token
        else:
            lines.append(token)
    return tuple(lines)


def _clock(ticks: int, separator: str) -> str:
    ms = ticks // _TICKS_PER_MS
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{ms:03d}"


def to_srt(result: TranscriptionResult, **options: Unpack[CaptionOptions]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``."""
    blocks = [
        f"{n}\n{_clock(c.start_ticks, ',')} --> {_clock(c.end_ticks, ',')}\n" + "\n".join(c.lines)
        for n, c in enumerate(cues(result, **options), start=1)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def to_webvtt(result: TranscriptionResult, **options: Unpack[CaptionOptions]) -> str:
    """WebVTT: ``HH:MM:SS.mmm`` cues, speakers as ``<v Speaker N>`` voice tags."""
    blocks = ["WEBVTT"]
    for c in cues(result, **options):
        lines: Sequence[str] = c.lines
        if c.speaker is not None:
            lines = [f"<v Speaker {c.speaker}>{lines[0]}", *lines[1:]]
        blocks.append(f"{_clock(c.start_ticks, '.')} --> {_clock(c.end_ticks, '.')}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"
