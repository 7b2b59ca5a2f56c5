"""Result documents shaped like Microsoft's published samples, read and captioned.

Each batch document is checked against Microsoft's JSON Schema for its version (when the
schemas are beside the repo); the quirks of real files (``timeStamp``, files with milliseconds
only, word times of 0/0) are made from valid documents by small edits.
"""

from __future__ import annotations

import copy
import functools
import json
from collections import OrderedDict
from typing import Any

import pytest
from conftest import SPEC_ROOT

from speechrest.emulator._results import format_ticks
from speechrest.errors import ResponseParseError
from speechrest.results import TranscriptionReport, TranscriptionResult

SECOND = 10_000_000  # ticks
TICKS_PER_MS = 10_000


def span(start: float, end: float) -> dict[str, Any]:
    offset, duration = round(start * SECOND), round((end - start) * SECOND)
    return {
        "offset": format_ticks(offset),
        "duration": format_ticks(duration),
        "offsetInTicks": offset,
        "durationInTicks": duration,
    }


def word(text: str, start: float, end: float) -> dict[str, Any]:
    return {"word": text, **span(start, end), "confidence": 0.9}


def shown(text: str, start: float, end: float) -> dict[str, Any]:
    return {"displayText": text, **span(start, end)}


def alternative(
    display: str,
    lexical: str,
    confidence: float = 0.9,
    words: list[dict[str, Any]] | None = None,
    display_words: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    itn = display.rstrip(".?").lower()
    entry: dict[str, Any] = {
        "confidence": confidence,
        "lexical": lexical,
        "itn": itn,
        "maskedITN": itn,
        "display": display,
    }
    if words is not None:
        entry["words"] = words
    if display_words is not None:
        entry["displayWords"] = display_words
    return entry


def phrase(
    start: float, end: float, *nbest: dict[str, Any], channel: int = 0, speaker: int | None = None, locale: str = ""
) -> dict[str, Any]:
    entry: dict[str, Any] = {"recognitionStatus": "Success", "channel": channel, **span(start, end)}
    if speaker is not None:
        entry["speaker"] = speaker
    if locale:
        entry["locale"] = locale
    return {**entry, "nBest": list(nbest)}


def document(duration: float, *phrases: dict[str, Any], timestamp: str = "2025-03-04T05:06:07Z") -> dict[str, Any]:
    combined = []
    for channel in sorted({p["channel"] for p in phrases}):
        bests = [p["nBest"][0] for p in phrases if p["channel"] == channel]
        joined = {key: " ".join(b[key] for b in bests) for key in ("lexical", "itn", "maskedITN", "display")}
        combined.append({"channel": channel, **joined})
    ticks = round(duration * SECOND)
    return {
        "source": "https://contoso.blob.core.windows.net/audio/call.wav",
        "timestamp": timestamp,
        "durationInTicks": ticks,
        "duration": format_ticks(ticks),
        "combinedRecognizedPhrases": combined,
        "recognizedPhrases": list(phrases),
    }


def in_milliseconds(data: Any) -> Any:
    """A document as the GA versions write it: milliseconds beside every tick field."""
    if isinstance(data, list):
        return [in_milliseconds(item) for item in data]
    if not isinstance(data, dict):
        return data
    out = {key: in_milliseconds(value) for key, value in data.items()}
    for name in ("offset", "duration"):
        if name + "InTicks" in data:
            out[name + "Milliseconds"] = int(data[name + "InTicks"]) // TICKS_PER_MS
    return out


def without(data: Any, *keys: str) -> Any:
    if isinstance(data, list):
        return [without(item, *keys) for item in data]
    if isinstance(data, dict):
        return {key: without(value, *keys) for key, value in data.items() if key not in keys}
    return data


# A stereo call (v3.0): inverse text normalisation writes "0030", "$5" and "Dr." for the spoken words.
STEREO = document(
    5.5,
    phrase(
        0.5,
        2.6,
        alternative(
            "The code is 0030.",
            "the code is zero zero three zero",
            0.93,
            words=[
                word("the", 0.5, 0.7),
                word("code", 0.7, 1.0),
                word("is", 1.0, 1.2),
                word("zero", 1.3, 1.6),
                word("zero", 1.6, 1.9),
                word("three", 1.9, 2.2),
                word("zero", 2.2, 2.6),
            ],
        ),
        alternative("The code is 0031.", "the code is zero zero three one", 0.81),
        alternative("The code was 0030.", "the code was zero zero three zero", 0.77),
        alternative("The coat is 0030.", "the coat is zero zero three zero", 0.52),
        alternative("A code is 0030.", "a code is zero zero three zero", 0.41),
    ),
    phrase(
        1.0,
        3.5,
        alternative(
            "That's $5, Dr. Smith.",
            "that's five dollars doctor smith",
            words=[
                word("that's", 1.0, 1.4),
                word("five", 1.5, 1.9),
                word("dollars", 1.9, 2.4),
                word("doctor", 2.6, 3.0),
                word("smith", 3.0, 3.5),
            ],
        ),
        channel=1,
    ),
    phrase(4.0, 5.2, alternative("Thank you.", "thank you", words=[word("thank", 4.0, 4.5), word("you", 4.5, 5.2)])),
)

# Modelled on Microsoft's "Hello world." sample (v3.1): display words, and ticks written as floats.
HELLO = {
    "source": "https://contoso.blob.core.windows.net/audio/hello.wav",
    "timestamp": "2023-07-10T14:28:16Z",
    "durationInTicks": 25800000,
    "duration": "PT2.58S",
    "combinedRecognizedPhrases": [
        {
            "channel": 0,
            "lexical": "hello world",
            "itn": "hello world",
            "maskedITN": "hello world",
            "display": "Hello world.",
        }
    ],
    "recognizedPhrases": [
        {
            "recognitionStatus": "Success",
            "channel": 0,
            "offset": "PT0.76S",
            "duration": "PT1.32S",
            "offsetInTicks": 7600000.0,
            "durationInTicks": 13200000.0,
            "nBest": [
                {
                    "confidence": 0.5643338,
                    "lexical": "hello world",
                    "itn": "hello world",
                    "maskedITN": "hello world",
                    "display": "Hello world.",
                    "displayWords": [
                        {
                            "displayText": "Hello",
                            "offset": "PT0.76S",
                            "duration": "PT0.76S",
                            "offsetInTicks": 7600000.0,
                            "durationInTicks": 7600000.0,
                        },
                        {
                            "displayText": "world.",
                            "offset": "PT1.52S",
                            "duration": "PT0.56S",
                            "offsetInTicks": 15200000.0,
                            "durationInTicks": 5600000.0,
                        },
                    ],
                }
            ],
        }
    ],
}

# One speaker after another (v3.1): diarization (speakers from 0), language identification, display words.
DIARIZED = document(
    7.5,
    phrase(
        0.2,
        1.8,
        alternative(
            "Hello, Dr. Smith.",
            "hello doctor smith",
            words=[word("hello", 0.2, 0.7), word("doctor", 0.8, 1.2), word("smith", 1.2, 1.8)],
            display_words=[shown("Hello,", 0.2, 0.7), shown("Dr.", 0.8, 1.2), shown("Smith.", 1.2, 1.8)],
        ),
        speaker=0,
        locale="en-US",
    ),
    phrase(
        2.0,
        3.6,
        alternative(
            "Hola, ¿qué tal?",
            "hola qué tal",
            words=[word("hola", 2.0, 2.5), word("qué", 2.6, 3.0), word("tal", 3.0, 3.6)],
            display_words=[shown("Hola,", 2.0, 2.5), shown("¿qué", 2.6, 3.0), shown("tal?", 3.0, 3.6)],
        ),
        speaker=1,
        locale="es-ES",
    ),
    phrase(
        4.0,
        6.0,
        alternative(
            "I paid $5 on May 5th.",
            "i paid five dollars on may fifth",
            words=[
                word("i", 4.0, 4.2),
                word("paid", 4.2, 4.6),
                word("five", 4.6, 4.9),
                word("dollars", 4.9, 5.2),
                word("on", 5.2, 5.4),
                word("may", 5.4, 5.7),
                word("fifth", 5.7, 6.0),
            ],
            display_words=[
                shown("I", 4.0, 4.2),
                shown("paid", 4.2, 4.6),
                shown("$5", 4.6, 5.2),
                shown("on", 5.2, 5.4),
                shown("May", 5.4, 5.7),
                shown("5th.", 5.7, 6.0),
            ],
        ),
        speaker=2,
        locale="en-US",
    ),
    phrase(6.5, 7.3, alternative("Thanks.", "thanks", words=[word("thanks", 6.5, 7.3)]), speaker=0, locale="en-US"),
)

CHINESE = document(
    5.0,
    phrase(
        1.0,
        3.8,
        alternative(
            "今天天气很好。我们去公园吧。",
            "今天 天气 很 好 我们 去 公园 吧",
            words=[
                word("今天", 1.0, 1.4),
                word("天气", 1.4, 1.8),
                word("很", 1.8, 2.0),
                word("好", 2.0, 2.2),
                word("我们", 2.5, 2.9),
                word("去", 2.9, 3.1),
                word("公园", 3.1, 3.6),
                word("吧", 3.6, 3.8),
            ],
        ),
        speaker=1,
    ),
    phrase(4.2, 4.8, alternative("好的。", "好的", words=[word("好的", 4.2, 4.8)]), speaker=1),
)

JAPANESE = document(
    5.0,
    phrase(
        0.5,
        2.2,
        alternative(
            "東京は晴れです。",
            "東京 は 晴れ です",
            display_words=[
                shown("東京", 0.5, 1.0),
                shown("は", 1.0, 1.2),
                shown("晴れ", 1.2, 1.7),
                shown("です。", 1.7, 2.2),
            ],
        ),
    ),
    phrase(
        3.0,
        4.9,
        alternative(
            "新しいiPhoneを買いました。",
            "新しい iphone を 買いました",
            display_words=[
                shown("新しい", 3.0, 3.5),
                shown("iPhone", 3.5, 4.0),
                shown("を", 4.0, 4.1),
                shown("買いました。", 4.1, 4.9),
            ],
        ),
    ),
)

DOCUMENTS = {"v3.0": [STEREO], "v3.1": [HELLO, DIARIZED, CHINESE, JAPANESE], "2024-11-15": [in_milliseconds(STEREO)]}
SCHEMAS = {
    "v3.0": "transcriptionresult_v3.schema.json",
    "v3.1": "transcriptionresult_v3_1.schema.json",
    "2024-11-15": "transcriptionresult_v2024-11-15.schema.json",
}


@functools.cache
def schema_validator(version: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    folder = SPEC_ROOT / "results"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (the result schemas live in ../shared/spec/results beside the repo)")
    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.schema.json")]
    registry = referencing.Registry().with_resources((s["$id"], referencing.Resource.from_contents(s)) for s in schemas)
    own = next(s for s in schemas if s["$id"].endswith("/" + SCHEMAS[version]))
    return jsonschema.Draft7Validator(own, registry=registry)


@pytest.mark.parametrize("version", list(DOCUMENTS))
def test_the_documents_follow_microsofts_schemas(version: str) -> None:
    for data in DOCUMENTS[version]:
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator(version).iter_errors(data)]
        assert not problems, "\n".join(problems[:5])


def test_stereo_call_with_formatted_numbers() -> None:
    stereo = TranscriptionResult.from_batch(STEREO)
    assert stereo.channels == [0, 1]
    assert stereo.text() == "The code is 0030. Thank you.\nThat's $5, Dr. Smith."
    assert stereo.to_srt() == (
        "1\n00:00:00,500 --> 00:00:02,600\nThe code is 0030.\n\n"
        "2\n00:00:01,000 --> 00:00:03,500\nThat's $5, Dr. Smith.\n\n"
        "3\n00:00:04,000 --> 00:00:05,200\nThank you.\n"
    )
    # "$5," spans "five dollars", "Dr." spans "doctor"
    assert stereo.to_srt(channel=1, max_line_length=10, max_lines=1) == (
        "1\n00:00:01,000 --> 00:00:02,400\nThat's $5,\n\n2\n00:00:02,600 --> 00:00:03,500\nDr. Smith.\n"
    )


def test_five_alternatives_best_first() -> None:
    first = TranscriptionResult.from_batch(STEREO).phrases[0]
    assert [a.display for a in first.alternatives] == [
        "The code is 0030.",
        "The code is 0031.",
        "The code was 0030.",
        "The coat is 0030.",
        "A code is 0030.",
    ]
    assert [a.confidence for a in first.alternatives] == [0.93, 0.81, 0.77, 0.52, 0.41]
    assert first.best.lexical == "the code is zero zero three zero" and first.best.itn == "the code is 0030"
    assert [w.text for w in first.best.words] == ["the", "code", "is", "zero", "zero", "three", "zero"]
    assert first.alternatives[1].words == ()


def test_hello_world_sample() -> None:
    hello = TranscriptionResult.from_batch(HELLO)
    start = hello.phrases[0]
    assert (start.offset_ticks, start.duration_ticks) == (7_600_000, 13_200_000)
    assert all(type(t) is int for t in (start.offset_ticks, start.best.display_words[1].duration_ticks))
    assert hello.timestamp == "2023-07-10T14:28:16Z"
    assert hello.to_srt(max_line_length=6, max_lines=1) == (
        "1\n00:00:00,760 --> 00:00:01,520\nHello\n\n2\n00:00:01,520 --> 00:00:02,080\nworld.\n"
    )


def test_timestamp_spelled_with_a_capital_s() -> None:
    data = {("timeStamp" if key == "timestamp" else key): value for key, value in HELLO.items()}
    assert TranscriptionResult.from_batch(data).timestamp == "2023-07-10T14:28:16Z"


def edited_words(*words: dict[str, Any]) -> dict[str, Any]:
    """HELLO with lexical words in place of its display words."""
    data = copy.deepcopy(HELLO)
    best = data["recognizedPhrases"][0]["nBest"][0]
    del best["displayWords"]
    best["words"] = list(words)
    return data


@pytest.mark.parametrize(
    ("words", "srt"),
    [
        pytest.param(
            [word("hello", 0, 0), word("world", 0, 0)],
            # no usable times: 1.32 s shared by characters, 5 and 6
            "1\n00:00:00,760 --> 00:00:01,360\nHello\n\n2\n00:00:01,360 --> 00:00:02,080\nworld.\n",
            id="zero",
        ),
        pytest.param(
            [word("hello", 0.76, 1.52), word("world", 30.0, 30.5)],
            # "world." has the rest of the phrase
            "1\n00:00:00,760 --> 00:00:01,520\nHello\n\n2\n00:00:01,520 --> 00:00:02,080\nworld.\n",
            id="outside",
        ),
        pytest.param(
            [word("hello", 0.5, 1.0), word("world", 1.52, 2.5)],
            # both overhang the phrase (0.76 s to 2.08 s) and are cut to it
            "1\n00:00:00,760 --> 00:00:01,000\nHello\n\n2\n00:00:01,520 --> 00:00:02,080\nworld.\n",
            id="overhanging",
        ),
    ],
)
def test_word_times_that_do_not_fit_the_phrase(words: list[dict[str, Any]], srt: str) -> None:
    assert TranscriptionResult.from_batch(edited_words(*words)).to_srt(max_line_length=6, max_lines=1) == srt


def test_speakers_and_languages() -> None:
    talk = TranscriptionResult.from_batch(DIARIZED)
    assert talk.speakers == [0, 1, 2]
    assert [p.locale for p in talk.phrases] == ["en-US", "es-ES", "en-US", "en-US"]
    assert talk.text(speaker=0) == "Hello, Dr. Smith. Thanks."
    assert talk.to_webvtt() == (
        "WEBVTT\n\n"
        "00:00:00.200 --> 00:00:01.800\n<v Speaker 0>Hello, Dr. Smith.\n\n"
        "00:00:02.000 --> 00:00:03.600\n<v Speaker 1>Hola, ¿qué tal?\n\n"
        "00:00:04.000 --> 00:00:06.000\n<v Speaker 2>I paid $5 on May 5th.\n\n"
        "00:00:06.500 --> 00:00:07.300\n<v Speaker 0>Thanks.\n"
    )


def test_spoken_words_time_the_display_as_display_words_do() -> None:
    options: dict[str, Any] = {"max_line_length": 10, "max_lines": 1}
    with_display_words = TranscriptionResult.from_batch(DIARIZED).to_srt(**options)
    assert with_display_words.split("\n\n")[4:7] == [
        "5\n00:00:04,000 --> 00:00:05,200\nI paid $5",
        "6\n00:00:05,200 --> 00:00:05,700\non May",
        "7\n00:00:05,700 --> 00:00:06,000\n5th.",
    ]
    assert TranscriptionResult.from_batch(without(DIARIZED, "displayWords")).to_srt(**options) == with_display_words


def test_chinese_joins_without_spaces() -> None:
    chinese = TranscriptionResult.from_batch(CHINESE)
    assert chinese.text(speaker=1) == "今天天气很好。我们去公园吧。好的。"
    assert chinese.to_webvtt(max_line_length=7, max_lines=1) == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.200\n<v Speaker 1>今天天气很好。\n\n"
        "00:00:02.500 --> 00:00:03.800\n<v Speaker 1>我们去公园吧。\n\n"
        "00:00:04.200 --> 00:00:04.800\n<v Speaker 1>好的。\n"
    )


def test_japanese_display_words_join_without_spaces() -> None:
    japanese = TranscriptionResult.from_batch(JAPANESE)
    assert japanese.to_srt() == (
        "1\n00:00:00,500 --> 00:00:02,200\n東京は晴れです。\n\n"
        "2\n00:00:03,000 --> 00:00:04,900\n新しいiPhoneを買いました。\n"
    )
    # a Latin word stays whole; "買いました。" (0.8 s, 6 characters) is cut after its first character
    assert japanese.to_srt(max_line_length=8, max_lines=1).split("\n\n")[1:] == [
        "2\n00:00:03,000 --> 00:00:03,500\n新しい",
        "3\n00:00:03,500 --> 00:00:04,233\niPhoneを買",
        "4\n00:00:04,233 --> 00:00:04,900\nいました。\n",
    ]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(in_milliseconds, id="ga"),
        pytest.param(lambda d: without(in_milliseconds(d), "durationInTicks", "offsetInTicks"), id="milliseconds"),
        pytest.param(lambda d: without(d, "durationInTicks", "offsetInTicks"), id="iso-8601"),
    ],
)
def test_times_from_milliseconds_or_iso_8601(edit: Any) -> None:
    expected = TranscriptionResult.from_batch(STEREO)
    read = TranscriptionResult.from_batch(edit(STEREO))
    assert read.duration_ticks == 55_000_000
    assert read.phrases == expected.phrases
    assert read.to_srt() == expected.to_srt()


def test_a_bad_time_is_refused() -> None:
    with pytest.raises(ResponseParseError, match="ISO 8601"):
        TranscriptionResult.from_batch({"duration": "PT"})
    with pytest.raises(ResponseParseError, match="whole number"):
        TranscriptionResult.from_batch({"durationMilliseconds": 1.5})


# Fast transcription answers: milliseconds, words in display form, ``channel`` only with ``channels``.
FAST_DIARIZED = {
    "durationMilliseconds": 4200,
    "combinedPhrases": [{"text": "Good afternoon. This is Sam. I owe you $5."}],
    "phrases": [
        {
            "speaker": 1,
            "offsetMilliseconds": 80,
            "durationMilliseconds": 1440,
            "text": "Good afternoon.",
            "words": [
                {"text": "Good", "offsetMilliseconds": 80, "durationMilliseconds": 400},
                {"text": "afternoon.", "offsetMilliseconds": 480, "durationMilliseconds": 1040},
            ],
            "locale": "en-US",
            "confidence": 0.93554276,
        },
        {
            "speaker": 1,
            "offsetMilliseconds": 1600,
            "durationMilliseconds": 900,
            "text": "This is Sam.",
            "words": [
                {"text": "This", "offsetMilliseconds": 1600, "durationMilliseconds": 300},
                {"text": "is", "offsetMilliseconds": 1900, "durationMilliseconds": 200},
                {"text": "Sam.", "offsetMilliseconds": 2100, "durationMilliseconds": 400},
            ],
            "locale": "en-US",
            "confidence": 0.9,
        },
        {
            "speaker": 2,
            "offsetMilliseconds": 2800,
            "durationMilliseconds": 1200,
            "text": "I owe you $5.",
            "words": [
                {"text": "I", "offsetMilliseconds": 2800, "durationMilliseconds": 200},
                {"text": "owe", "offsetMilliseconds": 3000, "durationMilliseconds": 300},
                {"text": "you", "offsetMilliseconds": 3300, "durationMilliseconds": 200},
                {"text": "$5.", "offsetMilliseconds": 3500, "durationMilliseconds": 500},
            ],
            "locale": "en-US",
            "confidence": 0.88,
        },
    ],
}

FAST_STEREO = {
    "durationMilliseconds": 3000,
    "combinedPhrases": [{"channel": 0, "text": "Hello."}, {"channel": 1, "text": "你好。"}],
    "phrases": [
        {
            "channel": 0,
            "offsetMilliseconds": 200,
            "durationMilliseconds": 600,
            "text": "Hello.",
            "words": [{"text": "Hello.", "offsetMilliseconds": 200, "durationMilliseconds": 600}],
            "confidence": 0.95,
        },
        {
            "channel": 1,
            "offsetMilliseconds": 1000,
            "durationMilliseconds": 800,
            "text": "你好。",
            "words": [{"text": "你好", "offsetMilliseconds": 1000, "durationMilliseconds": 800}],
            "confidence": 0.9,
        },
    ],
}


def test_fast_transcription_without_channels() -> None:
    fast = TranscriptionResult.from_fast(FAST_DIARIZED, source="call.wav")
    assert (fast.source, fast.duration_ticks, fast.channels, fast.speakers) == ("call.wav", 42_000_000, [0], [1, 2])
    assert fast.text() == "Good afternoon. This is Sam. I owe you $5."
    assert fast.text(speaker=1) == "Good afternoon. This is Sam."
    assert fast.to_webvtt(max_line_length=10, max_lines=1) == (
        "WEBVTT\n\n"
        "00:00:00.080 --> 00:00:00.480\n<v Speaker 1>Good\n\n"
        "00:00:00.480 --> 00:00:01.520\n<v Speaker 1>afternoon.\n\n"
        "00:00:01.600 --> 00:00:02.100\n<v Speaker 1>This is\n\n"
        "00:00:02.100 --> 00:00:02.500\n<v Speaker 1>Sam.\n\n"
        "00:00:02.800 --> 00:00:03.500\n<v Speaker 2>I owe you\n\n"
        "00:00:03.500 --> 00:00:04.000\n<v Speaker 2>$5.\n"
    )


def test_fast_transcription_by_channel() -> None:
    fast = TranscriptionResult.from_fast(FAST_STEREO)
    assert fast.channels == [0, 1] and fast.speakers == []
    assert fast.text() == "Hello.\n你好。"
    assert fast.to_srt(channel=1, max_line_length=1, max_lines=1) == (
        "1\n00:00:01,000 --> 00:00:01,400\n你\n\n2\n00:00:01,400 --> 00:00:01,800\n好。\n"
    )


def test_to_dict_is_a_copy_of_the_document() -> None:
    data = copy.deepcopy(HELLO)
    hello = TranscriptionResult.from_batch(data)
    data["recognizedPhrases"][0]["nBest"][0]["display"] = "changed"
    data["source"] = "changed"
    out = hello.to_dict()
    assert out == HELLO
    assert isinstance(out["recognizedPhrases"][0]["offsetInTicks"], float)  # as the file had it
    out["recognizedPhrases"].clear()
    assert hello.to_dict() == HELLO
    assert hello.to_dict() is not hello.to_dict()


def test_to_dict_of_other_mappings_and_of_fast_answers() -> None:
    ordered = OrderedDict(STEREO)
    assert TranscriptionResult.from_batch(ordered).to_dict() == STEREO
    answer = copy.deepcopy(FAST_STEREO)
    fast = TranscriptionResult.from_fast(answer)
    answer["phrases"].clear()
    assert fast.to_dict() == FAST_STEREO


def test_report_to_dict_is_a_copy() -> None:
    data = {
        "successfulTranscriptionsCount": 1,
        "failedTranscriptionsCount": 1,
        "details": [
            {"source": "https://a/1.wav", "status": "Succeeded"},
            {
                "source": "https://a/2.wav",
                "status": "Failed",
                "errorKind": "InvalidData",
                "errorMessage": "The recordings URI contains invalid data.",
            },
        ],
    }
    report = TranscriptionReport.from_json(data)
    expected = copy.deepcopy(data)
    data["details"].clear()
    assert report.to_dict() == expected
    assert [entry.source for entry in report.failed] == ["https://a/2.wav"]
