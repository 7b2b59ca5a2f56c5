"""What a newcomer meets first: how values print, what a call on an unfinished job says,
what a wrong endpoint says, the names of the calls and their docstrings, retired versions,
proxies and TLS."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import ssl
import sys
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme
from aiohttp import web
from conftest import TEST_KEY, RecordingServer

from speechrest import InvalidArgumentError, JobFailedError, SpeechClient, TransportError, models, operations
from speechrest._generated import VERSIONS
from speechrest.emulator import Emulator
from speechrest.errors import JobNotFinishedError


def transcription(*urls: str) -> dict[str, Any]:
    return {
        "displayName": "t",
        "locale": "en-US",
        "contentUrls": list(urls or ["https://audio.example.com/a.wav"]),
        "properties": {"timeToLiveHours": 6},
    }


# ----------------------------------------------------------------------------- enums


def test_an_enum_prints_as_its_wire_value() -> None:
    status = models.Status.NOT_STARTED
    assert str(status) == "NotStarted"
    assert f"{status}" == "NotStarted" and f"[{status:>12}]" == "[  NotStarted]"
    assert "%s" % status == "NotStarted"  # noqa: UP031 (the old spelling prints the same)
    assert status == "NotStarted" and isinstance(status, str)  # still a str, still an Enum
    assert repr(status) == "<Status.NOT_STARTED: 'NotStarted'>"  # repr still says which member


@pytest.mark.parametrize("version", list(VERSIONS))
def test_every_generated_enum_prints_as_its_wire_value(version: str) -> None:
    module = models.for_version(version)
    enums = [value for value in vars(module).values() if isinstance(value, type) and issubclass(value, Enum)]
    assert len(enums) >= 9
    wrong = [repr(member) for enum in enums for member in enum if (str(member), f"{member}") != (member.value,) * 2]
    assert not wrong


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_an_entitys_status_prints_in_a_message(speech_emulator: Emulator) -> None:
    async with SpeechClient(endpoint=speech_emulator.url, key=speech_emulator.key, rate_limit=None) as client:
        done = await client.transcriptions.wait(await client.transcriptions.create(transcription()), timeout=5)
    assert f"{done.display_name}: {done.status}" == "t: Succeeded"


# ----------------------------------------------------------------------------- results of an unfinished job


def requests(emulator: Emulator, operation_id: str) -> int:
    return sum(emulator.stats["requests"].get(operation_id, {}).values())


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_results_of_an_unfinished_transcription_say_to_wait(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    created = await speech_client.transcriptions.create(transcription())
    for given in (created, created.id):
        with pytest.raises(JobNotFinishedError) as caught:
            [r async for r in speech_client.transcriptions.results(given)]
        assert str(caught.value) == (
            f"transcription {created.id} is NotStarted, not finished yet: "
            "wait for it first (await client.transcriptions.wait(...))"
        )
        assert caught.value.status == "NotStarted" and caught.value.entity.id == created.id
        with pytest.raises(JobNotFinishedError, match=f"transcription {created.id} is NotStarted"):
            await speech_client.transcriptions.report(given)
    assert requests(speech_emulator, "Transcriptions_Get") == 4  # one look each time, as the state given was old
    assert requests(speech_emulator, "Transcriptions_ListFiles") == 0


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_results_of_a_failed_transcription_carry_the_services_error(speech_client: SpeechClient) -> None:
    created = await speech_client.transcriptions.create(transcription("https://audio.example.com/fail.wav"))
    with pytest.raises(JobFailedError):
        await speech_client.transcriptions.wait(created, timeout=5)
    for call in (speech_client.transcriptions.report(created.id), anext(speech_client.transcriptions.results(created))):
        with pytest.raises(JobFailedError) as caught:
            await call
        assert caught.value.code == "InvalidData" and caught.value.entity.id == created.id
        assert str(caught.value) == (
            f"transcription {created.id} failed: InvalidData: None of the audio files could be transcribed."
        )


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_results_of_a_succeeded_transcription_need_no_extra_look(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    done = await speech_client.transcriptions.wait(await speech_client.transcriptions.create(transcription()))
    looked = requests(speech_emulator, "Transcriptions_Get")
    assert [r.source async for r in speech_client.transcriptions.results(done)] == ["https://audio.example.com/a.wav"]
    assert (await speech_client.transcriptions.report(done)).successful_count == 1
    assert requests(speech_emulator, "Transcriptions_Get") == looked  # the state given says Succeeded: trusted
    assert [r.source async for r in speech_client.transcriptions.results(done.id)]  # an id: one GET, then the files
    assert requests(speech_emulator, "Transcriptions_Get") == looked + 1


# ----------------------------------------------------------------------------- the endpoint


RESOURCE = "https://my-speech.cognitiveservices.azure.com"


@pytest.mark.parametrize(
    ("endpoint", "instead", "what"),
    [
        (f"{RESOURCE}/speechtotext/v3.1", f'endpoint="{RESOURCE}", api_version="v3.1"', "path '/speechtotext/v3.1'"),
        (f"{RESOURCE}/speechtotext/v3.0/", f'endpoint="{RESOURCE}", api_version="v3.0"', "path '/speechtotext/v3.0/'"),
        (f"{RESOURCE}/speechtotext", f'endpoint="{RESOURCE}"', "path '/speechtotext'"),
        (
            f"{RESOURCE}/speechtotext?api-version=2024-11-15",
            f'endpoint="{RESOURCE}", api_version="2024-11-15"',
            "path '/speechtotext' and query api-version",
        ),
        (f"{RESOURCE}?api-version=v9", f'endpoint="{RESOURCE}"', "query api-version"),
        (
            "https://eastus.api.cognitive.microsoft.com/sts/v1.0/issueToken",
            'endpoint="https://eastus.api.cognitive.microsoft.com"',
            "path '/sts/v1.0/issueToken'",
        ),
        ("http://127.0.0.1:8080/#top", 'endpoint="http://127.0.0.1:8080"', "a fragment"),
    ],
)
def test_an_endpoint_with_a_path_is_refused_saying_what_to_pass(endpoint: str, instead: str, what: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        SpeechClient(endpoint=endpoint, key="k")
    assert str(caught.value) == (
        f"SpeechClient: give the resource endpoint alone: {instead} (this one has {what}); "
        "the SDK adds /speechtotext and the API version itself"
    )


def test_a_secret_in_the_endpoints_query_is_not_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECH_ENDPOINT", f"{RESOURCE}/?subscription-key=s3cret")
    with pytest.raises(InvalidArgumentError, match="query subscription-key") as caught:
        SpeechClient.from_env()
    assert "s3cret" not in str(caught.value)


async def test_the_resource_endpoint_with_a_trailing_slash_is_the_resource_endpoint(server: RecordingServer) -> None:
    async with SpeechClient(endpoint=server.url + "/", key=TEST_KEY, rate_limit=None) as client:
        assert client.endpoint == server.url
        server.reply(200, transcription())
        await client.transcriptions.get("0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10")
    assert server.last.path == "/speechtotext/transcriptions/0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"


# ----------------------------------------------------------------------------- the same spelling in every group


ID = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"


async def test_models_get_and_list_are_the_custom_model_calls(server: RecordingServer) -> None:
    model = {"self": f"{server.url}/speechtotext/models/{ID}", "displayName": "mine", "locale": "en-US"}
    server.reply(200, model)
    server.reply(200, model)
    server.reply(200, {"values": [model]})
    server.reply(200, {"values": [model]})
    async with SpeechClient(endpoint=server.url, key=TEST_KEY, rate_limit=None) as client:
        assert (await client.models.get(ID)).display_name == "mine"
        assert (await client.models.get_custom_model(ID)).display_name == "mine"
        assert [m.id async for m in client.models.list(top=5)] == [ID]
        assert [m.id async for m in client.models.list_custom_models(top=5)] == [ID]
    assert [(r.path, dict(r.query)) for r in server.requests[::2]] == [
        (f"/speechtotext/models/{ID}", {"api-version": "2025-10-15"}),
        ("/speechtotext/models", {"top": "5", "api-version": "2025-10-15"}),
    ]
    assert [(r.path, dict(r.query)) for r in server.requests[::2]] == [
        (r.path, dict(r.query)) for r in server.requests[1::2]
    ]


@pytest.mark.parametrize(
    "group", ["transcriptions", "datasets", "models", "evaluations", "endpoints", "projects", "web_hooks"]
)
def test_every_entity_group_has_get_and_list(group: str) -> None:
    client = SpeechClient(endpoint=RESOURCE, key="k")
    assert callable(getattr(client, group).get)
    assert callable(getattr(client, group).list)


# ----------------------------------------------------------------------------- docstrings


def calls() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every generated call: the operation functions and the groups' methods."""
    for name in operations.__all__:
        yield f"operations.{name}", getattr(operations, name)
    client = SpeechClient(endpoint=RESOURCE, key="k")
    for group in ("transcriptions", "datasets", "models", "evaluations", "endpoints", "projects", "web_hooks"):
        for name, method in inspect.getmembers(getattr(client, group), inspect.ismethod):
            if not name.startswith("_") and method.__module__ == "speechrest._generated.groups":
                yield f"client.{group}.{name}", method


def test_calls_say_what_they_do_in_their_first_line() -> None:
    assert operations.transcriptions_get.__doc__.splitlines()[0] == "Get one transcription by id."
    assert operations.get_transcriptions.__doc__.splitlines()[0] == "List transcriptions, a page at a time."
    client = SpeechClient(endpoint=RESOURCE, key="k")
    assert client.transcriptions.list_files.__doc__.splitlines()[0] == (
        "List the files of a transcription, a page at a time."
    )
    assert client.models.get.__doc__.splitlines()[0] == "Get one custom model by id."
    assert client.endpoints.delete.__doc__.splitlines()[0] == "Delete an endpoint."
    assert client.web_hooks.ping.__doc__.splitlines()[0] == "Have the service send a ping event to a web hook."
    checked = 0
    for name, call in calls():
        doc = inspect.getdoc(call) or ""
        first, _, rest = doc.partition("\n")
        assert re.fullmatch(r"[A-Z][a-z]+ [^`]+\.", first), (name, first)
        assert first.endswith(", a page at a time.") == (not inspect.iscoroutinefunction(call)), (name, first)
        assert re.search(r"^``(GET|POST|PUT|PATCH|DELETE) /\S*`` \(``", rest, re.M), (name, rest)  # the request
        checked += 1
    assert checked > 200


def test_every_call_with_a_filter_shows_how_to_write_one() -> None:
    with_filter = [(name, call) for name, call in calls() if "filter" in inspect.signature(call).parameters]
    assert len(with_filter) >= 30
    for name, call in with_filter:
        doc = inspect.getdoc(call) or ""
        assert re.search(r'``filter="[^"]+"``', doc), name
        for word in ("eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not"):
            assert f"``{word}``" in doc, (name, word)


def filter_example(call: Callable[..., Any]) -> str:
    found = re.search(r'``filter="([^"]+)"``', inspect.getdoc(call) or "")
    assert found is not None
    return found.group(1)


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_the_documented_filters_work(speech_client: SpeechClient) -> None:
    transcriptions = speech_client.transcriptions
    done = await transcriptions.wait(await transcriptions.create(transcription()), timeout=5)
    example = filter_example(transcriptions.list)
    assert "status eq 'Succeeded'" in example
    assert [t.id async for t in transcriptions.list(filter=example)] == [done.id]
    assert [t.id async for t in transcriptions.list(filter=example.replace("Succeeded", "Failed"))] == []
    later = example.replace("2024-01-01", "2999-01-01")
    assert [t.id async for t in transcriptions.list(filter=later)] == []
    files = [f.kind async for f in transcriptions.list_files(done.id, filter=filter_example(transcriptions.list_files))]
    assert sorted(files) == ["Transcription", "TranscriptionReport"]


# ----------------------------------------------------------------------------- retired API versions


def test_a_client_of_a_retired_version_warns_where_it_is_made() -> None:
    with pytest.warns(DeprecationWarning) as caught:
        SpeechClient(endpoint=RESOURCE, key="k", api_version="v3.0")
        SpeechClient(endpoint=RESOURCE, key="k", api_version="v3.1")
        SpeechClient(endpoint=RESOURCE, key="k", api_version="v3.1")  # each client says it
    v3_0, v3_1 = (
        'Speech-to-text API version v3.0 was retired on 2026-03-31; use api_version="2025-10-15" (the default) '
        'and see "Moving from v3.x to the GA versions" in the speechrest README',
        "Speech-to-text API version v3.1 is retiring: the service announced the same end for it as for v3.0, "
        'retired on 2026-03-31; use api_version="2025-10-15" (the default) and see "Moving from v3.x to the GA '
        'versions" in the speechrest README',
    )
    assert [str(w.message) for w in caught] == [v3_0, v3_1, v3_1]
    assert {w.filename for w in caught} == {__file__}  # the line that made the client, not the SDK's


def test_the_warning_points_past_the_sdks_own_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECH_ENDPOINT", RESOURCE)
    monkeypatch.setenv("SPEECH_API_VERSION", "v3.1")
    with pytest.warns(DeprecationWarning, match="v3.1 is retiring") as caught:
        line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
        SpeechClient.from_env(key="k")
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)


def test_the_readme_has_the_section_the_warning_names() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "\n### Moving from v3.x to the GA versions\n" in readme


@pytest.mark.parametrize("version", ["2024-11-15", "2025-10-15"])
def test_a_client_of_a_ga_version_does_not_warn(version: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SpeechClient(endpoint=RESOURCE, key="k", api_version=version)


@pytest.mark.filterwarnings("error::DeprecationWarning")
@pytest.mark.speech_client(api_version="v3.1")
async def test_the_pytest_fixture_makes_the_version_it_is_asked_for_without_a_warning(
    speech_client: SpeechClient,
) -> None:
    assert speech_client.api_version == "v3.1"
    assert await speech_client.transcriptions.list_supported_locales()


async def test_the_command_line_prints_no_warning_for_v3_1(speech_emulator: Emulator) -> None:
    command = ["-m", "speechrest.cli", "--json", "--api-version", "v3.1", "--endpoint", speech_emulator.url]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        "ls",
        "transcriptions",
        env={**os.environ, "SPEECH_KEY": speech_emulator.key},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert (process.returncode, stderr.decode(), stdout.decode().strip()) == (0, "", "[]")


# ----------------------------------------------------------------------------- TLS and proxies


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[tuple[str, list[web.Request]]]:
    """An HTTPS server on 127.0.0.1 with a certificate of ``ca`` (its URL, and the requests it got)."""
    seen: list[web.Request] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response({"displayName": "over TLS", "locale": "en-US", "properties": {}})

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    yield f"https://127.0.0.1:{port}", seen
    await runner.cleanup()


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def fetch(endpoint: str, **options: Any) -> str | None:
    """The display name of a transcription, as the server at ``endpoint`` answers."""
    async with SpeechClient(endpoint=endpoint, key=TEST_KEY, max_retries=0, rate_limit=None, **options) as client:
        return (await client.transcriptions.get(ID)).display_name


async def test_tls_is_checked_with_the_context_or_ca_bundle_given(
    ca: trustme.CA, tls_server: tuple[str, list[web.Request]], tmp_path: Path
) -> None:
    url, seen = tls_server
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        await fetch(url)  # the system's CAs do not know this one
    assert seen == []
    assert await fetch(url, ssl=trusting(ca)) == "over TLS"
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    assert await fetch(url, ca_bundle=bundle) == "over TLS"
    assert await fetch(url, ssl=False) == "over TLS"  # unchecked, when asked
    assert [r.headers["Ocp-Apim-Subscription-Key"] for r in seen] == [TEST_KEY] * 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ssl": True}, "ssl must be an ssl.SSLContext or False, got True"),
        ({"ssl": False, "ca_bundle": "ca.pem"}, "give ssl= or ca_bundle=, not both"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle '/nonexistent/ca.pem' is not a readable PEM file"),
        ({"ca_bundle": __file__}, "is not a readable PEM file"),
    ],
)
def test_bad_tls_settings_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        SpeechClient(endpoint=RESOURCE, key="k", **options)


async def test_tls_settings_do_not_go_with_a_callers_session() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(InvalidArgumentError, match="with session=, set them on its connector"):
            SpeechClient(endpoint=RESOURCE, key="k", session=session, ssl=False)


class ConnectProxy:
    """A forward proxy for HTTPS: answers ``CONNECT host:port`` and relays the bytes both ways,
    as corporate proxies do; it records what it could read (the CONNECT request, nothing more)."""

    def __init__(self) -> None:
        self.preambles: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> ConnectProxy:
        self.server = await asyncio.start_server(self._tunnel, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _tunnel(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        preamble = await client_reader.readuntil(b"\r\n\r\n")
        self.preambles.append(preamble)
        host, _, port = preamble.split(b" ")[1].decode().rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        client_writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def relay(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                target.write(data)
                await target.drain()
            target.close()

        await asyncio.gather(relay(client_reader, writer), relay(reader, client_writer), return_exceptions=True)


async def test_https_proxy_from_the_environment_is_used_and_sees_no_key(
    ca: trustme.CA, tls_server: tuple[str, list[web.Request]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = tls_server
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert await fetch(url, ssl=trusting(ca)) == "over TLS"
        assert [p.split(b"\r\n")[0] for p in proxy.preambles] == [f"CONNECT {url[8:]} HTTP/1.1".encode()]
        assert not any(TEST_KEY.encode() in p for p in proxy.preambles)  # the key travels inside TLS only
        assert seen[-1].headers["Ocp-Apim-Subscription-Key"] == TEST_KEY
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert await fetch(url, ssl=trusting(ca)) == "over TLS"
    assert len(proxy.preambles) == 1 and len(seen) == 2  # NO_PROXY: straight to the service
