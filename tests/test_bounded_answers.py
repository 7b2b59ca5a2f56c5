"""Answers are read up to a cap (issue #17, item 1).

A local aiohttp server sends what a broken or hostile peer could: a gzip bomb (519 KiB that
inflate to 512 MiB), an endless chunked body, an endless trickle. Peak memory is measured in
a process of its own (``bounded_worker.py``); the rest runs here, on real sockets or on the
``MockTransport``.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from speechrest import (
    APITimeoutError,
    FakeClock,
    InvalidArgumentError,
    MockTransport,
    Request,
    Response,
    ResponseTooLargeError,
    SpeechClient,
)
from speechrest._core.transport import DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_RESPONSE_BYTES, response

MIB = 1 << 20
WORKER = Path(__file__).with_name("bounded_worker.py")
UID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
NOISE = os.urandom(MIB)  # what endless bodies repeat: random, so that nothing along the way compresses it
LARGE = 192 * MIB  # the file saved with download(to=)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """512 MiB of zeros as one gzip member of 519 KiB, made in 0.3 s rather than 3: a MiB of zeros
    deflated once and repeated (a full flush ends it, after which deflate starts afresh)."""
    zeros = bytes(MIB)
    deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(512):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name, no time
    return header + block * 512 + deflate.flush() + struct.pack("<II", crc, 512 * MIB % 2**32)


class HostileServer:
    """Serves the bomb as a transcription (and as an error at ``/error-bomb``), endless bodies
    under ``/files/endless`` and ``/files/trickle``, ``LARGE`` bytes at ``/files/large``; ``{}`` else."""

    def __init__(self, bomb: bytes) -> None:
        self.bomb = bomb
        self.requests: list[str] = []
        self.endless_sent = 0
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        if request.path.startswith("/speechtotext/transcriptions/") or request.path.endswith("/error-bomb"):
            status = 500 if request.path.endswith("/error-bomb") else 200
            headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
            return web.Response(status=status, body=self.bomb, headers=headers)
        if request.path == "/files/endless":
            return await self._stream(request, lambda: NOISE[: 256 * 1024], 0.0)
        if request.path == "/files/trickle":
            return await self._stream(request, lambda: b"x" * 1024, 0.05)
        if request.path == "/files/large":
            answer = web.StreamResponse(headers={"Content-Length": str(LARGE)})
            await answer.prepare(request)
            for _ in range(LARGE // MIB):
                await answer.write(NOISE)
            return answer
        return web.json_response({})

    async def _stream(self, request: web.Request, chunk: Any, pause: float) -> web.StreamResponse:
        """Chunks until the client goes away (or 4 GiB, should it never)."""
        answer = web.StreamResponse()
        await answer.prepare(request)
        try:
            while self.endless_sent < 4096 * MIB:
                data = chunk()
                await answer.write(data)
                self.endless_sent += len(data)
                await asyncio.sleep(pause)
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading and closed the connection
        return answer

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


@pytest.fixture
async def hostile(bomb: bytes) -> AsyncIterator[HostileServer]:
    server = HostileServer(bomb)
    await server.server.start_server()
    yield server
    await server.server.close()


async def in_a_process(server: HostileServer, *args: str) -> dict[str, Any]:
    """What ``bounded_worker.py`` reports for ``args``, run against ``server``."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), server.url, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    report: dict[str, Any] = json.loads(out.decode().splitlines()[-1])
    print(report)  # the figures, for -s
    return report


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def read(path: Path) -> bytes:
    return path.read_bytes()


def local_client(server: HostileServer, **options: Any) -> SpeechClient:
    return SpeechClient(endpoint=server.url, key="k", max_retries=0, rate_limit=None, **options)


# ---------------------------------------------------------------- in a process of its own: memory

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read from /proc/self/status")


@linux_only
async def test_a_gzip_bomb_stops_at_the_default_cap_in_bounded_memory(hostile: HostileServer) -> None:
    """519 KiB inflating to 512 MiB: ResponseTooLargeError at 32 MiB, and memory grows by less than 2x that."""
    assert len(hostile.bomb) < 520 * 1024
    report = await in_a_process(hostile, "get")
    assert report["error"] == "ResponseTooLargeError" and report["limit"] == DEFAULT_MAX_RESPONSE_BYTES == 32 * MIB
    assert "Transcriptions_Get" in report["message"] and "33,554,432-byte limit" in report["message"]
    assert report["growth_mib"] < 2 * 32


@linux_only
async def test_an_endless_download_stops_at_its_cap_in_bounded_memory(hostile: HostileServer) -> None:
    report = await in_a_process(hostile, "download", "--path", "endless", "--max-download-mib", "16")
    assert report["error"] == "ResponseTooLargeError" and report["limit"] == 16 * MIB
    assert report["message"].startswith("download: ")
    assert report["growth_mib"] < 2 * 16
    assert hostile.endless_sent < 64 * MIB  # the server was cut off soon after


@linux_only
async def test_a_large_download_to_a_file_is_streamed(hostile: HostileServer, tmp_path: Path) -> None:
    """192 MiB saved with download(to=): whole on disk, never in memory (growth under 16 MiB)."""
    report = await in_a_process(hostile, "save", "--path", "large", "--to", str(tmp_path / "large.bin"))
    assert report["error"] is None and report["size"] == LARGE
    assert report["growth_mib"] < 16
    assert names(tmp_path) == ["large.bin"]


# ---------------------------------------------------------------- here: behaviour


async def test_an_endless_trickle_ends_at_the_timeout(hostile: HostileServer) -> None:
    async with local_client(hostile) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(APITimeoutError, match=r"no answer from 127\.0\.0\.1 in time"):
            await client.download(f"{hostile.url}/files/trickle", timeout=0.5)
        assert asyncio.get_running_loop().time() - started < 3


async def test_an_error_body_is_capped_too_and_the_client_goes_on(hostile: HostileServer) -> None:
    """A 500 whose body inflates past the cap: ResponseTooLargeError (not retried), then the next call works."""
    async with SpeechClient(endpoint=hostile.url, key="k", rate_limit=None, max_response_bytes=MIB) as client:
        with pytest.raises(ResponseTooLargeError) as caught:
            await client.send_request("GET", "/error-bomb")
        assert caught.value.status == 500 and caught.value.limit == MIB and not caught.value.retryable
        assert "GET /error-bomb: the answer (HTTP 500) is larger than the 1,048,576-byte limit" in str(caught.value)
        assert (await client.send_request("GET", "/after")).json() == {}
    assert hostile.requests == ["/speechtotext/error-bomb", "/speechtotext/after"]


async def test_a_download_past_its_cap_leaves_no_file(hostile: HostileServer, tmp_path: Path) -> None:
    async with local_client(hostile, max_download_bytes=2 * MIB) as client:
        with pytest.raises(ResponseTooLargeError):
            await client.download(f"{hostile.url}/files/endless", to=tmp_path / "endless.bin")
    assert names(tmp_path) == []


def answering(*answers: Response) -> MockTransport:
    queue = list(answers)
    return MockTransport(lambda request: queue.pop(0))


def mock_client(transport: MockTransport, **options: Any) -> SpeechClient:
    return SpeechClient(
        endpoint="https://x.cognitiveservices.azure.com", key="k", transport=transport, clock=FakeClock(), **options
    )


async def test_the_mock_transport_applies_the_caps_too() -> None:
    entity = {"self": f"https://x/t/{UID}", "displayName": "d" * 200, "locale": "en-US", "properties": {}}
    transport = MockTransport(lambda request: response(200, entity))
    async with mock_client(transport, max_response_bytes=100) as client:
        with pytest.raises(ResponseTooLargeError, match=r"Transcriptions_Get: .* 100-byte limit"):
            await client.transcriptions.get(UID)
    async with mock_client(transport, max_response_bytes=1000) as client:
        assert (await client.transcriptions.get(UID)).display_name == "d" * 200
    transport.handler = lambda request: response(200, body=b"1234567890")
    async with mock_client(transport, max_download_bytes=9) as client:
        with pytest.raises(ResponseTooLargeError, match=r"download: .* 9-byte limit"):
            await client.download("https://blob.example/f")
    async with mock_client(transport, max_download_bytes=10) as client:
        assert await client.download("https://blob.example/f") == b"1234567890"
    assert [r.max_body for r in transport.requests] == [100, 1000, 9, 10]


async def test_a_download_to_a_file_is_whole_after_a_retry(tmp_path: Path) -> None:
    """The first try's 503 writes nothing; the second try's body is the file."""
    transport = answering(response(503, {"code": "Busy"}), response(200, body=b"the result file"))
    target = tmp_path / "result.json"
    async with mock_client(transport, max_retries=1) as client:
        assert await client.download("https://blob.example/result.json", to=target) is None
    assert names(tmp_path) == ["result.json"] and read(target) == b"the result file"
    assert all(isinstance(r, Request) and r.save_to == target for r in transport.requests)


async def test_a_download_into_a_missing_folder_is_refused_before_sending(tmp_path: Path) -> None:
    transport = answering()
    async with mock_client(transport) as client:
        with pytest.raises(InvalidArgumentError, match="'to' must be a file in an existing folder"):
            await client.download("https://blob.example/f", to=tmp_path / "nowhere" / "f.json")
    assert transport.requests == []


@pytest.mark.parametrize("name", ["max_response_bytes", "max_download_bytes"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True, "32"])
def test_caps_are_checked_when_the_client_is_made(name: str, value: Any) -> None:
    with pytest.raises(InvalidArgumentError, match=f"{name} must be a whole number of bytes >= 1"):
        SpeechClient(endpoint="https://x.cognitiveservices.azure.com", key="k", **{name: value})


def test_the_default_caps() -> None:
    assert (DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_DOWNLOAD_BYTES) == (32 * MIB, 256 * MIB)
