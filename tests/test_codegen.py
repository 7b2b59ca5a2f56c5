"""The committed generated code is exactly what the generator makes from the spec today."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import spec_path

from speechrest import models

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "speechrest" / "_generated"


def test_generated_code_is_current(tmp_path: Path) -> None:
    spec_root = spec_path().parents[1]
    subprocess.run(
        [sys.executable, "-m", "tools.codegen", "--spec-root", str(spec_root), "--out", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    fresh = {p.relative_to(tmp_path): p.read_text() for p in tmp_path.rglob("*.py")}
    committed = {p.relative_to(GENERATED): p.read_text() for p in GENERATED.rglob("*.py")}
    assert sorted(fresh) == sorted(committed)
    stale = [str(name) for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"regenerate with `make generate`: {stale} differ from the spec"


def test_every_definition_has_a_model() -> None:
    definitions = json.loads(spec_path().read_text())["definitions"]
    assert len(definitions) == 77
    missing = [name for name in definitions if not hasattr(models, name)]
    assert not missing


def test_generated_code_carries_no_spec_prose() -> None:
    spec = json.loads(spec_path().read_text())
    descriptions = {op["description"] for path in spec["paths"].values() for op in path.values() if "description" in op}
    descriptions |= {d["description"] for d in spec["definitions"].values() if "description" in d}
    text = "\n".join(p.read_text() for p in GENERATED.rglob("*.py"))
    copied = [d for d in descriptions if len(d) > 30 and d in text]
    assert not copied
