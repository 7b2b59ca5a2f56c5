"""1,000 mixed operations against an emulator that fails (10 %) and throttles (5 %) on purpose:
nothing reaches the caller, nothing is created twice, nothing goes missing.

The workload is ``benchmarks/bench_faults.py`` (run here as a user would run it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_faults.py"


def fault_run(*flags: str) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--ops",
            "1000",
            "--fault-rate",
            "0.1",
            "--throttle-rate",
            "0.05",
            "--json",
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.mark.parametrize("exactly_once", [True, False], ids=["exactly-once", "ambiguous-creates-raise"])
def test_faults_reach_nobody_and_nothing_is_created_twice(exactly_once: bool) -> None:
    report = fault_run() if exactly_once else fault_run("--no-exactly-once")
    assert report["by_operation"]["create_project"] >= 100
    assert report["by_operation"]["create_transcription"] >= 100
    assert report["failures"] == 0, report["outcomes"]
    assert report["duplicated_tokens"] == 0
    assert report["missing_entities"] == 0
    faults = report["injected_faults"]
    assert faults.get("500", 0) and faults.get("503", 0) and faults.get("lost", 0)  # before and after acting
    assert report["throttled"] > 0
    assert report["client"]["retries"] > 0
    if exactly_once:
        assert "ambiguous_creates" not in report["outcomes"]
        assert report["client"]["reconciled_creates"] + report["client"]["resent_creates"] > 0
    else:
        assert report["outcomes"]["ambiguous_creates"] > 0
        assert "reconciled_creates" not in report["client"]
