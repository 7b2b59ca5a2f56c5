"""``python -m tools.codegen [--spec-root DIR] [--out DIR] [--version V ...]``."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from . import render
from .spec import ApiSpec, load, package_name

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_ROOT = ROOT.parent / "shared" / "spec"
DEFAULT_OUT = ROOT / "speechrest" / "_generated"
# The versions generated today; each later version is one more entry.
VERSIONS = ("v3.1",)


def generate(spec_root: Path, out: Path, versions: tuple[str, ...] = VERSIONS) -> list[Path]:
    """Write every generated module under ``out`` and format it; returns the files written."""
    specs: list[ApiSpec] = [load(spec_root / v / "speechtotext.json", v) for v in versions]
    files: dict[Path, str] = {
        out / "__init__.py": render.render_versions(specs),
        # Operations and groups follow the first version until the versions issue merges them.
        out / "operations.py": render.render_operations(specs[0]),
        out / "groups.py": render.render_groups(specs[0]),
    }
    for spec in specs:
        package = out / package_name(spec.version)
        files[package / "__init__.py"] = f'"""Generated for API version {spec.version}: do not edit."""\n'
        files[package / "models.py"] = render.render_models(spec)
        files[package / "routes.py"] = render.render_routes(spec)
        files[package / "readers.py"] = render.render_readers(spec)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    paths = sorted(files)
    subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--quiet", "--config", str(ROOT / "pyproject.toml"), *map(str, paths)],
        check=True,
    )
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
