"""Dataset uploads: ``client.datasets.upload(source, ...)`` on every API version.

Where the version has block uploads (v3.1 and the GA versions) the file is sent as blocks
by a bounded pool of workers: at most ``max_concurrency + 1`` blocks are in memory at
once, whatever the file's size, and files are read in a thread so the event loop never
blocks. v3.0 has no blocks, so there the file is streamed as the multipart form.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import inspect
import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union, cast

import attrs

from .errors import InvalidArgumentError, SpeechError, UploadError

if TYPE_CHECKING:
    from ._core.records import CallOptions, HasRequester, Requester

__all__ = [
    "MAX_BLOCK_SIZE",
    "BlockUploader",
    "DataSource",
    "ProgressBar",
    "UploadError",
    "UploadProgress",
    "progress_bar",
]

MAX_BLOCK_SIZE = 8 * 1024 * 1024  # the service's limit
MIN_BLOCK_SIZE = 64 * 1024
DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024
DEFAULT_CONCURRENCY = 4
# A path, an open binary file, bytes, or an async stream of bytes of unknown length.
DataSource = Union[str, "os.PathLike[str]", IO[bytes], bytes, bytearray, memoryview, AsyncIterable[bytes]]


@attrs.frozen
class UploadProgress:
    """How far an upload has come: the dataset (to resume with), bytes done, total (None: unknown)."""

    dataset_id: str
    done: int
    total: int | None


ProgressCallback = Callable[[UploadProgress], Awaitable[None] | None]


class BlockUploader:
    """Sends a source as blocks to a dataset you created, and commits them:
    ``await BlockUploader(client, dataset.id).upload(path)``.

    At most ``max_concurrency`` blocks are in flight, plus the one being read. Block ids are
    Base64 of the block's index, all the same length, so an upload can be resumed.
    """

    REPORT_EVERY = 256 * 1024

    def __init__(
        self,
        client: HasRequester | Requester,
        dataset_id: str,
        *,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        progress: ProgressCallback | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise InvalidArgumentError(f"upload: max_concurrency must be >= 1, got {max_concurrency}")
        # a SpeechClient, or the requester of the datasets group
        self._requester = cast("Requester", getattr(client, "requester", client))
        self.dataset_id = dataset_id
        self._workers = max_concurrency
        self._progress = progress
        self._done = 0
        self._reported = -1

    @staticmethod
    def block_id(index: int) -> str:
        return base64.b64encode(f"{index:012d}".encode()).decode()

    async def upload(self, source: DataSource, *, block_size: int = DEFAULT_BLOCK_SIZE, resume: bool = False) -> None:
        """Send ``source`` in ``block_size`` blocks (skipping those already there when resuming); commit."""
        check_block_size(block_size)
        data = checked_source(source)
        await self.send(blocks(data, block_size), total=size_of(data), resume=resume)

    async def send(
        self,
        blocks: AsyncIterator[tuple[int, bytes]],
        *,
        total: int | None = None,
        resume: bool = False,
        options: CallOptions | None = None,
    ) -> None:
        """Send ``(offset, bytes)`` blocks, skipping those already there when resuming; commit."""
        options = options or {}
        present = await self._present(options) if resume else {}
        self._done += sum(present.values())  # reported at once, not as a jump that looks like speed
        await self._report(total, force=True)
        slots = asyncio.Semaphore(self._workers)
        ids: list[str] = []
        pending: set[asyncio.Task[None]] = set()

        async def send(block_id: str, offset: int, chunk: bytes) -> None:
            try:
                args = {"id": self.dataset_id, "blockid": block_id, "body": chunk}
                await self._requester.call("Datasets_UploadBlock", args, options)
            except SpeechError as exc:
                raise UploadError(
                    f"block {block_id} (bytes from {offset}) of dataset {self.dataset_id} failed: {exc}; "
                    f"resume with resume={self.dataset_id!r}",
                    dataset_id=self.dataset_id,
                    block_id=block_id,
                    offset=offset,
                ) from exc
            finally:
                slots.release()
            self._done += len(chunk)
            await self._report(total)

        def failed() -> bool:
            return any(t.done() and not t.cancelled() and t.exception() is not None for t in pending)

        try:
            async for offset, chunk in blocks:
                block_id = self.block_id(len(ids))
                ids.append(block_id)
                if block_id in present:  # on the service from an earlier try: counted as done already
                    if present[block_id] == len(chunk):
                        continue
                    self._done -= present[block_id]  # not this block after all: sent again
                await slots.acquire()  # at most ``workers`` blocks in flight, and this one read
                if failed():
                    slots.release()
                    break
                pending = {t for t in pending if not t.done() or t.exception() is not None}
                pending.add(asyncio.ensure_future(send(block_id, offset, chunk)))
            await asyncio.gather(*pending)
        except BaseException:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise
        entries = [{"kind": "Uncommitted", "id": block_id} for block_id in ids]
        await self._requester.call("Datasets_CommitBlocks", {"id": self.dataset_id, "blockList": entries}, options)
        await self._report(total, force=True)

    async def _present(self, options: CallOptions) -> dict[str, int]:
        """Uncommitted blocks already on the service, by id; refuses a committed dataset."""
        listed = await self._requester.call("Datasets_GetBlocks", {"id": self.dataset_id}, options)
        if listed is not None and listed.committed_blocks:
            raise InvalidArgumentError(f"upload: dataset {self.dataset_id} is already committed; nothing to resume")
        blocks = (listed.uncommitted_blocks if listed is not None else None) or []
        return {b.name: b.size for b in blocks if b.name is not None}

    async def _report(self, total: int | None, force: bool = False) -> None:
        if self._progress is None or (not force and self._done - self._reported < self.REPORT_EVERY):
            return
        self._reported = self._done
        outcome = self._progress(UploadProgress(self.dataset_id, self._done, total))
        if inspect.isawaitable(outcome):
            await outcome


class ProgressBar:
    """An upload ``progress`` callback drawing a bar; use it as a context manager (or ``close()``
    it) so that the bar also stops when the upload fails or is interrupted."""

    def __init__(self, start: Callable[[UploadProgress], tuple[Callable[[int], None], Callable[[], None]]]) -> None:
        self._start = start  # opens the bar at the first report; gives (update with bytes done, close)
        self._bar: tuple[Callable[[int], None], Callable[[], None]] | None = None
        self._closed = False

    def __call__(self, update: UploadProgress) -> None:
        if self._closed:
            return
        if self._bar is None:
            self._bar = self._start(update)
        self._bar[0](update.done)
        if update.total is not None and update.done >= update.total:
            self.close()

    def close(self) -> None:
        """Stop drawing (once; later reports are ignored)."""
        if self._bar is not None and not self._closed:
            self._bar[1]()
        self._closed = True

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def progress_bar(description: str = "upload") -> ProgressBar:
    """A ``progress`` callback that draws a bar with tqdm, or else rich (whichever is installed)."""
    try:
        tqdm = importlib.import_module("tqdm").tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:

        def start_tqdm(first: UploadProgress) -> Any:
            bar = tqdm(total=first.total, desc=description, unit="B", unit_scale=True, unit_divisor=1024)

            def update(done: int) -> None:
                if done > bar.n:
                    bar.update(done - bar.n)

            return update, bar.close

        return ProgressBar(start_tqdm)
    try:
        rich = importlib.import_module("rich.progress")
    except ImportError:
        raise ImportError("progress_bar needs tqdm or rich: pip install tqdm (or rich)") from None

    def start_rich(first: UploadProgress) -> Any:
        columns = (rich.BarColumn(), rich.DownloadColumn(), rich.TransferSpeedColumn(), rich.TimeRemainingColumn())
        progress = rich.Progress(rich.TextColumn("{task.description}"), *columns)
        progress.start()
        # The first report's bytes (blocks already there when resuming) are the start, not speed.
        task = progress.add_task(f"{description} {first.dataset_id}", total=first.total, completed=first.done)
        return (lambda done: progress.update(task, completed=done)), progress.stop

    return ProgressBar(start_rich)


def check_block_size(block_size: int) -> None:
    if not MIN_BLOCK_SIZE <= block_size <= MAX_BLOCK_SIZE:
        raise InvalidArgumentError(
            f"upload: block_size must be between {MIN_BLOCK_SIZE} and {MAX_BLOCK_SIZE} bytes, got {block_size}"
        )


def checked_source(source: DataSource) -> Any:
    """The source, after refusing what can be refused before anything is sent."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            raise InvalidArgumentError(f"upload: {path} is a directory, not a file")
        if not path.is_file():
            raise InvalidArgumentError(f"upload: no file at {path}")
        if path.stat().st_size == 0:
            raise InvalidArgumentError(f"upload: {path} is empty")
        return path
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not len(source):
            raise InvalidArgumentError("upload: the source is empty")
        return source
    if isinstance(source, AsyncIterable) or hasattr(source, "read"):
        return source
    raise InvalidArgumentError(
        f"upload: source must be a path, a binary file, bytes or an async iterable, got {source!r}"
    )


def size_of(data: Any) -> int | None:
    """The source's length when known before reading it."""
    if isinstance(data, Path):
        return data.stat().st_size
    if isinstance(data, (bytes, bytearray, memoryview)):
        return len(data)
    return None


async def chain(first: tuple[int, bytes], rest: AsyncIterator[tuple[int, bytes]]) -> AsyncIterator[tuple[int, bytes]]:
    yield first
    async for block in rest:
        yield block


async def blocks(source: Any, size: int) -> AsyncIterator[tuple[int, bytes]]:
    """(offset, bytes) blocks of ``size`` bytes (the last one shorter) from any source."""
    offset = 0
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for start in range(0, len(view), size):
            yield start, bytes(view[start : start + size])
        return
    if isinstance(source, AsyncIterable):
        pending = bytearray()
        async for chunk in source:
            pending += chunk
            while len(pending) >= size:
                yield offset, bytes(pending[:size])
                del pending[:size]
                offset += size
        if pending:
            yield offset, bytes(pending)
        return
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        while chunk := await asyncio.to_thread(handle.read, size):
            yield offset, chunk
            offset += len(chunk)
    finally:
        if isinstance(source, Path):
            handle.close()
