"""Commands on entities of any kind: ``ls``, ``get`` and ``delete``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._connect import connect
from ._kinds import SUMMARY_HEADERS, Kind, entity_id, summary_row, wire
from ._output import Output

__all__ = ["delete", "get", "ls"]

# The service's page size limit.
_PAGE = 100


async def ls(args: argparse.Namespace, out: Output) -> int:
    """List entities of one kind, in the order the service sends them."""
    kind: Kind = args.kind
    page = min(args.top, _PAGE) if args.top else None
    async with connect(args) as client:
        pager = kind.call(client, kind.list)(top=page, filter=args.filter, max_items=args.top)
        entities = [entity async for entity in pager]
        rows = [summary_row(client, entity) for entity in entities]
        out.emit([wire(client, entity) for entity in entities], lambda: out.table(SUMMARY_HEADERS, rows))
    return 0


async def get(args: argparse.Namespace, out: Output) -> int:
    """Show one entity: every field, one per line (nested fields as dotted names)."""
    kind: Kind = args.kind
    wanted = entity_id(kind, args.id)
    async with connect(args) as client:
        data = wire(client, await kind.call(client, kind.get)(wanted))
    out.emit(data, lambda: out.table(None, _flatten(data)))
    return 0


async def delete(args: argparse.Namespace, out: Output) -> int:
    """Delete entities of one kind, in the order given; stops at the first that fails."""
    kind: Kind = args.kind
    assert kind.delete is not None  # the parser offers deletable kinds only
    ids = [entity_id(kind, text) for text in args.ids]
    deleted = []
    async with connect(args) as client:
        for wanted in ids:
            await kind.call(client, kind.delete)(wanted)
            deleted.append(wanted)
            if not out.json_mode:
                out.line(f"deleted {kind.noun} {wanted}")
    out.emit(deleted, lambda: None)
    return 0


def _flatten(data: Any, prefix: str = "") -> list[list[str]]:
    """``[name, value]`` rows of a JSON object, nested objects as ``outer.inner`` names."""
    if isinstance(data, dict) and data:
        return [row for key, value in data.items() for row in _flatten(value, f"{prefix}{key}.")]
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return [[prefix.rstrip("."), text]]
