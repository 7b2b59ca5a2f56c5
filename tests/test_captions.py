"""Captions checked cue by cue against hand-worked expectations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from speechrest.results import TranscriptionResult

SECOND = 10_000_000  # ticks


def word(text: str, start: float, end: float) -> dict[str, Any]:
    return {"word": text, "offsetInTicks": round(start * SECOND), "durationInTicks": round((end - start) * SECOND)}


def phrase(display: str, start: float, end: float, speaker: int | None, words: list[dict[str, Any]]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "recognitionStatus": "Success",
        "channel": 0,
        "offsetInTicks": round(start * SECOND),
        "durationInTicks": round((end - start) * SECOND),
        "nBest": [{"confidence": 0.9, "lexical": display.lower(), "display": display, "words": words}],
    }
    if speaker is not None:
        entry["speaker"] = speaker
    return entry


RESULT = TranscriptionResult.from_batch(
    {
        "source": "https://audio.example.com/a.wav",
        "durationInTicks": 17 * SECOND,
        "combinedRecognizedPhrases": [{"channel": 0, "display": "Hello there, how are you? Fine, thanks."}],
        "recognizedPhrases": [
            phrase(
                "Hello there, how are you?",
                0.5,
                3.0,
                1,
                [
                    word("hello", 0.5, 0.9),
                    word("there", 0.9, 1.4),
                    word("how", 1.5, 1.7),
                    word("are", 1.7, 1.9),
                    word("you", 1.9, 3.0),
                ],
            ),
            phrase("Fine, thanks.", 3.5, 4.5, 2, [word("fine", 3.5, 4.0), word("thanks", 4.0, 4.5)]),
            phrase("One two three four five six", 10.0, 16.0, None, []),
        ],
    }
)


def test_srt_one_cue_per_phrase_when_they_fit() -> None:
    assert RESULT.to_srt() == (
        "1\n00:00:00,500 --> 00:00:03,000\nHello there, how are you?\n\n"
        "2\n00:00:03,500 --> 00:00:04,500\nFine, thanks.\n\n"
        "3\n00:00:10,000 --> 00:00:16,000\nOne two three four five six\n"
    )


def test_webvtt_labels_speakers() -> None:
    assert RESULT.to_webvtt() == (
        "WEBVTT\n\n"
        "00:00:00.500 --> 00:00:03.000\n<v Speaker 1>Hello there, how are you?\n\n"
        "00:00:03.500 --> 00:00:04.500\n<v Speaker 2>Fine, thanks.\n\n"
        "00:00:10.000 --> 00:00:16.000\nOne two three four five six\n"
    )


def test_cues_split_at_words_by_length_with_their_own_times() -> None:
    assert RESULT.to_srt(max_line_length=12, max_lines=1) == (
        "1\n00:00:00,500 --> 00:00:01,400\nHello there,\n\n"
        "2\n00:00:01,500 --> 00:00:03,000\nhow are you?\n\n"
        "3\n00:00:03,500 --> 00:00:04,000\nFine,\n\n"
        "4\n00:00:04,000 --> 00:00:04,500\nthanks.\n\n"
        # no word timings: cut by length, 6 s shared out by characters (7, 10 and 8 of 25)
        "5\n00:00:10,000 --> 00:00:11,680\nOne two\n\n"
        "6\n00:00:11,680 --> 00:00:14,080\nthree four\n\n"
        "7\n00:00:14,080 --> 00:00:16,000\nfive six\n"
    )


def test_cues_split_by_duration() -> None:
    srt = RESULT.to_srt(max_cue_duration=timedelta(seconds=1))
    assert srt.split("\n\n")[:3] == [
        "1\n00:00:00,500 --> 00:00:01,400\nHello there,",
        "2\n00:00:01,500 --> 00:00:01,900\nhow are",
        "3\n00:00:01,900 --> 00:00:03,000\nyou?",
    ]


def test_lines_wrap_within_a_cue() -> None:
    vtt = RESULT.to_webvtt(max_line_length=14, max_lines=2)
    assert "00:00:00.500 --> 00:00:03.000\n<v Speaker 1>Hello there,\nhow are you?" in vtt


def test_text_per_channel_and_speaker() -> None:
    assert RESULT.text() == "Hello there, how are you? Fine, thanks."
    assert RESULT.text(speaker=2) == "Fine, thanks."
    assert RESULT.speakers == [1, 2]
    assert RESULT.phrases[0].offset == timedelta(seconds=0.5)


def test_float_ticks_from_older_files_are_exact() -> None:
    old = TranscriptionResult.from_batch(
        {"durationInTicks": 7600000.0, "recognizedPhrases": [phrase("Hi.", 0.0, 0.76, None, [])]}
    )
    assert old.duration_ticks == 7_600_000 and isinstance(old.duration_ticks, int)
    with pytest.raises(ValueError, match="whole number"):
        TranscriptionResult.from_batch({"durationInTicks": 7600000.5})


@pytest.mark.parametrize("options", [{"max_line_length": 0}, {"max_lines": 0}, {"max_cue_duration": timedelta(0)}])
def test_bad_caption_options(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        RESULT.to_srt(**options)
