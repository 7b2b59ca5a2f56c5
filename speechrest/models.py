"""The API's models (attrs classes, snake_case attributes) and their wire converter.

``models.<Name>`` is the class of the newest API version that defines ``Name``; each
version's own set is ``models.v3_0``, ``models.v3_1``, ``models.v2024_11_15`` and
``models.v2025_10_15`` (a class is shared by versions where its shape is the same: it
lives in the earliest of them). Classes load on first use; type checkers see them all.
``converter.structure(wire_dict, models.Transcription)`` reads the service's JSON;
``converter.unstructure(model)`` writes it back (camelCase keys, ``None`` fields left out).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ._generated import PUBLIC_MODELS, VERSIONS

if TYPE_CHECKING:
    import cattrs

    # Every public class, and each version's module as ``v3_0``, ``v3_1``, ...
    from ._generated.public_models import *  # noqa: F403

    converter: cattrs.Converter

_VERSION_MODULES = {package.rsplit(".", 1)[-1]: package + ".models" for package in VERSIONS.values()}

__all__ = ["converter", *PUBLIC_MODELS, *_VERSION_MODULES]


def _load(name: str) -> Any:
    """Load a model class (or a version's module of them, or the converter) on first use."""
    if name == "converter":  # cattrs loads with it, not with every import of speechrest
        value: Any = importlib.import_module("speechrest._converter").make_converter()
    elif name in _VERSION_MODULES:
        value = importlib.import_module(_VERSION_MODULES[name])
    elif name in PUBLIC_MODELS:
        value = getattr(importlib.import_module(PUBLIC_MODELS[name]), name)
    else:
        raise AttributeError(f"module 'speechrest.models' has no attribute {name!r}")
    globals()[name] = value
    return value


if not TYPE_CHECKING:  # a module __getattr__ would make type checkers take any name as valid
    __getattr__ = _load


def for_version(api_version: str) -> ModuleType:
    """The models module of one API version (``"v3.1"``, ``"2025-10-15"``, ...)."""
    if api_version not in VERSIONS:
        raise ValueError(f"unknown API version {api_version!r}; known: {', '.join(VERSIONS)}")
    return importlib.import_module(VERSIONS[api_version] + ".models")
