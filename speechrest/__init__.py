"""speechrest: an async-first SDK for the Azure Speech-to-text REST API."""

from __future__ import annotations

from . import errors, models, operations
from ._client import SpeechClient
from ._pager import AsyncPager, Page
from ._version import __version__
from .errors import (
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SpeechError,
    TransportError,
)

__all__ = [
    "APIStatusError",
    "APITimeoutError",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InvalidArgumentError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SpeechClient",
    "SpeechError",
    "TransportError",
    "__version__",
    "errors",
    "models",
    "operations",
]
