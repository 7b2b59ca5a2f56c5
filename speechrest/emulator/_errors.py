"""Errors the emulator answers with, in the service's ``Error`` shape."""

from __future__ import annotations

from typing import Any

from aiohttp import web

# Top-level error code by HTTP status, as the service uses them.
_CODES = {
    400: "InvalidArgument",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "NotAllowed",
    409: "Conflict",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


class ServiceError(Exception):
    """Raised by a handler; becomes an ``Error`` body with the given status."""

    def __init__(self, status: int, message: str, inner_code: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "InvalidRequest")
        self.message = message
        self.inner_code = inner_code

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.inner_code:
            error["innerError"] = {"code": self.inner_code, "message": self.message}
        return error

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=headers)


def bad_request(message: str, inner_code: str = "InvalidPayload") -> ServiceError:
    return ServiceError(400, message, inner_code)


def not_found(what: str) -> ServiceError:
    return ServiceError(404, f"{what} does not exist.")
