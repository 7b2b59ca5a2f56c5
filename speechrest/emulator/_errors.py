"""Errors the emulator answers with, in the service's ``Error`` shape."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._schema import Problem

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

    def __init__(
        self,
        status: int,
        message: str,
        inner_code: str | None = None,
        *,
        code: str | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "InvalidRequest")
        self.message = message
        self.inner_code = inner_code
        self.target = target

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.inner_code:
            error["innerError"] = {"code": self.inner_code, "message": self.message}
            if self.target:
                error["innerError"]["target"] = self.target
        return error

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=headers)


def bad_request(message: str, inner_code: str = "InvalidPayload") -> ServiceError:
    return ServiceError(400, message, inner_code)


def invalid_body(problem: Problem) -> ServiceError:
    """A body the spec does not allow: a malformed request (missing property, wrong JSON type)
    or a bad argument (a value outside the allowed ones, malformed, out of range)."""
    message = f"The request body is invalid: {problem.message}."
    if problem.kind == "value":
        return ServiceError(400, message, "InvalidParameterValue", code="InvalidArgument", target=problem.path)
    return ServiceError(400, message, "InvalidPayload", code="InvalidRequest", target=problem.path)


def not_found(what: str) -> ServiceError:
    return ServiceError(404, f"{what} does not exist.")
