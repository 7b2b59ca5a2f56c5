"""speechrest: an async-first SDK for the Azure Speech-to-text REST API."""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from . import errors, models
from ._client import SpeechClient
from ._core.clock import Clock, FakeClock
from ._core.transport import MockTransport, Request, Response, Transport
from ._pager import AsyncPager, Page
from ._ratelimit import Limiter, RateLimit
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
    ResponseTooLargeError,
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
    "ResponseTooLargeError",
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

if _TYPE_CHECKING:
    from . import operations
    from ._redis_ratelimit import RedisRateLimit


# Names loaded on first use (``import speechrest`` stays quick): name -> (module, attribute or None).
_LAZY = {
    "operations": ("speechrest.operations", None),
    "RedisRateLimit": ("speechrest._redis_ratelimit", "RedisRateLimit"),
}


def __getattr__(name: str) -> _Any:
    """``operations`` (every operation function) and ``RedisRateLimit`` load on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'speechrest' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    loaded = _importlib.import_module(module)
    return loaded if attribute is None else getattr(loaded, attribute)
