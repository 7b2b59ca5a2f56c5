"""``client.web_hooks``: web hooks the service calls when entities change."""

from __future__ import annotations

from .._generated.groups import WebHooksGroup

__all__ = ["WebHooks"]


class WebHooks(WebHooksGroup):
    """``client.web_hooks``: the generated calls."""

    __slots__ = ()
