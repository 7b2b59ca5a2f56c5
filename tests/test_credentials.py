"""``credential=``: Entra ID token credentials (cached, renewed, never logged) and AzureKeyCredential."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from conftest import RecordingServer

from speechrest import AuthenticationError, InvalidArgumentError, MockTransport, SpeechClient
from speechrest._core.transport import response
from speechrest.emulator import Emulator
from speechrest.errors import CredentialError

SCOPE = "https://cognitiveservices.azure.com/.default"
CUSTOM_DOMAIN = "https://my-speech.cognitiveservices.azure.com"
START = 1_700_000_000.0  # the fake clock's epoch seconds at the start of each test


class Clock:
    """The wall clock the token cache reads, moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("speechrest._credentials._now", fake)
    return fake


@dataclass
class Token:
    """azure-core's AccessTokenInfo, as far as the SDK reads it."""

    token: str
    expires_on: float
    refresh_on: float | None = None


class FakeCredential:
    """An async token credential (``get_token_info``) counting its calls: tokens ``token-1``, ``token-2``...

    Each token lasts ``lifetime`` seconds on ``clock``; ``refresh_in`` sets its ``refresh_on``.
    ``failure`` is raised instead, when set; ``gate``, when set, holds every call until it opens;
    ``asked`` is set by every call.
    """

    def __init__(self, clock: Clock, lifetime: float = 3600.0, refresh_in: float | None = None) -> None:
        self.clock, self.lifetime, self.refresh_in = clock, lifetime, refresh_in
        self.calls = 0
        self.scopes: list[tuple[str, ...]] = []
        self.failure: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.closed = False
        self.asked = asyncio.Event()

    async def get_token_info(self, *scopes: str, options: object = None) -> Token:
        self.calls += 1
        self.scopes.append(scopes)
        self.asked.set()
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)  # a real credential answers later, not at once
        if self.failure is not None:
            raise self.failure
        now = self.clock.now
        refresh_on = now + self.refresh_in if self.refresh_in is not None else None
        return Token(f"token-{self.calls}", now + self.lifetime, refresh_on)

    async def close(self) -> None:
        self.closed = True


class LegacyCredential(FakeCredential):
    """A credential with ``get_token`` only (azure-core's AsyncTokenCredential before token info)."""

    get_token = FakeCredential.get_token_info
    get_token_info = None  # type: ignore[assignment]


def client_for(server: RecordingServer, credential: object, **kwargs: object) -> SpeechClient:
    # A loopback endpoint (like the emulator's) takes a token credential; no retries, no rate limit.
    options: dict[str, object] = {"max_retries": 0, "rate_limit": None, **kwargs}
    return SpeechClient(endpoint=server.url, credential=credential, **options)  # type: ignore[arg-type]


async def sent_headers(make: Callable[..., SpeechClient], **kwargs: object) -> dict[str, str]:
    """The credential headers one request carries, sent through a client made by ``make``."""
    transport = MockTransport(lambda request: response(200, {}))
    async with make(transport=transport, **kwargs) as client:
        await client.send_request("GET", "/healthstatus")
    sent = transport.requests[0].headers
    return {name: sent[name] for name in ("Authorization", "Ocp-Apim-Subscription-Key") if name in sent}


def bearers(server: RecordingServer) -> list[str | None]:
    return [r.headers.get("Authorization") for r in server.requests]


@pytest.fixture
def credential(clock: Clock) -> FakeCredential:
    return FakeCredential(clock)


# ----------------------------------------------------------------------------- token credentials


async def test_one_token_serves_many_requests_and_the_scope_is_cognitive_services(
    server: RecordingServer, credential: FakeCredential
) -> None:
    async with client_for(server, credential) as client:
        for _ in range(5):
            assert await client.transcriptions.list().to_list() == []
    assert credential.calls == 1
    assert credential.scopes == [(SCOPE,)]
    assert bearers(server) == ["Bearer token-1"] * 5
    assert all("Ocp-Apim-Subscription-Key" not in r.headers for r in server.requests)


async def test_a_get_token_only_credential_works_and_get_token_info_is_preferred(
    server: RecordingServer, clock: Clock
) -> None:
    legacy = LegacyCredential(clock)
    async with client_for(server, legacy) as client:
        await client.transcriptions.list().to_list()
    assert (legacy.calls, bearers(server)) == (1, ["Bearer token-1"])

    class Both(FakeCredential):
        async def get_token(self, *scopes: str, **kwargs: object) -> Token:
            raise AssertionError("get_token_info is there: get_token is not asked")

    async with client_for(server, Both(clock)) as client:
        await client.transcriptions.list().to_list()
    assert bearers(server)[-1] == "Bearer token-1"


async def test_a_thousand_concurrent_requests_ask_the_credential_once(clock: Clock) -> None:
    async with Emulator(key="token-1", processing_seconds=0.1) as emu:
        credential = FakeCredential(clock)
        async with SpeechClient(endpoint=emu.url, credential=credential, rate_limit=None) as client:
            pages = await asyncio.gather(*(client.transcriptions.list().to_list() for _ in range(1000)))
    assert pages == [[]] * 1000  # the emulator took the token each time
    assert credential.calls == 1


async def test_the_token_is_renewed_before_it_expires(server: RecordingServer, clock: Clock) -> None:
    credential = FakeCredential(clock, lifetime=3600)
    async with client_for(server, credential) as client:
        await client.transcriptions.list().to_list()
        clock.now += 3600 - 301  # not yet within 5 minutes of expiry
        await client.transcriptions.list().to_list()
        clock.now += 2
        await client.transcriptions.list().to_list()  # due: this request waits for the new token
        await client.transcriptions.list().to_list()
    assert bearers(server) == ["Bearer token-1", "Bearer token-1", "Bearer token-2", "Bearer token-2"]


@pytest.mark.parametrize(
    ("lifetime", "refresh_in", "renewed_after"),
    [(3600, 600, 600), (120, None, 60)],  # refresh_on honoured; shorter than the 5-minute window: half life
    ids=["refresh-on", "half-life"],
)
async def test_refresh_on_is_honoured_and_short_lived_tokens_renew_at_half_life(
    server: RecordingServer, clock: Clock, lifetime: float, refresh_in: float | None, renewed_after: float
) -> None:
    credential = FakeCredential(clock, lifetime=lifetime, refresh_in=refresh_in)
    async with client_for(server, credential) as client:
        await client.transcriptions.list().to_list()
        clock.now += renewed_after - 1
        await client.transcriptions.list().to_list()
        clock.now += 1
        await client.transcriptions.list().to_list()
    assert bearers(server) == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


async def test_while_one_request_renews_the_others_send_the_valid_token(
    server: RecordingServer, credential: FakeCredential, clock: Clock
) -> None:
    async with client_for(server, credential) as client:
        await client.transcriptions.list().to_list()
        clock.now += 3500  # due for renewal, valid 100 s more
        credential.gate = asyncio.Event()
        credential.asked.clear()
        renewing = asyncio.ensure_future(client.transcriptions.list().to_list())
        await credential.asked.wait()
        await asyncio.gather(*(client.transcriptions.list().to_list() for _ in range(3)))
        assert bearers(server) == ["Bearer token-1"] * 4  # the renewing request is still waiting
        credential.gate.set()
        await renewing
    assert bearers(server)[-1] == "Bearer token-2"
    assert credential.calls == 2


async def test_a_failed_renewal_keeps_the_valid_token_and_logs_no_secret(
    server: RecordingServer, credential: FakeCredential, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="speechrest")
    async with client_for(server, credential) as client:
        await client.transcriptions.list().to_list()
        clock.now += 3500
        credential.failure = RuntimeError("the identity endpoint is down")
        await client.transcriptions.list().to_list()
        await client.transcriptions.list().to_list()  # the failed try is not repeated at once
        assert credential.calls == 2
        clock.now += 31  # tried again after a pause, and the fix is seen
        credential.failure = None
        await client.transcriptions.list().to_list()
    assert bearers(server) == ["Bearer token-1"] * 3 + ["Bearer token-3"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "RuntimeError: the identity endpoint is down" in warnings[0] and "valid 100 s more" in warnings[0]
    assert "token-" not in caplog.text  # DEBUG lines show the headers sent, redacted
    assert "Authorization" in caplog.text and "REDACTED" in caplog.text


async def test_an_expired_token_and_a_failing_credential_raise_credential_error(
    server: RecordingServer, credential: FakeCredential, clock: Clock
) -> None:
    async with client_for(server, credential) as client:
        await client.transcriptions.list().to_list()
        clock.now += 3600
        credential.failure = RuntimeError("no managed identity here")
        with pytest.raises(CredentialError, match="no access token from FakeCredential: RuntimeError: no managed") as e:
            await client.transcriptions.list().to_list()
        assert isinstance(e.value.__cause__, RuntimeError)
        # Requests that queue up behind a try share its failure instead of trying one after another.
        credential.gate = asyncio.Event()
        requests = [asyncio.ensure_future(client.transcriptions.list().to_list()) for _ in range(20)]
        await asyncio.sleep(0.05)  # all of them reach the credential's lock
        credential.gate.set()
        results = await asyncio.gather(*requests, return_exceptions=True)
        assert all(isinstance(r, CredentialError) for r in results)
        assert credential.calls == 3
        credential.gate = None
        credential.failure = None
        await client.transcriptions.list().to_list()
    assert len(server.requests) == 2 and bearers(server)[-1] == "Bearer token-4"


async def test_a_cancelled_request_does_not_strand_those_waiting_for_its_token(
    server: RecordingServer, credential: FakeCredential
) -> None:
    credential.gate = asyncio.Event()
    async with client_for(server, credential) as client:
        first = asyncio.ensure_future(client.transcriptions.list().to_list())
        await credential.asked.wait()
        second = asyncio.ensure_future(client.transcriptions.list().to_list())
        await asyncio.sleep(0.01)  # the second waits for the first's token
        first.cancel()
        credential.gate.set()
        assert await second == []
    assert first.cancelled()
    assert bearers(server) == ["Bearer token-1"]  # the try went on without the request that started it
    assert credential.calls == 1


async def test_a_synchronous_credential_is_refused_with_a_hint(server: RecordingServer) -> None:
    class SyncCredential:
        def get_token(self, *scopes: str) -> Token:
            return Token("t", START)

    async with client_for(server, SyncCredential()) as client:
        with pytest.raises(CredentialError, match=r"synchronous: use the async credentials of azure\.identity\.aio"):
            await client.transcriptions.list().to_list()
    assert server.requests == []


async def test_a_401_drops_the_token_so_the_next_request_asks_again(
    server: RecordingServer, credential: FakeCredential
) -> None:
    server.reply(401, {"code": "Unauthorized", "message": "token revoked"})
    async with client_for(server, credential) as client:
        with pytest.raises(AuthenticationError):
            await client.transcriptions.list().to_list()
        await client.transcriptions.list().to_list()
        await client.transcriptions.list().to_list()
    assert bearers(server) == ["Bearer token-1", "Bearer token-2", "Bearer token-2"]


async def test_the_token_never_leaves_the_endpoints_origin(
    server: RecordingServer, other_server: RecordingServer, credential: FakeCredential
) -> None:
    other_server.reply(200, b"result file")
    async with client_for(server, credential) as client:
        assert await client.download(other_server.url + "/results/1.json") == b"result file"
        await client.transcriptions.list().to_list()
    assert "Authorization" not in other_server.last.headers
    assert "Ocp-Apim-Subscription-Key" not in other_server.last.headers
    assert bearers(server) == ["Bearer token-1"]


async def test_the_client_never_closes_the_callers_credential(
    server: RecordingServer, credential: FakeCredential
) -> None:
    async with client_for(server, credential) as client:
        await client.transcriptions.list().to_list()
    assert not credential.closed


async def test_an_emulator_takes_the_entra_token_and_refuses_a_wrong_one(clock: Clock) -> None:
    async with Emulator(key="token-1", processing_seconds=0.1) as emu:
        right, wrong = FakeCredential(clock), FakeCredential(clock)
        wrong.calls = 1  # its first token is token-2
        async with SpeechClient(endpoint=emu.url, credential=right, rate_limit=None) as client:
            assert await client.transcriptions.list().to_list() == []
        async with SpeechClient(endpoint=emu.url, credential=wrong, rate_limit=None) as client:
            with pytest.raises(AuthenticationError):
                await client.transcriptions.list().to_list()


# ----------------------------------------------------------------------------- endpoints and arguments


@pytest.mark.parametrize(
    "where",
    [
        {"region": "eastus"},
        {"endpoint": "https://westeurope.api.cognitive.microsoft.com"},
        {"endpoint": "https://WestEurope.API.Cognitive.Microsoft.com./"},
        {"endpoint": "https://usgovvirginia.api.cognitive.microsoft.us"},
        {"endpoint": "https://chinaeast2.api.cognitive.azure.cn"},
    ],
)
def test_a_token_credential_is_refused_on_a_regional_endpoint(where: dict[str, str], clock: Clock) -> None:
    with pytest.raises(InvalidArgumentError, match=r"custom-domain endpoint, https://<name>\.cognitiveservices"):
        SpeechClient(credential=FakeCredential(clock), **where)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("endpoint", "scope"),
    [
        (CUSTOM_DOMAIN, SCOPE),
        ("https://my-speech.cognitiveservices.azure.us", "https://cognitiveservices.azure.us/.default"),
        ("https://my-speech.cognitiveservices.azure.cn", "https://cognitiveservices.azure.cn/.default"),
    ],
)
async def test_the_scope_follows_the_custom_domains_cloud(endpoint: str, scope: str, clock: Clock) -> None:
    credential = FakeCredential(clock)
    assert await sent_headers(SpeechClient, endpoint=endpoint, credential=credential) == {
        "Authorization": "Bearer token-1"
    }
    assert credential.scopes == [(scope,)]


async def test_credential_scope_overrides_the_scope_the_host_implies(clock: Clock) -> None:
    credential = FakeCredential(clock)
    gateway, scope = "https://speech-gateway.contoso.example", "https://cognitiveservices.azure.us/.default"
    await sent_headers(SpeechClient, endpoint=gateway, credential=credential, credential_scope=scope)
    assert credential.scopes == [(scope,)]
    with pytest.raises(InvalidArgumentError, match="credential_scope= goes with credential="):
        SpeechClient(endpoint=gateway, key="k", credential_scope=scope)


@pytest.mark.parametrize(
    ("others", "message"),
    [
        ({"key": "k"}, "give key= or credential=, not both"),
        ({"token": "t"}, "give token= or credential=, not both"),
        ({"key": "k", "token": "t"}, "give key= or token= or credential=, not all three"),
    ],
)
def test_credential_with_a_key_or_token_is_refused(others: dict[str, str], message: str, clock: Clock) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        SpeechClient(endpoint=CUSTOM_DOMAIN, credential=FakeCredential(clock), **others)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("credential", "hint"), [("my-key", "; pass a key as key="), (object(), "got object$")], ids=["str", "object"]
)
def test_something_else_than_a_credential_is_refused(credential: object, hint: str) -> None:
    with pytest.raises(InvalidArgumentError, match="credential= takes an azure-core async token credential") as e:
        SpeechClient(endpoint=CUSTOM_DOMAIN, credential=credential)  # type: ignore[arg-type]
    assert str(e.value).endswith(hint.rstrip("$"))


def test_repr_shows_the_kind_of_auth_only(credential: FakeCredential) -> None:
    client = SpeechClient(endpoint=CUSTOM_DOMAIN, credential=credential)
    assert repr(client).startswith(f"<SpeechClient endpoint={CUSTOM_DOMAIN!r} ")
    assert repr(client).endswith(" auth=credential>")


async def test_from_env_leaves_the_key_out_when_a_credential_is_given(
    monkeypatch: pytest.MonkeyPatch, credential: FakeCredential
) -> None:
    monkeypatch.setenv("SPEECH_ENDPOINT", CUSTOM_DOMAIN)
    monkeypatch.setenv("SPEECH_KEY", "env-key")
    assert await sent_headers(SpeechClient.from_env, credential=credential) == {"Authorization": "Bearer token-1"}


# ----------------------------------------------------------------------------- AzureKeyCredential


@pytest.fixture
def key_credential() -> Iterator[object]:
    credentials = pytest.importorskip("azure.core.credentials")
    yield credentials.AzureKeyCredential("first-key")


async def test_an_azure_key_credential_is_read_for_every_request(
    server: RecordingServer, other_server: RecordingServer, key_credential: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="speechrest")
    async with client_for(server, key_credential) as client:
        await client.transcriptions.list().to_list()
        key_credential.update("second-key")  # type: ignore[attr-defined]
        await client.transcriptions.list().to_list()
        await client.download(other_server.url + "/file")
        assert "auth=credential" in repr(client)
    assert [r.headers.get("Ocp-Apim-Subscription-Key") for r in server.requests] == ["first-key", "second-key"]
    assert all("Authorization" not in r.headers for r in server.requests)
    assert "Ocp-Apim-Subscription-Key" not in other_server.last.headers
    assert "first-key" not in caplog.text and "second-key" not in caplog.text


def test_an_azure_key_credential_works_on_a_regional_endpoint(key_credential: object) -> None:
    client = SpeechClient(region="eastus", credential=key_credential)  # type: ignore[arg-type]
    assert "auth=credential" in repr(client)


def test_credential_scope_is_refused_with_an_azure_key_credential(key_credential: object) -> None:
    with pytest.raises(InvalidArgumentError, match="applies to token credentials, not to a key"):
        SpeechClient(
            endpoint="https://my.cognitiveservices.azure.com",
            credential=key_credential,  # type: ignore[arg-type]
            credential_scope="https://cognitiveservices.azure.com/.default",
        )


async def test_a_sent_request_prints_no_credentials() -> None:
    transport = MockTransport(lambda request: response(200, {}, headers={"Date": "Sun, 06 Dec 2026 12:00:00 GMT"}))
    async with SpeechClient(endpoint=CUSTOM_DOMAIN, key="secret-key-123", transport=transport) as client:
        await client.send_request("GET", "/healthstatus")
    sent = transport.requests[0]
    assert sent.headers["Ocp-Apim-Subscription-Key"] == "secret-key-123"  # it was sent ...
    assert (
        repr(sent)
        == f"<Request GET /healthstatus: GET {CUSTOM_DOMAIN}/speechtotext/healthstatus?api-version=2025-10-15>"
    )
    assert "secret-key-123" not in repr(sent)  # ... and is not printed
