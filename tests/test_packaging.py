"""What `pip install` and the source distribution get: metadata, license, pins, tests."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _minimum(name: str) -> Version:
    for spec in PYPROJECT["project"]["dependencies"]:
        req = Requirement(spec)
        if req.name == name:
            [floor] = [s for s in req.specifier if s.operator == ">="]
            return Version(floor.version)
    raise AssertionError(f"{name} is not a dependency")


def test_license_is_an_spdx_expression_with_its_file():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"  # a TOML table here is deprecated
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    build = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    [setuptools] = [r for r in build if r.name == "setuptools"]
    assert setuptools.specifier.contains("77.0.0") and not setuptools.specifier.contains("76.9")


def test_typer_pin_has_typer_exceptions():
    # The CLI imports typer.exceptions, which first appears in typer 0.27.2.
    assert _minimum("typer") >= Version("0.27.2")


def test_sdist_ships_the_tests_with_what_they_need(tmp_path):
    """Every tracked test file (conftest, helpers, data, plugins) is in the sdist."""
    code = (
        "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    name = proc.stdout.strip().splitlines()[-1]
    with tarfile.open(tmp_path / name) as sdist:
        shipped = {"/".join(m.split("/")[1:]) for m in sdist.getnames()}
    tracked = subprocess.run(
        ["git", "ls-files", "tests", "LICENSE"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    missing = sorted(set(tracked) - shipped)
    assert tracked and missing == []
    assert not [m for m in shipped if "__pycache__" in m or m.endswith(".pyc")]
