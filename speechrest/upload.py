"""Dataset uploads: ``client.datasets.upload(source, ...)`` on every API version.

Where the version has block uploads (v3.1 and the GA versions) the file is sent as blocks
by a bounded pool of workers: at most ``max_concurrency + 1`` blocks are in memory at
once, whatever the file's size, and files are read in a thread so the event loop never
blocks. v3.0 has no blocks, so there the file is streamed as the multipart form.

A resume cannot mix two sources. A block's id is the Base64 of 36 bytes: ``sr``, the
block's index, the upload's block size, the source's size (0 when unknown, as for a
stream) and the first 18 bytes of the block's SHA-256 (hashed in a worker thread). The
ids the service lists for a stopped upload thus say what its first try sent: a resume
with another block size or size is refused at once, and every block already there is
compared with the source's block at its index before anything is sent (the blocks
missing before the last one there are held until it has been compared). A block that
differs, or one past the source's end, is refused before the commit, so nothing of a
changed source is ever committed. The service keeps this fingerprint, so it needs no
``customProperties`` entry or local file, and datasets created by the caller for a
``BlockUploader`` get the same checks.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import importlib
import inspect
import os
import struct
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union, cast

import attrs

from .errors import InvalidArgumentError, SpeechError, UploadError

if TYPE_CHECKING:
    from ._core.records import CallOptions, HasRequester, Requester

__all__ = [
    "MAX_BLOCK_SIZE",
    "BlockId",
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
Block = tuple[int, bytes, bytes]  # offset, bytes, digest

DIGEST_BYTES = 18
# "sr", index, block size, source size (0: unknown), SHA-256 prefix: 36 bytes, 48 Base64 characters
_BLOCK_ID = struct.Struct(f">2sIIQ{DIGEST_BYTES}s")
_MARKER = b"sr"
_SAME_SOURCE = "resume with the first try's source, or upload anew without resume="


def digest(chunk: bytes) -> bytes:
    """The part of a block's SHA-256 that its id carries."""
    return hashlib.sha256(chunk).digest()[:DIGEST_BYTES]


@attrs.frozen
class BlockId:
    """What a block's id says: its index, the upload's block size and source size (None:
    unknown), and a digest of the block's bytes. ``str()`` gives the id."""

    index: int
    block_size: int
    total: int | None
    digest: bytes

    def __str__(self) -> str:
        packed = _BLOCK_ID.pack(_MARKER, self.index, self.block_size, self.total or 0, self.digest)
        return base64.b64encode(packed).decode()

    @classmethod
    def parse(cls, text: str) -> BlockId | None:
        """The id's fields, or None for an id this module did not make."""
        try:
            marker, index, block_size, total, hashed = _BLOCK_ID.unpack(base64.b64decode(text, validate=True))
        except (binascii.Error, struct.error):
            return None
        return cls(index, block_size, total or None, hashed) if marker == _MARKER else None


class BlockUploader:
    """Sends a source as blocks to a dataset you created, and commits them:
    ``await BlockUploader(client, dataset.id).upload(path)``.

    At most ``max_concurrency`` blocks are in flight, plus the one being read. Block ids
    (``BlockId``) all have the same length and carry a digest of their block, so that an
    upload can be resumed, and a resume with another source refused.
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
    def block_id(index: int, chunk: bytes, *, block_size: int, total: int | None) -> str:
        """The id of block ``index`` (bytes ``chunk``) of a ``total``-byte source cut at ``block_size``."""
        return str(BlockId(index, block_size, total, digest(chunk)))

    async def upload(self, source: DataSource, *, block_size: int = DEFAULT_BLOCK_SIZE, resume: bool = False) -> None:
        """Send ``source`` in ``block_size`` blocks (skipping those already there when resuming); commit."""
        check_block_size(block_size)
        data = checked_source(source)
        await self.send(blocks(data, block_size), block_size=block_size, total=size_of(data), resume=resume)

    async def send(
        self,
        blocks: AsyncIterator[Block],
        *,
        block_size: int,
        total: int | None = None,
        resume: bool = False,
        options: CallOptions | None = None,
    ) -> None:
        """Send ``(offset, bytes, digest)`` blocks cut at ``block_size`` and commit them. When
        resuming, the blocks already there must be the source's (``InvalidArgumentError`` if not)
        and are not sent."""
        options = options or {}
        stored = await self._stored(block_size, total, options) if resume else {}
        self._done += sum(size for _, size in stored.values())  # reported at once, not as a jump that looks like speed
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
            async for block_id, offset, chunk in self._missing(blocks, block_size, total, stored, ids):
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
            await close(blocks)  # a source file closes now, not whenever the collector gets to it
            raise
        entries = [{"kind": "Uncommitted", "id": block_id} for block_id in ids]
        await self._requester.call("Datasets_CommitBlocks", {"id": self.dataset_id, "blockList": entries}, options)
        await self._report(total, force=True)

    async def _missing(
        self,
        blocks: AsyncIterator[Block],
        block_size: int,
        total: int | None,
        stored: dict[int, tuple[BlockId, int]],
        ids: list[str],
    ) -> AsyncIterator[tuple[str, int, bytes]]:
        """The blocks to send, with their ids; ``ids`` gets every block's id, in order. A block already
        stored is compared with the source's instead, and missing ones are held until the last stored
        one has been compared, so that nothing is sent for a changed source."""
        last = max(stored, default=-1)
        held: list[tuple[str, int, bytes]] = []
        end = 0
        async for offset, chunk, hashed in blocks:
            index = len(ids)
            block = BlockId(index, block_size, total, hashed)
            end = offset + len(chunk)
            there = stored.get(index)
            if there is None:
                ids.append(str(block))
                held.append((ids[-1], offset, chunk))
            elif there[0].digest == block.digest:
                ids.append(str(there[0]))  # the source size it names may be unknown (a stream's)
            else:
                raise self._refused(
                    f"block {index} (bytes from {offset}) is not the one the first try sent: the source changed",
                    _SAME_SOURCE,
                )
            if index >= last:
                for item in held:
                    yield item
                held = []
        self._check_size(stored, end, block_size)

    async def _stored(self, block_size: int, total: int | None, options: CallOptions) -> dict[int, tuple[BlockId, int]]:
        """The blocks a stopped upload left on the service, by index, with their sizes; refuses a
        committed dataset, blocks cut at another block size, or another source size."""
        listed = await self._requester.call("Datasets_GetBlocks", {"id": self.dataset_id}, options)
        if listed is not None and listed.committed_blocks:
            raise InvalidArgumentError(f"upload: dataset {self.dataset_id} is already committed; nothing to resume")
        stored: dict[int, tuple[BlockId, int]] = {}
        for entry in (listed.uncommitted_blocks if listed is not None else None) or []:
            block = BlockId.parse(entry.name or "")
            if block is None:
                raise self._refused(
                    f"block id {entry.name!r} was not made by this version of speechrest, so it cannot be checked",
                    "upload anew without resume=",
                )
            if block.block_size != block_size:
                raise self._refused(
                    f"the first try cut {block.block_size}-byte blocks, this one block_size={block_size}",
                    f"resume with block_size={block.block_size}",
                )
            stored[block.index] = (block, entry.size or 0)
        if total is not None:
            self._check_size(stored, total, block_size)
        return stored

    def _check_size(self, stored: dict[int, tuple[BlockId, int]], size: int, block_size: int) -> None:
        """Refuses blocks from a source of another size than ``size`` bytes."""
        for block, _ in stored.values():
            if block.total not in (None, size):
                raise self._refused(
                    f"the first try's source was {block.total} bytes, this one is {size}",
                    _SAME_SOURCE,
                )
        past = [index for index in stored if index * block_size >= size]
        if past:
            raise self._refused(
                f"block {min(past)} (bytes from {min(past) * block_size}) is past this source's end ({size} bytes)",
                _SAME_SOURCE,
            )

    def _refused(self, why: str, fix: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"upload: resume={self.dataset_id!r} refused, nothing committed: {why}; {fix}")

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


async def chain(first: Block, rest: AsyncIterator[Block]) -> AsyncIterator[Block]:
    """``first``, then ``rest``, which is closed with this."""
    try:
        yield first
        async for block in rest:
            yield block
    finally:
        await close(rest)


async def close(blocks: AsyncIterator[Block]) -> None:
    """Close an async generator of blocks (and so the file it reads), if it is one."""
    aclose = getattr(blocks, "aclose", None)
    if aclose is not None:
        await aclose()


def with_digest(data: bytes | bytearray | memoryview) -> tuple[bytes, bytes]:
    """A block's bytes and their digest (in a worker thread: hashing 8 MiB takes milliseconds)."""
    chunk = bytes(data)
    return chunk, digest(chunk)


def read_with_digest(handle: IO[bytes], size: int) -> tuple[bytes, bytes]:
    return with_digest(handle.read(size))


async def blocks(source: Any, size: int) -> AsyncIterator[Block]:
    """(offset, bytes, digest) blocks of ``size`` bytes (the last one shorter) from any source."""
    offset = 0
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for start in range(0, len(view), size):
            chunk, hashed = await asyncio.to_thread(with_digest, view[start : start + size])
            yield start, chunk, hashed
        return
    if isinstance(source, AsyncIterable):
        pending = bytearray()
        async for piece in source:
            pending += piece
            while len(pending) >= size:
                chunk, hashed = await asyncio.to_thread(with_digest, pending[:size])
                yield offset, chunk, hashed
                del pending[:size]
                offset += size
        if pending:
            chunk, hashed = await asyncio.to_thread(with_digest, pending)
            yield offset, chunk, hashed
        return
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        while True:
            chunk, hashed = await asyncio.to_thread(read_with_digest, handle, size)
            if not chunk:
                return
            yield offset, chunk, hashed
            offset += len(chunk)
    finally:
        if isinstance(source, Path):
            handle.close()
