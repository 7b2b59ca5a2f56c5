"""``python -m tools.codegen [--spec-root DIR] [--out DIR]``: regenerate ``speechrest/_generated``."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from .layout import canonical_ids, place
from .render_api import (
    render_body_schemas,
    render_groups,
    render_index,
    render_operations,
    render_public_models,
    render_routes,
)
from .render_models import render_models, render_readers
from .render_typed import render_client
from .spec import load, package_name

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_ROOT = ROOT.parent / "shared" / "spec"
DEFAULT_OUT = ROOT / "speechrest" / "_generated"
VERSIONS = ("v3.0", "v3.1", "2024-11-15", "2025-10-15")


def generate(spec_root: Path, out: Path, versions: tuple[str, ...] = VERSIONS) -> list[Path]:
    """Write every generated module under ``out`` (and nothing else there); returns the files."""
    specs = [load(spec_root / v / "speechtotext.json", v) for v in versions]
    layout = place(specs)
    canonical = canonical_ids(specs)
    files: dict[Path, str] = {
        out / "__init__.py": render_index(layout),
        out / "operations.py": render_operations(layout),
        out / "groups.py": render_groups(layout),
        out / "public_models.py": render_public_models(layout),
    }
    for spec in specs:
        package = package_name(spec.version)
        local = layout.defined[package]
        owner = layout.owner[spec.version]
        imported = {name: module for name, module in owner.items() if module != package}
        kinds = {name: d.kind for name, d in spec.definitions.items()}
        title = f"API version {spec.version}"
        files[out / package / "__init__.py"] = f'"""Generated code of {title}. Do not edit."""\n'
        files[out / package / "models.py"] = render_models(title, local, imported, sorted(owner))
        files[out / package / "readers.py"] = render_readers(title, local, kinds)
        files[out / package / "routes.py"] = render_routes(spec, canonical[spec.version])
        files[out / package / "bodies.py"] = render_body_schemas(spec)
        files[out / package / "client.py"] = render_client(layout, spec)
    for stale in sorted(set(out.rglob("*.py")) - set(files)) if out.exists() else []:
        stale.unlink()
    for folder in sorted((p for p in out.iterdir() if p.is_dir()), reverse=True) if out.exists() else []:
        if not any(folder.glob("*.py")):
            shutil.rmtree(folder)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    paths = sorted(files)
    config = ["--config", str(ROOT / "pyproject.toml")]
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--quiet", *config, "--select", "F401,I", "--fix", *map(str, paths)], check=True)
    subprocess.run([*ruff, "format", "--quiet", *config, *map(str, paths)], check=True)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.codegen", description=__doc__)
    parser.add_argument("--spec-root", type=Path, default=DEFAULT_SPEC_ROOT)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    for path in generate(args.spec_root, args.out):
        print(path)


if __name__ == "__main__":
    main()
