"""``client.datasets``: the generated calls, ``upload`` (blocks, resumable) and ``wait``."""

# The requester answers with the dataset as its API version's class: TEntity.
# mypy: no-warn-return-any

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from .._core.telemetry import traced
from .._generated.groups import DatasetsGroup
from ..errors import InvalidArgumentError
from ..upload import (
    DEFAULT_BLOCK_SIZE,
    DEFAULT_CONCURRENCY,
    BlockUploader,
    DataSource,
    ProgressCallback,
    blocks,
    chain,
    check_block_size,
    checked_source,
    size_of,
)
from ..waiting import TEntity, Waitable

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._core.records import CallOptions

__all__ = ["Datasets"]


class Datasets(Waitable[TEntity], DatasetsGroup):
    """``client.datasets``: the generated calls plus ``upload`` and ``wait``."""

    __slots__ = ()
    _GET = "Datasets_Get"
    _LIST = "Datasets_List"
    _WHAT = "dataset"

    @traced
    async def upload(
        self,
        source: DataSource,
        *,
        display_name: str,
        locale: str,
        kind: str,
        project: Any = None,
        description: str | None = None,
        custom_properties: Mapping[str, str] | None = None,
        block_size: int = DEFAULT_BLOCK_SIZE,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        progress: ProgressCallback | None = None,
        resume: TEntity | str | UUID | None = None,
        wait: bool = False,
        wait_timeout: float | None = None,
        **options: Unpack[CallOptions],
    ) -> TEntity:
        """Create a dataset from ``source`` and return it.

        ``progress`` (sync or async) receives an ``UploadProgress`` (dataset id, bytes done, total
        or None) once the dataset exists and then at most every 256 KiB. ``resume`` (a dataset or
        its id, from an upload that stopped) skips the blocks already on the service; the source
        and ``block_size`` must be the same as the first time (``InvalidArgumentError`` before
        anything is committed if not). With ``wait`` the dataset is returned once processed
        (``JobFailedError`` if processing fails).
        """
        check_block_size(block_size)
        if max_concurrency < 1:
            raise InvalidArgumentError(f"upload: max_concurrency must be >= 1, got {max_concurrency}")
        data = checked_source(source)
        definition: dict[str, Any] = {"displayName": display_name, "locale": locale, "kind": kind}
        if description is not None:
            definition["description"] = description
        if custom_properties is not None:
            definition["customProperties"] = dict(custom_properties)
        if project is not None:
            definition["project"] = {"self": self._project_link(project)}
        requester = self._requester
        if not requester.supports("Datasets_UploadBlock"):
            if resume is not None:
                raise InvalidArgumentError(
                    f"upload: API version {requester.api_version} uploads a dataset in one request; "
                    "resume= needs block uploads (v3.1 and later)"
                )
            form: dict[str, Any] = {"displayName": display_name, "locale": locale, "kind": kind}
            form["description"] = description
            form["data"] = data if not isinstance(data, (bytes, bytearray, memoryview)) else io.BytesIO(data)
            form["project"] = definition.get("project", {}).get("self")
            form["customProperties"] = json.dumps(custom_properties) if custom_properties is not None else None
            return await requester.call("Datasets_Upload", form, options)
        pieces = blocks(data, block_size)
        first = await anext(pieces, None)  # an empty stream is refused before anything is created
        if first is None:
            raise InvalidArgumentError("upload: the source is empty")
        if resume is None:
            dataset = await requester.call("Datasets_Create", {"dataset": definition}, options)
            dataset_id = dataset.id
        else:
            dataset_id = str(getattr(resume, "id", resume))
        uploader = BlockUploader(requester, dataset_id, max_concurrency=max_concurrency, progress=progress)
        await uploader.send(
            chain(first, pieces), block_size=block_size, total=size_of(data), resume=resume is not None, options=options
        )
        if wait:
            return await self.wait(dataset_id, timeout=wait_timeout)
        return await requester.call("Datasets_Get", {"id": dataset_id}, options)

    def _project_link(self, project: Any) -> str:
        link = getattr(project, "self_", None) or str(project)
        if link.startswith(("https://", "http://")):
            return link
        return self._requester.api_url(f"/projects/{link}")
