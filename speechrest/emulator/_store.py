"""The emulator's in-memory state: entities by collection, their files and uploaded blocks."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs

from ._errors import not_found

# The collections with entities a user creates, by their path segment.
COLLECTIONS = ("projects", "datasets", "models", "evaluations", "transcriptions", "endpoints", "webhooks", "operations")


def now() -> datetime:
    return datetime.now(timezone.utc)


@attrs.define(eq=False)
class StoredFile:
    """A file an entity exposes: bytes in memory or a spooled file on disk."""

    id: str
    name: str
    kind: str
    created: datetime
    size: int
    data: bytes | None = None
    path: Path | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


@attrs.define(eq=False)
class Block:
    """One uploaded block of a dataset, spooled to disk."""

    path: Path
    size: int


@attrs.define(eq=False)
class Record:
    """One entity: its model (as the API shows it) and what the emulator keeps beside it."""

    collection: str
    id: str
    entity: Any
    created: datetime = attrs.field(factory=now)
    files: list[StoredFile] = attrs.field(factory=list)
    # Block upload: blocks by id, and whether the dataset still waits for a commit.
    blocks: dict[str, Block] = attrs.field(factory=dict)
    committed: list[tuple[str, int]] = attrs.field(factory=list)
    awaiting_blocks: bool = False
    # How processing will end: None for success, else (error code, message).
    failure: tuple[str, str] | None = None
    # When the entity leaves NotStarted and when it reaches its end (loop time).
    running_at: float = 0.0
    done_at: float = 0.0
    # A model copy operation: the model it copies.
    copy_of: Record | None = None
    # The entity's wire form, kept until it changes (``Service.touch``): lists show thousands.
    wire_cache: dict[str, Any] | None = None


class Store:
    """Entities by collection, kept in creation order (the order lists page in)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._records: dict[str, dict[str, Record]] = {name: {} for name in COLLECTIONS}

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def add(self, record: Record) -> Record:
        self._records[record.collection][record.id] = record
        return record

    def get(self, collection: str, entity_id: str, what: str | None = None) -> Record:
        record = self._records[collection].get(entity_id)
        if record is None:
            raise not_found(f"The {what or collection[:-1]} with id '{entity_id}'")
        return record

    def find(self, collection: str, entity_id: str) -> Record | None:
        return self._records[collection].get(entity_id)

    def remove(self, collection: str, entity_id: str) -> Record:
        record = self.get(collection, entity_id)
        del self._records[collection][entity_id]
        return record

    def all(self, collection: str) -> Iterator[Record]:
        return iter(list(self._records[collection].values()))

    def count(self, collection: str) -> int:
        return len(self._records[collection])
