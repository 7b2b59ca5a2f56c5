"""The pytest plugin as a user meets it: a project outside the repo, its own conftest, and the
package installed with the ``testing`` extra into a fresh virtual environment."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

CONFTEST = 'pytest_plugins = ["speechrest.testing"]\n'
TESTS = """
import pytest


async def test_a_transcription_finishes(speech_client):
    created = await speech_client.transcriptions.create(
        {
            "displayName": "mine",
            "locale": "en-US",
            "contentUrls": ["https://audio.example.com/a.wav"],
            "properties": {"timeToLiveHours": 6},
        }
    )
    done = await speech_client.transcriptions.wait(created, timeout=30)
    assert done.status == "Succeeded"


@pytest.mark.speech_emulator(processing_seconds=0)
@pytest.mark.parametrize("n", [1, 2])
async def test_parametrized_with_the_emulator(speech_emulator, n):
    assert speech_emulator.url.startswith("http://127.0.0.1:")


@pytest.mark.speech_client(api_version="2024-11-15")
async def test_marked_as_well(speech_client):
    assert speech_client.api_version == "2024-11-15"
"""


@pytest.mark.slow
def test_the_plugin_works_after_installing_the_testing_extra(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", f"{REPO}[testing]"], capture_output=True, text=True, timeout=300
    )
    if install.returncode != 0 and "No matching distribution" in install.stderr:
        pytest.skip(f"the package registry cannot be reached: {install.stderr.strip().splitlines()[-1]}")
    assert install.returncode == 0, install.stderr
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text(CONFTEST)
    (project / "test_mine.py").write_text(TESTS)
    run = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 passed" in run.stdout, run.stdout
