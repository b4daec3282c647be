"""Worker processes as a level of evidence, and adaptive rounds that reuse the warm workers."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from cli_runner import invoke, mlxguard

from mlxguard.check.evaluate import undecided
from mlxguard.config import Config
from mlxguard.run.session import execute
from mlxguard.run.workers import Workers
from mlxguard.suites import suite_runner
from mlxguard.suites.adaptive import run_until_decisive

SMALL = dict(samples=2, warmup=1, max_tokens=4, prompt_tokens=16)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_a_round_adds_samples_on_the_same_warm_workers(tmp_path: Path, tiny_model: Path) -> None:
    # Limits of exactly 1x keep an A/A pair inconclusive, so every round up to the budget runs.
    cfg = Config.model_validate(
        {
            "model": str(tiny_model),
            "candidate": "ipc",
            "reference": "ipc:json",
            "processes": 2,
            "check": {"reference_ttft_max_ratio": 1.0, "reference_throughput_min_ratio": 1.0},
            **SMALL,
        }
    )
    out = tmp_path / "results.json"
    with Workers() as workers:
        first = execute(cfg, {"compare": suite_runner("compare")}, out, quiet=True, workers=workers)
        before = {b.engine: b.workers or [] for b in first.benchmarks}
        done = run_until_decisive(
            cfg, first, out, undecided=lambda r: undecided(r, cfg, None, False), max_samples=6,
            max_seconds=600, started=time.monotonic(), workers=workers,
        )  # fmt: skip
        pids = [w.pid for b in done.results.benchmarks for w in b.workers or []]
        assert all(_alive(pid) for pid in pids)
    assert not any(_alive(pid) for pid in pids)  # closing the pool stops every worker
    assert done.rounds == 1  # 2 samples, then one round of 4 up to the budget of 6
    assert len(set(pids)) == 4  # two arms, two processes each
    for b in done.results.benchmarks:
        assert b.trials == b.successes == 6
        workers = b.workers or []
        assert [w.pid for w in workers] == [w.pid for w in before[b.engine]]
        # One load per worker for the whole run; each served its warm-up and 3 samples.
        assert [(w.process, w.loads, w.requests) for w in workers] == [
            (0, 1, 4),
            (1, 1, 4),
        ]
        ttft = b.metrics["ttft_ms"]
        assert sorted(ttft.rounds) == list(range(6))  # numbering continues across the rounds
        assert Counter(ttft.processes) == {0: 3, 1: 3}
        assert len(b.metrics["itl_ms"].processes) == len(b.metrics["itl_ms"].samples)
    parity = done.results.benchmarks[0].parity
    assert parity is not None and parity.total == 6


@pytest.mark.slow
def test_processes_and_rounds_from_the_command_line(tmp_path: Path, tiny_model: Path) -> None:
    # Limits of exactly 1x keep the A/A pair inconclusive: one round of 4 up to the budget of 8.
    config = tmp_path / "mlxguard.toml"
    config.write_text(
        "[check]\nreference_ttft_max_ratio = 1.0\nreference_throughput_min_ratio = 1.0\n"
    )
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run", "--suite", "compare", "--model", str(tiny_model), "--candidate", "ipc",
        "--reference", "ipc:json", "--processes", "2", "--samples", "4", "--warmup", "0",
        "--max-tokens", "4", "--prompt-tokens", "16", "--until-decisive", "--max-samples", "8",
        "--config", str(config), "-o", str(out),
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    # stderr is a pipe here, as in CI: one line per added round.
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("until-decisive round")]
    assert len(lines) == 1 and "+4 samples for 1 undecided benchmark(s)" in lines[0]
    data = json.loads(out.read_text())
    for b in data["benchmarks"]:
        assert b["params"]["processes"] == 2 and b["trials"] == 8
        decode = b["metrics"]["decode_tps"]
        assert Counter(decode["processes"]) == {0: 4, 1: 4}
        assert sorted(decode["rounds"]) == list(range(8))
        workers = b["workers"]
        assert [(w["loads"], w["requests"]) for w in workers] == [(1, 4), (1, 4)]
        assert len({w["pid"] for w in workers}) == 2
    assert data["config"]["processes"] == 2


@pytest.mark.slow
def test_an_in_process_engine_is_hosted_by_workers_when_asked_for_processes(
    tmp_path: Path, tiny_model: Path
) -> None:
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run", "--suite", "ttft", "--model", str(tiny_model), "--engine", "mlx-lm",
        "--processes", "2", "--samples", "4", "--warmup", "0", "--max-tokens", "2",
        "--prompt-tokens", "16", "--quiet", "-o", str(out),
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    warm = next(b for b in json.loads(out.read_text())["benchmarks"] if b["scenario"] == "warm")
    assert warm["engine"] == "mlx-lm" and warm["successes"] == 4
    assert Counter(warm["metrics"]["ttft_ms"]["processes"]) == {0: 2, 1: 2}
    pids = {w["pid"] for w in warm["workers"]}
    assert len(pids) == 2 and None not in pids  # two ipc workers, not mlxguard's own process


def test_processes_without_a_flag_stay_one_for_an_in_process_engine(tmp_path: Path) -> None:
    from mlxguard.cli.run import _resolve_processes
    from mlxguard.defaults import DEFAULT_PROCESSES

    def settled(**kw: str) -> int | None:
        return _resolve_processes(Config.model_validate(kw), ["compare"]).processes

    assert settled(candidate="ipc", reference="mlx-lm") == 1
    assert settled(candidate="ipc", reference="ipc:json") == DEFAULT_PROCESSES


def test_a_servers_client_is_not_spread_over_processes(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    engine = "openai:http://127.0.0.1:9/v1"
    proc = invoke("run", "--suite", "ttft", "--engine", engine, "--processes", "2",
                    "-o", str(out))  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: --processes 2: engine '{engine}' is a server's client")
    assert not out.exists()
