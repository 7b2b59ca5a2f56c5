"""``client.operations``: the service's long-running operations (a model copy), and waiting on them."""

# The requester answers with the operation as its API version's class: TEntity.
# mypy: no-warn-return-any

from __future__ import annotations

from typing import TYPE_CHECKING, Generic
from uuid import UUID

from .._core.telemetry import traced
from .._generated.groups import OperationsGroup
from ..waiting import TEntity, _id_of, wait_until_done

if TYPE_CHECKING:
    from .._core.records import CallOptions

__all__ = ["Operations"]


class Operations(OperationsGroup, Generic[TEntity]):
    """``client.operations``: long-running operations (model copy), and waiting on them."""

    __slots__ = ()
    _GET = "Operations_GetModelCopy"

    @traced
    async def wait(
        self,
        operation: TEntity | str | UUID,
        *,
        timeout: float | None = None,
        poll_interval: float = 5.0,
        request_timeout: float | None = None,
    ) -> TEntity:
        """Poll a model-copy operation (or its id) until it ends; returns it once Succeeded.

        Polls no sooner than the service's ``Retry-After``; raises ``JobFailedError`` when it
        fails and ``WaitTimeoutError`` when ``timeout`` seconds (overall) pass first.
        """
        options: CallOptions = {} if request_timeout is None else {"timeout": request_timeout}
        operation_id = _id_of(operation)
        return await wait_until_done(
            lambda: self._requester.call_with_headers(self._GET, {"id": operation_id}, options),
            f"operation {operation_id}",
            self._requester,
            timeout,
            poll_interval,
        )
