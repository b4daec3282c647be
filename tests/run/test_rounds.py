"""Adaptive rounds through the library: suite-agnostic, sized as the docs say."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlxguard.config import Config
from mlxguard.defaults import DEFAULT_MAX_SAMPLES
from mlxguard.results import Results
from mlxguard.run.budget import Budget
from mlxguard.run.prepare import prepare
from mlxguard.run.rounds import ROUND_SAMPLES, round_size
from mlxguard.run.session import run_session
from mlxguard.suites import load_suites


@pytest.mark.slow
def test_a_round_adds_ten_samples_whatever_the_processes(tmp_path: Path, tiny_model: Path) -> None:
    # 3 processes: a round used to be rounded up to whole cycles (12); the docs say 10.
    cfg = Config(model=str(tiny_model), engine="ipc", processes=3, samples=1, warmup=0,
                 max_tokens=2, prompt_tokens=16)  # fmt: skip
    seen: list[int] = []

    def warm_open(r: Results) -> set[tuple[str, str, str]]:
        # Any suite with rounds can be sent back: here the ttft suite's warm scenario.
        warm = next(b for b in r.benchmarks if b.scenario == "warm")
        seen.append(warm.trials)
        return {("ttft", "warm", warm.engine)}

    budget = Budget(until_decisive=True, max_samples=13)
    done = run_session(
        prepare(cfg, load_suites(["ttft"])), tmp_path / "r.json", budget, undecided=warm_open,
        quiet=True,
    )  # fmt: skip
    assert seen == [1, 11, 13]
    assert done.run.adaptive is not None
    assert (done.run.adaptive.rounds, done.run.adaptive.stopped) == (
        2,
        "budget: 13 samples reached",
    )
    cold = next(b for b in done.benchmarks if b.scenario == "cold")
    assert cold.trials == 1  # not sent back, not extended


def test_rounds_grow_so_twelve_looks_reach_the_default_budget() -> None:
    looks, held = [10], 10
    while held < DEFAULT_MAX_SAMPLES:
        held += round_size(ROUND_SAMPLES, held, DEFAULT_MAX_SAMPLES - held)
        looks.append(held)
    assert looks == [10, 20, 30, 40, 50, 63, 79, 99, 124, 155, 194, 240]
    assert round_size(10, 200, 5) == 5  # never past --max-samples
    assert round_size(25, 20, 100) == 25  # --samples larger than the growth
