"""Error answers become exceptions: the status picks the ``APIStatusError`` subclass, and the
service's ``Error`` body, when it sent one, gives code, message, target and details."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ...errors import status_error_class
from ..context import Context
from ..pipeline import Policy
from ..transport import Request, Response

__all__ = ["ErrorMapping"]


class ErrorMapping(Policy):
    """Raises for any status of 300 and above (redirects are not followed, so they are errors too)."""

    def __init__(self, read_error: Callable[[Any], Any]) -> None:
        self._read_error = read_error  # the service's Error body (a dict) -> this version's model

    async def send_raising_for_status(self, request: Request, context: Context) -> Response:
        response = await self.next(request, context)
        if response.status < 300:
            return response
        if response.status == 429:
            context.state.counters["throttled"] += 1
        response = response.detached()  # an error keeps nothing of the connection: it pickles
        sent = request.describe()
        raise status_error_class(response.status)(
            status=response.status,
            operation_id=request.operation,
            method=sent.method,
            url=sent.url,
            headers=response.headers,
            body=response.body,
            error=self._error_model(response.body),
            response=response,
            request=sent,
        )

    send = send_raising_for_status

    def _error_model(self, body: bytes) -> Any:
        """The service's ``Error`` body as a model, or None when it is not one (or not JSON at all,
        or nested too deep to read)."""
        try:
            data = json.loads(body)
            if isinstance(data, dict) and isinstance(data.get("error"), dict):
                data = data["error"]  # some gateways wrap the error object
            if not isinstance(data, dict) or not data:
                return None
            return self._read_error(data)
        except Exception:  # not the service's Error shape: the status and body say the rest
            return None
