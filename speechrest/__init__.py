"""speechrest: an async-first SDK for the Azure Speech-to-text REST API."""

from __future__ import annotations

from . import errors, models, operations
from ._client import SpeechClient
from ._core.clock import Clock, FakeClock
from ._core.transport import MockTransport, Request, Response, Transport
from ._pager import AsyncPager, Page
from ._ratelimit import Limiter, RateLimit
from ._redis_ratelimit import RedisRateLimit
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    AmbiguousCreateError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CredentialError,
    InvalidArgumentError,
    JobFailedError,
    JobNotFinishedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseParseError,
    ServerError,
    SpeechError,
    TransportError,
    UnsafeURLError,
    UnsupportedOperationError,
    UploadError,
    WaitTimeoutError,
)

__all__ = [
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousCreateError",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "Clock",
    "ConflictError",
    "CredentialError",
    "FakeClock",
    "InvalidArgumentError",
    "JobFailedError",
    "JobNotFinishedError",
    "Limiter",
    "MockTransport",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RedisRateLimit",
    "Request",
    "Response",
    "ResponseParseError",
    "RetryPolicy",
    "ServerError",
    "SpeechClient",
    "SpeechError",
    "Transport",
    "TransportError",
    "UnsafeURLError",
    "UnsupportedOperationError",
    "UploadError",
    "WaitTimeoutError",
    "__version__",
    "errors",
    "models",
    "operations",
]
