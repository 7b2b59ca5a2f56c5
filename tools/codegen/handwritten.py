"""What the hand-written resource classes add to the generated groups, read from their source.

``speechrest/resources/*.py`` subclass the generated groups and add calls by hand (``wait``,
``upload``, ``results``...), typed with the type variable ``TEntity`` for the entity their group
reads (``_GET``). Each version's typing repeats those signatures with ``TEntity`` bound to that
version's class: they are read here, so that they are written once, in the code that runs them.
"""

from __future__ import annotations

import ast
import builtins
import copy
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "speechrest"
# The type variable standing for a group's entity in the hand-written signatures.
ENTITY = "TEntity"
_BUILTINS = frozenset(dir(builtins))


@dataclass
class Method:
    """A public hand-written call: its definitions (the overloads, or the one) and where names come from."""

    name: str
    defs: list[ast.FunctionDef | ast.AsyncFunctionDef]
    doc: str | None
    imports: dict[str, tuple[str, str | None]]  # name -> (module, name there; None: the module itself)

    def stubs(self, entity: str) -> list[str]:
        """Protocol members (source text) with ``TEntity`` bound to ``entity``, a class expression."""
        return [_stub(d, entity, self.doc if i == 0 else None) for i, d in enumerate(self.defs)]

    def names(self) -> set[str]:
        """The names the signatures use (besides builtins and ``TEntity``)."""
        used = set()
        for d in self.defs:
            for node in ast.walk(ast.Module(body=[_signature(d)], type_ignores=[])):
                if isinstance(node, ast.Name) and node.id not in _BUILTINS and node.id != ENTITY:
                    used.add(node.id)
        return used


@dataclass
class Resource:
    """A hand-written group class: the call reading its entity, and the calls it adds."""

    group_class: str  # the generated class it extends (``TranscriptionsGroup``)
    get: str | None  # canonical ID of the call reading one entity (``_GET``)
    methods: dict[str, Method] = field(default_factory=dict)


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _imports(tree: ast.Module, module: str) -> dict[str, tuple[str, str | None]]:
    """Every name a module binds by import (at any depth) or defines at its top level."""
    package = module.rsplit(".", 1)[0]
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            source = ".".join(p for p in (base, node.module or "") if p)
            for alias in node.names:
                names[alias.asname or alias.name] = (source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = (module, node.name)
        elif isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names.update({t.id: (module, t.id) for t in targets if isinstance(t, ast.Name)})
    return names


def _is_overload(d: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(x, ast.Name) and x.id == "overload" for x in d.decorator_list)


def _class_methods(cls: ast.ClassDef, imports: dict[str, tuple[str, str | None]]) -> dict[str, Method]:
    defs: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            defs.setdefault(node.name, []).append(node)
    methods = {}
    for name, found in defs.items():
        overloads = [d for d in found if _is_overload(d)]
        doc = next((ast.get_docstring(d) for d in found if ast.get_docstring(d)), None)
        methods[name] = Method(name, overloads or found, doc, {})
        methods[name].imports = {n: imports[n] for n in methods[name].names()}
    return methods


def _source(module: str) -> ast.Module:
    return ast.parse((PACKAGE.parent / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))


def _with_bases(cls: ast.ClassDef, module: str) -> dict[str, Method]:
    """The public methods of a hand-written class and of its hand-written bases (not the generated ones)."""
    tree = _source(module)
    imports = _imports(tree, module)
    methods: dict[str, Method] = {}
    for base in cls.bases:
        name = base.value if isinstance(base, ast.Subscript) else base
        if not isinstance(name, ast.Name) or name.id not in imports:
            continue
        source, original = imports[name.id]
        if source.startswith("speechrest.") and not source.startswith("speechrest._generated"):
            base_module = _source(source)
            found = next(n for n in base_module.body if isinstance(n, ast.ClassDef) and n.name == original)
            methods.update(_with_bases(found, source))
    methods.update(_class_methods(cls, imports))
    return methods


def resources() -> dict[str, Resource]:
    """The hand-written classes of ``speechrest/resources``, by the generated class each extends."""
    found: dict[str, Resource] = {}
    for path in sorted((PACKAGE / "resources").glob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            generated = [b.id for b in cls.bases if isinstance(b, ast.Name) and b.id.endswith("Group")]
            if not generated:
                continue
            get = next(
                (
                    n.value.value
                    for n in cls.body
                    if isinstance(n, ast.Assign)
                    and [t.id for t in n.targets if isinstance(t, ast.Name)] == ["_GET"]
                    and isinstance(n.value, ast.Constant)
                ),
                None,
            )
            found[generated[0]] = Resource(generated[0], get, _with_bases(cls, module))
    return found


# --------------------------------------------------------------------------- stubs


class _Bind(ast.NodeTransformer):
    """``TEntity`` -> the version's class; ``list`` -> ``builtins.list`` (a group's ``list`` hides it)."""

    def __init__(self, entity: str) -> None:
        self.entity = ast.parse(entity, mode="eval").body

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id == ENTITY:
            return copy.deepcopy(self.entity)
        if node.id == "list":
            return ast.Attribute(value=ast.Name("builtins", ast.Load()), attr="list", ctx=ast.Load())
        return node


def _signature(d: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.FunctionDef:
    """The definition as a plain ``def`` without decorators or body; a default that is not a
    literal becomes ``...`` (the module imports the names of annotations for type checkers only)."""
    plain = ast.FunctionDef(**{name: copy.deepcopy(getattr(d, name)) for name in d._fields}, lineno=0)
    plain.decorator_list = []
    plain.body = [ast.Expr(ast.Constant(...))]
    args = plain.args
    args.defaults = [x if isinstance(x, ast.Constant) else ast.Constant(...) for x in args.defaults]
    args.kw_defaults = [x if x is None or isinstance(x, ast.Constant) else ast.Constant(...) for x in args.kw_defaults]
    return plain


def _yields(d: ast.AsyncFunctionDef) -> bool:
    """Whether an ``async def`` is an async generator (a ``yield`` of its own, not of a nested function)."""
    todo: list[ast.AST] = list(d.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return False


def _stub(d: ast.FunctionDef | ast.AsyncFunctionDef, entity: str, doc: str | None) -> str:
    """A protocol member: ``async def`` for a coroutine, else ``def`` (an async generator returns its iterator)."""
    signature = _Bind(entity).visit(_signature(d))
    text = ast.unparse(ast.fix_missing_locations(signature))
    if isinstance(d, ast.AsyncFunctionDef) and not _yields(d):
        text = "async " + text
    if _is_overload(d):
        text = "@overload\n" + text
    if doc:
        lines = doc.splitlines()
        body = "\n".join([lines[0], *(f"    {line}" if line else "" for line in lines[1:])])
        text = text.removesuffix("...") + f'"""{body}' + ('\n    """' if len(lines) > 1 else '"""')
    return text
