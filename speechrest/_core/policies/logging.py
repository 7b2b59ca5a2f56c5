"""The request log: method, URL, status and timing; secrets never (SAS signatures and
headers outside an allow-list are redacted)."""

from __future__ import annotations

import logging
import time

from ..._logging import loggable_headers, redact_url
from ...errors import APITimeoutError, TransportError
from ..context import Context
from ..pipeline import Policy
from ..transport import Request, Response

__all__ = ["RequestLog"]

log = logging.getLogger("speechrest")


class RequestLog(Policy):
    """Logs each try on the ``speechrest`` logger: failures to connect at INFO, exchanges at DEBUG."""

    async def send_logged(self, request: Request, context: Context) -> Response:
        started = time.perf_counter()
        try:
            response = await self.next(request, context)
        except APITimeoutError:
            log.info("%s %s: no answer in time", request.method, redact_url(str(request.url)))
            raise
        except TransportError as exc:
            what = "not sent" if not exc.sent else "failed"
            log.info("%s %s: %s: %s", request.method, redact_url(str(request.url)), what, type(exc.__cause__).__name__)
            raise
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d in %.0f ms; sent %s; got %s",
                request.method,
                redact_url(str(request.url)),
                response.status,
                (time.perf_counter() - started) * 1000,
                loggable_headers(request.headers),
                loggable_headers(response.headers),
            )
        return response

    send = send_logged
