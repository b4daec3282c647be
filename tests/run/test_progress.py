"""Progress: an ETA from the first timed trial; plain lines on stderr where no bar shows (CI)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from cli_runner import mlxguard

from mlxguard.run.progress import Progress


def test_eta_from_the_first_timed_trial() -> None:
    p = Progress(enabled=False)
    p.start(5)
    assert p.eta() is None  # nothing timed yet: no guess
    p.step(warmup=True)  # a warm-up (a load, say) says nothing of a timed trial's length
    assert p.eta() is None
    time.sleep(0.01)
    p.step()
    eta = p.eta()
    assert eta is not None and eta > 0  # three trials left, each about as long as the first
    p.stop()


@pytest.mark.slow
def test_ci_log_gets_a_line_per_suite_and_engine(tiny_model: Path, tmp_path: Path) -> None:
    proc = mlxguard(
        "run", "--model", str(tiny_model), "--suite", "ttft,throughput", "--samples", "1",
        "--warmup", "1", "--max-tokens", "2", "--prompt-tokens", "8",
        "-o", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr  # a pipe, not a terminal: lines, no bar
    assert "\r" not in err and "\x1b[" not in err
    for suite, trials in (("ttft", 4), ("throughput", 12)):
        assert f"{suite}: {trials} trials on mlx-lm" in err, err
        assert re.search(rf"{suite}: first timed trial \d+\.\d+ s; ETA \d+:\d\d:\d\d", err), err
        assert re.search(rf"{suite} · mlx-lm: {trials // 2}/{trials // 2} timed trials ok", err)


@pytest.mark.slow
def test_quiet_prints_no_progress(tiny_model: Path, tmp_path: Path) -> None:
    proc = mlxguard(
        "run", "--model", str(tiny_model), "--suite", "ttft", "--samples", "1", "--warmup", "0",
        "--max-tokens", "2", "--prompt-tokens", "8", "--quiet", "-o", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "trials on" not in proc.stderr and "ETA" not in proc.stderr
