"""The baseline store: writers take turns (20 concurrent processes lose no run; a holder killed
with -9 blocks no one), the last K runs are kept by time, and only what is judged is kept."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest
from _results_factory import bench, lognormal, results
from factories import benchmark
from typer.testing import CliRunner

from mlxguard.baselines import load_baselines, update
from mlxguard.cli.app import app
from mlxguard.config import CheckSettings
from mlxguard.errors import UsageError
from mlxguard.fsutil import locked
from mlxguard.results import write_results

GATED = CheckSettings().gated_for
# Processes, not threads: fork gives each its own interpreter and file descriptors.
FORK = multiprocessing.get_context("fork")


def _run(i: int):
    """Run number ``i``, started ``i`` minutes after the first."""
    r = results(bench(lognormal(5, 100.0, 0.01, i)), run_id=f"run{i:02d}")
    return r.model_copy(
        update={"run": r.run.model_copy(update={"started_at": f"2026-01-01T00:{i:02d}:00+00:00"})}
    )


def _writer(directory: str, i: int, start: object, keep: int) -> None:
    start.wait()  # type: ignore[attr-defined]
    update(_run(i), Path(directory), GATED, keep)


@pytest.mark.slow
def test_twenty_concurrent_updates_keep_every_run(tmp_path: Path) -> None:
    start = FORK.Barrier(20)
    procs = [FORK.Process(target=_writer, args=(str(tmp_path), i, start, 20)) for i in range(20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * 20
    [b] = load_baselines(tmp_path)
    want = [f"run{i:02d}" for i in range(20)]
    assert [r.id for r in b.runs] == want  # every run, in the order they started
    assert [r.run for r in b.find("throughput", "short-stream", "decode_tps").runs] == want
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in tmp_path.glob("*.json")]


def test_the_last_runs_by_time_whatever_order_they_come_in(tmp_path: Path) -> None:
    for i in (5, 1, 4, 0, 3, 2):
        update(_run(i), tmp_path, GATED, keep=3)
    [b] = load_baselines(tmp_path)
    assert [r.id for r in b.runs] == ["run03", "run04", "run05"]
    assert b.find("throughput", "short-stream", "decode_tps").medians() == [
        b.find("throughput", "short-stream", "decode_tps").runs[i].median for i in range(3)
    ]
    assert [r.run for r in b.find("throughput", "short-stream", "decode_tps").runs] == [
        "run03", "run04", "run05"
    ]  # fmt: skip


def _holder(directory: str, held: object) -> None:
    with locked(Path(directory), 60, "baseline directory"):
        held.set()  # type: ignore[attr-defined]
        signal.pause()


def test_a_holder_killed_with_sigkill_blocks_no_one(tmp_path: Path) -> None:
    held = FORK.Event()
    holder = FORK.Process(target=_holder, args=(str(tmp_path), held))
    holder.start()
    try:
        assert held.wait(120)
        # While it lives, a writer waits its timeout and says why; nothing is written.
        with pytest.raises(UsageError, match="is being rewritten by another process"):
            update(_run(1), tmp_path, GATED, keep=10, lock_timeout_s=0.2)
        assert list(tmp_path.iterdir()) == []
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(60)
    assert holder.exitcode == -signal.SIGKILL
    update(_run(1), tmp_path, GATED, keep=10, lock_timeout_s=10)
    assert [r.id for r in load_baselines(tmp_path)[0].runs] == ["run01"]


def test_the_lock_timeout_flag(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_results(_run(1), path)
    args = ["baseline", "update", str(path), "--dir", str(tmp_path / "b")]
    out = CliRunner().invoke(app, [*args, "--lock-timeout", "-1"])
    assert out.exit_code == 2 and "--lock-timeout -1 must be 0 to 3600 seconds" in out.output
    out = CliRunner().invoke(app, [*args, "--lock-timeout", "0"])
    assert out.exit_code == 0, out.output


def test_only_each_suites_gated_metrics_are_kept(tmp_path: Path) -> None:
    samples = [10.0, 11.0, 12.0]
    ttft = benchmark("ttft", "warm", ttft_ms=samples, decode_tps=samples, e2e_ms=samples)
    throughput = benchmark("throughput", "short-stream", ttft_ms=samples, decode_tps=samples,
                           throughput_tps=samples)  # fmt: skip
    update(results(ttft, throughput), tmp_path, GATED, keep=10)
    [b] = load_baselines(tmp_path)
    kept = [(s.suite, s.metric) for s in b.series]
    assert kept == [
        ("throughput", "decode_tps"), ("throughput", "throughput_tps"), ("ttft", "ttft_ms")
    ]  # fmt: skip


def test_show_states_the_runs_kept_and_the_stores_keep(tmp_path: Path) -> None:
    for i in range(3):
        update(_run(i), tmp_path, GATED, keep=10)
    out = CliRunner().invoke(app, ["baseline", "show", "--dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "3 run(s) kept (the last 10 are kept)" in out.output


def test_series_no_longer_gated_are_dropped_at_the_next_update(tmp_path: Path) -> None:
    samples = [10.0, 11.0, 12.0]
    ttft = benchmark("ttft", "warm", ttft_ms=samples, decode_tps=samples)
    every = CheckSettings(gated_metrics={"*": ["ttft_ms", "decode_tps"]}).gated_for
    update(results(ttft, run_id="old"), tmp_path, every, keep=10)  # as older versions stored
    assert len(load_baselines(tmp_path)[0].series) == 2
    update(results(ttft, run_id="new"), tmp_path, GATED, keep=10)
    [b] = load_baselines(tmp_path)
    assert [(s.metric, len(s.runs)) for s in b.series] == [("ttft_ms", 2)]
