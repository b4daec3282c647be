"""`--max-seconds` bounds the whole run, and the processes are chosen from a measured start."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlxguard.config import Config
from mlxguard.errors import UsageError
from mlxguard.results import load_results
from mlxguard.run.budget import Budget
from mlxguard.run.environment import memory_bytes
from mlxguard.run.prepare import prepare
from mlxguard.run.process_choice import (
    MOST_PROCESSES,
    START_SHARE,
    choose_processes,
    first_wave,
    model_bytes,
    process_cap,
    start_cost,
)
from mlxguard.run.session import run_session
from mlxguard.suites import load_suites


def test_a_budget_that_runs_out_cuts_the_first_look_and_says_what_it_cut(
    tmp_path: Path, tiny_model: Path
) -> None:
    cfg = Config(model=str(tiny_model), samples=400, warmup=1, max_tokens=2, prompt_tokens=16)
    out = tmp_path / "r.json"
    budget = Budget(max_seconds=4)
    done = run_session(prepare(cfg, load_suites(["throughput"])), out, budget, quiet=True)
    spent = done.run.budget
    assert spent is not None and spent.max_seconds == 4
    # Six benchmarks of 400 trials do not fit in 4 s here: every one was cut, none emptied
    # out of turn (the plan is shuffled, so a cut leaves each a share).
    assert sorted(spent.cut) == sorted(b.label for b in done.benchmarks)
    assert all(0 < b.trials < 400 for b in done.benchmarks)
    # At most one trial past the deadline (a trial of 2 tokens takes well under a second).
    longest = max(max(b.metrics["e2e_ms"].samples) for b in done.benchmarks) / 1000
    assert spent.elapsed_s <= 4 + longest + 10.0  # slack for a loaded machine, not 400 trials
    assert load_results(out).run.budget == spent  # written, and read back the same


def test_a_budget_spent_before_any_trial_is_one_clear_error(
    tmp_path: Path, tiny_model: Path
) -> None:
    cfg = Config(model=str(tiny_model), samples=3, warmup=0, max_tokens=2, prompt_tokens=16)
    with pytest.raises(UsageError, match=r"ran out after .* before any timed trial"):
        run_session(
            prepare(cfg, load_suites(["ttft"])), tmp_path / "r.json", Budget(max_seconds=0),
            quiet=True,
        )  # fmt: skip


@pytest.mark.slow
def test_processes_not_given_are_chosen_from_the_first_workers_start(
    tmp_path: Path, tiny_model: Path
) -> None:
    cfg = Config(model=str(tiny_model), engine="ipc", samples=4, warmup=0, max_tokens=2,
                 prompt_tokens=16)  # fmt: skip
    prepared = prepare(cfg, load_suites(["ttft"]))
    assert prepared.auto_processes and prepared.processes == 4
    done = run_session(prepared, tmp_path / "r.json", Budget(max_seconds=600), quiet=True)
    assert done.run.budget is not None
    choice = done.run.budget.processes
    assert choice is not None and choice.start_s > 0
    most = process_cap(4, 1, None, None, choice.cores)
    assert choice.first_wave == first_wave(most, 1, choice.cores)
    again = choose_processes(
        most, choice.start_s, choice.left_s, choice.engines, choice.cores, choice.first_wave
    )
    assert choice.processes == again.processes and choice.engines == 1
    warm = next(b for b in done.benchmarks if b.scenario == "warm")
    assert warm.params.processes == choice.processes == done.config["processes"]
    assert warm.workers is not None and len(warm.workers) == choice.processes
    # The first wave started together and alone; the others after it, together.
    starts = [w.started_s or 0.0 for w in warm.workers]
    wave = choice.first_wave
    assert len(set(starts[:wave])) == 1 and all(s > starts[0] for s in starts[wave:])


def test_given_processes_are_not_chosen(tmp_path: Path, tiny_model: Path) -> None:
    cfg = Config(model=str(tiny_model), engine="ipc", processes=2)
    assert not prepare(cfg, load_suites(["ttft"])).auto_processes


@pytest.mark.parametrize(
    ("start_s", "left_s", "engines", "cores", "expected"),
    [
        (1.0, 600.0, 2, 2, 4),  # a CPU runner: starts are cheap, the default holds
        (1.0, 10.0, 2, 2, 3),  # 4 processes: 6 more starts in 3 waves, over 2.5 s
        (8.0, 60.0, 2, 16, 4),  # a 16-core GPU host: 6 more starts run side by side
        (8.0, 60.0, 2, 2, 2),  # the same starts on 2 cores would queue
        (13.0, 36.0, 2, 16, 1),  # a 1B model's start in a 60 s gate: no room for another
        (15.0, -3.0, 2, 16, 1),  # nothing left: one process, never none
        (0.0, 10.0, 2, 2, 4),
    ],
)
def test_the_cost_model(
    start_s: float, left_s: float, engines: int, cores: int, expected: int
) -> None:
    choice = choose_processes(4, start_s, left_s, engines, cores)
    assert choice.processes == expected
    if expected > 1:
        assert start_cost(expected, engines, start_s, cores) <= START_SHARE * left_s
    if expected < 4:
        assert start_cost(expected + 1, engines, start_s, cores) > START_SHARE * max(left_s, 0)
    assert f"{expected} " in choice.why and "processes" in choice.why


@pytest.mark.parametrize(
    ("start_s", "left_s", "started", "most", "expected"),
    [
        (9.0, 130.0, 8, 8, 8),  # a 16-core GPU host: the whole cap in the first wave
        (1.0, 58.0, 1, 4, 4),  # a 2-core VM: one worker of each engine, then the rest
        (13.0, 36.0, 4, 8, 4),  # started workers are kept, even when more would not fit
        (13.0, 200.0, 4, 8, 8),  # 8 more starts on 16 cores: one wave of 13 s, within 50 s
    ],
)
def test_workers_of_the_first_wave_count_as_started(
    start_s: float, left_s: float, started: int, most: int, expected: int
) -> None:
    choice = choose_processes(most, start_s, left_s, 2, 16, started=started)
    assert choice.processes == expected and choice.first_wave == min(started, most)
    assert f"{expected} " in choice.why


@pytest.mark.parametrize(
    ("cores", "engines", "expected_cap", "expected_wave"),
    [
        (2, 2, 4, 1),  # a 2-core VM: the default, one worker of each engine timed first
        (2, 1, 4, 2),
        (8, 2, 4, 4),  # an 8-core Mac: the default starts in one wave
        (12, 2, 6, 6),  # a 12-core Mac: what one wave starts
        (16, 2, 8, 8),  # a 16-core GPU host: 8 per engine in one wave
        (128, 2, 8, 8),  # never past MOST_PROCESSES
    ],
)
def test_the_cap_rises_with_the_cores_that_start_one_wave(
    cores: int, engines: int, expected_cap: int, expected_wave: int
) -> None:
    cap = process_cap(4, engines, None, None, cores)
    assert cap == expected_cap <= MOST_PROCESSES
    assert first_wave(cap, engines, cores) == expected_wave


def test_starts_beyond_the_cores_queue() -> None:
    assert start_cost(1, 2, 5.0, 2) == 0
    assert start_cost(4, 2, 5.0, 2) == 15.0  # 6 more starts on 2 cores: 3 waves
    assert start_cost(4, 2, 5.0, 16) == 5.0  # one wave
    assert start_cost(8, 2, 5.0, 16, started=8) == 0  # all started in the first wave
    assert start_cost(8, 2, 5.0, 2, started=4) == 20.0  # 8 more on 2 cores: 4 waves


def test_a_cooldown_stops_at_the_deadline(tmp_path: Path, tiny_model: Path) -> None:
    # A pause of 30 s after each trial in a 2 s budget: the pause is cut at the deadline (a
    # pause computed past it would be negative, which time.sleep refuses).
    cfg = Config(model=str(tiny_model), samples=3, warmup=0, max_tokens=2, prompt_tokens=16,
                 cooldown_s=30.0)  # fmt: skip
    budget = Budget(max_seconds=2)
    done = run_session(prepare(cfg, load_suites(["ttft"])), tmp_path / "r.json", budget, quiet=True)
    assert done.run.budget is not None and done.run.budget.cut
    assert budget.elapsed() < 30


@pytest.mark.parametrize(
    ("engines", "weights", "memory", "expected"),
    [
        (2, 10**6, 24 * 2**30, 4),  # the tiny model on this VM: the default
        (2, 10**9, 16 * 2**30, 4),  # a 1B model on a 16 GiB Mac: 8 copies fit in half of it
        (2, 45 * 10**8, 32 * 2**30, 1),  # an 8B 4-bit model on a 32 GiB Mac: one copy each
        (2, 45 * 10**8, 128 * 2**30, 4),
        (2, None, None, 4),  # sizes unknown: the default
    ],
)
def test_the_cap_leaves_half_the_memory(
    engines: int, weights: int | None, memory: int | None, expected: int
) -> None:
    assert process_cap(4, engines, weights, memory) == expected
    # Cores raise the cap, never past what the memory allows.
    assert process_cap(4, engines, weights, memory, 16) == min(
        8, process_cap(8, engines, weights, memory)
    )


def test_the_model_and_the_machine_are_measured(tiny_model: Path) -> None:
    weights = model_bytes(str(tiny_model))
    assert weights is not None
    assert weights == sum(f.stat().st_size for f in tiny_model.glob("*.safetensors"))
    assert (memory_bytes() or 0) > weights


@pytest.mark.slow
def test_cold_trials_are_fitted_to_the_budget(tmp_path: Path, tiny_model: Path) -> None:
    # With --fresh-process every compare trial starts a new process (about a second here);
    # 2 x 12 of them cannot fit in 8 s. Fitted once the first is timed, the ones that fit run
    # and the rest are left out up front, recorded as cut.
    cfg = Config(model=str(tiny_model), samples=12, warmup=0, max_tokens=2, prompt_tokens=16,
                 fresh_process=True, candidate="mlx-lm", reference="mlx-lm")  # fmt: skip
    budget = Budget(max_seconds=8)
    done = run_session(
        prepare(cfg, load_suites(["compare"])), tmp_path / "r.json", budget, quiet=True
    )
    trials = [b.trials for b in done.benchmarks]
    assert all(1 <= n < 12 for n in trials), trials
    assert done.run.budget is not None and len(done.run.budget.cut) == 2
