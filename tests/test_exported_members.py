"""Every exception is importable from ``speechrest`` and defined in ``speechrest.errors``, and
``__all__`` names exactly what the package offers (after httpx's test of the same name), as
``speechrest.clients``'s does, a module ``import speechrest`` leaves unloaded."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import speechrest
from speechrest import errors
from speechrest.errors import SpeechError

README = Path(__file__).resolve().parents[1] / "README.md"
SUBMODULES = {"errors", "models", "operations"}  # modules the package names in __all__


def every_module() -> list[str]:
    """Import every module of the package (``__main__`` ones run a program, so not those)."""
    names = [info.name for info in pkgutil.walk_packages(speechrest.__path__, "speechrest.")]
    names = [name for name in names if not name.endswith("__main__")]
    for name in names:
        importlib.import_module(name)
    return names


def speech_errors() -> set[type[SpeechError]]:
    """Every ``SpeechError`` subclass the package defines, wherever it is."""
    every_module()
    found: set[type[SpeechError]] = set()
    todo = [SpeechError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("speechrest") and cls not in found:
            found.add(cls)
            todo += cls.__subclasses__()
    return found


def test_every_module_was_imported() -> None:
    assert {"speechrest.upload", "speechrest.emulator._handlers", "speechrest.cli._jobs"} <= set(every_module())


def test_every_exception_lives_in_errors_and_is_exported() -> None:
    found = speech_errors()
    assert len(found) >= 20
    elsewhere = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in found if cls.__module__ != errors.__name__)
    assert not elsewhere
    for cls in found:
        assert getattr(speechrest, cls.__name__) is cls, cls
        assert getattr(errors, cls.__name__) is cls, cls
    names = {cls.__name__ for cls in found}
    assert names <= set(speechrest.__all__)
    # errors.__all__ is the whole hierarchy and nothing else
    assert sorted(errors.__all__) == sorted(names)


def test_all_is_what_the_package_offers() -> None:
    offered = {
        name
        for name, value in vars(speechrest).items()
        if not name.startswith("_")
        and value is not annotations  # what `from __future__ import annotations` binds
        and (not isinstance(value, ModuleType) or name in SUBMODULES)
    }
    assert sorted(speechrest.__all__) == sorted(offered | set(speechrest._LAZY) | {"__version__"})
    assert len(set(speechrest.__all__)) == len(speechrest.__all__)
    namespace: dict[str, object] = {}
    exec("from speechrest import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(speechrest.__all__)
    assert {name for name in speechrest.__all__ if inspect.ismodule(getattr(speechrest, name))} == SUBMODULES


def test_the_readme_lists_every_exception() -> None:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^### Errors\n(.*?)^##", text, re.S | re.M)
    assert section is not None
    missing = sorted(cls.__name__ for cls in speech_errors() if f"`{cls.__name__}`" not in section.group(1))
    assert not missing


def test_clients_exports_each_versions_client_and_loads_only_when_asked() -> None:
    from speechrest import clients

    names = ["SpeechClientV2024_11_15", "SpeechClientV2025_10_15", "SpeechClientV3_0", "SpeechClientV3_1"]
    public = [name for name, value in vars(clients).items() if not name.startswith("_") and value is not annotations]
    assert sorted(clients.__all__) == sorted(public) == names
    for name in names:
        assert issubclass(getattr(clients, name), speechrest.SpeechClient), name
    probe = "import speechrest, sys; print('speechrest.clients' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "False"


def test_a_version_s_client_type_is_not_a_way_to_make_a_client() -> None:
    from speechrest.clients import SpeechClientV3_1

    # it would make a 2025-10-15 client under a v3.1 name: refused, saying how to make one
    with pytest.raises(
        TypeError, match=r"SpeechClientV3_1 is a type to annotate with: make the client with SpeechClient"
    ):
        SpeechClientV3_1(endpoint="https://eastus.api.cognitive.microsoft.com", key="k")
