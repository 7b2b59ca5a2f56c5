"""Every API version served from one store.

The emulator thinks in v3.1: entities are v3.1 models and ``self`` links carry the v3.1
base path. A request in another version is translated on the way in (its body's few
differently named fields, its SAS parameter) and its answer on the way out (those fields
back, and every link rewritten to the caller's base path and ``api-version``).
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import attrs

from .._generated import VERSIONS
from .._wire import format_duration, parse_duration

INTERNAL = "v3.1"
_INTERNAL_LINK = re.compile(r"^(https?://[^/]+)/speechtotext/v3\.1(?=/|\?|$)")
_ACTION = re.compile(r":(ping|test|copyto)(?=$|\?)")


@attrs.frozen
class Dialect:
    """One API version as the emulator serves it."""

    version: str
    routes: ModuleType
    canonical: dict[str, str]  # this version's operation ID -> the v3.1 (or GA-only) ID of its handler

    @property
    def is_ga(self) -> bool:
        return self.routes.VERSION_PARAM is not None

    def link(self, url: str) -> str:
        """An internal (v3.1) link as this version spells it."""
        if self.version == INTERNAL:
            return url
        rewritten = _INTERNAL_LINK.sub(lambda m: m.group(1) + self.routes.BASE_PATH, url)
        if rewritten == url:
            return url
        if not self.is_ga:  # v3.0 spells actions as path segments: /ping, /test, /copyto
            return _ACTION.sub(r"/\1", rewritten)
        return rewritten + ("&" if "?" in rewritten else "?") + f"api-version={self.version}"

    def unlink(self, url: str) -> str:
        """A link as this version spells it, in the emulator's (v3.1) terms: the reverse of ``link``."""
        if self.version == INTERNAL:
            return url
        found = re.match(r"^(https?://[^/]+)" + re.escape(self.routes.BASE_PATH) + r"(/[^?#]*)(\?[^#]*)?$", url)
        if found is None:
            return url
        origin, path, query = found.group(1), found.group(2), found.group(3) or ""
        kept = "&".join(p for p in query.lstrip("?").split("&") if p and not p.startswith("api-version="))
        if not self.is_ga:
            path = re.sub(r"/(ping|test|copyto)$", r":\1", path)
        return f"{origin}/speechtotext/v3.1{path}" + (f"?{kept}" if kept else "")

    def outbound(self, data: Any) -> Any:
        """An answer body (wire JSON) as this version shows it."""
        if self.version == INTERNAL:
            return data
        return _walk(data, self.link, _to_ga if self.is_ga else None)

    def inbound(self, data: Any) -> Any:
        """A request body (wire JSON) in the emulator's terms (fields and entity links)."""
        return data if self.version == INTERNAL else _walk(data, self.unlink, _from_ga if self.is_ga else None)

    def inbound_query(self, query: dict[str, Any]) -> dict[str, Any]:
        minutes = query.pop("sasLifetimeMinutes", None)
        if minutes is not None:
            query["sasValidityInSeconds"] = minutes * 60
        return query


def dialects() -> dict[str, Dialect]:
    """Every generated version, with its operations mapped to the handlers that serve them."""
    found = {}
    for version, package in VERSIONS.items():
        routes = importlib.import_module(package + ".routes")
        reverse = {theirs: canonical for canonical, theirs in routes.CANONICAL.items()}
        by_path = _v31_by_path()
        canonical = {
            op: reverse.get(op) or (op if version != "v3.0" else by_path[(route.method, _normal(route.path))])
            for op, route in routes.ROUTES.items()
        }
        found[version] = Dialect(version, routes, canonical)
    return found


def _normal(path: str) -> str:
    return path.replace(":", "/").lower()


def _v31_by_path() -> dict[tuple[str, str], str]:
    routes = importlib.import_module(VERSIONS[INTERNAL] + ".routes")
    return {(r.method, _normal(r.path)): op for op, r in routes.ROUTES.items()}


def _walk(data: Any, link: Callable[[str], str], fields: Callable[[dict[str, Any]], None] | None) -> Any:
    if isinstance(data, dict):
        out = {k: _walk(v, link, fields) for k, v in data.items()}
        for key in ("properties", "links"):
            if fields is not None and isinstance(out.get(key), dict):
                fields(out[key])
        return out
    if isinstance(data, list):
        return [_walk(v, link, fields) for v in data]
    if isinstance(data, str):
        return link(data)
    return data


def _to_ga(props: dict[str, Any]) -> None:
    """v3.1 ``properties`` (or ``links``) -> GA: hours for time to live, milliseconds for
    durations, diarization, and a model's copy link."""
    ttl = props.pop("timeToLive", None)
    if ttl is not None:
        props["timeToLiveHours"] = math.ceil(parse_duration(ttl) / timedelta(hours=1))
    duration = props.pop("duration", None)
    if duration is not None:
        props["durationMilliseconds"] = round(parse_duration(duration) / timedelta(milliseconds=1))
    enabled = props.pop("diarizationEnabled", None)
    diarization = props.get("diarization")
    if enabled is not None or isinstance(diarization, dict):
        speakers = (diarization or {}).get("speakers") or {}
        props["diarization"] = {"enabled": bool(enabled) if enabled is not None else bool(diarization)}
        if speakers.get("maxCount"):
            props["diarization"]["maxSpeakers"] = speakers["maxCount"]
    copy_to = props.pop("copyTo", None)  # a model's links: the GA versions copy with ":copy"
    if copy_to is not None:
        props["copy"] = copy_to.replace(":copyto", ":copy")
    features = props.get("features")
    if isinstance(features, dict) and "supportsTranscriptions" in features:
        supported = features.pop("supportsTranscriptions")
        features["supportsTranscriptionsSubmit"] = features["supportsTranscriptionsTranscribe"] = supported


def _from_ga(props: dict[str, Any]) -> None:
    """GA properties -> v3.1 (the reverse of ``_to_ga``)."""
    hours = props.pop("timeToLiveHours", None)
    if hours is not None:
        props["timeToLive"] = format_duration(timedelta(hours=hours))
    milliseconds = props.pop("durationMilliseconds", None)
    if milliseconds is not None:
        props["duration"] = format_duration(timedelta(milliseconds=milliseconds))
    diarization = props.get("diarization")
    if isinstance(diarization, dict) and ("enabled" in diarization or "maxSpeakers" in diarization):
        props["diarizationEnabled"] = bool(diarization.get("enabled"))
        if diarization.get("maxSpeakers"):
            props["diarization"] = {"speakers": {"minCount": 1, "maxCount": diarization["maxSpeakers"]}}
        else:
            props.pop("diarization")
