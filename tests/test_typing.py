"""mypy over the package finds nothing (its settings are `[tool.mypy]` in pyproject.toml).

mypy starts when this file is collected and runs at low priority beside the rest of the suite
(this file runs last), so a cold check (about 15 s of CPU on a fresh clone, a second or two
with `.mypy_cache/`) does not add to the suite's wall time.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MYPY = subprocess.Popen(
    [sys.executable, "-m", "mypy", "--no-error-summary"],
    cwd=ROOT,
    stdout=subprocess.PIPE,
    stderr=subprocess.STDOUT,
    text=True,
    preexec_fn=lambda: os.nice(10),  # the tests come first
)
atexit.register(_MYPY.kill)  # deselected: do not outlive the session


def test_mypy_finds_no_error() -> None:
    output, _ = _MYPY.communicate(timeout=600)
    assert _MYPY.returncode == 0, output
