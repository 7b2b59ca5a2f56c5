"""Friendly calls on every API version: ``client.<group>.<method>`` names one canonical
operation, which each version runs under its own ID, with its own parameter names."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from .._generated import CALL_VERSIONS, OPERATION_VERSIONS
from ..errors import InvalidArgumentError, UnsupportedOperationError
from .records import Route

__all__ = ["Versions"]

# The SAS validity is seconds in v3.x and minutes in the GA versions: friendly calls take either.
_EQUIVALENT_PARAMS: tuple[tuple[str, str, Callable[[int], int]], ...] = (
    ("sasValidityInSeconds", "sasLifetimeMinutes", lambda seconds: max(1, math.ceil(seconds / 60))),
    ("sasLifetimeMinutes", "sasValidityInSeconds", lambda minutes: minutes * 60),
)
_SAS_PARAMS = frozenset(ours for ours, _, _ in _EQUIVALENT_PARAMS)


class Versions:
    """One API version's routes, and how friendly calls map onto them."""

    def __init__(self, api_version: str, routes_module: ModuleType) -> None:
        self.api_version = api_version
        self.module = routes_module
        self.routes: dict[str, Route] = routes_module.ROUTES

    def route(self, operation_id: str) -> Route:
        """This version's route for one of its operation IDs."""
        route = self.routes.get(operation_id)
        if route is None:
            versions = OPERATION_VERSIONS.get(operation_id)
            where = f"; it is in API version(s) {', '.join(versions)}" if versions else ""
            raise UnsupportedOperationError(f"{operation_id} is not part of API version {self.api_version}{where}")
        return route

    def adapt(self, canonical_id: str, args: Mapping[str, Any]) -> tuple[Route, Mapping[str, Any]]:
        """The route this version runs for a friendly call, with the arguments renamed to fit."""
        operation_id = self.module.CANONICAL.get(canonical_id, canonical_id)
        route = self.routes.get(operation_id)
        if route is None:
            versions = ", ".join(CALL_VERSIONS.get(canonical_id, ()))
            raise UnsupportedOperationError(
                f"{canonical_id} is not part of API version {self.api_version}; it is in API version(s) {versions}"
            )
        if _SAS_PARAMS.isdisjoint(args):
            return route, args  # nothing to rename: the common case
        given = [ours for ours, _, _ in _EQUIVALENT_PARAMS if args.get(ours) is not None]
        if not given:
            return route, args
        if len(given) > 1:
            raise InvalidArgumentError(
                f"{canonical_id}: give sas_validity_in_seconds or sas_lifetime_minutes, not both"
            )
        names = {p.wire for p in route.params}
        fitted = dict(args)
        for ours, theirs, convert in _EQUIVALENT_PARAMS:
            if fitted.get(ours) is not None and ours not in names and theirs in names:
                fitted[theirs] = convert(fitted.pop(ours))
        return route, fitted

    def listing(self, route: Route) -> Route | None:
        """The list operation of the collection a create adds to (to find a lost create)."""
        collection = route.path.split(":", 1)[0]
        return next(
            (r for r in self.routes.values() if r.method == "GET" and r.path == collection and r.item is not None),
            None,
        )
