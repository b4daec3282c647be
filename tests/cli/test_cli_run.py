"""End to end: `mlxguard run` on the real tiny model, then `mlxguard check`, via the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import mlxguard

from mlxguard.results import load_results

REPO = Path(__file__).resolve().parents[2]


def test_run_writes_every_metric(small_run: Path) -> None:
    results = load_results(small_run)
    by = {(b.suite, b.scenario): b for b in results.benchmarks}
    assert set(by) == {
        ("ttft", "cold"),
        ("ttft", "warm"),
        *{
            ("throughput", f"{s}-{m}")
            for s in ("short", "medium", "long")
            for m in ("stream", "nonstream")
        },
    }
    cold = by[("ttft", "cold")]
    # Cold TTFT keeps the load apart: both recorded, never summed.
    assert cold.metrics["load_ms"].summary.n == 2
    assert cold.metrics["ttft_ms"].summary.n == 2
    warm = by[("ttft", "warm")]
    assert "load_ms" not in warm.metrics and warm.engine_environment.load_ms > 0
    stream = by[("throughput", "long-stream")]
    for name in (
        "ttft_ms",
        "prefill_tps",
        "decode_tps",
        "throughput_tps",
        "itl_ms",
        "e2e_ms",
        "output_tokens",
        "prompt_tokens",
    ):
        assert stream.metrics[name].summary.n >= 2, name
    # Fixed output length (EOS ignored) and exact prompt length.
    assert stream.metrics["output_tokens"].samples == [6.0, 6.0]
    # The in-process engine reports MLX's peak memory through the runner's optional hook.
    assert stream.metrics["peak_memory_mb"].summary.min > 0
    assert stream.metrics["prompt_tokens"].samples == [16.0, 16.0]
    # ITL pooled over all gaps of all trials, not averaged per trial.
    assert stream.metrics["itl_ms"].summary.n == 2 * 5
    assert stream.metrics["ttft_ms"].warmup_samples and stream.params.samples == 2
    nonstream = by[("throughput", "long-nonstream")]
    assert "ttft_ms" not in nonstream.metrics and "throughput_tps" in nonstream.metrics
    assert all(b.successes == b.trials == 2 for b in results.benchmarks)
    assert results.environment.fingerprint and results.run.finished_at
    assert results.config["samples"] == 2 and results.config["suites"] == ["ttft", "throughput"]
    # The machine's state at both ends of the run; a CPU backend has no bandwidth: no roofline.
    env = results.environment
    assert env.state_start and env.state_end and env.state_end.load_average
    assert env.memory_bandwidth_gbs is None and "decode_roofline_pct" not in stream.metrics
    assert results.models["tiny"].weight_bytes_per_token > 0


def test_check_prints_verdicts(small_run: Path) -> None:
    proc = mlxguard("check", str(small_run))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "PASS: 4 of 4 checks passed"
    assert any(line.startswith("PASS     ttft warm · mlx-lm") for line in lines)


def test_check_fails_on_a_missed_target(small_run: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "mlxguard.toml"
    cfg.write_text(
        '[[targets]]\nsuite = "ttft"\nscenario = "warm"\nmetric = "ttft_ms"\n'
        'stat = "p95"\nmax = 0.001\n'
    )
    proc = mlxguard("check", str(small_run), "--config", str(cfg), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["status"] == "fail"
    [v] = report["verdicts"]
    assert v["status"] == "fail" and v["bound"] == 0.001 and v["value"] > 0.001


@pytest.mark.slow
def test_formats(small_run: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "r.csv"
    assert mlxguard("check", str(small_run), "-f", "csv", "-o", str(csv_path)).returncode == 0
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("status,kind,suite,scenario,engine,metric,stat,value,unit,bound")
    assert any(line.startswith("pass,target,ttft,warm,") for line in lines[1:])
    stats = mlxguard("check", str(small_run), "-f", "csv-stats").stdout.splitlines()
    assert stats[0] == "Type,Name,Metric,Mean,Median,P95,P99,Min,Max,StdDev,Unit,N"
    md = mlxguard("check", str(small_run), "-f", "markdown").stdout
    assert md.startswith("### ✅ mlxguard: PASS")
    assert "<details><summary>Environment</summary>" in md


@pytest.mark.slow
def test_engine_failing_mid_run_is_recorded(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run",
        "--model",
        str(tiny_model),
        "--suite",
        "ttft",
        "--engine",
        "tests.plugins.flaky:FlakyEngine",
        "--samples",
        "4",
        "--warmup",
        "0",
        "--max-tokens",
        "4",
        "--prompt-tokens",
        "8",
        "-o",
        str(out),
        "-f",
        "json",
        env={"PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 1, proc.stderr
    warm = next(b for b in load_results(out).benchmarks if b.scenario == "warm")
    assert warm.trials == 4 and warm.successes == 2
    assert warm.errors == ["RuntimeError: worker lost its GPU context"]
    verdicts = json.loads(proc.stdout)["verdicts"]
    assert any(v["kind"] == "success" and v["status"] == "fail" for v in verdicts)
