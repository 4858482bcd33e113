"""What the product needs at run time is installed without the development tools: every module
of sfclaims, and every library any of them imports (lazily inside a function too), imported in
an environment synced from the lock without the development group (as a council installs it)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import sfclaims

PACKAGE = Path(sfclaims.__file__).parent
ROOT = PACKAGE.parent


def imported_libraries() -> set[str]:
    """The top-level names of every module sfclaims imports that is not its own nor Python's."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {name for name in found if name != "sfclaims" and name not in sys.stdlib_module_names}


def test_every_module_and_library_imports_in_an_install_without_the_development_tools(tmp_path):
    uv = shutil.which("uv")
    assert uv, "uv installs the project (README): it must be on the PATH"
    environment = tmp_path / "venv"
    synced = subprocess.run(
        [uv, "sync", "--locked", "--no-dev", "--compile-bytecode", "-q"],
        cwd=ROOT,
        env={
            **os.environ,
            "UV_PROJECT_ENVIRONMENT": str(environment),
            "UV_PYTHON_DOWNLOADS": "never",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert synced.returncode == 0, synced.stderr[-2000:]
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in PACKAGE.rglob("*.py")
        if p.name != "__main__.py"  # runs the command line when imported
    )
    libraries = sorted(imported_libraries())
    assert "httpx" in libraries and "weasyprint" in libraries  # lazily imported ones counted
    script = (
        "import importlib, sys\n"
        f"for name in {libraries + modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as error:\n"
        "        print(name, error); sys.exit(1)\n"
    )
    imported = subprocess.run(
        [str(environment / "bin" / "python"), "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr[-2000:]
    pytest_there = subprocess.run(
        [str(environment / "bin" / "python"), "-c", "import pytest"], capture_output=True
    )
    assert pytest_there.returncode != 0, "the development tools were left out"
