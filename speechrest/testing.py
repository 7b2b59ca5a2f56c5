"""pytest fixtures for your own test suites: a running emulator and a client pointed at it.

Enable them with ``pytest_plugins = ["speechrest.testing"]`` in your ``conftest.py``
(``pip install 'speechrest[testing]'`` brings pytest-asyncio). An ``async def`` test that
uses one of them runs on asyncio without a mark of its own, whatever ``asyncio_mode`` says.
Tune the emulator, and the client's API version, with markers::

    @pytest.mark.speech_emulator(processing_seconds=0.5, fault_rate=0.1, seed=7)
    @pytest.mark.speech_client(api_version="v3.1")
    async def test_something(speech_client): ...
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import AsyncIterator, Generator
from typing import Any

import pytest
import pytest_asyncio

from ._client import SpeechClient
from .emulator import Emulator

__all__ = ["speech_client", "speech_emulator"]

_FIXTURES = frozenset({"speech_client", "speech_emulator"})

# Defaults for tests: quick processing, a key so that authentication is exercised ...
DEFAULTS: dict[str, Any] = {"processing_seconds": 0.1, "key": "speechrest-test-key"}
# ... and no client-side rate limit: the emulator has no quota unless asked for one.
CLIENT_DEFAULTS: dict[str, Any] = {"rate_limit": None}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "speech_emulator(**options): options for the speech_emulator fixture (see Emulator)"
    )
    config.addinivalue_line(
        "markers", "speech_client(**options): options for the speech_client fixture (see SpeechClient)"
    )


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> Generator[None, Any, None]:
    """Mark ``async def`` tests that use these fixtures for pytest-asyncio (its strict mode,
    the default, would otherwise refuse them); this wrapper runs inside pytest-asyncio's own,
    so the mark is there when it looks."""
    outcome = yield
    if not inspect.iscoroutinefunction(obj):
        return
    items = outcome.get_result()
    for item in items if isinstance(items, list) else [items]:
        wanted = isinstance(item, pytest.Function) and _FIXTURES & set(item.fixturenames)
        if wanted and item.get_closest_marker("asyncio") is None:
            item.add_marker(pytest.mark.asyncio)


@pytest_asyncio.fixture
async def speech_emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A fresh emulator on free loopback ports, stopped after the test."""
    marker = request.node.get_closest_marker("speech_emulator")
    options = {**DEFAULTS, **(marker.kwargs if marker else {})}
    async with Emulator(**options) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def speech_client(request: pytest.FixtureRequest, speech_emulator: Emulator) -> AsyncIterator[SpeechClient]:
    """A ``SpeechClient`` for ``speech_emulator``, closed after the test."""
    marker = request.node.get_closest_marker("speech_client")
    options = {**CLIENT_DEFAULTS, **(marker.kwargs if marker else {})}
    with warnings.catch_warnings():  # the emulator keeps every version: a marker naming a retired one means it
        warnings.filterwarnings("ignore", "Speech-to-text API version", DeprecationWarning)
        client = SpeechClient(endpoint=speech_emulator.url, key=speech_emulator.key, **options)
    async with client:
        yield client
