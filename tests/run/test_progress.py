"""Progress: an ETA from the first timed trial; plain lines on stderr where no bar shows (CI)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from cli_runner import mlxguard

from mlxguard.run.progress import LINE_EVERY_S, Progress


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


def test_a_long_suite_in_a_ci_log_says_where_it_is_at_intervals(capsys) -> None:
    now = [0.0]
    p = Progress(clock=lambda: now[0])  # stderr is captured here: not a terminal
    assert p.lines
    p.start(40, "flexible", ["candidate", "reference"])
    p.step(warmup=True)
    for _ in range(39):  # a trial every 1.8 s: 71 s in all, as a flexible run of 20 questions
        now[0] += 1.8
        p.step()
    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == ["flexible: 40 trials on candidate, reference",
                         "flexible: first timed trial 1.80 s; ETA 0:01:08"]  # fmt: skip
    every = [line for line in lines if re.fullmatch(r"flexible: \d+/40 trials; ETA .*", line)]
    # After the first timed trial (1.8 s), a line once LINE_EVERY_S (10 s) have passed: every
    # sixth trial (10.8 s), counting the warm-up; none after the last.
    assert LINE_EVERY_S == 10.0
    assert [int(line.split()[1].split("/")[0]) for line in every] == [8, 14, 20, 26, 32, 38]
    assert every[0] == "flexible: 8/40 trials; ETA 0:00:58"


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
