"""The kinds of entity the command line lists, shows, deletes and waits for, and their ids."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

import attrs

from .._client import SpeechClient
from ..errors import InvalidArgumentError

if TYPE_CHECKING:
    from ._output import Fit

__all__ = ["KINDS", "SUMMARY_FITS", "SUMMARY_HEADERS", "Kind", "entity_id", "kind_named", "summary_row", "wire"]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@attrs.frozen
class Kind:
    """One kind of entity: its names, and the client group and methods that handle it."""

    name: str  # as typed on the command line: plural
    noun: str  # one of them, in messages
    group: str  # the client's attribute
    get: str = "get"
    list: str = "list"
    delete: str | None = "delete"
    waits: bool = False  # runs NotStarted -> Running -> Succeeded/Failed

    def call(self, client: SpeechClient, method: str) -> Any:
        """The client's method ``method`` for this kind (``kind.call(client, kind.get)``)."""
        return getattr(getattr(client, self.group), method)


KINDS = {
    kind.name: kind
    for kind in (
        Kind("transcriptions", "transcription", "transcriptions", waits=True),
        Kind("datasets", "dataset", "datasets", waits=True),
        Kind("models", "model", "models", get="get_custom_model", list="list_custom_models", waits=True),
        Kind("base-models", "base model", "models", get="get_base_model", list="list_base_models", delete=None),
        Kind("evaluations", "evaluation", "evaluations", waits=True),
        Kind("endpoints", "endpoint", "endpoints", waits=True),
        Kind("projects", "project", "projects"),
        Kind("web-hooks", "web hook", "web_hooks"),
    )
}


def kind_named(text: str, *, deletable: bool = False, waitable: bool = False) -> Kind:
    """The kind called ``text`` (plural or singular); an ``argparse`` usage error otherwise."""
    found = KINDS.get(text) or KINDS.get(text + "s")
    allowed = [k.name for k in KINDS.values() if (k.delete or not deletable) and (k.waits or not waitable)]
    if found is None or found.name not in allowed:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of: {', '.join(allowed)}")
    return found


def entity_id(kind: Kind, text: str) -> str:
    """``text`` as an id, refused before anything is sent when it is not a UUID."""
    if not _UUID.fullmatch(text):
        raise InvalidArgumentError(f"{text!r} is not a {kind.noun} id (ids are UUIDs, as `speechrest ls` shows)")
    return text.lower()


def wire(client: SpeechClient, entity: Any) -> dict[str, Any]:
    """An entity in the service's JSON form, with its ``id`` first (the service shows only ``self``)."""
    return {"id": entity.id, **client.converter.unstructure(entity)}


SUMMARY_HEADERS = ("ID", "STATUS", "CREATED", "LOCALE", "NAME")
# Ids stay whole; a narrow terminal puts the time under the date and cuts names short.
SUMMARY_FITS: tuple[Fit, ...] = ("keep", "keep", "wrap", "keep", "cut")


def summary_row(client: SpeechClient, entity: Any) -> list[str]:
    """An entity's line in a table under ``SUMMARY_HEADERS``."""
    data = wire(client, entity)
    created = str(data.get("createdDateTime", ""))[:19].replace("T", " ")
    fields = (data.get("status"), created, data.get("locale"), data.get("displayName"))
    return [str(entity.id), *(str(value or "") for value in fields)]
