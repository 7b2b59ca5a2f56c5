"""Where each generated class lives, and how operations line up across API versions.

A definition lives in the earliest API version that has its shape (fields, types, and the
shapes of everything it refers to); a later version with the same shape imports it from
there. Where a class lives depends only on its version and the ones before, so adding a
newer version adds a package and moves nothing.

Operations are lined up under a *canonical* ID (v3.1's, or the GA versions' own for
operations v3.1 lacks) so that ``client.<group>.<method>`` means the same on every version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .spec import ApiSpec, Definition, Operation, TypeRef, package_name

# Operations that do the same thing under another ID and path in some versions.
CANONICAL_BY_HAND = {"Transcriptions_Submit": "Transcriptions_Create"}
# The version whose operation IDs name the friendly calls (``client.<group>.<method>``).
CANONICAL_VERSION = "v3.1"


def _type_signature(spec: ApiSpec, t: TypeRef, stack: tuple[str, ...]) -> Any:
    if t.kind in ("model", "enum"):
        assert t.name is not None
        return signature(spec, t.name, stack)
    if t.item is not None:
        return (t.kind, _type_signature(spec, t.item, stack))
    return t.kind


def signature(spec: ApiSpec, name: str, stack: tuple[str, ...] = ()) -> Any:
    """A value equal across versions exactly when the definition can be one shared class."""
    if name in stack:
        return ("cycle", name)
    d = spec.definitions[name]
    inner = (*stack, name)
    if d.kind == "enum":
        return ("enum", name, d.values)
    if d.kind == "map":
        assert d.item is not None
        return ("map", name, _type_signature(spec, d.item, inner))
    fields = sorted((p.wire, p.required, p.sensitive, repr(_type_signature(spec, p.type, inner))) for p in d.props)
    return ("object", name, tuple(fields))


@dataclass
class Layout:
    """Per version, what its package defines and the package owning each of its names."""

    specs: list[ApiSpec]
    defined: dict[str, list[Definition]] = field(default_factory=dict)
    owner: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def versions(self) -> list[str]:
        return [s.version for s in self.specs]


def place(specs: list[ApiSpec]) -> Layout:
    """Each definition in the earliest of ``specs`` (oldest first) with the same shape."""
    layout = Layout(specs)
    first: dict[tuple[str, str], str] = {}  # (name, shape) -> the package defining it
    for spec in specs:
        package = package_name(spec.version)
        layout.defined[package] = []
        layout.owner[spec.version] = {}
        for name, definition in sorted(spec.definitions.items()):
            key = (name, repr(signature(spec, name)))
            if key not in first:
                first[key] = package
                layout.defined[package].append(definition)
            layout.owner[spec.version][name] = first[key]
    return layout


def _normal_path(path: str) -> str:
    return path.replace(":", "/").lower()


def canonical_ids(specs: list[ApiSpec]) -> dict[str, dict[str, str]]:
    """Per version: its operation ID -> the canonical ID the friendly calls use."""
    reference = next(s for s in specs if s.version == CANONICAL_VERSION)
    known = {op.operation_id for op in reference.operations}
    by_path = {(op.method, _normal_path(op.path)): op.operation_id for op in reference.operations}
    result: dict[str, dict[str, str]] = {}
    for spec in specs:
        mapping = {}
        for op in spec.operations:
            mapping[op.operation_id] = (
                CANONICAL_BY_HAND.get(op.operation_id)
                or (op.operation_id if op.operation_id in known else None)
                or by_path.get((op.method, _normal_path(op.path)))
                or op.operation_id
            )
        result[spec.version] = mapping
    return result


def operations_by_id(specs: list[ApiSpec]) -> dict[str, list[tuple[ApiSpec, Operation]]]:
    """Every operation ID of every version, with the versions that have it."""
    found: dict[str, list[tuple[ApiSpec, Operation]]] = defaultdict(list)
    for spec in specs:
        for op in spec.operations:
            found[op.operation_id].append((spec, op))
    return dict(sorted(found.items()))


def operations_by_canonical(specs: list[ApiSpec]) -> dict[str, list[tuple[ApiSpec, Operation]]]:
    """The friendly calls: canonical ID -> the operation each version runs for it."""
    mapping = canonical_ids(specs)
    found: dict[str, list[tuple[ApiSpec, Operation]]] = defaultdict(list)
    for spec in specs:
        for op in spec.operations:
            found[mapping[spec.version][op.operation_id]].append((spec, op))
    return dict(sorted(found.items()))
