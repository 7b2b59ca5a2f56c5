"""``client.service_health``: the health of the service and its parts."""

from __future__ import annotations

from .._generated.groups import ServiceHealthGroup

__all__ = ["ServiceHealth"]


class ServiceHealth(ServiceHealthGroup):
    """``client.service_health``: the generated calls."""

    __slots__ = ()
