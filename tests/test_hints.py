"""Hints that never lie (issue #18, item 3).

Every example answer of the specs, read by the generated readers, holds in each attribute a
value its annotation allows, checked all the way down: None only where the hint says
``| None``. A required field the service always sends raises ``ResponseParseError`` when an
answer lacks it or sends null; the few required fields answers leave out read as None and
are hinted so.
"""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Any, NamedTuple

import attrs
import pytest
from fakes import FakeNetwork, FakeServer
from test_examples import available_examples, routes, success_status

from speechrest import ResponseParseError, models
from speechrest._core.records import Route
from speechrest._generated import VERSIONS
from speechrest._wire import READERS

NONE = type(None)
# v3.0 and 2025-10-15 ship no examples: their answers are read from the version next to them.
EXAMPLES_OF = {"v3.0": "v3.1", "v3.1": "v3.1", "2024-11-15": "2024-11-15", "2025-10-15": "2024-11-15"}
# The required fields that answers leave out (the generator's ABSENT_IN_ANSWERS): class, wire name.
ABSENT_IN_ANSWERS = {("TranscriptionProperties", "timeToLiveHours")}
UID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"


class Answer(NamedTuple):
    """An example's success body, as an operation of ``version`` reads it."""

    version: str
    route: Route
    body: Any


def answers() -> list[Any]:
    found = []
    for version, source in EXAMPLES_OF.items():
        table = routes(version)
        for example in available_examples(source):
            route = table.ROUTES.get(table.CANONICAL.get(example.operation_id, example.operation_id))
            data = json.loads(example.path.read_text(encoding="utf-8"))
            body = data["responses"][str(success_status(data["responses"]))].get("body")
            if route is not None and route.response is not None and body is not None:
                found.append(pytest.param(Answer(version, route, body), id=f"{version}/{example.path.stem}"))
    return found


def check(value: Any, hint: Any, where: str) -> None:
    """Assert that ``value`` is what ``hint`` says, through lists, dicts and models."""
    if hint is Any:
        return
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            assert NONE in args, f"{where} is None, but hinted {hint}"
            return
        options = [a for a in args if a is not NONE]
        if len(options) == 1:  # X | None: say what is wrong inside
            check(value, options[0], where)
            return
        for option in options:
            try:
                check(value, option, where)
                return
            except AssertionError:
                continue
        raise AssertionError(f"{where} = {value!r} is none of {hint}")
    assert value is not None, f"{where} is None, but hinted {hint}"
    if origin in (list, dict):
        assert type(value) is origin, f"{where} = {value!r} is not a {origin.__name__}"
        items = enumerate(value) if origin is list else value.items()
        for key, item in items:
            assert origin is list or type(key) is str, f"{where} has the key {key!r}"
            check(item, args[-1], f"{where}[{key!r}]")
    elif hint is float:
        assert type(value) in (int, float), f"{where} = {value!r} is not a float"  # an int is one (PEP 484)
    elif hint is int:
        assert type(value) is int, f"{where} = {value!r} is not an int"
    elif attrs.has(hint):
        assert type(value) is hint, f"{where} is a {type(value).__name__}, not a {hint.__name__}"
        hints = typing.get_type_hints(hint)
        for field in attrs.fields(hint):
            check(getattr(value, field.name), hints[field.name], f"{where}.{field.name}")
    else:
        assert isinstance(value, hint), f"{where} = {value!r} is not a {hint.__name__}"


@pytest.mark.parametrize("answer", answers())
def test_every_example_answer_matches_its_hints(answer: Answer) -> None:
    check(READERS.read(answer.body, answer.route.response), answer.route.response, "answer")


def test_answers_of_every_version_are_checked() -> None:
    counted = {version: 0 for version in VERSIONS}
    for param in answers():
        counted[param.values[0].version] += 1
    assert min(counted.values()) >= 45, counted


def required_but_optional(module: types.ModuleType) -> set[tuple[str, str]]:
    """The fields of ``module``'s classes with no default (required) whose hint allows None."""
    found = set()
    for cls in vars(module).values():
        if isinstance(cls, type) and attrs.has(cls):
            hints = typing.get_type_hints(cls)
            for field in attrs.fields(cls):
                if field.default is attrs.NOTHING and NONE in typing.get_args(hints[field.name]):
                    found.add((cls.__name__, field.metadata["wire"]))
    return found


@pytest.mark.parametrize("version", list(VERSIONS))
def test_only_the_fields_answers_leave_out_are_required_yet_optional(version: str) -> None:
    found = required_but_optional(models.for_version(version))
    assert found == (ABSENT_IN_ANSWERS if version in ("2024-11-15", "2025-10-15") else set())


def transcription(**changes: Any) -> dict[str, Any]:
    """A GA transcription as the service answers, with ``changes`` (None: left out)."""
    body = {
        "self": f"https://speech.test/speechtotext/transcriptions/{UID}",
        "displayName": "t",
        "locale": "en-US",
        "properties": {"timeToLiveHours": 48},
        **changes,
    }
    return {k: v for k, v in body.items() if v is not None}


async def test_a_field_answers_leave_out_reads_as_none(net: FakeNetwork, service: FakeServer) -> None:
    async with net.client(service) as client:
        service.reply(200, transcription(properties={}))
        got = await client.transcriptions.get(UID)
    assert got.properties.time_to_live_hours is None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"locale": None}, "KeyError('locale')"),
        ({"properties": None}, "KeyError('properties')"),
        ({"model": {"name": "no self"}}, "KeyError('self')"),
    ],
    ids=["locale", "properties", "a-reference-without-self"],
)
async def test_an_answer_without_a_required_field_is_a_parse_error(
    changes: dict[str, Any], problem: str, net: FakeNetwork, service: FakeServer
) -> None:
    async with net.client(service) as client:
        service.reply(200, transcription(**changes))
        with pytest.raises(ResponseParseError, match=f"^Transcriptions_Get: .*: {re.escape(problem)}$"):
            await client.transcriptions.get(UID)


async def test_a_required_field_sent_as_null_is_a_parse_error(net: FakeNetwork, service: FakeServer) -> None:
    async with net.client(service) as client:
        service.reply(200, {**transcription(), "displayName": None})
        with pytest.raises(ResponseParseError, match="the required field 'displayName' is null"):
            await client.transcriptions.get(UID)
