"""The emulator's made-up result files and reports: deterministic, well-formed, self-consistent."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from speechrest._wire import parse_duration
from speechrest.emulator._results import (
    _spoken,
    format_ticks,
    in_milliseconds,
    shape_for,
    transcription_report,
    transcription_result,
)

SOURCES = [f"https://audio.example.com/calls/{n:03d}.wav?sv=2023&sig=abc" for n in range(25)]
WHEN = "2024-05-01T10:00:00Z"
CANDIDATES = ("en-US", "de-DE", "fr-FR")


def result(source: str = SOURCES[0], **options: Any) -> dict[str, Any]:
    return transcription_result(source, locale=options.pop("locale", "en-US"), timestamp=WHEN, **options)


def all_options() -> Iterator[dict[str, Any]]:
    """Every combination of the on/off options."""
    for diarization, words, display, lid in itertools.product((False, True), repeat=4):
        yield {
            "diarization": diarization,
            "word_timestamps": words,
            "display_words": display,
            "candidate_locales": CANDIDATES if lid else None,
        }


OPTIONS = list(all_options())
ALL_ON = OPTIONS[-1]


def by_channel(res: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    channels: dict[int, list[dict[str, Any]]] = {}
    for phrase in res["recognizedPhrases"]:
        channels.setdefault(phrase["channel"], []).append(phrase)
    return channels


def spans(res: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object with offset/duration, plus the file itself (duration only)."""
    for phrase in res["recognizedPhrases"]:
        yield phrase
        for best in phrase["nBest"]:
            yield from best.get("words", [])
            yield from best.get("displayWords", [])


def is_tick(value: Any) -> bool:
    return type(value) is int and value >= 0


# --- format_ticks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ticks", "text"),
    [
        (0, "PT0S"),
        (12_300_000, "PT1.23S"),
        (625_000_000, "PT1M2.5S"),
        (36_000_000_000, "PT1H"),
        (1, "PT0.0000001S"),
        (10_000_000, "PT1S"),
        (600_000_000, "PT1M"),
        (36_000_000_001, "PT1H0.0000001S"),
        (36_610_000_000, "PT1H1M1S"),
        (12_345_678_901, "PT20M34.5678901S"),
        (864_000_000_000, "PT24H"),
    ],
)
def test_format_ticks(ticks: int, text: str) -> None:
    assert format_ticks(ticks) == text


def test_format_ticks_round_trips_through_parse_duration() -> None:
    for ticks in itertools.chain(range(0, 2_000_000, 70), range(0, 80_000_000_000, 9_999_990)):
        assert parse_duration(format_ticks(ticks)) == timedelta(microseconds=ticks // 10)


def test_format_ticks_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_ticks(-1)


# --- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("options", OPTIONS)
def test_same_input_same_result(options: dict[str, Any]) -> None:
    first = result(**options)
    assert first == result(**options)
    assert json.loads(json.dumps(first)) == first  # plain JSON, nothing else


def test_different_sources_say_different_things() -> None:
    texts = {result(source)["combinedRecognizedPhrases"][0]["lexical"] for source in SOURCES}
    assert len(texts) == len(SOURCES)


def test_source_and_timestamp_are_copied() -> None:
    res = transcription_result("https://a.example/x.wav", locale="en-US", timestamp="2023-07-10T14:28:16Z")
    assert res["source"] == "https://a.example/x.wav"
    assert res["timestamp"] == "2023-07-10T14:28:16Z"


def test_options_add_keys_without_changing_words_or_timing() -> None:
    def skeleton(res: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (p["channel"], p["offsetInTicks"], p["durationInTicks"], p["nBest"][0]["display"])
            for p in res["recognizedPhrases"]
        ]

    for source in SOURCES[:5]:
        plain = skeleton(result(source))
        assert all(skeleton(result(source, **options)) == plain for options in OPTIONS)


# --- shape ----------------------------------------------------------------------------------


@pytest.mark.parametrize("options", OPTIONS)
def test_keys_present_exactly_when_asked_for(options: dict[str, Any]) -> None:
    res = result(**options)
    assert list(res) == [
        "source",
        "timestamp",
        "durationInTicks",
        "duration",
        "combinedRecognizedPhrases",
        "recognizedPhrases",
    ]
    for combined in res["combinedRecognizedPhrases"]:
        assert set(combined) == {"channel", "lexical", "itn", "maskedITN", "display"}
    phrase_keys = {"recognitionStatus", "channel", "offset", "duration", "offsetInTicks", "durationInTicks", "nBest"}
    phrase_keys |= {"speaker"} if options["diarization"] else set()
    phrase_keys |= {"locale"} if options["candidate_locales"] else set()
    best_keys = {"confidence", "lexical", "itn", "maskedITN", "display"}
    best_keys |= {"words"} if options["word_timestamps"] else set()
    best_keys |= {"displayWords"} if options["display_words"] else set()
    for phrase in res["recognizedPhrases"]:
        assert set(phrase) == phrase_keys
        assert phrase["recognitionStatus"] == "Success"
        assert phrase["nBest"]
        for best in phrase["nBest"]:
            assert set(best) == best_keys
            for word in best.get("words", []):
                assert set(word) == {"word", "offset", "duration", "offsetInTicks", "durationInTicks", "confidence"}
            for word in best.get("displayWords", []):
                assert set(word) == {"displayText", "offset", "duration", "offsetInTicks", "durationInTicks"}


@pytest.mark.parametrize("source", SOURCES)
def test_ticks_and_iso_durations_agree(source: str) -> None:
    res = result(source, **ALL_ON)
    assert is_tick(res["durationInTicks"])
    assert parse_duration(res["duration"]) == timedelta(microseconds=res["durationInTicks"] / 10)
    assert res["duration"] == format_ticks(res["durationInTicks"])
    checked = 0
    for item in spans(res):
        assert is_tick(item["offsetInTicks"])
        assert is_tick(item["durationInTicks"])
        assert item["durationInTicks"] > 0
        assert parse_duration(item["offset"]) == timedelta(microseconds=item["offsetInTicks"] / 10)
        assert parse_duration(item["duration"]) == timedelta(microseconds=item["durationInTicks"] / 10)
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("source", SOURCES)
def test_phrases_and_words_are_ordered_and_nested(source: str) -> None:
    res = result(source, **ALL_ON)
    offsets = [p["offsetInTicks"] for p in res["recognizedPhrases"]]
    assert offsets == sorted(offsets)
    channels = by_channel(res)
    assert set(channels) == {0, 1}
    for phrases in channels.values():
        assert 2 <= len(phrases) <= 6
        previous_end = 0
        for phrase in phrases:
            start, end = phrase["offsetInTicks"], phrase["offsetInTicks"] + phrase["durationInTicks"]
            assert start >= previous_end  # in order, no overlap
            previous_end = end
            for key in ("words", "displayWords"):
                words = phrase["nBest"][0][key]
                assert words[0]["offsetInTicks"] == start
                word_end = start
                for word in words:
                    assert word["offsetInTicks"] >= word_end
                    word_end = word["offsetInTicks"] + word["durationInTicks"]
                    assert word_end <= end
                assert word_end == end
        assert res["durationInTicks"] >= previous_end


@pytest.mark.parametrize("channels", [(0,), (1,), (0, 1), (3,), (2, 5, 7)])
def test_channels_honoured(channels: tuple[int, ...]) -> None:
    res = result(channels=channels)
    assert [c["channel"] for c in res["combinedRecognizedPhrases"]] == list(channels)
    assert set(by_channel(res)) == set(channels)


@pytest.mark.parametrize("source", SOURCES)
def test_combined_joins_each_channels_best_phrases(source: str) -> None:
    res = result(source)
    channels = by_channel(res)
    for combined in res["combinedRecognizedPhrases"]:
        bests = [p["nBest"][0] for p in channels[combined["channel"]]]
        for key in ("lexical", "itn", "maskedITN", "display"):
            assert combined[key] == " ".join(best[key] for best in bests)


@pytest.mark.parametrize("source", SOURCES)
def test_text_forms(source: str) -> None:
    res = result(source, **ALL_ON)
    for phrase in res["recognizedPhrases"]:
        for best in phrase["nBest"]:
            lexical, itn = best["lexical"], best["itn"]
            assert re.fullmatch(r"[a-z]+( [a-z]+)+", lexical)
            assert re.fullmatch(r"[a-z0-9%]+( [a-z0-9%]+)+", itn)
            assert best["maskedITN"] == itn
            assert best["display"] == itn[0].upper() + itn[1:] + "."
            assert " ".join(w["word"] for w in best["words"]) == lexical
            assert " ".join(w["displayText"] for w in best["displayWords"]) == best["display"]


def spoken_under(best: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    """The spoken words inside a display word's time span."""
    start, end = shown["offsetInTicks"], shown["offsetInTicks"] + shown["durationInTicks"]
    return [w["word"] for w in best["words"] if start <= w["offsetInTicks"] < end]


@pytest.mark.parametrize("source", SOURCES)
def test_display_words_span_the_spoken_words_they_write(source: str) -> None:
    res = result(source, **ALL_ON)
    for phrase in res["recognizedPhrases"]:
        best = phrase["nBest"][0]
        covered = []
        for shown, written in zip(best["displayWords"], best["itn"].split(" "), strict=True):
            spoken = spoken_under(best, shown)
            if written[0].isdigit():
                expected = _spoken(int(written.rstrip("%"))) + (["percent"] if written.endswith("%") else [])
                assert spoken == expected
            else:
                assert spoken == [written]
            covered += spoken
        assert covered == [w["word"] for w in best["words"]]


def test_numbers_are_written_as_digits_in_itn_and_display() -> None:
    bests = [p["nBest"][0] for source in SOURCES for p in result(source, **ALL_ON)["recognizedPhrases"]]
    differing = [b for b in bests if b["itn"] != b["lexical"]]
    assert differing and len(differing) < len(bests)  # numbers in some phrases, not in all
    assert any(len(b["displayWords"]) < len(b["words"]) for b in differing)
    assert any("%" in b["itn"] for b in differing)
    for best in bests:
        tokens = best["itn"].split(" ")
        assert all(not (a[0].isdigit() and b[0].isdigit()) for a, b in itertools.pairwise(tokens))
        assert not re.search(r"\d", best["lexical"])


@pytest.mark.parametrize(
    ("number", "words"),
    [(2, ["two"]), (10, ["ten"]), (13, ["thirteen"]), (19, ["nineteen"]), (40, ["forty"]), (42, ["forty", "two"])],
)
def test_numbers_spoken(number: int, words: list[str]) -> None:
    assert _spoken(number) == words


def test_confidences() -> None:
    for source in SOURCES:
        res = result(source, word_timestamps=True)
        for phrase in res["recognizedPhrases"]:
            best = phrase["nBest"][0]
            for value in [best["confidence"], *(w["confidence"] for w in best["words"])]:
                assert isinstance(value, float)
                assert 0.5 <= value <= 0.99
                assert value == round(value, 4)


@pytest.mark.parametrize(("low", "high"), [(1, 2), (1, 1), (2, 2), (1, 4), (2, 5), (3, 3)])
def test_speakers_within_bounds(low: int, high: int) -> None:
    counts = set()
    for source in SOURCES:
        res = result(source, diarization=True, min_speakers=low, max_speakers=high)
        for phrases in by_channel(res).values():
            speakers = [p["speaker"] for p in phrases]
            assert all(type(s) is int and 1 <= s <= high for s in speakers)
            assert speakers[0] == 1  # numbered in order of first appearance
            if high >= 2:
                assert len(set(speakers)) >= 2
            assert len(set(speakers)) >= min(low, len(phrases))
            counts.add(len(set(speakers)))
    assert max(counts) <= high
    if high > 2:
        assert len(counts) > 1  # the number of speakers varies from file to file


def test_locales_come_from_the_candidates() -> None:
    seen = set()
    for source in SOURCES:
        for phrase in result(source, candidate_locales=CANDIDATES)["recognizedPhrases"]:
            assert phrase["locale"] in CANDIDATES
            seen.add(phrase["locale"])
    assert seen == set(CANDIDATES)
    single = result(candidate_locales=["ja-JP"])
    assert {p["locale"] for p in single["recognizedPhrases"]} == {"ja-JP"}


@pytest.mark.parametrize(
    "options",
    [
        {"channels": ()},
        {"channels": (0, 0)},
        {"channels": (-1,)},
        {"diarization": True, "min_speakers": 0},
        {"diarization": True, "min_speakers": 3, "max_speakers": 2},
        {"candidate_locales": []},
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        result(**options)


# --- shapes by API version -------------------------------------------------------------------


def without_milliseconds(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: without_milliseconds(v) for k, v in data.items() if not k.endswith("Milliseconds")}
    if isinstance(data, list):
        return [without_milliseconds(v) for v in data]
    return data


@pytest.mark.parametrize("source", SOURCES[:5])
def test_ga_shape_adds_milliseconds_beside_the_ticks(source: str) -> None:
    stored = result(source, **ALL_ON)
    ga = json.loads(in_milliseconds(json.dumps(stored).encode()))
    assert without_milliseconds(ga) == stored
    assert list(ga)[:4] == ["source", "timestamp", "durationInTicks", "durationMilliseconds"]
    assert ga["durationMilliseconds"] * 10_000 == ga["durationInTicks"]
    checked = 0
    for item in spans(ga):
        keys = list(item)
        after = keys.index("durationInTicks") + 1
        assert keys[after : after + 2] == ["offsetMilliseconds", "durationMilliseconds"]
        assert item["offsetMilliseconds"] * 10_000 == item["offsetInTicks"]
        assert item["durationMilliseconds"] * 10_000 == item["durationInTicks"]
        checked += 1
    assert checked > 10


@pytest.mark.parametrize(
    ("kind", "version", "reshaped"),
    [
        ("Transcription", "2024-11-15", True),
        ("Transcription", "2025-10-15", True),
        ("Transcription", "v3.1", False),
        ("Transcription", "v3.0", False),
        ("Transcription", None, False),
        ("TranscriptionReport", "2025-10-15", False),
        ("LanguageData", "2025-10-15", False),
    ],
)
def test_which_files_change_shape_by_version(kind: str, version: str | None, reshaped: bool) -> None:
    assert (shape_for(kind, version) is in_milliseconds) == reshaped


# --- report ---------------------------------------------------------------------------------

SELF = "https://localhost/speechtotext/v3.1/transcriptions/6b1f6f0e-3c0d-4a55-9d4c-1b2a0f7e9c11"


def test_report_counts_and_details() -> None:
    report = transcription_report(
        SELF,
        [
            ("https://a.example/1.wav", True, None),
            ("https://a.example/2.wav", False, "The audio is not a supported format."),
            ("https://a.example/3.wav", True, None),
            ("https://a.example/4.wav", False, None),
        ],
    )
    assert report["successfulTranscriptionsCount"] == 2
    assert report["failedTranscriptionsCount"] == 2
    assert report["details"][0] == {"source": "https://a.example/1.wav", "status": "Succeeded"}
    assert report["details"][1] == {
        "source": "https://a.example/2.wav",
        "status": "Failed",
        "errorMessage": "The audio is not a supported format.",
        "errorKind": "InvalidData",
    }
    assert report["details"][2]["status"] == "Succeeded"
    assert set(report["details"][3]) == {"source", "status", "errorMessage", "errorKind"}
    assert report["details"][3]["errorMessage"]
    assert [d["source"] for d in report["details"]] == [f"https://a.example/{n}.wav" for n in range(1, 5)]


def test_report_all_succeeded_and_empty() -> None:
    report = transcription_report(SELF, [("https://a.example/1.wav", True, None)])
    assert report == {
        "successfulTranscriptionsCount": 1,
        "failedTranscriptionsCount": 0,
        "details": [{"source": "https://a.example/1.wav", "status": "Succeeded"}],
    }
    assert transcription_report(SELF, []) == {
        "successfulTranscriptionsCount": 0,
        "failedTranscriptionsCount": 0,
        "details": [],
    }
