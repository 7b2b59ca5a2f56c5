"""``client.evaluations``: comparing two models on a dataset, and waiting on it."""

from __future__ import annotations

from .._generated.groups import EvaluationsGroup
from ..waiting import TEntity, Waitable

__all__ = ["Evaluations"]


class Evaluations(Waitable[TEntity], EvaluationsGroup):
    """``client.evaluations``: the generated calls plus ``wait``."""

    __slots__ = ()
    _GET = "Evaluations_Get"
    _LIST = "Evaluations_List"
    _WHAT = "evaluation"
