"""Where each generated class lives, and how operations line up across API versions.

A definition whose shape (fields, types, and the shapes of everything it refers to) is
the same in several versions is generated once, in a ``shared_*`` package named after
those versions; the rest live in their version's package. Loading one version then
loads exactly the classes it uses.

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


def short_tag(version: str) -> str:
    """``v3.1`` -> ``31``, ``2024-11-15`` -> ``2411``: short names for shared packages."""
    return version.lstrip("v").replace(".", "") if version.startswith("v") else version[2:4] + version[5:7]


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
    """Generated packages and what each defines; per version, the package owning each name."""

    specs: list[ApiSpec]
    defined: dict[str, list[Definition]] = field(default_factory=lambda: defaultdict(list))
    owner: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    @property
    def versions(self) -> list[str]:
        return [s.version for s in self.specs]

    def module_order(self) -> list[str]:
        """Packages, shared ones first (the widest first), then one per version."""
        shared = sorted((m for m in self.defined if m.startswith("shared_")), key=lambda m: (-m.count("_"), m))
        return shared + [package_name(v) for v in self.versions]


def place(specs: list[ApiSpec]) -> Layout:
    layout = Layout(specs)
    names = sorted({name for spec in specs for name in spec.definitions})
    for name in names:
        groups: dict[str, list[ApiSpec]] = defaultdict(list)
        for spec in specs:
            if name in spec.definitions:
                groups[repr(signature(spec, name))].append(spec)
        for members in groups.values():
            module = (
                package_name(members[0].version)
                if len(members) == 1
                else "shared_" + "_".join(short_tag(s.version) for s in members)
            )
            layout.defined[module].append(members[0].definitions[name])
            for spec in members:
                layout.owner[spec.version][name] = module
    for spec in specs:  # every version package exists, even with nothing of its own
        layout.defined.setdefault(package_name(spec.version), [])
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
