"""Credentials on the endpoint's origin, and nowhere else."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from ..._credentials import KEY_HEADER, CredentialAuth
from ...errors import CredentialError, SpeechError
from ..clock import Clock, TimedOut, within
from ..context import Context
from ..pipeline import Policy
from ..transport import Request, Response

__all__ = ["Authentication", "has_control_characters", "unsendable"]

_AUTH_HEADERS = (KEY_HEADER, "Authorization")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds what HTTP refuses in a header (a line break, a NUL...)."""
    return _CONTROL.search(text) is not None


def unsendable(secret: object) -> str | None:
    """Why ``secret`` cannot be sent as a header value, or None when it can (never quoting it)."""
    if not isinstance(secret, str) or not secret.strip():
        return "must be a non-empty string"
    if has_control_characters(secret):
        return "holds a line break or another control character (read from a file? strip it)"
    return None


class Authentication(Policy):
    """Adds the key, token or credential to requests for the endpoint's origin and strips any
    from requests elsewhere (content URLs, foreign next links). A token refused with 401 is
    dropped so that the next request gets a fresh one. A token provider or credential is waited
    for no longer than the try's timeout (``CredentialError`` then)."""

    def __init__(
        self,
        *,
        key: str | None = None,
        token: str | Callable[[], Awaitable[str]] | None = None,
        credential: CredentialAuth | None = None,
    ) -> None:
        self._key = key
        self._token = token
        self._credential = credential

    async def send_with_credentials(self, request: Request, context: Context) -> Response:
        for name in _AUTH_HEADERS:
            request.headers.pop(name, None)
        if not request.to_service:
            return await self.next(request, context)
        seconds = request.timeout.total if request.timeout is not None else None
        if self._key is not None:
            request.headers[KEY_HEADER] = self._key
        elif self._token is not None:
            token = (
                self._token
                if isinstance(self._token, str)
                else await self._provided_token(self._token, seconds, context.clock)
            )
            request.headers["Authorization"] = f"Bearer {token}"
        elif self._credential is not None:
            name, value = await self._credential.header(seconds, context.clock)
            if (why := unsendable(value)) is not None:
                raise CredentialError(f"credential=: the {name} header it gave {why}")
            request.headers[name] = value
            response = await self.next(request, context)
            if response.status == 401:
                self._credential.refused(value)  # a refused token is not sent again
            return response
        return await self.next(request, context)

    send = send_with_credentials

    @staticmethod
    async def _provided_token(provider: Callable[[], Awaitable[str]], seconds: float | None, clock: Clock) -> str:
        """A token from the caller's token provider within ``seconds``, or ``CredentialError`` saying what was wrong."""
        try:
            token = await within(provider(), seconds, clock)
        except SpeechError:
            raise
        except TimedOut as exc:
            raise CredentialError(f"token=: the token provider gave no token within {seconds:g} s") from exc
        except Exception as exc:
            raise CredentialError(f"token=: the token provider raised {type(exc).__name__}") from exc
        if (why := unsendable(token)) is not None:
            raise CredentialError(f"token=: the token provider's token {why}")
        return token

    def __repr__(self) -> str:
        kind = "key" if self._key else "token" if self._token else "credential" if self._credential else "none"
        return f"<Authentication {kind}>"
