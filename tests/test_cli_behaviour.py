"""How the ``speechrest`` command line starts, and how it fails: its version, ``python -m``,
help without the ``cli`` extra. Each test runs it as a subprocess and checks stdout and
stderr apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from speechrest import __version__

# Runs the command line with rich unimportable, as without the cli extra.
WITHOUT_RICH = "import sys; sys.modules['rich'] = None; from speechrest.cli import main; raise SystemExit(main())"


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_version_and_python_dash_m_speechrest() -> None:
    for module in ("speechrest", "speechrest.cli"):
        done = run("-m", module, "--version")
        assert (done.returncode, done.stdout, done.stderr) == (0, f"speechrest {__version__}\n", "")
    usage = run("-m", "speechrest", "ls")
    assert usage.returncode == 2 and usage.stdout == ""
    assert usage.stderr.startswith("usage: speechrest ls ") and "error: the following arguments" in usage.stderr


def test_help_and_usage_errors_need_no_rich_but_commands_say_they_do() -> None:
    helped = run("-c", WITHOUT_RICH, "--help")
    assert (helped.returncode, helped.stderr) == (0, "")
    assert helped.stdout.startswith("usage: speechrest ") and "SPEECH_KEY" in helped.stdout
    for argv in (["ls", "--help"], ["transcribe", "--help"], ["datasets", "upload", "--help"]):
        sub = run("-c", WITHOUT_RICH, *argv)
        assert (sub.returncode, sub.stderr) == (0, ""), argv
    assert run("-c", WITHOUT_RICH, "--version").stdout == f"speechrest {__version__}\n"
    assert run("-c", WITHOUT_RICH, "ls", "nothing").returncode == 2
    command = run("-c", WITHOUT_RICH, "ls", "transcriptions")
    assert (command.returncode, command.stdout) == (1, "")
    assert command.stderr == "error: this command needs rich: pip install 'speechrest[cli]'\n"
