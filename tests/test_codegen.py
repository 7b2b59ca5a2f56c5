"""The committed generated code is exactly what the generator makes from the spec today, and a
newer API version adds its package without changing what the older ones generate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import spec_path

from speechrest import models

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "speechrest" / "_generated"


def generate(out: Path, versions: int | None = None) -> dict[Path, str]:
    """Run the generator on the first ``versions`` API versions (all by default); its files' text."""
    spec_root = spec_path().parents[1]
    code = (
        "import sys; from pathlib import Path; from tools.codegen.__main__ import VERSIONS, generate; "
        f"generate(Path(sys.argv[1]), Path(sys.argv[2]), VERSIONS[:{versions}])"
    )
    subprocess.run([sys.executable, "-c", code, str(spec_root), str(out)], cwd=ROOT, check=True, capture_output=True)
    return {p.relative_to(out): p.read_text() for p in out.rglob("*.py")}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, str]:
    return generate(tmp_path_factory.mktemp("all"))


def test_generated_code_is_current(fresh: dict[Path, str]) -> None:
    committed = {p.relative_to(GENERATED): p.read_text() for p in GENERATED.rglob("*.py")}
    assert sorted(fresh) == sorted(committed)
    stale = [str(name) for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"regenerate with `make generate`: {stale} differ from the spec"


def test_a_newer_version_adds_a_package_and_moves_nothing(tmp_path: Path, fresh: dict[Path, str]) -> None:
    """Generating without the newest version changes only the indexes, which list every version."""
    older = generate(tmp_path, versions=-1)
    indexes = {Path(name) for name in ("__init__.py", "groups.py", "operations.py", "public_models.py")}
    assert {name.parts[0] for name in set(fresh) - set(older)} == {"v2025_10_15"}
    assert set(older) <= set(fresh)
    changed = {name for name in older if older[name] != fresh[name]}
    assert changed == indexes
    assert "v2025_10_15" not in "".join(older[name] for name in indexes)


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
