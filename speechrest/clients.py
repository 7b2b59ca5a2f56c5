"""The client type of each API version, to annotate functions that take a client pinned to one.

To a type checker, ``SpeechClient(...)`` with a literal ``api_version`` (or none, for
2025-10-15) is one of these: its groups have only that version's calls, each returning that
version's models. A function annotated with one keeps those precise types::

    async def fetch(client: SpeechClientV2025_10_15, id: str) -> models.Transcription:
        return await client.transcriptions.get(id)

They are for annotations only: make clients with ``SpeechClient(...)`` (calling one of these
raises ``TypeError``). At run time every client is a plain ``SpeechClient``, so ``isinstance``
with these is false (ask ``client.api_version``).
``import speechrest`` does not import this module.
"""

from __future__ import annotations

from ._generated.v3_0.client import SpeechClientV3_0
from ._generated.v3_1.client import SpeechClientV3_1
from ._generated.v2024_11_15.client import SpeechClientV2024_11_15
from ._generated.v2025_10_15.client import SpeechClientV2025_10_15

__all__ = ["SpeechClientV3_0", "SpeechClientV3_1", "SpeechClientV2024_11_15", "SpeechClientV2025_10_15"]
