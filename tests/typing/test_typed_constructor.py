"""``SpeechClient``'s typed ``__new__`` (read from the source: it exists for type checkers only)
keeps up with its ``__init__`` and with the API versions."""

from __future__ import annotations

import ast
from pathlib import Path

from speechrest._client import DEFAULT_API_VERSION
from speechrest._generated import VERSIONS

SOURCE = Path(__file__).resolve().parents[2] / "speechrest" / "_client.py"


def classes() -> dict[str, ast.ClassDef]:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}


def methods(cls: ast.ClassDef, name: str) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(cls) if isinstance(node, ast.FunctionDef) and node.name == name]


def test_client_options_are_the_constructors_keyword_arguments() -> None:
    found = classes()
    declared = {
        node.target.id: ast.unparse(node.annotation)
        for node in found["ClientOptions"].body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    (init,) = methods(found["_Setup"], "__init__")
    taken = {arg.arg: ast.unparse(arg.annotation) for arg in init.args.kwonlyargs if arg.annotation is not None}
    assert declared == {name: annotation for name, annotation in taken.items() if name != "api_version"}


def test_every_version_has_an_overload_returning_its_client() -> None:
    literals: dict[str, str] = {}
    default = None
    for new in methods(classes()["SpeechClient"], "__new__"):
        api_version = next((arg for arg in new.args.kwonlyargs if arg.arg == "api_version"), None)
        if api_version is None or new.returns is None:
            continue  # the implementation
        annotation = ast.unparse(api_version.annotation) if api_version.annotation else ""
        if annotation.startswith("Literal["):
            version = ast.literal_eval(annotation.removeprefix("Literal[").removesuffix("]"))
            literals[version] = ast.unparse(new.returns)
            index = new.args.kwonlyargs.index(api_version)
            default = version if new.args.kw_defaults[index] is not None else default
    expected = {version: "SpeechClientV" + package.rsplit(".v", 1)[1] for version, package in VERSIONS.items()}
    assert literals == expected
    assert default == DEFAULT_API_VERSION
