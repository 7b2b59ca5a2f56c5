"""Each API version's client as type checkers see it: ``<version>/client.py``.

``SpeechClient(api_version="v3.1")`` is typed as ``SpeechClientV3_1``, a subclass whose groups
are protocols listing the calls v3.1 has, with v3.1's parameters and models: the generated
calls from the spec, the hand-written ones (``wait``, ``upload``...) from their source with
``TEntity`` bound to v3.1's entity. Nothing here runs: the one runtime serves every version.
"""

from __future__ import annotations

from collections.abc import Callable

from . import handwritten
from .layout import Layout, canonical_ids, operations_by_canonical
from .render_api import ALIASES, Signatures, _class_name, _docstring, call_signature, group_calls, group_of
from .render_models import HEADER
from .spec import ApiSpec, package_name

# Hand-written calls that need more of a version than their group's entity call: an operation
# they run, or a field of a definition they send.
NEEDS = {
    ("transcriptions", "transcribe"): "Transcriptions_Transcribe",
    ("transcriptions", "transcribe_from_url"): "TranscribeDefinition.audioUrl",
}


class _VersionSignatures(Signatures):
    """Annotations naming one version's classes through its models module, imported as ``m``."""

    def qualify(self, spec: ApiSpec) -> Callable[[str], str]:
        return lambda definition: f"m.{definition}"


def suffix(version: str) -> str:
    """``V3_1``, ``V2025_10_15``: what a version's typing classes end with."""
    return "V" + package_name(version)[1:]


def _has(spec: ApiSpec, canonical: set[str], need: str) -> bool:
    definition, _, field = need.partition(".")
    if not field:
        return need in canonical
    return definition in spec.definitions and any(p.wire == field for p in spec.definitions[definition].props)


# What the generated calls' annotations use: name -> (module, its name there; None: the module).
_TYPE_IMPORTS: dict[str, tuple[str, str | None]] = {
    "builtins": ("builtins", None),
    "Mapping": ("collections.abc", "Mapping"),
    "Sequence": ("collections.abc", "Sequence"),
    "Any": ("typing", "Any"),
    "Literal": ("typing", "Literal"),
    "UUID": ("uuid", "UUID"),
    "Unpack": ("typing_extensions", "Unpack"),
    **{name: ("speechrest._core.records", name) for name in ("AsyncPager", "BinaryBody", "CallOptions", "FileBody")},
}


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def render_client(layout: Layout, spec: ApiSpec) -> str:
    """The typing module of one version: a protocol per group and the client class naming them."""
    version, end = spec.version, suffix(spec.version)
    signatures = _VersionSignatures(layout)
    canonical = canonical_ids(layout.specs)[version]
    own = set(canonical.values())
    resources = handwritten.resources()
    names = dict(_TYPE_IMPORTS)
    classes: list[str] = []
    groups: list[str] = []
    for group, calls in group_calls(layout).items():
        members: list[str] = []
        for name, uses in calls:
            mine = [(s, op) for s, op in uses if s.version == version]
            if not mine:
                continue
            params, result = call_signature(signatures, uses, mine)
            pageable = any(op.pageable for _, op in mine)
            doc = _docstring(mine, name, f"``{mine[0][1].operation_id}``", "    ")
            methods = [group_of(name)[1], *([ALIASES[name]] if name in ALIASES else [])]
            for method in methods:
                head = f"def {method}({', '.join(params)}) -> {result}:"
                members.append(("" if pageable else "async ") + head + "\n" + doc)
        resource = resources[_class_name(group)]
        if resource.get is not None and resource.get in own:
            uses = operations_by_canonical(layout.specs)[resource.get]
            response = next(op.response for s, op in uses if s.version == version)
            assert response is not None and response.name is not None
            for method in resource.methods.values():
                need = NEEDS.get((group, method.name))
                if need is None or _has(spec, own, need):
                    members += method.stubs(f"m.{response.name}")
                    names.update(method.imports)
        protocol = _class_name(group).removesuffix("Group") + end
        groups.append(f"    {group}: {protocol}")
        text = f'"""``client.{group}`` on API version {version}{"" if members else ": no calls"}."""'
        classes.append(f"class {protocol}(Protocol):\n    {text}\n\n" + "\n\n".join(_indent(m) for m in members))
    imports = [
        f"    from {module} import {original}" + (f" as {name}" if name != original else "")
        if original is not None
        else f"    import {module}"
        for name, (module, original) in names.items()
    ]
    return "\n".join(
        [
            HEADER.format(what=f'``SpeechClient(api_version="{version}")`` for type checkers.'),
            "# Each group of this version's client lists only the calls it has, so the client's",
            "# groups are narrower than SpeechClient's (an assignment error to mypy).",
            '# mypy: disable-error-code="assignment"\n',
            "from __future__ import annotations\n",
            "from typing import TYPE_CHECKING, Protocol, overload\n",
            "from speechrest._client import SpeechClient\n",
            "if TYPE_CHECKING:",
            *imports,
            "\n    from . import models as m\n\n",
            *(f"{c}\n\n" for c in classes),
            f"class SpeechClient{end}(SpeechClient):",
            f'    """``SpeechClient(api_version="{version}")``: its groups have this version\'s calls and models."""\n',
            f'    api_version: Literal["{version}"]',
            *groups,
            "",
        ]
    )
