"""One async function per documented operation ID, named in snake_case.

Each takes the client first and the spec's parameters as keyword arguments;
list operations return an ``AsyncPager`` without awaiting.
"""

from __future__ import annotations

from ._generated.operations import *  # noqa: F403
from ._generated.operations import __all__ as __all__
