"""Adaptive rounds through the library: suite-agnostic, sized as the docs say."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlxguard.config import Config
from mlxguard.defaults import DEFAULT_MAX_SAMPLES
from mlxguard.results import Results
from mlxguard.run.budget import Budget
from mlxguard.run.context import EVERY_METRIC, Undecided
from mlxguard.run.prepare import prepare
from mlxguard.run.rounds import look_schedule, round_size, to_measure
from mlxguard.run.session import run_session
from mlxguard.suites import load_suites


@pytest.mark.slow
def test_a_round_adds_ten_samples_whatever_the_processes(tmp_path: Path, tiny_model: Path) -> None:
    # 3 processes: a round used to be rounded up to whole cycles (12); the docs say 10.
    cfg = Config(model=str(tiny_model), engine="ipc", processes=3, samples=1, warmup=0,
                 max_tokens=2, prompt_tokens=16)  # fmt: skip
    seen: list[int] = []

    def warm_open(r: Results) -> Undecided:
        # Any suite with rounds can be sent back: here the ttft suite's warm scenario.
        warm = next(b for b in r.benchmarks if b.scenario == "warm")
        seen.append(warm.trials)
        return {("ttft", "warm", warm.engine): frozenset({"ttft_ms"})}

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


def test_rounds_grow_so_sixteen_looks_reach_the_default_budget() -> None:
    looks = look_schedule(DEFAULT_MAX_SAMPLES)
    assert looks == [10, 20, 30, 40, 50, 63, 79, 99, 124, 155, 194, 243, 304, 380, 475, 480]
    assert look_schedule(240)[-2:] == [194, 240]  # the last round only fills the cap
    assert round_size(10, 200, 5) == 5  # never past --max-samples
    assert round_size(25, 20, 100) == 25  # --samples larger than the growth


def test_a_metric_is_left_out_only_once_two_looks_decided_it() -> None:
    key, other = ("compare", "warm", "candidate:x"), ("compare", "warm", "candidate:y")
    ttft, both = frozenset({"ttft_ms"}), frozenset({"ttft_ms", "decode_tps"})
    assert to_measure({key: ttft}, None) == {key: EVERY_METRIC}  # after the first look
    assert to_measure({key: ttft}, {key: both}) == {key: both}  # decode decided once
    assert to_measure({key: ttft}, {key: ttft, other: both}) == {key: ttft}


def _compare_rounds(
    tmp_path: Path, tiny_model: Path, left: list[frozenset[str]], max_samples: int
) -> Results:
    """Compare rounds of two tiny ipc engines (2 samples first, 8 tokens), the candidate's
    open metrics at each look taken from `left`, under `--max-samples`."""
    cfg = Config(model=str(tiny_model), candidate="ipc", reference="ipc:json", processes=1,
                 samples=2, warmup=1, max_tokens=8, prompt_tokens=16)  # fmt: skip

    def open_metrics(r: Results) -> Undecided:
        cand = next(b for b in r.benchmarks if b.reference is not None)
        return {(cand.suite, cand.scenario, cand.engine): left.pop(0)} if left else {}

    return run_session(
        prepare(cfg, load_suites(["compare"])), tmp_path / "r.json",
        Budget(until_decisive=True, max_samples=max_samples), undecided=open_metrics, quiet=True,
    )  # fmt: skip


@pytest.mark.slow
def test_a_round_left_only_ttft_to_settle_asks_for_two_tokens(
    tmp_path: Path, tiny_model: Path
) -> None:
    both, ttft = frozenset({"decode_tps", "ttft_ms"}), frozenset({"ttft_ms"})
    done = _compare_rounds(tmp_path, tiny_model, [both, ttft, ttft], max_samples=100)
    assert done.run.adaptive is not None and done.run.adaptive.rounds == 3
    for b in done.benchmarks:
        # The first look (2) and two full rounds (decode decided at one look only, then
        # confirmed) time decode; the last round, with only TTFT left, does not.
        assert b.trials == 32
        assert len(b.metrics["ttft_ms"].samples) == len(b.metrics["prompt_tokens"].samples) == 32
        assert len(b.metrics["decode_tps"].samples) == 22
        assert b.metrics["output_tokens"].samples == [8.0] * 22
        assert sorted(b.metrics["ttft_ms"].rounds or []) == list(range(32))
    parity = done.benchmarks[0].parity
    assert parity is not None and parity.total == 22  # two-token outputs are not compared


@pytest.mark.slow
def test_rounds_that_time_the_first_token_alone_stop_at_the_sample_cap(
    tmp_path: Path, tiny_model: Path
) -> None:
    # TTFT alone open at every look, under --max-samples 6: one round (every metric after the
    # first look) reaches the cap, and TTFT-only rounds, cheaper, do not go past it.
    done = _compare_rounds(tmp_path, tiny_model, [frozenset({"ttft_ms"})] * 5, max_samples=6)
    assert done.run.adaptive is not None
    assert (done.run.adaptive.rounds, done.run.adaptive.stopped) == (1, "budget: 6 samples reached")
    for b in done.benchmarks:
        assert b.trials == len(b.metrics["ttft_ms"].samples) == len(b.metrics["decode_tps"].samples)
        assert b.trials == 6
