"""scripts/bench_detection.py edge: the looks' error rates at the tolerance, as the docs quote them.

A simulation in the normal model (no engine, no MLX): seeded, so the figures are fixed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rates(*args: str) -> list[list[str]]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_detection.py"), "edge", *args],
        capture_output=True, text=True, timeout=120, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    rows = [line.strip("| ").split(" | ") for line in done.stdout.splitlines()]
    return rows[2:]  # past the header and its rule


def test_one_look_gives_alpha_and_the_intervals_level() -> None:
    # --max-samples 10: the first look is the last, so the rates are those of one fixed test.
    [[cap, looks, fails, passes]] = _rates("--caps", "10", "--worse", "--paths", "200000")
    assert (cap, looks) == ("10", "1")
    assert abs(float(fails.rstrip("%")) - 1.0) < 0.1  # alpha 0.01
    assert abs(float(passes.rstrip("%")) - 2.5) < 0.15  # one side of the 95% interval


def test_more_looks_cost_more_at_the_edge() -> None:
    rows = _rates("--caps", "120", "480", "--paths", "100000")
    assert [r[:2] for r in rows] == [["120", "9"], ["480", "16"]]
    short, long = ([float(c.rstrip("%")) for c in r[2:]] for r in rows)
    assert long[0] > short[0] > 1.0 and long[1] > short[1] > 2.5
    assert long[2] > long[3]  # a build 7% worse PASSes more often than one 10% worse
