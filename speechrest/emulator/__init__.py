"""A local, in-memory Speech-to-text service for tests, demos and benchmarks.

``async with Emulator() as emu:`` starts it on free loopback ports; point a client at
``emu.url``. ``python -m speechrest.emulator`` runs it as a server.
"""

from ._app import Emulator

__all__ = ["Emulator"]
