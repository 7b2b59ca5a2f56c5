"""The emulator's ``filter`` expressions: what they select and how bad ones are reported."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from speechrest.emulator._filter import FilterError, compile_filter

DATASET_PROPERTIES = ("displayName", "description", "createdDateTime", "lastActionDateTime", "status", "locale", "kind")
FILE_PROPERTIES = ("name", "createdDateTime", "kind")

# Three datasets in wire form. "Beta" lacks description and lastActionDateTime; "it's" has a
# null description, a lastActionDateTime that is not a date-time, and a creation time with a
# fraction and an offset (11:00:00.5 UTC, half a second after Beta's).
DATASETS: list[dict[str, Any]] = [
    {
        "displayName": "Alpha",
        "description": "first",
        "createdDateTime": "2022-02-01T10:00:00Z",
        "lastActionDateTime": "2022-02-01T12:00:00Z",
        "status": "Succeeded",
        "locale": "en-US",
        "kind": "Acoustic",
    },
    {
        "displayName": "Beta",
        "createdDateTime": "2022-02-01T11:00:00Z",
        "status": "Running",
        "locale": "de-DE",
        "kind": "Language",
    },
    {
        "displayName": "it's",
        "description": None,
        "createdDateTime": "2022-02-01T12:00:00.5+01:00",
        "lastActionDateTime": "not a date",
        "status": "Failed",
        "locale": "en-US",
        "kind": "Pronunciation",
    },
]

FILES: list[dict[str, Any]] = [
    {"name": "report.json", "kind": "Transcription", "createdDateTime": "2024-01-02T03:04:05Z"},
    {"name": "contenturl_0.json", "kind": "TranscriptionReport", "createdDateTime": "2024-01-02T03:04:06Z"},
    {"name": "audio.wav", "kind": "Audio"},
]


def selected(expression: str) -> list[str]:
    """The display names of the datasets ``expression`` keeps, in order."""
    keep = compile_filter(expression, DATASET_PROPERTIES)
    return [dataset["displayName"] for dataset in DATASETS if keep(dataset)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # Each operator.
        ("displayName eq 'Alpha'", ["Alpha"]),
        ("displayName ne 'Alpha'", ["Beta", "it's"]),
        ("createdDateTime gt 2022-02-01T11:00:00Z", ["it's"]),
        ("createdDateTime ge 2022-02-01T11:00:00Z", ["Beta", "it's"]),
        ("createdDateTime lt 2022-02-01T11:00:00Z", ["Alpha"]),
        ("createdDateTime le 2022-02-01T11:00:00Z", ["Alpha", "Beta"]),
        ("locale eq 'en-US' and status eq 'Failed'", ["it's"]),
        ("status eq 'Running' or status eq 'Failed'", ["Beta", "it's"]),
        ("not locale eq 'en-US'", ["Beta"]),
        ("createdDateTime gt 2022-02-01T11:00:00Z and displayName eq 'My dataset'", []),
        # Precedence: not, then and, then or.
        ("status eq 'Succeeded' or locale eq 'en-US' and kind eq 'Language'", ["Alpha"]),
        ("locale eq 'de-DE' and kind eq 'Language' or status eq 'Succeeded'", ["Alpha", "Beta"]),
        ("status eq 'Succeeded' or locale eq 'de-DE' and kind eq 'Language'", ["Alpha", "Beta"]),
        ("not status eq 'Running' and locale eq 'en-US'", ["Alpha", "it's"]),
        ("not status eq 'Running' or status eq 'Running'", ["Alpha", "Beta", "it's"]),
        ("not not status eq 'Running'", ["Beta"]),
        # Parentheses.
        ("(status eq 'Succeeded' or locale eq 'de-DE') and kind eq 'Language'", ["Beta"]),
        ("not (status eq 'Running' or status eq 'Failed')", ["Alpha"]),
        ("not (locale eq 'en-US' and kind eq 'Acoustic')", ["Beta", "it's"]),
        ("((displayName eq 'Alpha'))", ["Alpha"]),
        ("(displayName eq 'Alpha')or(displayName eq 'Beta')", ["Alpha", "Beta"]),
        ("  ( displayName eq 'Alpha' )  ", ["Alpha"]),
        # Strings: '' is a quote, comparison is exact.
        ("displayName eq 'it''s'", ["it's"]),
        ("displayName eq 'it''''s'", []),
        ("displayName eq ''", []),
        ("displayName eq 'alpha'", []),
        ("displayName eq 'Alpha '", []),
        ("description eq 'or not ( )'", []),
        # Case-insensitive keywords, operators, constants and property names.
        ("DISPLAYNAME EQ 'Alpha' OR Status Eq 'Running'", ["Alpha", "Beta"]),
        ("NOT locale eq 'en-US' AnD kind eq 'Language'", ["Beta"]),
        ("createddatetime GT 2022-02-01T11:00:00Z", ["it's"]),
        ("description EQ NULL", ["Beta", "it's"]),
        # Null: a missing property and an explicit null are both null.
        ("description eq null", ["Beta", "it's"]),
        ("description ne null", ["Alpha"]),
        ("description eq 'first'", ["Alpha"]),
        ("description ne 'first'", ["Beta", "it's"]),
        ("lastActionDateTime eq null", ["Beta"]),
        ("lastActionDateTime ne null", ["Alpha", "it's"]),
        ("lastActionDateTime gt null", []),
        ("lastActionDateTime le null", []),
        # Missing (Beta) and not a date-time (it's) never satisfy an ordering comparison ...
        ("lastActionDateTime gt 2000-01-01T00:00:00Z", ["Alpha"]),
        ("lastActionDateTime lt 2100-01-01T00:00:00Z", ["Alpha"]),
        ("not lastActionDateTime gt 2000-01-01T00:00:00Z", ["Beta", "it's"]),
        # ... a missing one is not equal to a date-time; one that is not a date-time compares false.
        ("lastActionDateTime ne 2000-01-01T00:00:00Z", ["Alpha", "Beta"]),
        ("lastActionDateTime eq 2022-02-01T12:00:00Z", ["Alpha"]),
    ],
)
def test_selection(expression: str, expected: list[str]) -> None:
    assert selected(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # One instant, written with different offsets and fraction lengths.
        ("createdDateTime eq 2022-02-01T11:00:00.5Z", ["it's"]),
        ("createdDateTime eq 2022-02-01T11:00:00.500000Z", ["it's"]),
        ("createdDateTime eq 2022-02-01T06:00:00.5-05:00", ["it's"]),
        ("createdDateTime eq 2022-02-01T16:30:00.50+05:30", ["it's"]),
        ("createdDateTime eq 2022-02-01T12:00:00+01:00", ["Beta"]),
        ("createdDateTime ne 2022-02-01T12:00:00+01:00", ["Alpha", "it's"]),
        # Fractions order below the second.
        ("createdDateTime gt 2022-02-01T11:00:00.4999Z", ["it's"]),
        ("createdDateTime lt 2022-02-01T11:00:00.4999Z", ["Alpha", "Beta"]),
        ("createdDateTime ge 2022-02-01T11:00:00.500001Z", []),
        # Offsets are applied, not ignored: 11:30+01:00 is 10:30 UTC.
        ("createdDateTime gt 2022-02-01T11:30:00+01:00", ["Beta", "it's"]),
        ("createdDateTime lt 2022-02-01T06:00:00.5-05:00", ["Alpha", "Beta"]),
        ("createdDateTime ge 2022-02-01T12:00:00+01:00 and createdDateTime lt 2022-02-01T11:30:00Z", ["Beta", "it's"]),
        # No seconds, no offset (UTC), lower-case separators, quoted.
        ("createdDateTime eq 2022-02-01T11:00Z", ["Beta"]),
        ("createdDateTime eq 2022-02-01T11:00:00", ["Beta"]),
        ("createdDateTime eq 2022-02-01t11:00:00z", ["Beta"]),
        ("createdDateTime eq '2022-02-01T11:00:00Z'", ["Beta"]),
        ("createdDateTime lt '2022-02-01T11:00:00+00:00'", ["Alpha"]),
    ],
)
def test_datetime_comparisons(expression: str, expected: list[str]) -> None:
    assert selected(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("kind eq 'Transcription'", ["report.json"]),
        ("kind ne 'Transcription'", ["contenturl_0.json", "audio.wav"]),
        ("name eq 'report.json'", ["report.json"]),
        ("name eq 'audio.wav' and kind eq 'Audio'", ["audio.wav"]),
        ("createdDateTime gt 2024-01-02T03:04:05Z", ["contenturl_0.json"]),
        ("createdDateTime eq null", ["audio.wav"]),
    ],
)
def test_file_lists(expression: str, expected: list[str]) -> None:
    keep = compile_filter(expression, FILE_PROPERTIES)
    assert [file["name"] for file in FILES if keep(file)] == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("count eq 1", True),
        ("count eq 1.0", True),
        ("count ne 2", True),
        ("count eq '1'", False),
        ("count eq true", False),
        ("ratio eq -0.25", True),
        ("flag eq true", True),
        ("flag eq false", False),
        ("flag ne false", True),
        ("flag eq 1", False),
        ("FLAG EQ TRUE", True),
    ],
)
def test_numbers_and_booleans(expression: str, expected: bool) -> None:
    keep = compile_filter(expression, ("count", "ratio", "flag"))
    assert keep({"count": 1, "ratio": -0.25, "flag": True}) is expected


@pytest.mark.parametrize("expression", ["", " ", "\t\n  "])
def test_empty_filter_keeps_everything(expression: str) -> None:
    keep = compile_filter(expression, DATASET_PROPERTIES)
    assert all(keep(dataset) for dataset in DATASETS)
    assert keep({})


def test_properties_are_read_in_their_canonical_spelling() -> None:
    keep = compile_filter("DisplayName eq 'x'", DATASET_PROPERTIES)
    assert keep({"displayName": "x"})
    assert not keep({"DisplayName": "x"})


def test_custom_ordered_properties() -> None:
    keep = compile_filter("expiry lt 2030-01-01T00:00:00Z", ("expiry",), ordered=("EXPIRY",))
    assert keep({"expiry": "2029-12-31T23:59:59Z"})
    assert not keep({"expiry": "2030-01-01T01:00:00+01:00"})


def test_datetime_objects_on_the_wire() -> None:
    keep = compile_filter("createdDateTime eq 2022-02-01T12:00:00+01:00", DATASET_PROPERTIES)
    assert keep({"createdDateTime": datetime(2022, 2, 1, 11, tzinfo=timezone.utc)})
    assert keep({"createdDateTime": datetime(2022, 2, 1, 11)})  # naive is taken as UTC
    assert not keep({"createdDateTime": 1643713200})


@pytest.mark.parametrize(
    ("expression", "properties", "message"),
    [
        (
            "colour eq 'red'",
            DATASET_PROPERTIES,
            "unknown property 'colour' at 0; supported: displayName, description, createdDateTime, "
            "lastActionDateTime, status, locale, kind",
        ),
        ("status eq 'x' and colour eq 'red'", DATASET_PROPERTIES, "unknown property 'colour' at 18"),
        (
            "displayName eq 'x'",
            FILE_PROPERTIES,
            "unknown property 'displayName' at 0; supported: name, createdDateTime",
        ),
        ("lastActionDateTime gt 2024-01-01T00:00:00Z", FILE_PROPERTIES, "unknown property 'lastActionDateTime' at 0"),
        (
            "status gt 'Running'",
            DATASET_PROPERTIES,
            "operator gt is not supported for status at 7; "
            "it is only supported for createdDateTime, lastActionDateTime",
        ),
        ("displayName LE 'x'", DATASET_PROPERTIES, "operator le is not supported for displayName at 12"),
        (
            "name ge 'a'",
            FILE_PROPERTIES,
            "operator ge is not supported for name at 5; it is only supported for createdDateTime",
        ),
        ("kind lt null", FILE_PROPERTIES, "operator lt is not supported for kind at 5"),
        ("displayName eq 'abc", DATASET_PROPERTIES, "unterminated string starting at 15"),
        ("displayName eq 'x''", DATASET_PROPERTIES, "unterminated string starting at 15"),
        ("displayName eq 'it''s", DATASET_PROPERTIES, "unterminated string starting at 15"),
        ("displayName eq 'a' or status eq 'b", DATASET_PROPERTIES, "unterminated string starting at 32"),
        (
            "displayName eq 'x' foo",
            DATASET_PROPERTIES,
            "unexpected 'foo' at 19; expected 'and', 'or' or the end of the expression",
        ),
        ("displayName eq 'x' 'y'", DATASET_PROPERTIES, "unexpected \"'y'\" at 19"),
        ("(displayName eq 'x'))", DATASET_PROPERTIES, "unexpected ')' at 20"),
        ("(displayName eq 'x' status", DATASET_PROPERTIES, "unexpected 'status' at 20; expected 'and', 'or' or ')'"),
        ("(displayName eq 'x'", DATASET_PROPERTIES, "unexpected end of expression at 19; expected 'and', 'or' or ')'"),
        ("displayName eq", DATASET_PROPERTIES, "unexpected end of expression at 14; expected a value for displayName"),
        ("status eq or", DATASET_PROPERTIES, "unexpected 'or' at 10; expected a value for status"),
        ("status eq )", DATASET_PROPERTIES, "unexpected ')' at 10; expected a value for status"),
        (
            "displayName eq 'x' and",
            DATASET_PROPERTIES,
            "unexpected end of expression at 22; expected a property, 'not' or '('",
        ),
        ("not", DATASET_PROPERTIES, "unexpected end of expression at 3; expected a property, 'not' or '('"),
        ("and status eq 'x'", DATASET_PROPERTIES, "unexpected 'and' at 0; expected a property, 'not' or '('"),
        ("()", DATASET_PROPERTIES, "unexpected ')' at 1; expected a property, 'not' or '('"),
        ("'x' eq displayName", DATASET_PROPERTIES, "unexpected \"'x'\" at 0; expected a property"),
        ("displayName", DATASET_PROPERTIES, "unexpected end of expression at 11; expected an operator"),
        (
            "displayName is 'x'",
            DATASET_PROPERTIES,
            "unexpected 'is' at 12; expected an operator (eq, ne, gt, ge, lt, le)",
        ),
        ("status eq 'x' # y", DATASET_PROPERTIES, "unexpected character '#' at 14"),
        ("status == 'x'", DATASET_PROPERTIES, "unexpected character '=' at 7"),
        ("createdDateTime gt 2022-13-01T00:00:00Z", DATASET_PROPERTIES, "invalid date-time 2022-13-01T00:00:00Z at 19"),
        ("createdDateTime gt 2022-02-30T00:00:00Z", DATASET_PROPERTIES, "invalid date-time 2022-02-30T00:00:00Z at 19"),
        ("createdDateTime gt 2022-02-01T24:00:00Z", DATASET_PROPERTIES, "invalid date-time 2022-02-01T24:00:00Z at 19"),
        ("createdDateTime gt 2022-02-01", DATASET_PROPERTIES, "invalid date-time 2022-02-01 at 19"),
        (
            "createdDateTime gt 2022-02-01T11:00:00+24:00",
            DATASET_PROPERTIES,
            "invalid date-time 2022-02-01T11:00:00+24:00",
        ),
        (
            "createdDateTime gt 2022-02-01T11:00:00+01:75",
            DATASET_PROPERTIES,
            "invalid date-time 2022-02-01T11:00:00+01:75",
        ),
        (
            "createdDateTime gt 2022-02-01T11:00:00ZZ",
            DATASET_PROPERTIES,
            "invalid date-time 2022-02-01T11:00:00ZZ at 19",
        ),
        (
            "createdDateTime gt 'yesterday'",
            DATASET_PROPERTIES,
            "invalid date-time 'yesterday' at 19; createdDateTime takes a date-time",
        ),
        ("createdDateTime eq 5", DATASET_PROPERTIES, "invalid date-time 5 at 19; createdDateTime takes a date-time"),
        ("createdDateTime eq true", DATASET_PROPERTIES, "invalid date-time true at 19"),
        (
            "displayName eq 2022-02-01T11:00:00Z",
            DATASET_PROPERTIES,
            "unexpected date-time 2022-02-01T11:00:00Z at 15; displayName is not a date-time",
        ),
    ],
)
def test_errors(expression: str, properties: tuple[str, ...], message: str) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(expression, properties)
    assert message in str(caught.value)


def test_ordering_without_any_ordered_property() -> None:
    with pytest.raises(
        FilterError, match="operator gt is not supported for createdDateTime at 16; no property takes it"
    ):
        compile_filter("createdDateTime gt 2022-02-01T11:00:00Z", DATASET_PROPERTIES, ordered=())


def test_filter_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown property"):
        compile_filter("colour eq 'red'", DATASET_PROPERTIES)


def test_long_runs_of_not_and_deep_parentheses() -> None:
    """A run of ``not`` is read without recursion, however long; parentheses nest 100 deep at most."""
    odd = compile_filter("not " * 5001 + "status eq 'A'", ["status"])
    even = compile_filter("not " * 5000 + "status eq 'A'", ["status"])
    entities = ({"status": "A"}, {"status": "B"})
    assert [odd(e) for e in entities] == [False, True] and [even(e) for e in entities] == [True, False]
    deepest = compile_filter("(" * 100 + "not status eq 'A'" + ")" * 100, ["status"])
    assert deepest({"status": "B"}) and not deepest({"status": "A"})
    with pytest.raises(FilterError, match=r"^parentheses nest deeper than 100 at 104$"):
        compile_filter("(" * 100 + "not (status eq 'A')" + ")" * 100, ["status"])
