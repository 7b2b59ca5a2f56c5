"""Captions checked cue by cue against hand-worked expectations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from speechrest.errors import ResponseParseError
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
    with pytest.raises(ResponseParseError, match="whole number"):
        TranscriptionResult.from_batch({"durationInTicks": 7600000.5})


@pytest.mark.parametrize("options", [{"max_line_length": 0}, {"max_lines": 0}, {"max_cue_duration": timedelta(0)}])
def test_bad_caption_options(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        RESULT.to_srt(**options)


def result(*phrases: dict[str, Any], duration: float = 60.0) -> TranscriptionResult:
    return TranscriptionResult.from_batch({"durationInTicks": round(duration * SECOND), "recognizedPhrases": phrases})


def test_display_text_not_the_spoken_words_when_formatting_merges_them() -> None:
    spoken = [
        word("the", 0.5, 0.7),
        word("code", 0.7, 1.0),
        word("is", 1.0, 1.2),
        word("zero", 1.3, 1.6),
        word("zero", 1.6, 1.9),
        word("three", 1.9, 2.2),
        word("zero", 2.2, 2.6),
    ]
    code = result(phrase("The code is 0030.", 0.5, 2.6, None, spoken))
    assert code.to_srt() == "1\n00:00:00,500 --> 00:00:02,600\nThe code is 0030.\n"
    # "0030." takes the time of the four words it stands for
    assert code.to_srt(max_line_length=12, max_lines=1) == (
        "1\n00:00:00,500 --> 00:00:01,200\nThe code is\n\n2\n00:00:01,300 --> 00:00:02,600\n0030.\n"
    )


def test_tokens_written_for_several_words_take_the_words_under_their_share_of_the_text() -> None:
    spoken = [
        word("that's", 1.0, 1.4),
        word("five", 1.5, 1.9),
        word("dollars", 1.9, 2.4),
        word("doctor", 2.6, 3.0),
        word("smith", 3.0, 3.5),
    ]
    paid = result(phrase("That's $5, Dr. Smith.", 1.0, 3.5, None, spoken))
    # "$5," and "Dr." share "five dollars doctor": a word belongs to the token its middle falls in
    assert paid.to_srt(max_line_length=6, max_lines=1) == (
        "1\n00:00:01,000 --> 00:00:01,400\nThat's\n\n"
        "2\n00:00:01,500 --> 00:00:02,400\n$5,\n\n"
        "3\n00:00:02,600 --> 00:00:03,000\nDr.\n\n"
        "4\n00:00:03,000 --> 00:00:03,500\nSmith.\n"
    )


def test_chinese_is_joined_without_spaces_and_cut_between_characters() -> None:
    spoken = [
        word("今天", 1.0, 1.4),
        word("天气", 1.4, 1.8),
        word("很", 1.8, 2.0),
        word("好", 2.0, 2.2),
        word("我们", 2.5, 2.9),
        word("去", 2.9, 3.1),
        word("公园", 3.1, 3.6),
        word("吧", 3.6, 3.8),
    ]
    park = result(phrase("今天天气很好。我们去公园吧。", 1.0, 3.8, None, spoken))
    assert park.to_srt() == "1\n00:00:01,000 --> 00:00:03,800\n今天天气很好。我们去公园吧。\n"
    # punctuation stays with the character before it: "好。" and "吧。" are never cut
    assert park.to_srt(max_line_length=7, max_lines=1) == (
        "1\n00:00:01,000 --> 00:00:02,200\n今天天气很好。\n\n2\n00:00:02,500 --> 00:00:03,800\n我们去公园吧。\n"
    )
    # "我们" is cut between its characters, 2.5 s to 2.7 s and 2.7 s to 2.9 s
    assert park.to_webvtt(max_line_length=4, max_lines=2) == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.700\n今天天气\n很好。我\n\n00:00:02.700 --> 00:00:03.800\n们去公园\n吧。\n"
    )


def test_thai_marks_and_leading_vowels_stay_with_their_consonant() -> None:
    rained = result(phrase("เมื่อวานฝนตก", 0.0, 1.2, None, []))  # "it rained yesterday", no word timings
    # "เ" goes with the consonant after it, "ื่" with the one before, and so does "า"
    assert rained.to_srt(max_line_length=4, max_lines=1) == (
        "1\n00:00:00,000 --> 00:00:00,400\nเมื่\n\n"
        "2\n00:00:00,400 --> 00:00:00,800\nอวาน\n\n"
        "3\n00:00:00,800 --> 00:00:01,200\nฝนตก\n"
    )
    assert rained.to_srt(max_line_length=3, max_lines=1).split("\n\n")[1] == "2\n00:00:00,400 --> 00:00:00,700\nอวา"


def test_unusable_word_times_fall_back_to_the_phrase() -> None:
    words = [word("one", 1.0, 1.5), word("two", 0.0, 0.0), word("three", 5.0, 5.5)]  # 0/0, and after the phrase
    counted = result(phrase("One two three.", 1.0, 3.0, None, words))
    # "two three." share the rest of the phrase, 1.5 s to 3 s, by their letters (3 and 6)
    assert counted.to_srt(max_line_length=6, max_lines=1) == (
        "1\n00:00:01,000 --> 00:00:01,500\nOne\n\n"
        "2\n00:00:01,500 --> 00:00:02,000\ntwo\n\n"
        "3\n00:00:02,000 --> 00:00:03,000\nthree.\n"
    )
    untimed = result(phrase("One two.", 2.0, 3.0, None, [word("one", 0.0, 0.0), word("two", 0.0, 0.0)]))
    assert untimed.to_srt(max_line_length=4, max_lines=1) == (
        # no usable word times: the second shared out by characters, 3 and 4
        "1\n00:00:02,000 --> 00:00:02,428\nOne\n\n2\n00:00:02,428 --> 00:00:03,000\ntwo.\n"
    )


def test_no_cue_without_length() -> None:
    # "A" has no length of its own and sits where "B" starts: it is never a cue by itself
    words = [word("a", 2.0, 2.0), word("b", 2.0, 3.0), word("c", 3.0, 4.0)]
    letters = result(phrase("A B C", 2.0, 4.0, None, words), phrase("Gone.", 5.0, 5.0, None, []))
    assert letters.to_srt(max_line_length=1, max_lines=1) == (
        "1\n00:00:02,000 --> 00:00:03,000\nA\nB\n\n2\n00:00:03,000 --> 00:00:04,000\nC\n"
    )


def test_cues_stay_inside_the_audio() -> None:
    late = result(
        phrase("Almost done.", 8.0, 11.0, None, [word("almost", 8.0, 9.0), word("done", 9.5, 11.0)]),
        phrase("Past the end.", 12.0, 13.0, None, []),
        duration=10.0,
    )
    assert late.to_srt() == "1\n00:00:08,000 --> 00:00:10,000\nAlmost done.\n"


def test_speaker_zero_is_labelled() -> None:
    first = result(phrase("Hi.", 0.0, 1.0, 0, [word("hi", 0.0, 1.0)]))
    assert first.to_webvtt() == "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Speaker 0>Hi.\n"


def test_webvtt_escapes_what_would_read_as_markup() -> None:
    markup = result(phrase("R&D spent <$5 -> fine.", 0.0, 2.0, 3, []))
    assert markup.to_webvtt() == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Speaker 3>R&amp;D spent &lt;$5 -&gt; fine.\n"
    )
    assert markup.to_srt() == "1\n00:00:00,000 --> 00:00:02,000\nR&D spent <$5 -> fine.\n"
