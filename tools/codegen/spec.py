"""Read a Swagger 2.0 file into the small intermediate form the emitters use.

Only facts are kept (names, paths, types, formats, enums, requiredness);
the spec's prose never leaves this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Properties the spec types as plain strings but that carry ISO 8601 durations.
DURATION_PROPERTIES = frozenset({"duration", "timeToLive"})
# The JSON Schema keywords a body check uses (besides references, properties and items).
_CHECKED_KEYWORDS = ("type", "format", "enum", "minimum", "maximum", "minLength", "maxLength", "readOnly")
# Properties that hold credentials: kept out of every repr.
SENSITIVE_PROPERTIES = frozenset({"secret", "targetSubscriptionKey"})


def snake(name: str) -> str:
    """camelCase / PascalCase / Snake_Case -> snake_case (``@nextLink`` -> ``next_link``)."""
    name = name.lstrip("@").replace("-", "_")
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"_+", "_", name).lower()


def attribute_name(wire: str) -> str:
    """The Python attribute for a wire property (``self`` cannot be one)."""
    name = snake(wire)
    return name + "_" if name in {"self", "from", "import", "class", "global"} else name


@dataclass(frozen=True)
class TypeRef:
    """A schema reduced to what code needs: a kind and its parts."""

    kind: str  # model, enum, str, int, float, bool, datetime, duration, list, map, any, binary, file
    name: str | None = None  # definition name for model/enum
    item: TypeRef | None = None  # element type for list/map


@dataclass(frozen=True)
class Prop:
    wire: str
    attr: str
    type: TypeRef
    required: bool
    sensitive: bool


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # "object", "enum" or "map"
    props: tuple[Prop, ...] = ()
    values: tuple[str, ...] = ()  # enum values
    item: TypeRef | None = None  # map value type


@dataclass(frozen=True)
class Param:
    wire: str
    arg: str
    location: str  # path, query, body, formData, header
    required: bool
    type: TypeRef
    format: str | None


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    params: tuple[Param, ...]
    ok: tuple[int, ...]
    response: TypeRef | None
    consumes: str | None
    pageable: bool
    items_key: str = "values"
    next_link_key: str = "@nextLink"


@dataclass
class ApiSpec:
    version: str
    base_path: str
    api_version_param: str | None  # wire name of the version query parameter, if any
    definitions: dict[str, Definition] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    # The JSON bodies' schemas, reduced to what the service checks: operation ID -> schema,
    # and the definitions they refer to (``{"$ref": name}``).
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    body_definitions: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Reader:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.inline_enums: dict[str, tuple[str, ...]] = {}  # enums declared inside properties (v3.0)

    def deref(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow ``#/parameters/...`` references (definitions stay named)."""
        while "$ref" in node and not node["$ref"].startswith("#/definitions/"):
            section, name = node["$ref"].split("/")[1:3]
            node = self.raw[section][name]
        return node

    def type_of(self, schema: dict[str, Any], prop_name: str | None = None) -> TypeRef:
        if "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            target = self.raw["definitions"][name]
            return TypeRef("enum" if "enum" in target else "model", name)
        parts = schema.get("allOf", [])
        if len(parts) == 1 and "$ref" in parts[0] and not schema.get("properties"):
            return self.type_of(parts[0], prop_name)  # v3.0 wraps references in allOf
        kind = schema.get("type")
        enum_name = schema.get("x-ms-enum", {}).get("name")
        if "enum" in schema and enum_name:
            if enum_name not in self.raw["definitions"]:
                self.inline_enums.setdefault(enum_name, tuple(schema["enum"]))
            return TypeRef("enum", enum_name)
        fmt = schema.get("format")
        if kind == "array":
            return TypeRef("list", item=self.type_of(schema.get("items", {})))
        if kind == "object" or (kind is None and "additionalProperties" in schema):
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                return TypeRef("map", item=self.type_of(extra))
            return TypeRef("map", item=TypeRef("any"))
        if kind == "string":
            if fmt == "date-time":
                return TypeRef("datetime")
            if fmt == "binary":
                return TypeRef("binary")
            if prop_name in DURATION_PROPERTIES:
                return TypeRef("duration")
            return TypeRef("str")
        if kind == "integer":
            return TypeRef("int")
        if kind == "number":
            return TypeRef("float")
        if kind == "boolean":
            return TypeRef("bool")
        if kind == "file":
            return TypeRef("file")
        return TypeRef("any")

    def flatten(self, schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Own and inherited (``allOf``) properties, and the required names."""
        props: dict[str, Any] = {}
        required: set[str] = set()
        for part in schema.get("allOf", []):
            base = self.raw["definitions"][part["$ref"].split("/")[-1]] if "$ref" in part else part
            inherited, req = self.flatten(base)
            props.update(inherited)
            required |= req
        props.update(schema.get("properties", {}))
        required |= set(schema.get("required", []))
        return props, required

    def definition(self, name: str, schema: dict[str, Any]) -> Definition:
        if "enum" in schema:
            return Definition(name, "enum", values=tuple(schema["enum"]))
        props, required = self.flatten(schema)
        if not props and isinstance(schema.get("additionalProperties"), dict):
            return Definition(name, "map", item=self.type_of(schema["additionalProperties"]))
        return Definition(
            name,
            "object",
            props=tuple(
                Prop(
                    wire=wire,
                    attr=attribute_name(wire),
                    type=self.type_of(sub, wire),
                    required=wire in required,
                    sensitive=wire in SENSITIVE_PROPERTIES,
                )
                for wire, sub in props.items()
            ),
        )

    def reduced(self, schema: dict[str, Any], prop_name: str | None = None) -> dict[str, Any]:
        """A schema cut down to the facts a body check needs: types, formats, enums, limits,
        requiredness, read-only marks, and references by definition name."""
        if "$ref" in schema:
            return {"$ref": schema["$ref"].split("/")[-1]}
        parts = schema.get("allOf", [])
        if len(parts) == 1 and "$ref" in parts[0] and not schema.get("properties"):
            return self.reduced(parts[0]) | ({"readOnly": True} if schema.get("readOnly") else {})
        out = {key: schema[key] for key in _CHECKED_KEYWORDS if key in schema}
        if schema.get("properties") or parts:
            props, required = self.flatten(schema)
            out["type"] = "object"
            out["properties"] = {wire: self.reduced(sub, wire) for wire, sub in props.items()}
            out["required"] = sorted(required)
        if out.get("type") == "string" and "format" not in out and prop_name in DURATION_PROPERTIES:
            out["format"] = "duration"
        if "items" in schema:
            out["items"] = self.reduced(schema["items"])
        if isinstance(schema.get("additionalProperties"), dict) and schema["additionalProperties"]:
            out["additionalProperties"] = self.reduced(schema["additionalProperties"])
        return out

    def param(self, node: dict[str, Any]) -> Param:
        node = self.deref(node)
        schema = node.get("schema", node)
        return Param(
            wire=node["name"],
            arg=snake(node["name"]),
            location=node["in"],
            required=bool(node.get("required")) or node["in"] == "path",
            type=self.type_of(schema),
            format=schema.get("format"),
        )


def load(path: Path, version: str) -> ApiSpec:
    raw = json.loads(path.read_text(encoding="utf-8"))
    reader = _Reader(raw)
    host = raw.get("x-ms-parameterized-host", {}).get("hostTemplate", "")
    base_path = "/" + host.split("}", 1)[-1].strip("/") if "}" in host else raw.get("basePath", "")
    spec = ApiSpec(version=version, base_path=base_path.rstrip("/"), api_version_param=None)
    for name in sorted(raw["definitions"]):
        spec.definitions[name] = reader.definition(name, raw["definitions"][name])

    for path_template, item in raw["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            params: list[Param] = []
            for node in [*shared, *op.get("parameters", [])]:
                resolved = reader.deref(node)
                if resolved["name"] == "api-version":
                    spec.api_version_param = "api-version"
                    continue
                if resolved.get("x-ms-parameter-location") == "client" or resolved["in"] == "header":
                    continue
                params.append(reader.param(resolved))
                if resolved["in"] == "body" and resolved.get("schema", {}).get("format") != "binary":
                    spec.bodies[op["operationId"]] = reader.reduced(resolved["schema"])
                # A form's ``definition`` field is JSON text of the definition named after the verb
                # (Transcriptions_Transcribe -> TranscribeDefinition); the spec says so only in prose.
                form_schema = op["operationId"].rsplit("_", 1)[-1] + "Definition"
                if (
                    resolved["in"] == "formData"
                    and resolved["name"] == "definition"
                    and form_schema in raw["definitions"]
                ):
                    spec.bodies[op["operationId"]] = {"$ref": form_schema}
            ok = tuple(sorted(int(code) for code in op["responses"] if code.isdigit() and int(code) < 300))
            schemas = [op["responses"][str(code)].get("schema") for code in ok]
            response = next((reader.type_of(s) for s in schemas if s), None)
            pageable = op.get("x-ms-pageable") or {}
            consumes = (op.get("consumes") or [None])[0]
            spec.operations.append(
                Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path_template,
                    params=tuple(params),
                    ok=ok,
                    response=response,
                    consumes=consumes,
                    pageable=bool(pageable),
                    items_key=pageable.get("itemName", "values"),
                    next_link_key=pageable.get("nextLinkName") or "@nextLink",
                )
            )
    spec.body_definitions = _referenced(spec.bodies, {n: reader.reduced(d) for n, d in raw["definitions"].items()})
    for name, values in reader.inline_enums.items():
        spec.definitions.setdefault(name, Definition(name, "enum", values=values))
    spec.definitions = dict(sorted(spec.definitions.items()))
    spec.operations.sort(key=lambda o: o.operation_id)
    return spec


def _referenced(roots: dict[str, Any], definitions: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The definitions ``roots`` refer to, directly or through each other, sorted by name."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            name = node.get("$ref")
            if name is not None and name not in found:
                found[name] = definitions[name]
                walk(found[name])
            for value in node.values():
                walk(value)

    walk(roots)
    return dict(sorted(found.items()))


def package_name(version: str) -> str:
    """The generated package for a version: ``v3.1`` -> ``v3_1``, ``2024-11-15`` -> ``v2024_11_15``."""
    return "v" + version.lstrip("v").replace(".", "_").replace("-", "_")
