"""The emulator with a key, against what a careless or hostile client sends: the control
endpoints without the key, pathological filters and bodies, and a client hanging up in the
middle of an upload."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest
from yarl import URL

from speechrest import SpeechClient
from speechrest.emulator import Emulator

GA = {"api-version": "2025-10-15"}
DEEP = b"[" * 100_000 + b"]" * 100_000
BOUNDARY = "guards"


def keyed(emulator: Emulator) -> dict[str, str]:
    return {"Ocp-Apim-Subscription-Key": emulator.key or ""}


async def ask(method: str, url: str, **options: Any) -> tuple[int, Any]:
    """One plain request, no SDK: the status and the JSON body (None without one)."""
    async with aiohttp.ClientSession() as session, session.request(method, url, **options) as response:
        return response.status, await response.json() if response.content_type == "application/json" else None


def part_head(name: str) -> bytes:
    """The start of a multipart/form-data part (boundary ``BOUNDARY``), up to its value."""
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()


def multipart(*parts: tuple[str, bytes]) -> bytes:
    """A multipart/form-data body of named parts."""
    return b"".join(part_head(name) + value + b"\r\n" for name, value in parts) + f"--{BOUNDARY}--\r\n".encode()


def inner_code(body: Any) -> str:
    return str(body["innerError"]["code"])


async def test_the_control_endpoints_need_the_key(speech_emulator: Emulator) -> None:
    stats, quota = f"{speech_emulator.url}/_emulator/stats", f"{speech_emulator.url}/_emulator/quota"
    for headers in ({}, {"Ocp-Apim-Subscription-Key": "guess"}, {"Authorization": "Bearer guess"}):
        for status, body in (
            await ask("GET", stats, headers=headers),
            await ask("PUT", quota, headers=headers, data="1/60"),
        ):
            assert (status, body["code"]) == (401, "Unauthorized")
    assert speech_emulator.quota is None

    assert (await ask("PUT", quota, headers=keyed(speech_emulator), data="1/60"))[0] == 204
    assert speech_emulator.quota is not None and speech_emulator.quota.requests == 1
    assert (await ask("PUT", quota, headers={"Authorization": f"Bearer {speech_emulator.key}"}, data=""))[0] == 204
    assert speech_emulator.quota is None
    status, counters = await ask("GET", stats, headers=keyed(speech_emulator))
    assert (status, counters) == (200, speech_emulator.stats)
    assert counters["total"] == 0  # the control endpoints are not counted, refused or not


async def test_a_pathological_filter_gets_an_answer_or_the_services_400(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    created = await speech_client.transcriptions.create(
        {
            "displayName": "x",
            "locale": "en-US",
            "contentUrls": ["https://a.example/x.wav"],
            "properties": {"timeToLiveHours": 6},
        }
    )
    url = URL(f"{speech_emulator.url}/speechtotext/transcriptions").with_query(GA)
    negated = "not " * 1001 + "displayName eq 'x'"  # deeper than Python's recursion limit, when read recursively
    status, body = await ask("GET", url.update_query(filter=negated), headers=keyed(speech_emulator))
    assert (status, body["values"]) == (200, [])
    status, body = await ask("GET", url.update_query(filter="not " + negated), headers=keyed(speech_emulator))
    assert (status, [t["self"] for t in body["values"]]) == (200, [created.self_])

    nested = "(" * 1000 + "displayName eq 'x'" + ")" * 1000
    status, body = await ask("GET", url.update_query(filter=nested), headers=keyed(speech_emulator))
    assert (status, body["code"], inner_code(body)) == (400, "InvalidArgument", "UnsupportedFilter")
    assert body["message"] == "Invalid filter: parentheses nest deeper than 100 at 100"


async def test_a_body_nested_too_deep_gets_the_services_400(speech_emulator: Emulator) -> None:
    base, headers = f"{speech_emulator.url}/speechtotext", keyed(speech_emulator)
    form = {**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    json_body = {**headers, "Content-Type": "application/json"}
    answers = [
        await ask("POST", f"{base}/transcriptions:submit", params=GA, data=DEEP, headers=json_body),
        await ask("POST", f"{base}/v3.1/transcriptions", data=DEEP, headers=json_body),
        await ask(
            "POST",
            f"{base}/transcriptions:transcribe",
            params=GA,
            data=multipart(("audio", b"RIFF"), ("definition", DEEP)),
            headers=form,
        ),
        await ask(
            "POST",
            f"{base}/v3.1/datasets/upload",
            data=multipart(
                *((name, b"x") for name in ("displayName", "locale")),
                ("kind", b"Language"),
                ("customProperties", DEEP),
                ("data", b"text\n"),
            ),
            headers=form,
        ),
    ]
    assert [(status, body["code"], inner_code(body)) for status, body in answers] == [
        (400, "InvalidArgument", "InvalidRequestBodyFormat"),
        (400, "InvalidArgument", "InvalidRequestBodyFormat"),
        (400, "InvalidArgument", "InvalidRequestBodyFormat"),
        (400, "InvalidArgument", "InvalidPayload"),
    ]


async def hang_up(emulator: Emulator, method: str, target: str, content_type: str, sent: bytes) -> None:
    """Send a request's head and the first bytes of a 1 MiB body, then drop the connection."""
    url = URL(emulator.url)
    assert url.host is not None and url.port is not None
    head = {**keyed(emulator), "Host": url.host, "Content-Type": content_type, "Content-Length": str(1024 * 1024)}
    _, writer = await asyncio.open_connection(url.host, url.port)
    writer.write(f"{method} {target} HTTP/1.1\r\n".encode())
    writer.write("".join(f"{name}: {value}\r\n" for name, value in head.items()).encode() + b"\r\n" + sent)
    await writer.drain()
    await asyncio.sleep(0.05)  # the handler is reading the body by now
    writer.transport.abort()  # a reset, as from a client that crashed


async def test_a_client_hanging_up_mid_upload_is_no_error_and_leaves_nothing(
    speech_emulator: Emulator, speech_client: SpeechClient, caplog: pytest.LogCaptureFixture
) -> None:
    dataset = await speech_client.datasets.create({"displayName": "d", "locale": "en-US", "kind": "Language"})
    form = f"multipart/form-data; boundary={BOUNDARY}"
    uploads = {
        "Datasets_UploadBlock": (
            "PUT",
            f"/speechtotext/datasets/{dataset.id}/blocks?api-version=2025-10-15&blockid=AAAA",
            "application/octet-stream",
            bytes(300_000),
        ),
        "Datasets_Upload": ("POST", "/speechtotext/v3.1/datasets/upload", form, part_head("data") + bytes(300_000)),
        "Transcriptions_Transcribe": (
            "POST",
            "/speechtotext/transcriptions:transcribe?api-version=2025-10-15",
            form,
            part_head("audio") + bytes(300_000),
        ),
    }
    with caplog.at_level(logging.DEBUG, logger="aiohttp"):
        for request in uploads.values():
            await hang_up(speech_emulator, *request)
        for _ in range(100):  # until the emulator has seen each connection go
            requests = speech_emulator.stats["requests"]
            if all(operation in requests for operation in uploads):
                break
            await asyncio.sleep(0.02)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    assert {operation: requests.get(operation) for operation in uploads} == {o: {"hung up": 1} for o in uploads}
    assert [p for p in speech_emulator.service.spool.rglob("*") if p.is_file()] == []  # no block, no upload kept
    assert (await speech_client.datasets.get_blocks(dataset.id)).uncommitted_blocks == []
