"""The API's models (attrs classes, snake_case attributes) and their wire converter.

``converter.structure(wire_dict, models.Transcription)`` reads the service's JSON;
``converter.unstructure(model)`` writes it back (camelCase keys, ``None`` fields left out).
"""

from __future__ import annotations

from ._generated.v3_1.models import *  # noqa: F403
from ._generated.v3_1.models import __all__ as _model_names
from ._wire import make_converter

converter = make_converter()

__all__ = ["converter", *_model_names]
