"""Captions from recognition results: SRT and WebVTT.

Cues show a phrase's display text, the formatted form ("0030", "$5", "Dr. Smith."). Its
tokens take their times from the phrase's display words when it has them, else from its
lexical words ("zero zero three zero"), matched in order by their letters and digits; a token
that stands for several words ("0030") spans them all. Scripts written without spaces
(Chinese, Japanese, Thai...) are cut between characters and never get spaces added.

A phrase becomes one or more cues, breaking between tokens when a cue's text would need
more than ``max_lines`` lines of ``max_line_length`` characters or last longer than
``max_cue_duration``. Word times that are missing, empty or outside their phrase are
ignored: the tokens they leave untimed share out the time between their timed neighbours,
and a phrase with no usable word times is cut by length, its span shared by characters.
Cues are clipped to the audio's duration (when known); one left with no length is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
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


__all__ = ["Cue", "cues", "join_text", "to_srt", "to_webvtt"]

_TICKS_PER_MS = 10_000
# Thai, Lao, Myanmar, Khmer, CJK punctuation, kana, Bopomofo, ideographs, full-width forms, half-width katakana.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3000-\u30ff\u3100-\u312f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff9f\U00020000-\U0003134f]"
)
# Thai and Lao vowels written before their consonant, and letters that never start a line.
_LEADING_VOWELS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")
_TRAILING = frozenset("\u0e30\u0e32\u0e33\u0e46\u0eb0\u0eb2\u0eb3\u0ec6")
_NOT_LETTERS = re.compile(r"[^\w\0]+|_+")
_Block = tuple[int, int, int, int]  # tokens [i1:i2] stand for reference tokens [j1:j2]


@attrs.frozen
class Cue:
    """One caption: its time span (ticks), its lines, and who spoke."""

    start_ticks: int
    end_ticks: int
    lines: tuple[str, ...]
    speaker: int | None = None


class _Token:
    """A piece of text that is never cut, whether a space goes before it, and its time span (ticks) once timed."""

    __slots__ = ("end", "space", "start", "text", "timed")

    def __init__(self, text: str, space: bool) -> None:
        self.text = text
        self.space = space
        self.timed = False
        self.start = self.end = 0


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
    audio_end = result.duration_ticks if result.duration_ticks > 0 else None
    out: list[Cue] = []
    phrases = sorted(
        (p for p in result.phrases if p.status == "Success" and (channel is None or p.channel == channel)),
        key=lambda p: (p.offset_ticks, p.channel),
    )

    fill = _Fill(max_line_length, max_lines)
    for phrase in phrases:
        for start, end, tokens in _spans(phrase, fill, longest):
            start, end = max(start, 0), max(end, 0)
            if audio_end is not None:
                start, end = min(start, audio_end), min(end, audio_end)
            if end > start:
                out.append(Cue(start, end, _wrap(tokens, max_line_length), phrase.speaker))
    return out


def join_text(texts: Iterable[str]) -> str:
    """Texts joined by spaces, except where a script written without spaces meets the join."""
    joined = ""
    for text in texts:
        if joined and text and not _UNSPACED.match(joined[-1]) and not _UNSPACED.match(text[0]):
            joined += " "
        joined += text
    return joined


@attrs.frozen
class _Fill:
    """Greedy line filling, one token at a time: ``(lines, length of the last)`` after each token."""

    width: int
    max_lines: int

    def add(self, state: tuple[int, int], token: _Token) -> tuple[int, int] | None:
        """The state with ``token`` added, or None if it would need more than ``max_lines`` lines."""
        lines, length = state
        wider = length + len(token.text) + (1 if token.space else 0)
        if lines and wider <= self.width:
            return lines, wider
        return (lines + 1, len(token.text)) if lines < self.max_lines else None


def _tokenize(text: str) -> list[_Token]:
    """Words; in scripts written without spaces, characters (marks and punctuation kept with their neighbour)."""
    if not _UNSPACED.search(text):
        return [_Token(word, True) for word in text.split()]
    tokens: list[_Token] = []
    for chunk in text.split():
        tokens.append(_Token(chunk[0], True))
        for char in chunk[1:]:
            last = tokens[-1].text[-1]
            if _UNSPACED.match(char) or _UNSPACED.match(last):
                category = unicodedata.category(char)
                together = category[0] == "M" or category in ("Pe", "Pf", "Po") or char in _TRAILING
                together = together or unicodedata.category(last) in ("Ps", "Pi") or last in _LEADING_VOWELS
            else:
                together = True  # a run of letters of a spaced script (a Latin name in Japanese text, say)
            if together:
                tokens[-1].text += char
            else:
                tokens.append(_Token(char, False))
    return tokens


def _share(tokens: Sequence[_Token], start: int, end: int) -> None:
    """Give ``tokens`` consecutive parts of ``start``-``end``, in proportion to their lengths."""
    total = sum(len(t.text) for t in tokens)
    done = 0
    for token in tokens:
        token.start = start + (end - start) * done // total
        done += len(token.text)
        token.end = start + (end - start) * done // total
        token.timed = True


def _reference(words: Sequence[Word], split: bool, low: int, high: int) -> list[_Token]:
    """Tokens of the timed words, with their times when usable (positive, and meeting ``low``-``high``)."""
    out: list[_Token] = []
    for word in words:
        start, end = word.offset_ticks, word.end_ticks
        start, end = (low if start < low else start), (high if end > high else end)
        usable = word.duration_ticks > 0 and end > start
        if split:
            pieces = _tokenize(word.text)
            if usable:
                _share(pieces, start, end)
            out.extend(pieces)
        else:
            token = _Token(word.text, True)
            if usable:
                token.start, token.end, token.timed = start, end, True
            out.append(token)
    return out


def _keys(tokens: Sequence[_Token]) -> list[str]:
    """What tokens are matched by: their letters and digits, case folded."""
    if not tokens:
        return []
    return _NOT_LETTERS.sub("", "\0".join(t.text for t in tokens).casefold()).split("\0")


def _blocks(keys: list[str], others: list[str]) -> list[_Block]:
    """Which keys match which others, in order (difflib); the common start and end, most of a phrase, first."""
    size = min(len(keys), len(others))
    head = 0
    while head < size and keys[head] == others[head]:
        head += 1
    tail = 0
    while tail < size - head and keys[-1 - tail] == others[-1 - tail]:
        tail += 1
    middle, other_middle = keys[head : len(keys) - tail], others[head : len(others) - tail]
    blocks: list[_Block] = [(0, head, 0, head)]
    if set(middle).isdisjoint(other_middle):  # e.g. one number written for the words that say it
        blocks.append((head, head + len(middle), head, head + len(other_middle)))
    else:
        from difflib import SequenceMatcher  # here, not at import: most phrases never get this far

        opcodes = SequenceMatcher(None, middle, other_middle, autojunk=False).get_opcodes()
        blocks.extend((i1 + head, i2 + head, j1 + head, j2 + head) for _, i1, i2, j1, j2 in opcodes)
    blocks.append((len(keys) - tail, len(keys), len(others) - tail, len(others)))
    return blocks


def _align(tokens: list[_Token], reference: list[_Token]) -> None:
    """Time the display tokens from the reference tokens they stand for."""
    for i1, i2, j1, j2 in _blocks(_keys(tokens), _keys(reference)):
        if i2 - i1 == j2 - j1:
            for token, match in zip(tokens[i1:i2], reference[j1:j2], strict=True):
                token.start, token.end, token.timed = match.start, match.end, match.timed
        else:
            _snap(tokens[i1:i2], reference[j1:j2])


def _snap(tokens: Sequence[_Token], words: Sequence[_Token]) -> None:
    """Time tokens written for other words ("0030" for "zero zero three zero", "$5," for "five dollars").

    Each token stands for the words whose middle falls in its share of the characters, and spans
    the timed ones among them; a token left without any stays untimed.
    """
    total, word_total = sum(len(t.text) for t in tokens), sum(len(w.text) for w in words)
    index, done, word_done = 0, 0, 0
    for token in tokens:
        done += len(token.text)
        covered: list[_Token] = []
        # word middle / word_total < done / total, in integers
        while index < len(words) and (2 * word_done + len(words[index].text)) * total < 2 * done * word_total:
            covered.append(words[index])
            word_done += len(words[index].text)
            index += 1
        timed = [w for w in covered if w.timed]
        if timed:
            token.start, token.end, token.timed = timed[0].start, max(w.end for w in timed), True


def _fill(tokens: list[_Token], low: int, high: int) -> None:
    """Time each run of untimed tokens from the gap it sits in, then keep the times in order."""
    index = 0
    while index < len(tokens):
        if tokens[index].timed:
            index += 1
            continue
        stop = index + 1
        while stop < len(tokens) and not tokens[stop].timed:
            stop += 1
        after = tokens[index - 1].end if index else low
        before = tokens[stop].start if stop < len(tokens) else high
        _share(tokens[index:stop], after, max(after, before))
        index = stop
    previous = low
    for token in tokens:
        if token.start < previous:
            token.start = previous
        if token.end < token.start:
            token.end = token.start
        previous = token.end


def _spans(phrase: Phrase, fill: _Fill, longest: int) -> list[tuple[int, int, list[_Token]]]:
    """Each cue of a phrase as (start, end, tokens)."""
    best = phrase.best
    tokens = _tokenize(best.display)
    if not tokens:
        return []
    low, high = phrase.offset_ticks, phrase.end_ticks
    split = _UNSPACED.search(best.display) is not None
    _align(tokens, _reference(best.display_words or best.words, split, low, high))
    if not any(t.timed for t in tokens):
        return _split_evenly(tokens, low, high, fill)
    _fill(tokens, low, high)
    spans: list[tuple[int, int, list[_Token]]] = []
    group, state = [tokens[0]], fill.add((0, 0), tokens[0])
    for token in tokens[1:]:
        start, end = group[0].start, group[-1].end
        added = fill.add(state, token) if state else None
        # Never cut where a cue would be left with no length.
        if end > start and token.end > token.start and (added is None or token.end - start > longest):
            spans.append((start, end, group))
            group, added = [], fill.add((0, 0), token)
        group.append(token)
        state = added
    spans.append((group[0].start, group[-1].end, group))
    return spans


def _split_evenly(tokens: list[_Token], low: int, high: int, fill: _Fill) -> list[tuple[int, int, list[_Token]]]:
    """Cut untimed text into chunks that fit a cue, the phrase's time shared out by their lengths."""
    chunks: list[list[_Token]] = []
    state: tuple[int, int] | None = None
    for token in tokens:
        state = fill.add(state, token) if state else None
        if state is None:
            chunks.append([])
            state = fill.add((0, 0), token)
        chunks[-1].append(token)
    lengths = [len(_line(chunk)) for chunk in chunks]
    total, done, start = sum(lengths), 0, low
    spans = []
    for chunk, length in zip(chunks, lengths, strict=True):
        done += length
        end = low + (high - low) * done // total
        spans.append((start, end, chunk))
        start = end
    return spans


def _line(tokens: Sequence[_Token]) -> str:
    return "".join(" " + t.text if t.space and i else t.text for i, t in enumerate(tokens))


def _wrap(tokens: Sequence[_Token], width: int) -> tuple[str, ...]:
    lines: list[str] = []
    for token in tokens:
        space = " " if token.space else ""
        if lines and len(lines[-1]) + len(space) + len(token.text) <= width:
            lines[-1] += space + token.text
        else:
            lines.append(token.text)
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


def _escape(text: str) -> str:
    """Cue text with ``&``, ``<`` and ``>`` as WebVTT needs them written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(result: TranscriptionResult, **options: Unpack[CaptionOptions]) -> str:
    """WebVTT: ``HH:MM:SS.mmm`` cues, speakers as ``<v Speaker N>`` voice tags, ``&``, ``<`` and ``>`` escaped."""
    blocks = ["WEBVTT"]
    for c in cues(result, **options):
        lines: Sequence[str] = [
            line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for line in c.lines
        ]
        if c.speaker is not None:
            lines = [f"<v Speaker {c.speaker}>{lines[0]}", *lines[1:]]
        blocks.append(f"{_clock(c.start_ticks, '.')} --> {_clock(c.end_ticks, '.')}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"
