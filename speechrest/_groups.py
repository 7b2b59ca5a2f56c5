"""The resource groups that can wait on their entities (``client.models.wait(...)``...)."""

from __future__ import annotations

from ._generated.groups import EndpointsOperations, EvaluationsOperations, ModelsOperations
from .waiting import Waitable

__all__ = ["Endpoints", "Evaluations", "Models"]


class Models(Waitable, ModelsOperations):
    """``client.models``: the generated calls plus ``wait``."""

    __slots__ = ()
    _GET = "Models_GetCustomModel"
    _LIST = "Models_ListCustomModels"
    _WHAT = "model"


class Evaluations(Waitable, EvaluationsOperations):
    """``client.evaluations``: the generated calls plus ``wait``."""

    __slots__ = ()
    _GET = "Evaluations_Get"
    _LIST = "Evaluations_List"
    _WHAT = "evaluation"


class Endpoints(Waitable, EndpointsOperations):
    """``client.endpoints``: the generated calls plus ``wait``."""

    __slots__ = ()
    _GET = "Endpoints_Get"
    _LIST = "Endpoints_List"
    _WHAT = "endpoint"
