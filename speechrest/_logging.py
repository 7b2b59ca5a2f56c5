"""What may appear in logs and messages: URLs without SAS signatures, allow-listed headers."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["loggable_headers", "redact_text", "redact_url"]

# Headers shown in logs as they are; every other header's value is replaced.
_SHOWN_HEADERS = frozenset(
    {
        "accept",
        "content-length",
        "content-type",
        "date",
        "location",
        "operation-location",
        "retry-after",
        "user-agent",
        "apim-request-id",
        "x-ms-request-id",
        "x-request-id",
    }
)
_SIGNATURE = re.compile(r"(?i)([?&]sig=)[^&#\s]*")


def redact_url(url: str) -> str:
    """The URL with its SAS signature (``sig=``) replaced."""
    return _SIGNATURE.sub(r"\1REDACTED", url)


def redact_text(text: str) -> str:
    """Any text that may quote a URL (an exception message), signatures replaced."""
    return _SIGNATURE.sub(r"\1REDACTED", text)


def loggable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for a log line: allow-listed values, ``REDACTED`` for the rest."""
    return {name: value if name.lower() in _SHOWN_HEADERS else "REDACTED" for name, value in headers.items()}
