"""The exceptions speechrest raises.

``SpeechError`` is the root. Input problems are caught before anything is sent
(``InvalidArgumentError``); the service's error answers become ``APIStatusError``
subclasses by status; network failures and timeouts become ``TransportError``.

Every error pickles with its attributes (to cross a process pool) and holds nothing live
or secret: answers as plain data, requests as a description with credentials redacted.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from ._core.headers import Headers
from ._retry import RETRY_STATUSES

if TYPE_CHECKING:
    from ._core.transport import Response, SentRequest

__all__ = [
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousCreateError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CredentialError",
    "InvalidArgumentError",
    "JobFailedError",
    "JobNotFinishedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseParseError",
    "ResponseTooLargeError",
    "ServerError",
    "SpeechError",
    "TransportError",
    "UnsafeURLError",
    "UnsupportedOperationError",
    "UploadError",
    "WaitTimeoutError",
]

# Response headers that identify a request in the service's logs.
REQUEST_ID_HEADERS = ("apim-request-id", "x-ms-request-id", "x-request-id")


class SpeechError(Exception):
    """Base class of every error speechrest raises; ``attempts`` is how many tries were made.

    ``retryable`` says whether the same request may succeed if sent again: True for the answers
    the SDK retries (408, 429, 500, 502, 503, 504) and for transport failures."""

    attempts: int = 1
    retryable: bool = False

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls the class with the message alone, which most of these
        # __init__ do not take: rebuild from the message and the attributes instead.
        return _restore, (type(self), self.args), self.__dict__


def _restore(cls: type[SpeechError], args: tuple[Any, ...]) -> SpeechError:
    """An unpickled error, before pickle sets its attributes back."""
    error = cls.__new__(cls)
    error.args = args
    return error


class InvalidArgumentError(SpeechError, ValueError):
    """An argument was refused before any request was sent."""


class CredentialError(SpeechError):
    """The ``credential=`` or token provider gave no usable access token (and no still-valid one
    was at hand); ``__cause__`` is what the credential raised, if it raised."""


class UnsupportedOperationError(SpeechError):
    """The client's API version has no such operation."""


class UnsafeURLError(SpeechError):
    """A URL from the service points to another origin than the configured endpoint."""


class ResponseParseError(SpeechError):
    """A success answer whose body could not be read as the documented model."""


class ResponseTooLargeError(SpeechError):
    """An answer's body passed the client's cap (``max_response_bytes``, or ``max_download_bytes``
    for downloads), counted after decompression; reading stopped there. ``limit`` is the cap,
    ``status`` the answer's HTTP status."""

    def __init__(self, operation: str, limit: int, status: int) -> None:
        super().__init__(
            f"{operation}: the answer (HTTP {status}) is larger than the {limit:,}-byte limit; not read further "
            "(SpeechClient(max_response_bytes=...) sets it for API answers, max_download_bytes=... for downloads)"
        )
        self.operation = operation
        self.limit = limit
        self.status = status


class JobFailedError(SpeechError):
    """A long-running job ended ``Failed``; ``entity`` is its last state."""

    def __init__(self, entity: Any, what: str) -> None:
        error = getattr(entity, "error", None) or getattr(getattr(entity, "properties", None), "error", None)
        self.entity = entity
        self.code: str | None = getattr(error, "code", None)
        self.message: str | None = getattr(error, "message", None)
        super().__init__(f"{what} failed: {self.code or 'no error code'}: {self.message or 'no message'}")


class JobNotFinishedError(SpeechError):
    """A job was asked for what only a finished one has (a transcription's results) while it is
    still ``NotStarted`` or ``Running``; ``entity`` is its state, ``status`` says which."""

    def __init__(self, entity: Any, what: str, status: str, wait: str) -> None:
        self.entity = entity
        self.status = status
        super().__init__(f"{what} is {status}, not finished yet: wait for it first (await {wait}(...))")


class WaitTimeoutError(SpeechError, TimeoutError):
    """A wait ran out of time; says which job, in which status, since when."""

    def __init__(self, entity: Any, what: str, status: str, seconds: float) -> None:
        self.entity = entity
        self.status = status
        self.seconds = seconds
        super().__init__(f"{what} is still {status} after {seconds:.1f} s of waiting")


class UploadError(SpeechError):
    """A dataset's block could not be uploaded; the blocks already sent stay on the dataset."""

    def __init__(self, message: str, *, dataset_id: str, block_id: str, offset: int) -> None:
        super().__init__(message)
        self.dataset_id = dataset_id
        self.block_id = block_id
        self.offset = offset


class TransportError(SpeechError):
    """The request did not get an HTTP answer: connection failure, reset, timeout.

    ``sent`` is False when the request never left (the connection could not be made), so
    the service cannot have acted on it.
    """

    retryable = True

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.sent = sent


if sys.version_info >= (3, 11):

    class APITimeoutError(TransportError, TimeoutError):
        """The request timed out."""

else:  # asyncio's TimeoutError is a class of its own before 3.11: either catches it

    class APITimeoutError(TransportError, TimeoutError, asyncio.TimeoutError):
        """The request timed out."""


class AmbiguousCreateError(SpeechError):
    """A create may or may not have happened (its answer was lost) and was not reconciled.

    Look for an entity whose ``customProperties`` hold ``token`` under ``TOKEN_KEY`` before
    creating it again; ``__cause__`` is the failure that made the outcome unknown.
    """

    TOKEN_KEY = "speechrest.createToken"

    def __init__(self, operation_id: str, token: str, cause: BaseException) -> None:
        super().__init__(
            f"{operation_id}: the service may have created the entity ({cause}); look for customProperties "
            f"'{self.TOKEN_KEY}' = '{token}' before trying again"
        )
        self.operation_id = operation_id
        self.token = token


class APIStatusError(SpeechError):
    """The service answered with an error status.

    ``code``, ``message``, ``target``, ``details`` and ``inner_error`` come from the
    service's ``Error`` body when it sent one; ``error`` is that body as a model.
    ``headers`` is the answer's (a ``dict`` that ignores case), ``response`` the whole answer
    and ``request`` what was sent, its credentials ``REDACTED``.
    """

    def __init__(
        self,
        *,
        status: int,
        operation_id: str | None,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes,
        error: Any = None,
        response: Response | None = None,
        request: SentRequest | None = None,
    ) -> None:
        self.status = status
        self.operation_id = operation_id
        self.method = method
        self.url = url
        self.headers = Headers(headers or {})
        self.body = body
        self.error = error
        self.response = response
        self.request = request
        self.retryable = status in RETRY_STATUSES
        self.code: str | None = _text(getattr(error, "code", None))
        self.message: str | None = getattr(error, "message", None)
        self.target: str | None = getattr(error, "target", None)
        self.details: list[Any] = list(getattr(error, "details", None) or [])
        self.inner_error: Any = getattr(error, "inner_error", None)
        self.request_id = request_id(headers)
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = self.operation_id or f"{self.method} {self.url}"
        if self.error is not None and (self.code or self.message):
            text = f"{self.code or 'Error'}: {self.message or ''}".rstrip(": ")
            inner = self.inner_error
            while inner is not None:
                text += f" [{_text(inner.code) or '?'}: {inner.message or ''}]".replace(": ]", "]")
                inner = inner.inner_error
        else:
            snippet = self.body[:300].decode("utf-8", "replace").strip()
            text = snippet or "no error body"
        suffix = f", request id {self.request_id}" if self.request_id else ""
        return f"{where} failed with HTTP {self.status}: {text}{suffix}"


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the key or token was missing or refused."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class RateLimitError(APIStatusError):
    """HTTP 429; ``retry_after`` is the wait in seconds the service asked for, if any."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After"))


class ServerError(APIStatusError):
    """HTTP 5xx."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIStatusError)


def request_id(headers: Mapping[str, str] | None) -> str | None:
    """The id the service's logs know a request by, from its answer's headers."""
    return next((headers[h] for h in REQUEST_ID_HEADERS if headers is not None and h in headers), None)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # the asctime form and "-0000" carry no zone: HTTP dates are UTC
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _text(value: Any) -> str | None:
    """An enum member or a plain string as its wire text."""
    if value is None:
        return None
    return str(getattr(value, "value", value))
