"""Worker processes as a level of evidence, and adaptive rounds that reuse the warm workers."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from cli_runner import invoke, mlxguard, verdict_code

from mlxguard.check.evaluate import undecided
from mlxguard.config import Config
from mlxguard.results import Results, load_results
from mlxguard.run.budget import Budget
from mlxguard.run.context import Undecided
from mlxguard.run.prepare import prepare
from mlxguard.run.session import run_session
from mlxguard.suites import load_suites

SMALL = dict(samples=2, warmup=1, max_tokens=4, prompt_tokens=16)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_run_session_as_a_library_adds_rounds_on_the_same_warm_workers(
    tmp_path: Path, tiny_model: Path
) -> None:
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
    prepared = prepare(cfg, load_suites(["compare"]))
    out = tmp_path / "results.json"
    pids: list[int | None] = []

    def still_open(r: Results) -> Undecided:
        # Between rounds, every worker of the first look is alive and serving.
        pids.extend(w.pid for b in r.benchmarks for w in b.workers or [])
        assert all(pid is not None and _alive(pid) for pid in pids)
        return undecided(r, cfg, None, False)

    budget = Budget(until_decisive=True, max_samples=6)
    done = run_session(prepared, out, budget, undecided=still_open, quiet=True)
    assert load_results(out) == done  # the file holds the last round
    assert not any(pid is not None and _alive(pid) for pid in pids)  # all stopped at the end
    assert done.run.adaptive is not None
    assert (done.run.adaptive.rounds, done.run.adaptive.stopped) == (1, "budget: 6 samples reached")
    assert len(set(pids)) == 4  # two arms, two processes each: the same ones in every round
    for b in done.benchmarks:
        assert b.trials == b.successes == 6
        workers = b.workers or []
        # One load per worker for the whole run; each served its warm-up and 3 samples.
        assert [(w.process, w.loads, w.requests) for w in workers] == [
            (0, 1, 4),
            (1, 1, 4),
        ]
        ttft = b.metrics["ttft_ms"]
        assert sorted(ttft.rounds or []) == list(range(6))  # numbering continues across rounds
        assert Counter(ttft.processes) == {0: 3, 1: 3}
        assert len(b.metrics["itl_ms"].processes or []) == len(b.metrics["itl_ms"].samples)
    parity = done.benchmarks[0].parity
    assert parity is not None and parity.total == 6
    # The four workers (two arms, two processes) started together: each was asked to start
    # before any of them was ready.
    records = [w for b in done.benchmarks for w in b.workers or []]
    assert all(w.started_s is not None and w.load_ms is not None for w in records)
    starts = [w.started_s or 0.0 for w in records]
    ready = [(w.started_s or 0.0) + (w.load_ms or 0.0) / 1e3 for w in records]
    assert len(set(starts)) == 1 and max(starts) < min(ready)


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
    assert proc.returncode == verdict_code(out, "--config", str(config)), proc.stderr
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
    assert proc.returncode == verdict_code(out), proc.stderr
    warm = next(b for b in json.loads(out.read_text())["benchmarks"] if b["scenario"] == "warm")
    assert warm["engine"] == "mlx-lm" and warm["successes"] == 4
    assert Counter(warm["metrics"]["ttft_ms"]["processes"]) == {0: 2, 1: 2}
    pids = {w["pid"] for w in warm["workers"]}
    assert len(pids) == 2 and None not in pids  # two ipc workers, not mlxguard's own process


def test_processes_without_a_flag_stay_one_for_an_in_process_engine(tmp_path: Path) -> None:
    from mlxguard.defaults import DEFAULT_PROCESSES

    def settled(**kw: str) -> int:
        return prepare(Config.model_validate(kw), load_suites(["compare"])).processes

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
