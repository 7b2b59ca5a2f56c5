"""Replays every ``x-ms-examples`` file of every API version's spec against the SDK.

Each example is sent through its operation function to the recording server, which
answers with the example's success response. The test then checks the request on the
wire (method, path, query, key, body), the type of the parsed result, and that the
result written back with the converter gives the example's response body unchanged.
"""

from __future__ import annotations

import email
import email.policy
import importlib
import json
import re
import typing
from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote

import pytest
from conftest import SPEC_ROOT, TEST_KEY, Recorded, RecordingServer, without_token

from speechrest import InvalidArgumentError, SpeechClient
from speechrest._core.records import Param, Route
from speechrest._generated import VERSIONS, operations
from speechrest.models import converter

# Examples ship with these versions' specs (v3.0 and 2025-10-15 have none).
EXAMPLE_VERSIONS = ("v3.1", "2024-11-15")
# Sent for a raw block body when the example holds nothing that can be bytes.
EXAMPLE_BYTES = b"example-bytes"


def spec_file(version: str) -> Path:
    return SPEC_ROOT / version / "speechtotext.json"


def routes(version: str) -> Any:
    return importlib.import_module(VERSIONS[version] + ".routes")


class Example(NamedTuple):
    """One ``x-ms-examples`` entry: the API version, the operation and the example file."""

    version: str
    operation_id: str
    path: Path

    @property
    def id(self) -> str:
        return f"{self.version}/{self.operation_id}/{self.path.stem}"


def referenced_examples(version: str) -> list[Example]:
    """Every (operation, example file) pair a spec names, whether or not the file exists."""
    spec = json.loads(spec_file(version).read_text(encoding="utf-8"))
    found = []
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for ref in operation.get("x-ms-examples", {}).values():
                path = (spec_file(version).parent / ref["$ref"]).resolve()
                found.append(Example(version, operation["operationId"], path))
    return found


def available_examples(version: str) -> list[Example]:
    """The referenced pairs whose example file is present."""
    return [example for example in referenced_examples(version) if example.path.is_file()]


def example_params() -> list[Any]:
    """The parametrize list; a single skipped entry when the specs are not beside the repo."""
    if not all(spec_file(v).is_file() for v in EXAMPLE_VERSIONS):
        reason = f"{SPEC_ROOT} is absent (the API descriptions live in ../shared/spec beside the repo)"
        return [pytest.param(None, id="spec-absent", marks=pytest.mark.skip(reason=reason))]
    return [
        pytest.param(e, id=e.id, marks=[pytest.mark.xfail(strict=True, reason=SPEC_DISAGREES[e.id])])
        if e.id in SPEC_DISAGREES
        else pytest.param(e, id=e.id)
        for v in EXAMPLE_VERSIONS
        for e in available_examples(v)
    ]


def snake_case(name: str) -> str:
    """``Datasets_ListSupportedLocales`` -> ``datasets_list_supported_locales``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"_+", "_", name).lower()


def success_status(responses: dict[str, Any]) -> int:
    """The lowest 2xx status an example answers with."""
    return min(int(code) for code in responses if 200 <= int(code) < 300)


def query_text(value: Any) -> str:
    """A query value as it should arrive: examples hold some strings already percent-encoded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return unquote(value) if isinstance(value, str) else str(value)


def block_bytes(value: Any) -> bytes:
    """A raw block body from an example value (JSON cannot hold bytes, so usually a placeholder)."""
    return value.encode() if isinstance(value, str) and value else EXAMPLE_BYTES


def present(route: Route, parameters: dict[str, Any]) -> Iterator[Param]:
    """The route's parameters that the example gives a value."""
    return (param for param in route.params if param.wire in parameters)


def call_arguments(route: Route, parameters: dict[str, Any]) -> dict[str, Any]:
    """The operation function's keyword arguments for an example's parameters."""
    arguments: dict[str, Any] = {}
    for param in present(route, parameters):
        value = parameters[param.wire]
        if param.location == "query" and isinstance(value, str):
            value = unquote(value)
        elif param.kind in ("binary", "file"):
            value = block_bytes(value) if param.kind == "binary" else EXAMPLE_BYTES
        arguments[param.arg] = value
    return arguments


def expected_path(version: str, route: Route, parameters: dict[str, Any]) -> str:
    """The decoded request path: base path plus the route with its path parameters filled in."""
    path = route.path
    for param in present(route, parameters):
        if param.location == "path":
            path = path.replace("{" + param.wire + "}", str(parameters[param.wire]))
    return routes(version).BASE_PATH + path


def media_type(sent: Recorded) -> str:
    """The request's Content-Type without its parameters (such as the multipart boundary)."""
    return sent.headers.get("Content-Type", "").split(";")[0].strip().lower()


def form_fields(sent: Recorded) -> dict[str, str]:
    """The text fields of a multipart or URL-encoded form body."""
    if media_type(sent) == "application/x-www-form-urlencoded":
        return dict(parse_qsl(sent.body.decode(), keep_blank_values=True))
    head = f"Content-Type: {sent.headers['Content-Type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + sent.body, policy=email.policy.HTTP)
    return {
        str(part.get_param("name", header="content-disposition")): part.get_content() for part in message.iter_parts()
    }


def check_request(version: str, sent: Recorded, route: Route, parameters: dict[str, Any]) -> None:
    """The request on the wire matches the route and the example's parameters."""
    assert sent.method == route.method
    assert sent.path == expected_path(version, route, parameters)
    query = {p.wire: query_text(parameters[p.wire]) for p in present(route, parameters) if p.location == "query"}
    if routes(version).VERSION_PARAM:
        query[routes(version).VERSION_PARAM] = version
    assert sorted(sent.query.items()) == sorted(query.items())
    assert sent.headers["Ocp-Apim-Subscription-Key"] == TEST_KEY

    body = [p for p in present(route, parameters) if p.location == "body"]
    form = {
        p.wire: EXAMPLE_BYTES if p.kind == "file" else parameters[p.wire]
        for p in present(route, parameters)
        if p.location == "formData"
    }
    if body and body[0].kind == "binary":
        assert sent.body == block_bytes(parameters[body[0].wire])
        assert media_type(sent) == "application/octet-stream"
    elif body:
        assert without_token(sent.json()) == parameters[body[0].wire]
        assert media_type(sent) == "application/json"
    elif form:
        assert form_fields(sent) == form
    else:
        assert sent.body == b""
    if "Content-Type" in parameters:
        assert media_type(sent) == parameters["Content-Type"].lower()


def conforms(value: Any, model: Any) -> bool:
    """``isinstance`` that also understands ``list[X]`` models."""
    if typing.get_origin(model) is list:
        (item,) = typing.get_args(model)
        return isinstance(value, list) and all(conforms(v, item) for v in value)
    return isinstance(value, model)


async def call(client: SpeechClient, route: Route, arguments: dict[str, Any]) -> Any:
    """Call the operation function; for a list operation, the first page only."""
    function = getattr(operations, snake_case(route.operation_id))
    if route.item is None:
        return await function(client, **arguments)
    async with aclosing(function(client, **arguments).pages()) as pages:
        return await anext(pages)


# Where an example disagrees with its own spec, the spec (the contract) wins.
SPEC_DISAGREES = {
    "2024-11-15/Models_GetCustomModelManifest/get_model_manifest": "omits sasLifetimeMinutes, which the spec requires",
}
# Examples whose request body lacks what the spec requires: the SDK refuses them before sending.
INCOMPLETE_BODIES = {
    "2024-11-15/Transcriptions_Submit/create_uri_transcription": "transcription.properties.timeToLiveHours",
    "2024-11-15/Transcriptions_Submit/create_multispeaker_diarization_transcription": (
        "transcription.properties.timeToLiveHours"
    ),
}
# Example files that no operation of their spec names.
UNREFERENCED = {"2024-11-15": ["create_simple_diarization_transcription.json"]}


@pytest.mark.parametrize("example", example_params())
async def test_example(example: Example, server: RecordingServer) -> None:
    data = json.loads(example.path.read_text(encoding="utf-8"))
    parameters: dict[str, Any] = data["parameters"]
    route = routes(example.version).ROUTES[example.operation_id]
    status = success_status(data["responses"])
    answer = data["responses"][str(status)]
    expected_body = answer.get("body")
    server.reply(status, expected_body, answer.get("headers") or None)

    async with SpeechClient(
        endpoint=server.url, key=TEST_KEY, api_version=example.version, max_retries=0, rate_limit=None
    ) as client:
        if example.id in INCOMPLETE_BODIES:
            with pytest.raises(InvalidArgumentError, match=f"'{INCOMPLETE_BODIES[example.id]}' is required"):
                await call(client, route, call_arguments(route, parameters))
            assert server.requests == []
            return
        result = await call(client, route, call_arguments(route, parameters))

    assert len(server.requests) == 1
    check_request(example.version, server.last, route, parameters)
    if route.response is None:
        assert result is None
    elif route.item is None:
        assert conforms(result, route.response)
        assert converter.unstructure(result) == expected_body
    else:
        assert len(result.items) == len(expected_body[route.items_key])
        assert all(conforms(item, route.item) for item in result.items)
        assert [converter.unstructure(item) for item in result.items] == expected_body[route.items_key]
        assert result.next_link == expected_body.get(route.next_link_key)
        page = converter.structure(expected_body, route.response)
        assert converter.unstructure(page) == expected_body


@pytest.mark.parametrize(("version", "least"), [("v3.1", 50), ("2024-11-15", 60)])
def test_examples_are_all_used(version: str, least: int) -> None:
    """Enough examples replay, and every example file is named by some operation."""
    if not spec_file(version).is_file():
        pytest.skip(f"{spec_file(version)} is absent (the API descriptions live in ../shared/spec beside the repo)")
    assert len(available_examples(version)) >= least
    referenced = {example.path for example in referenced_examples(version)}
    folder = spec_file(version).parent / "examples"
    unreferenced = sorted(path.name for path in folder.glob("*.json") if path.resolve() not in referenced)
    assert unreferenced == UNREFERENCED.get(version, [])
    assert set(routes(version).ROUTES) >= {example.operation_id for example in referenced_examples(version)}
