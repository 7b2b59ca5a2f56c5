"""``credential=``: azure-core credentials, duck-typed so that azure-core stays optional.

A token credential (``azure.identity.aio.DefaultAzureCredential`` and the like) is asked
for a Microsoft Entra ID token only when the cached one is due for renewal: one request
asks at a time, the others keep sending the current token while it is valid (or wait for
the new one no longer than their own timeout), and a failed renewal falls back on it until
it expires. An ``AzureKeyCredential`` has its key read for every request, so ``update()``
takes effect at once. No token or key is ever logged.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from yarl import URL

from ._core.clock import TimedOut, within
from .errors import CredentialError, InvalidArgumentError

if TYPE_CHECKING:
    from ._core.clock import Clock

__all__ = [
    "KEY_HEADER",
    "SCOPE",
    "Credential",
    "CredentialAuth",
    "KeyCredential",
    "TokenCache",
    "TokenCredential",
    "TokenInfoCredential",
    "credential_auth",
]

KEY_HEADER = "Ocp-Apim-Subscription-Key"
# The Entra ID scope of Azure AI services; sovereign clouds have their own (by endpoint host suffix).
SCOPE = "https://cognitiveservices.azure.com/.default"
_CLOUD_SCOPES = {
    ".azure.us": "https://cognitiveservices.azure.us/.default",  # Azure Government
    ".azure.cn": "https://cognitiveservices.azure.cn/.default",  # Azure operated by 21Vianet
}
# Regional endpoints take keys and key-based tokens only, never Entra ID tokens.
_REGIONAL_HOSTS = (".api.cognitive.microsoft.com", ".api.cognitive.microsoft.us", ".api.cognitive.azure.cn")
# A token is renewed this long before it expires (or at half its lifetime, if that is later);
# a failed renewal is tried again after _RETRY_SECONDS while the current token lasts.
_REFRESH_SECONDS = 300.0
_RETRY_SECONDS = 30.0
_now = time.time  # epoch seconds, as credentials give expiry times
log = logging.getLogger("speechrest")


class AccessToken(Protocol):
    """What ``get_token`` returns (azure-core's ``AccessToken``)."""

    @property
    def token(self) -> str: ...
    @property
    def expires_on(self) -> float: ...


@runtime_checkable
class TokenCredential(Protocol):
    """azure-core's ``AsyncTokenCredential``."""

    async def get_token(self, *scopes: str) -> AccessToken: ...


@runtime_checkable
class TokenInfoCredential(Protocol):
    """azure-core's ``AsyncSupportsTokenInfo`` (its ``AccessTokenInfo`` adds ``refresh_on``); preferred."""

    async def get_token_info(self, *scopes: str) -> AccessToken: ...


@runtime_checkable
class KeyCredential(Protocol):
    """azure-core's ``AzureKeyCredential``."""

    @property
    def key(self) -> str: ...


Credential = TokenCredential | TokenInfoCredential | KeyCredential


class CredentialAuth(ABC):
    """The header a credential puts on requests to the endpoint."""

    @abstractmethod
    async def header(self, seconds: float | None, clock: Clock) -> tuple[str, str]:
        """The header's name and value for the next request, within ``seconds`` on ``clock`` (None: no limit)."""

    @abstractmethod
    def refused(self, value: str) -> None:
        """The service answered 401 to a request carrying ``value``."""


class _KeyAuth(CredentialAuth):
    def __init__(self, credential: KeyCredential) -> None:
        self._credential = credential

    async def header(self, seconds: float | None, clock: Clock) -> tuple[str, str]:
        return KEY_HEADER, self._credential.key

    def refused(self, value: str) -> None:
        """Nothing to forget: the key is read afresh for every request."""


class _Token:
    __slots__ = ("expires_on", "refresh_at", "value")

    def __init__(self, value: str, expires_on: float, refresh_at: float) -> None:
        self.value, self.expires_on, self.refresh_at = value, expires_on, refresh_at


class TokenCache(CredentialAuth):
    """Entra ID tokens from a credential's ``ask`` method, cached until they are due for renewal."""

    def __init__(self, ask: Callable[[str], Awaitable[AccessToken]], scope: str, source: str) -> None:
        self._ask = ask
        self.scope = scope
        self._source = source  # the credential's class name, for messages
        self._renewal: asyncio.Future[str] | None = None  # the one try to get a token, shared by its waiters
        self._token: _Token | None = None
        self._next_try = 0.0  # after a failed renewal: not again before this, while the token lasts

    async def header(self, seconds: float | None, clock: Clock) -> tuple[str, str]:
        return "Authorization", f"Bearer {await self.token(seconds, clock)}"

    def refused(self, value: str) -> None:
        """Forget the token the service refused, so that the next request asks for a new one."""
        if self._token is not None and value == f"Bearer {self._token.value}":
            self._token = None

    def _usable(self, *, renewing: bool) -> str | None:
        """The cached token if it needs no renewal now (or is valid while ``renewing`` elsewhere)."""
        token, now = self._token, _now()
        if token is None or now >= token.expires_on:
            return None
        return token.value if renewing or now < token.refresh_at or now < self._next_try else None

    async def token(self, seconds: float | None, clock: Clock) -> str:
        """A valid token: the cached one, or a new one when it is due.

        Requests that need a new token share one try (its failure too: no pile-up of tries), each
        waiting no longer than ``seconds`` on ``clock``; the try itself lasts no longer than the
        ``seconds`` of the request that started it, and goes on if that request is cancelled."""
        cached = self._usable(renewing=self._renewal is not None)
        if cached is not None:
            return cached
        renewal = self._renewal
        if renewal is None:  # this request starts the try, which ends within its seconds
            renewal = self._renewal = asyncio.ensure_future(self._renew(seconds, clock))
            return await asyncio.shield(renewal)
        try:
            return await within(asyncio.shield(renewal), seconds, clock)
        except TimedOut as exc:
            raise self._error(exc) from exc

    async def _renew(self, seconds: float | None, clock: Clock) -> str:
        try:
            self._token = await within(self._fetch(), seconds, clock)
        except Exception as exc:
            return self._fall_back(exc)
        finally:
            self._renewal = None
        self._next_try = 0.0
        return self._token.value

    def _fall_back(self, exc: Exception) -> str:
        """The current token after a failed renewal, while it is valid; else the failure."""
        token, now = self._token, _now()
        if token is None or now >= token.expires_on:
            raise self._error(exc) from exc
        self._next_try = now + _RETRY_SECONDS
        log.warning(
            "could not renew the access token (%s); the current one, valid %.0f s more, is used meanwhile",
            _describe(exc),
            token.expires_on - now,
        )
        return token.value

    async def _fetch(self) -> _Token:
        asked = _now()
        pending = self._ask(self.scope)
        if not inspect.isawaitable(pending):
            raise TypeError("its methods are synchronous: use the async credentials of azure.identity.aio")
        got: object = await pending
        value, expires_on = getattr(got, "token", None), getattr(got, "expires_on", None)
        if not isinstance(value, str) or not value or not isinstance(expires_on, (int, float)):
            raise TypeError(f"it returned {type(got).__name__}, not an access token with an expiry time")
        refresh_on = getattr(got, "refresh_on", None)
        if isinstance(refresh_on, (int, float)) and refresh_on:
            refresh_at = min(float(refresh_on), expires_on)
        else:
            refresh_at = max(expires_on - _REFRESH_SECONDS, asked + (expires_on - asked) / 2)
        log.debug("got an access token for %s, valid for %.0f s", self.scope, expires_on - asked)
        return _Token(value, float(expires_on), refresh_at)

    def _error(self, exc: Exception) -> CredentialError:
        return CredentialError(f"no access token from {self._source}: {_describe(exc)}")


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def credential_auth(credential: object, endpoint: URL, scope: str | None = None) -> CredentialAuth:
    """How a ``credential=`` authenticates on ``endpoint``; refuses what cannot work there.

    Entra ID tokens are taken on a resource's custom-domain endpoint only, so a token
    credential is refused on a regional one (such as ``region=`` makes). ``scope`` replaces
    the one the endpoint's host implies (for a gateway in front of a sovereign-cloud resource).
    """
    ask: Callable[[str], Awaitable[AccessToken]] | None = None
    if isinstance(credential, TokenInfoCredential):
        ask = credential.get_token_info
    elif isinstance(credential, TokenCredential):
        ask = credential.get_token
    if ask is not None:
        host = (endpoint.host or "").lower().rstrip(".")
        if host.endswith(_REGIONAL_HOSTS):
            raise InvalidArgumentError(
                "SpeechClient: a Microsoft Entra ID credential works only on the resource's custom-domain "
                f"endpoint, https://<name>.cognitiveservices.azure.com, not on the regional endpoint {host} "
                "(which region= makes); pass endpoint= with the resource's own (Azure portal: the resource's "
                "Keys and Endpoint page), or authenticate with key="
            )
        if scope is None:
            scope = next((cloud for suffix, cloud in _CLOUD_SCOPES.items() if host.endswith(suffix)), SCOPE)
        return TokenCache(ask, scope, type(credential).__name__)
    if isinstance(credential, KeyCredential) and isinstance(credential.key, str):
        if scope is not None:
            raise InvalidArgumentError("SpeechClient: credential_scope= applies to token credentials, not to a key")
        return _KeyAuth(credential)
    raise InvalidArgumentError(
        "SpeechClient: credential= takes an azure-core async token credential (such as "
        "azure.identity.aio.DefaultAzureCredential) or an azure.core.credentials.AzureKeyCredential, "
        f"got {type(credential).__name__}" + ("; pass a key as key=" if isinstance(credential, str) else "")
    )
