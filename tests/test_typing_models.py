"""``speechrest.models`` as type checkers see it (real classes, each version's module) and as
it runs (nothing of a version loads with ``import speechrest``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lines ending in ``# E: <code>`` must be mypy errors of that code; every other line must pass.
SNIPPET = """
from types import ModuleType

import cattrs
from typing_extensions import assert_type

import speechrest
from speechrest import models


def versions(t31: models.v3_1.Transcription, newest: models.Transcription) -> None:
    assert_type(t31.display_name, str)
    assert_type(t31.status, models.v3_1.Status | str | None)
    assert_type(newest, models.v2025_10_15.Transcription)
    assert_type(models.v3_0.Transcription(locale="en-US", display_name="x"), models.v3_0.Transcription)
    assert_type(models.v2024_11_15.Transcription, type[models.v2024_11_15.Transcription])
    assert_type(models.for_version("v3.1"), ModuleType)
    assert_type(models.converter, cattrs.Converter)
    t31.display_nmae  # E: attr-defined
    models.Transcriptoin  # E: attr-defined
    models.v3_1.Transcriptoin  # E: attr-defined
    models.v3_2  # E: attr-defined
    models.v3_1.Transcription(locale="en-US")  # E: call-arg


async def calls(client: speechrest.SpeechClient) -> None:
    assert_type(await client.datasets.get_blocks("id"), models.v3_1.UploadedBlocks)
    assert_type(await client.datasets.get_blocks("id"), models.UploadedBlocks)
    await client.datasets.get_blocks("id", timeot=3)  # E: call-arg
"""


def test_mypy_sees_real_model_classes(tmp_path: Path) -> None:
    source = tmp_path / "snippet.py"
    source.write_text(SNIPPET)
    expected = {
        (number, match.group(1))
        for number, line in enumerate(SNIPPET.splitlines(), 1)
        if (match := re.search(r"# E: ([\w-]+)$", line))
    }
    config = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache")]
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *config, str(source)], cwd=ROOT, capture_output=True, text=True
    )
    errors = {
        (int(found.group(1)), found.group(2))
        for found in re.finditer(r"^.*snippet\.py:(\d+): error: .*\[([\w-]+)\]$", run.stdout, re.MULTILINE)
    }
    assert errors == expected, run.stdout


def test_import_speechrest_loads_no_models() -> None:
    probe = "import sys, speechrest; print(' '.join(m for m in sys.modules if m.startswith('speechrest._generated.')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert not [name for name in loaded if name.endswith((".models", ".readers", ".routes"))], loaded
