"""Credentials on the endpoint's origin, and nowhere else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..._credentials import KEY_HEADER, CredentialAuth
from ..context import Context
from ..pipeline import Next
from ..transport import Request, Response

__all__ = ["Authentication"]

_AUTH_HEADERS = (KEY_HEADER, "Authorization")


class Authentication:
    """Adds the key, token or credential to requests for the endpoint's origin and strips any
    from requests elsewhere (content URLs, foreign next links). A token refused with 401 is
    dropped so that the next request gets a fresh one."""

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

    async def send_with_credentials(self, request: Request, context: Context, next: Next) -> Response:
        for name in _AUTH_HEADERS:
            request.headers.pop(name, None)
        if not request.to_service:
            return await next(request, context)
        if self._key is not None:
            request.headers[KEY_HEADER] = self._key
        elif self._token is not None:
            token = self._token if isinstance(self._token, str) else await self._token()
            request.headers["Authorization"] = f"Bearer {token}"
        elif self._credential is not None:
            name, value = await self._credential.header()
            request.headers[name] = value
            response = await next(request, context)
            if response.status == 401:
                self._credential.refused(value)  # a refused token is not sent again
            return response
        return await next(request, context)

    send = send_with_credentials

    def __repr__(self) -> str:
        kind = "key" if self._key else "token" if self._token else "credential" if self._credential else "none"
        return f"<Authentication {kind}>"
