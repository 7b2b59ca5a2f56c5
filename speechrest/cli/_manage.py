"""Commands on entities of any kind: ``ls``, ``get`` and ``delete``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import AmbiguousCreateError, APIStatusError, SpeechError
from ._connect import connect
from ._kinds import SUMMARY_FITS, SUMMARY_HEADERS, Kind, entity_id, summary_row, wire
from ._output import Output, describe

__all__ = ["delete", "get", "ls"]

_TOKEN = AmbiguousCreateError.TOKEN_KEY  # the SDK's own custom property
# The service's page size limit.
_PAGE = 100


async def ls(args: argparse.Namespace, out: Output) -> int:
    """List entities of one kind in the order the service sends them (it documents none): the
    first ``--top``, or ``--all``; a note on stderr tells when there are more."""
    kind: Kind = args.kind
    wanted = None if args.all else args.top
    asked = None if wanted is None else wanted + 1  # one more tells whether there are more
    async with connect(args) as client:
        pager = kind.call(client, kind.list)(top=min(asked or _PAGE, _PAGE), filter=args.filter, max_items=asked)
        entities = [entity async for entity in pager]
        more = wanted is not None and len(entities) > wanted
        entities = entities[:wanted]
        rows = [summary_row(client, entity) for entity in entities]
        out.emit([wire(client, entity) for entity in entities], lambda: out.table(SUMMARY_HEADERS, rows, SUMMARY_FITS))
    if more:
        out.note(f"the first {wanted} {kind.name}, as the service listed them; --top N or --all for more")
    elif not entities and not out.json_mode:
        out.note(f"no {kind.name}" + (" match the filter" if args.filter else ""))
    return 0


async def get(args: argparse.Namespace, out: Output) -> int:
    """Show one entity: its id, then every field, one per line (nested fields as dotted names).

    The SDK's create token (a custom property it adds to what it creates) stays out of the
    human listing; ``--json`` shows the entity as the service holds it."""
    kind: Kind = args.kind
    wanted = entity_id(kind, args.id)
    async with connect(args) as client:
        data = wire(client, await kind.call(client, kind.get)(wanted))
    out.emit(data, lambda: out.table(None, _flatten(_without_token(data)), ("keep", "wrap")))
    return 0


async def delete(args: argparse.Namespace, out: Output) -> int:
    """Delete entities of one kind, in the order given: every one that can be, with an error
    line for each that cannot. Exit code 1 when any failed."""
    kind: Kind = args.kind
    assert kind.delete is not None  # the parser offers deletable kinds only
    outcomes: list[dict[str, Any]] = []
    async with connect(args) as client:
        for text in args.ids:
            try:
                wanted = entity_id(kind, text)
                await kind.call(client, kind.delete)(wanted)
            except SpeechError as error:
                status = error.status if isinstance(error, APIStatusError) else None
                outcomes.append({"id": text, "deleted": False, "status": status, "error": describe(error)})
                out.error(f"{kind.noun} {text}: {describe(error)}")
                continue
            outcomes.append({"id": wanted, "deleted": True})
            out.note(f"deleted {kind.noun} {wanted}")
    out.emit(outcomes, lambda: None)
    return 0 if all(outcome["deleted"] for outcome in outcomes) else 1


def _without_token(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` minus the create token in ``customProperties`` (and those, if nothing else is left)."""
    shown = dict(data)
    custom = {k: v for k, v in (data.get("customProperties") or {}).items() if k != _TOKEN}
    if custom:
        shown["customProperties"] = custom
    else:
        shown.pop("customProperties", None)
    return shown


def _flatten(data: Any, prefix: str = "") -> list[list[str]]:
    """``[name, value]`` rows of a JSON object, nested objects as ``outer.inner`` names."""
    if isinstance(data, dict) and data:
        return [row for key, value in data.items() for row in _flatten(value, f"{prefix}{key}.")]
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return [[prefix.rstrip("."), text]]
