"""Every Python example in the README runs as written against the emulator (a few that need
something else are skipped, each saying which test covers it instead)."""

from __future__ import annotations

import ast
import inspect
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from speechrest import SpeechClient, models
from speechrest.emulator import Emulator

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
# What the examples call the resource; the tests put the emulator's address and key there.
PLACEHOLDERS = {
    'endpoint="https://eastus.api.cognitive.microsoft.com", key="..."': "endpoint=EMULATOR.url, key=EMULATOR.key",
    "endpoint=..., key=...": "endpoint=EMULATOR.url, key=EMULATOR.key",
    "asyncio.run(main())": "await main()",
}
SKIPPED = {
    "DefaultAzureCredential": "signs in to Microsoft Entra ID; tests/test_credentials.py covers credential=",
    "RedisRateLimit(": "names a Redis server; tests/test_shared_quota.py runs the limiter against a local one",
    'pytest_plugins = ["speechrest.testing"]': "a conftest line; tests/test_testing_plugin.py runs it in a project",
}


def block_id(block: str) -> str:
    first = next(line for line in block.splitlines() if line.strip() and not line.startswith(("import", "from")))
    return re.sub(r"\W+", "-", first)[:40].strip("-")


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 6


async def transcription(client: SpeechClient, n: int) -> Any:
    return await client.transcriptions.create(
        {
            "displayName": f"example {n}",
            "locale": "en-US",
            "contentUrls": [f"https://audio.example.com/{n}.wav"],
            "properties": {"timeToLiveHours": 6},
        }
    )


@pytest.mark.parametrize("block", [pytest.param(b, id=block_id(b)) for b in BLOCKS])
async def test_a_readme_example_runs(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reason = next((why for marker, why in SKIPPED.items() if marker in block), None)
    if reason is not None:
        pytest.skip(reason)
    for placeholder, value in PLACEHOLDERS.items():
        block = block.replace(placeholder, value)
    monkeypatch.chdir(tmp_path)  # examples write files ("call.vtt") and read them ("corpus.zip")
    with zipfile.ZipFile(tmp_path / "corpus.zip", "w") as archive:
        archive.writestr("audio/1.wav", b"RIFF" + bytes(1000))
        archive.writestr("trans.txt", "1.wav\thello world\n")
    async with (
        Emulator(key="readme-key", processing_seconds=0.05) as emulator,
        SpeechClient(endpoint=emulator.url, key=emulator.key, rate_limit=None) as client,
    ):
        many = [await transcription(client, n) for n in range(3)]
        namespace: dict[str, Any] = {
            "EMULATOR": emulator,
            "SpeechClient": SpeechClient,
            "models": models,
            "client": client,
            "created": many[0],
            "many": many,
        }
        code = compile(block, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        outcome = eval(code, namespace)
        if inspect.isawaitable(outcome):
            await outcome
        if "Emulator(" not in block:  # an example that starts its own emulator talks to that one
            assert emulator.stats["total"] > 3
