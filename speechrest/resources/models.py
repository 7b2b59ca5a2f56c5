"""``client.models``: base and custom models, their files and manifests, and waiting on training."""

from __future__ import annotations

from .._generated.groups import ModelsGroup
from ..waiting import TEntity, Waitable

__all__ = ["Models"]


class Models(Waitable[TEntity], ModelsGroup):
    """``client.models``: the generated calls plus ``wait``."""

    __slots__ = ()
    _GET = "Models_GetCustomModel"
    _LIST = "Models_ListCustomModels"
    _WHAT = "model"
