"""The service's clock, read from the ``Date`` of its answers (job ages and create lookups use it)."""

from __future__ import annotations

from ..context import Context
from ..pipeline import Policy
from ..transport import Request, Response

__all__ = ["ServiceClock"]


class ServiceClock(Policy):
    """Notes the service's time from every answer of the endpoint's origin."""

    async def send_noting_service_time(self, request: Request, context: Context) -> Response:
        response = await self.next(request, context)
        if request.to_service:
            context.state.note_date(response.headers.get("Date"))
        return response

    send = send_noting_service_time
