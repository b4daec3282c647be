"""mypy over the package finds nothing (its settings are `[tool.mypy]` in pyproject.toml).

mypy keeps its cache in `.mypy_cache/`, so after the first run of a checkout this takes a second
or two.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
