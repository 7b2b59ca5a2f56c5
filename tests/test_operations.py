"""Every operation of every API version called once against a real local server:
the request on the wire and the parsed result."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from conftest import TEST_KEY, RecordingServer, without_token
from samples import sample_args, sample_response

from speechrest import SpeechClient, operations
from speechrest._core.records import Route
from speechrest._generated import OPERATION_VERSIONS, VERSIONS
from speechrest.models import converter

TABLES = {version: importlib.import_module(package + ".routes") for version, package in VERSIONS.items()}
COUNTS = {"v3.0": 69, "v3.1": 74, "2024-11-15": 56, "2025-10-15": 67}


def operation_function(operation_id: str) -> Any:
    """``operations.<snake_case(operationId)>``, found by its letters."""
    wanted = operation_id.replace("_", "").lower()
    names = [n for n in operations.__all__ if n.replace("_", "") == wanted]
    assert len(names) == 1, f"no single function for {operation_id}: {names}"
    return getattr(operations, names[0])


def expected_path(version: str, route: Route, by_wire: dict[str, Any]) -> str:
    path = route.path
    for param in route.params:
        if param.location == "path":
            path = path.replace("{" + param.wire + "}", str(by_wire[param.wire]))
    return TABLES[version].BASE_PATH + path


def test_every_version_has_every_operation() -> None:
    assert {version: len(table.ROUTES) for version, table in TABLES.items()} == COUNTS
    assert sorted(OPERATION_VERSIONS) == sorted({op for table in TABLES.values() for op in table.ROUTES})
    assert len(operations.__all__) == len(OPERATION_VERSIONS)


CASES = [(version, op) for version, table in TABLES.items() for op in sorted(table.ROUTES)]


@pytest.mark.parametrize(("version", "operation_id"), CASES, ids=[f"{v}/{op}" for v, op in CASES])
async def test_operation_on_the_wire(version: str, operation_id: str, server: RecordingServer) -> None:
    route = TABLES[version].ROUTES[operation_id]
    kwargs, by_wire = sample_args(route)
    answer = sample_response(route)
    server.reply(route.ok[0], answer)

    async with SpeechClient(
        endpoint=server.url, key=TEST_KEY, api_version=version, max_retries=0, rate_limit=None
    ) as client:
        call = operation_function(operation_id)(client, **kwargs)
        result = await (call.to_list() if route.item is not None else call)

    assert len(server.requests) == 1
    sent = server.last
    assert sent.method == route.method
    assert sent.path == expected_path(version, route, by_wire)
    query = {p.wire: str(by_wire[p.wire]) for p in route.params if p.location == "query"}
    if TABLES[version].VERSION_PARAM:
        query[TABLES[version].VERSION_PARAM] = version
    assert dict(sent.query) == query
    assert sent.headers["Ocp-Apim-Subscription-Key"] == TEST_KEY
    assert sent.headers["User-Agent"].startswith("speechrest/")
    assert "Authorization" not in sent.headers

    body = next((p for p in route.params if p.location in ("body", "formData")), None)
    if body is None:
        assert sent.body == b""
    elif body.kind == "json":
        assert sent.headers["Content-Type"] == "application/json"
        assert without_token(sent.json()) == without_token(converter.unstructure(by_wire[body.wire]))
    elif body.kind == "binary":
        assert sent.headers["Content-Type"] == "application/octet-stream"
        assert sent.body == by_wire[body.wire]
    else:
        assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
        for param in route.params:
            assert f'name="{param.wire}"'.encode() in sent.body
            value = by_wire[param.wire]
            assert (value if isinstance(value, bytes) else str(value).encode()) in sent.body

    if route.item is not None:
        assert result == converter.structure(answer, route.response).values
        assert all(isinstance(item, route.item) for item in result) and result
    elif route.response is None:
        assert result is None
    else:
        assert result == converter.structure(answer, route.response)
        assert converter.unstructure(result) == answer
