"""Every v3.1 operation called once against a real local server: the request on the wire and the parsed result."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TEST_KEY, RecordingServer
from samples import sample_args, sample_response

from speechrest import SpeechClient, operations
from speechrest._generated.v3_1.routes import ROUTES
from speechrest._route import Route
from speechrest.models import converter


def operation_function(operation_id: str) -> Any:
    """``operations.<snake_case(operationId)>``, found by its letters."""
    wanted = operation_id.replace("_", "").lower()
    names = [n for n in operations.__all__ if n.replace("_", "") == wanted]
    assert len(names) == 1, f"no single function for {operation_id}: {names}"
    return getattr(operations, names[0])


def expected_path(route: Route, by_wire: dict[str, Any]) -> str:
    path = route.path
    for param in route.params:
        if param.location == "path":
            path = path.replace("{" + param.wire + "}", str(by_wire[param.wire]))
    return "/speechtotext/v3.1" + path


def test_route_table_has_every_operation() -> None:
    assert len(ROUTES) == 74
    assert len(operations.__all__) == 74


@pytest.mark.parametrize("operation_id", sorted(ROUTES))
async def test_operation_on_the_wire(operation_id: str, server: RecordingServer, client: SpeechClient) -> None:
    route = ROUTES[operation_id]
    kwargs, by_wire = sample_args(route)
    answer = sample_response(route)
    server.reply(route.ok[0], answer)

    call = operation_function(operation_id)(client, **kwargs)
    result = await (call.to_list() if route.item is not None else call)

    assert len(server.requests) == 1
    sent = server.last
    assert sent.method == route.method
    assert sent.path == expected_path(route, by_wire)
    query = {p.wire: str(by_wire[p.wire]) for p in route.params if p.location == "query"}
    assert dict(sent.query) == query
    assert sent.headers["Ocp-Apim-Subscription-Key"] == TEST_KEY
    assert sent.headers["User-Agent"].startswith("speechrest/")
    assert "Authorization" not in sent.headers

    body = next((p for p in route.params if p.location in ("body", "formData")), None)
    if body is None:
        assert sent.body == b""
    elif body.kind == "json":
        assert sent.headers["Content-Type"] == "application/json"
        assert sent.json() == converter.unstructure(by_wire[body.wire])
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
