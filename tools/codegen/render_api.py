"""Route tables (one per version), the operation functions and resource groups (one set
for all versions), and the index of versions, operations and public model names."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from pprint import pformat

from . import handwritten
from .layout import Layout, canonical_ids, operations_by_canonical, operations_by_id
from .render_models import HEADER, py_type
from .spec import ApiSpec, Operation, Param, TypeRef, package_name, snake

Uses = list[tuple[ApiSpec, Operation]]
# Friendly calls written by hand (speechrest/_transcriptions.py, speechrest/upload.py): no
# generated group method; the operation functions still exist.
HANDWRITTEN_CALLS = frozenset({"Transcriptions_Transcribe", "Datasets_Upload"})
_OPTIONS = "**options: Unpack[CallOptions]"
# Second names for friendly calls, so that every group has ``get`` and ``list`` for its own
# entities: ``client.models.get`` is ``get_custom_model``, which keeps its name.
ALIASES = {"Models_GetCustomModel": "get", "Models_ListCustomModels": "list"}


def param_kind(p: Param) -> str:
    if p.location == "body":
        return "binary" if p.type.kind == "binary" else "json"
    if p.type.kind == "file":
        return "file"
    if p.type.kind == "str" and p.format == "uuid":
        return "uuid"
    return p.type.kind


def _union(members: Sequence[str]) -> str:
    """``A | B`` from annotation parts, each kept once, in first-seen order."""
    seen: list[str] = []
    for member in members:
        for part in member.split(" | "):
            if part not in seen:
                seen.append(part)
    return " | ".join(seen)


def item_type(spec: ApiSpec, op: Operation) -> TypeRef | None:
    """The element type of a pageable operation's list property."""
    if not op.pageable or op.response is None or op.response.name is None:
        return None
    page = spec.definitions[op.response.name]
    return next(p for p in page.props if p.wire == op.items_key).type.item


# --------------------------------------------------------------------------- routes


def _route_model(t: TypeRef | None) -> str:
    if t is None:
        return "None"
    if t.kind == "list":
        return f"list[{_route_model(t.item)}]"
    if t.kind in ("model", "enum"):
        return f"m.{t.name}"
    return py_type(t)


def render_routes(spec: ApiSpec, canonical: dict[str, str]) -> str:
    aliases = {canon: op for op, canon in canonical.items() if canon != op}
    out = [
        HEADER.format(what=f"Route table of API version {spec.version}."),
        "from __future__ import annotations\n",
        "from speechrest._core.records import Param, Route\n",
        "from . import models as m\n",
        f'VERSION = "{spec.version}"',
        f'BASE_PATH = "{spec.base_path}"',
        f"VERSION_PARAM: str | None = {spec.api_version_param!r}",
        "# Friendly-call (canonical) operation IDs that this version names otherwise.",
        "CANONICAL: dict[str, str] = {" + "".join(f'"{k}": "{v}", ' for k, v in sorted(aliases.items())) + "}",
        "ROUTES: dict[str, Route] = {",
    ]
    for op in spec.operations:
        params = "".join(
            f'            Param(wire="{p.wire}", arg="{p.arg}", location="{p.location}", required={p.required}, '
            f'kind="{param_kind(p)}"' + (f", model={_route_model(p.type)}" if param_kind(p) == "json" else "") + "),\n"
            for p in op.params
        )
        item = item_type(spec, op)
        paging = (
            f'        item={_route_model(item)},\n        items_key="{op.items_key}",\n'
            f'        next_link_key="{op.next_link_key}",\n'
            if item is not None
            else ""
        )
        out.append(
            f'    "{op.operation_id}": Route(\n'
            f'        operation_id="{op.operation_id}",\n'
            f'        method="{op.method}",\n'
            f'        path="{op.path}",\n'
            f"        params=(\n{params}        ),\n"
            f"        ok={op.ok!r},\n"
            f"        response={_route_model(op.response)},\n"
            f"        content_type={op.consumes!r},\n" + paging + "    ),"
        )
    out.append("}\n")
    return "\n".join(out)


def render_body_schemas(spec: ApiSpec) -> str:
    """The version's JSON body schemas as plain data, for the checks of the SDK and the emulator."""
    return "\n".join(
        [
            HEADER.format(what=f"Request body schemas of API version {spec.version}, reduced to what is checked."),
            "from __future__ import annotations\n",
            "from typing import Any\n",
            "# Operation ID -> the schema of its JSON body.",
            f"BODIES: dict[str, Any] = {pformat(spec.bodies, width=120, sort_dicts=True)}",
            "# Definition name -> schema, for the bodies' ``$ref``s.",
            f"DEFINITIONS: dict[str, Any] = {pformat(spec.body_definitions, width=120, sort_dicts=True)}\n",
        ]
    )


# --------------------------------------------------------------------------- shared pieces of signatures


class Signatures:
    """Annotations for parameters and results across versions, naming each class where it lives."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.used_modules: set[str] = set()

    def qualify(self, spec: ApiSpec) -> Callable[[str], str]:
        def name(definition: str) -> str:
            module = self.layout.owner[spec.version][definition]
            self.used_modules.add(module)
            return f"{module}.{definition}"

        return name

    def arg_type(self, spec: ApiSpec, p: Param, list_name: str = "list") -> str:
        kind = param_kind(p)
        if kind == "uuid":
            return "str | UUID"
        if kind == "binary":
            return "BinaryBody"
        if kind == "file":
            return "FileBody"
        qualify = self.qualify(spec)
        if kind == "json":
            if p.type.kind == "list":
                assert p.type.item is not None
                return f"Sequence[{py_type(p.type.item, qualify, list_name)} | Mapping[str, Any]]"
            return f"{py_type(p.type, qualify, list_name)} | Mapping[str, Any]"
        return py_type(p.type, qualify, list_name)

    def result_type(self, uses: Uses, list_name: str = "list") -> str:
        items = [item_type(spec, op) for spec, op in uses]
        if any(items):
            parts = [
                py_type(item, self.qualify(spec), list_name)
                for (spec, _), item in zip(uses, items, strict=True)
                if item
            ]
            return f"AsyncPager[{_union(parts)}]"
        parts = [py_type(op.response, self.qualify(spec), list_name) for spec, op in uses if op.response]
        if parts and any(op.response is None for _, op in uses):
            parts.append("None")  # some version answers this operation without a body
        return _union(parts) if parts else "None"

    def params(self, uses: Uses, list_name: str = "list") -> list[tuple[str, str, str, bool]]:
        """(python name, wire name, annotation, required everywhere) for the union of parameters."""
        found: dict[str, list[tuple[ApiSpec, Param]]] = defaultdict(list)
        for spec, op in uses:
            for p in op.params:
                found[p.arg].append((spec, p))
        result = []
        for arg, seen in found.items():
            annotation = _union([self.arg_type(spec, p, list_name) for spec, p in seen])
            everywhere = len(seen) == len(uses) and all(p.required for _, p in seen)
            result.append((arg, seen[0][1].wire, annotation, everywhere))
        return sorted(result, key=lambda r: not r[3])

    def imports(self) -> list[str]:
        return [f"    from .{m} import models as {m}" for m in sorted(self.used_modules)]


def _versions_text(uses: Uses) -> str:
    return ", ".join(spec.version for spec, _ in uses)


# --------------------------------------------------------------------------- docstrings

# One-line summaries where the pattern of ``summary`` (verb and noun of the ID) reads wrong.
SUMMARIES = {
    "Datasets_CommitBlocks": "Join the uploaded blocks of a dataset into its file, in the order given",
    "Datasets_GetBlocks": "List the blocks uploaded to a dataset so far",
    "Datasets_Upload": "Create a dataset from a file sent in a form",
    "Endpoints_DeleteBaseModelLog": "Delete one log of the base model endpoint of a locale",
    "Endpoints_DeleteBaseModelLogs": "Delete the logs of the base model endpoint of a locale",
    "Endpoints_GetBaseModelLog": "Get one log of the base model endpoint of a locale",
    "Endpoints_ListBaseModelLogs": "List the logs of the base model endpoint of a locale",
    "Models_AuthorizeCopy": "Allow another Speech resource to copy a model into this one",
    "Models_Copy": "Copy a model to another Speech resource; poll the operation it answers",
    "Models_CopyTo": "Copy a model to a Speech resource of another subscription",
    "Models_GetBaseModelManifest": "Get the manifest of a base model, for running it in a container",
    "Models_GetCustomModelManifest": "Get the manifest of a custom model, for running it in a container",
    "Operations_GetModelCopy": "Get the state of a model copy operation",
    "ServiceHealth_Get": "Get the health of the service and of its parts",
    "Transcriptions_Transcribe": "Transcribe one audio file at once, without a job (fast transcription)",
    "WebHooks_Ping": "Have the service send a ping event to a web hook",
    "WebHooks_Test": "Have the service send a web hook an event of each kind it is registered for",
}
_DEFAULT_PHRASES = {"Get": "Get one {one} by id", "List": "List {many}"}
# What a group holds, where its name does not say it.
_GROUP_NOUNS = {"Models": "custom models", "WebHooks": "web hooks"}
# A filter that fits a list's items: by status where they have one, else by date.
_FILTER_BY_STATUS = "status eq 'Succeeded' and createdDateTime ge 2024-01-01T00:00:00Z"
_FILTER_BY_DATE = "createdDateTime ge 2024-01-01T00:00:00Z"


def summary(canonical: str, pageable: bool) -> str:
    """What an operation does, in a line made from its canonical ID: ``Transcriptions_ListFiles``
    is "List the files of a transcription, a page at a time."."""
    group, _, rest = canonical.partition("_")
    many = _GROUP_NOUNS.get(group, group.lower())
    one = many.removesuffix("s")
    a = "an" if one[0] in "aeiou" else "a"
    verb, *noun_words = re.findall(r"[A-Z][a-z]*", rest)
    noun = " ".join(w.lower() for w in noun_words)
    if canonical in SUMMARIES:
        text = SUMMARIES[canonical]
    elif not noun:
        text = _DEFAULT_PHRASES.get(verb, f"{verb} {a} {{one}}").format(one=one, many=many)
    elif noun == "supported locales":
        text = f"List the locales {many} can be made for"
    elif noun_words[-1].lower() in (one.split()[-1], many.split()[-1]):  # base models, custom model
        text = f"Get one {noun} by id" if verb == "Get" else f"{verb} {noun}"
    elif noun.endswith("s"):
        text = f"{verb} the {noun} of {a} {one}"
    else:
        text = f"{verb} one {noun} of {a} {one}"
    return text + (", a page at a time." if pageable else ".")


def _filter_lines(spec: ApiSpec, op: Operation) -> list[str]:
    """How to write ``filter`` for a list operation that takes one (none for the others)."""
    item = item_type(spec, op)
    if item is None or item.name is None or not any(p.arg == "filter" for p in op.params):
        return []
    by_status = any(p.wire == "status" for p in spec.definitions[item.name].props)
    return [
        "``filter`` keeps the items that match a condition, such as",
        f'``filter="{_FILTER_BY_STATUS if by_status else _FILTER_BY_DATE}"``. Compare a property',
        "with ``eq`` or ``ne`` (date-times also with ``gt``, ``ge``, ``lt``, ``le``), join comparisons",
        "with ``and``, ``or``, ``not`` and parentheses, and put text in single quotes.",
        "",
    ]


def _docstring(uses: Uses, canonical: str, what: str, indent: str) -> str:
    """The docstring of a call: its summary, how to filter, and which request it sends where."""
    spec, op = uses[-1]
    lines = [
        summary(canonical, any(o.pageable for _, o in uses)),
        "",
        *_filter_lines(spec, op),
        f"``{op.method} {op.path}`` ({what}; API version{'s' if len(uses) > 1 else ''} {_versions_text(uses)}).",
    ]
    text = "\n".join(f"{indent}{line}" if line else "" for line in lines)
    return f'{indent}"""{text.lstrip()}\n{indent}"""'


def _header(what: str) -> list[str]:
    return [
        HEADER.format(what=what),
        "# The calls return the requester's answers (Any) as the types their signatures declare.",
        "# mypy: no-warn-return-any\n",
        "from __future__ import annotations\n",
        "import builtins",
        "from collections.abc import Mapping, Sequence",
        "from typing import TYPE_CHECKING, Any",
        "from uuid import UUID\n",
    ]


def _type_imports(signatures: Signatures, aliases: Sequence[str] = ()) -> list[str]:
    return [
        "if TYPE_CHECKING:",
        "    from typing import TypeAlias\n",
        "    from typing_extensions import Unpack\n",
        "    from .._core.records import AsyncPager, BinaryBody, CallOptions, FileBody, HasRequester, Requester",
        *signatures.imports(),
        *aliases,
        "\n",
    ]


# --------------------------------------------------------------------------- operations


def render_operations(layout: Layout) -> str:
    signatures = Signatures(layout)
    canonical = canonical_ids(layout.specs)
    body: list[str] = []
    names = []
    for operation_id, uses in operations_by_id(layout.specs).items():
        name = snake(operation_id)
        names.append(name)
        pageable = any(op.pageable for _, op in uses)
        params = signatures.params(uses)
        keywords = [f"{a}: {t}" if req else f"{a}: {t} | None = None" for a, _, t, req in params]
        keywords += ["max_items: int | None = None"] if pageable else []
        sig = ", ".join(["client: HasRequester", *(["*", *keywords] if keywords else []), _OPTIONS])
        args = "{" + ", ".join(f'"{w}": {a}' for a, w, _, _ in params) + "}"
        result = signatures.result_type(uses)
        spec = uses[0][0]
        doc = _docstring(uses, canonical[spec.version][operation_id], f"``{operation_id}``", "    ")
        if pageable:
            call = f'client.requester.page_operation("{operation_id}", {args}, options, max_items)'
            body.append(f"def {name}({sig}) -> {result}:\n{doc}\n    return {call}\n\n")
        else:
            call = f'await client.requester.invoke("{operation_id}", {args}, options)'
            ret = call if result == "None" else f"return {call}"
            body.append(f"async def {name}({sig}) -> {result}:\n{doc}\n    {ret}\n\n")
    out = _header("One function per operation ID of every API version.") + _type_imports(signatures) + body
    out.append("__all__ = [\n" + "".join(f'    "{n}",\n' for n in sorted(names)) + "]\n")
    return "\n".join(out)


# --------------------------------------------------------------------------- resource groups


def group_of(canonical: str) -> tuple[str, str]:
    """(group attribute, method name) for a canonical ID such as ``Datasets_ListFiles``."""
    prefix, _, rest = canonical.partition("_")
    return snake(prefix), snake(rest)


def _class_name(group: str) -> str:
    return "".join(part.title() for part in group.split("_")) + "Group"


def group_calls(layout: Layout) -> dict[str, list[tuple[str, Uses]]]:
    """Each group's friendly calls (canonical ID, every version's operation), the hand-written ones left out."""
    groups: dict[str, list[tuple[str, Uses]]] = defaultdict(list)
    for canonical, uses in operations_by_canonical(layout.specs).items():
        if canonical not in HANDWRITTEN_CALLS:
            groups[group_of(canonical)[0]].append((canonical, uses))
    return dict(sorted(groups.items()))


def call_signature(signatures: Signatures, uses: Uses, mine: Uses) -> tuple[list[str], str]:
    """The parameters and result of a group method on the versions of ``mine``.

    Which parameters are positional follows ``uses``, every version's: those all of them require.
    """
    everywhere = [a for a, _, _, required in signatures.params(uses, "builtins.list") if required]
    own = {a: (t, required) for a, _, t, required in signatures.params(mine, "builtins.list")}
    keywords = [f"{a}: {t}" if req else f"{a}: {t} | None = None" for a, (t, req) in own.items() if a not in everywhere]
    keywords += ["max_items: int | None = None"] if any(op.pageable for _, op in mine) else []
    params = ["self", *(f"{a}: {own[a][0]}" for a in everywhere), *(["*", *keywords] if keywords else []), _OPTIONS]
    return params, signatures.result_type(mine, "builtins.list")


def entity_alias(group: str) -> str:
    """The name of a group's entity on any version (``TranscriptionsEntity``), in ``groups.py``."""
    return _class_name(group).removesuffix("Group") + "Entity"


def render_groups(layout: Layout) -> str:
    signatures = Signatures(layout)
    by_canonical = operations_by_canonical(layout.specs)
    resources = handwritten.resources()
    body: list[str] = []
    aliases = ["    # The entity each hand-written group reads (its ``TEntity``), on any API version."]
    for group, calls in group_calls(layout).items():
        get = resources[_class_name(group)].get
        if get is not None:
            aliases.append(f"    {entity_alias(group)}: TypeAlias = {signatures.result_type(by_canonical[get])}")
        body.append(f"class {_class_name(group)}:")
        body.append(f'    """``client.{group}``: the same calls on every API version."""\n')
        body.append('    __slots__ = ("_requester",)\n')
        body.append("    def __init__(self, requester: Requester) -> None:")
        body.append("        self._requester = requester\n")
        for canonical, uses in calls:
            method = group_of(canonical)[1]
            params, result = call_signature(signatures, uses, uses)
            args = "{" + ", ".join(f'"{w}": {a}' for a, w, _, _ in signatures.params(uses)) + "}"
            ids = sorted({op.operation_id for _, op in uses})
            doc = _docstring(uses, canonical, ", ".join(f"``{i}``" for i in ids), "        ")
            if any(op.pageable for _, op in uses):
                call = f'self._requester.page("{canonical}", {args}, options, max_items)'
                body.append(f"    def {method}({', '.join(params)}) -> {result}:\n{doc}\n        return {call}\n")
            else:
                call = f'await self._requester.call("{canonical}", {args}, options)'
                ret = call if result == "None" else f"return {call}"
                body.append(f"    async def {method}({', '.join(params)}) -> {result}:\n{doc}\n        {ret}\n")
        body += [f"    {ALIASES[c]} = {group_of(c)[1]}" for c, _ in calls if c in ALIASES]
        body.append("")
    out = _header("Resource groups: ``client.<group>.<method>``.") + _type_imports(signatures, aliases) + body
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- index


def render_index(layout: Layout) -> str:
    versions = "".join(f'    "{s.version}": "speechrest._generated.{package_name(s.version)}",\n' for s in layout.specs)
    operations = "".join(
        f'    "{op_id}": ({", ".join(repr(s.version) for s, _ in uses)},),\n'
        for op_id, uses in operations_by_id(layout.specs).items()
    )
    index = "".join(
        f'    "{name}": "speechrest._generated.{module}.models",\n' for name, module in public_models(layout).items()
    )
    calls = "".join(
        f'    "{canonical}": ({", ".join(repr(s.version) for s, _ in uses)},),\n'
        for canonical, uses in operations_by_canonical(layout.specs).items()
    )
    return (
        HEADER.format(what="The API versions, which versions have each operation, and where public models live.")
        + "\n# API version -> its generated package.\n"
        + "VERSIONS: dict[str, str] = {\n"
        + versions
        + "}\n"
        + "# Operation ID -> the API versions that have it.\n"
        + "OPERATION_VERSIONS: dict[str, tuple[str, ...]] = {\n"
        + operations
        + "}\n"
        + "# Friendly call (canonical operation ID) -> the API versions where it works.\n"
        + "CALL_VERSIONS: dict[str, tuple[str, ...]] = {\n"
        + calls
        + "}\n"
        + "# ``speechrest.models.<Name>`` -> the module defining it (the newest version's class).\n"
        + "PUBLIC_MODELS: dict[str, str] = {\n"
        + index
        + "}\n"
    )


def public_models(layout: Layout) -> dict[str, str]:
    """Name -> defining package, for the newest version that has the name."""
    chosen: dict[str, str] = {}
    for version in reversed(layout.versions):
        for name, module in layout.owner[version].items():
            chosen.setdefault(name, module)
    return dict(sorted(chosen.items()))


def render_public_models(layout: Layout) -> str:
    """Static imports of the public models and of each version's models module, for type
    checkers (``speechrest.models`` loads them lazily)."""
    lines = [HEADER.format(what="The public model names, for type checkers only.")]
    lines.append("from __future__ import annotations\n")
    by_module: dict[str, list[str]] = defaultdict(list)
    for name, module in public_models(layout).items():
        by_module[module].append(name)
    for module, names in sorted(by_module.items()):
        lines.append(f"from .{module}.models import " + ", ".join(f"{n} as {n}" for n in names))
    packages = [package_name(v) for v in layout.versions]
    lines += [f"from .{p} import models as {p}" for p in packages]
    exported = [*public_models(layout), *packages]
    lines.append("\n__all__ = [\n" + "".join(f'    "{n}",\n' for n in exported) + "]")
    return "\n".join(lines) + "\n"
