"""``client.projects``: projects that group datasets, models, evaluations, transcriptions and endpoints."""

from __future__ import annotations

from .._generated.groups import ProjectsGroup

__all__ = ["Projects"]


class Projects(ProjectsGroup):
    """``client.projects``: the generated calls."""

    __slots__ = ()
