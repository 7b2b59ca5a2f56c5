"""``client.endpoints``: custom model deployments, their logs, and waiting on deployment."""

from __future__ import annotations

from .._generated.groups import EndpointsGroup
from ..waiting import TEntity, Waitable

__all__ = ["Endpoints"]


class Endpoints(Waitable[TEntity], EndpointsGroup):
    """``client.endpoints``: the generated calls plus ``wait``."""

    __slots__ = ()
    _GET = "Endpoints_Get"
    _LIST = "Endpoints_List"
    _WHAT = "endpoint"
