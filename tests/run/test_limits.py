"""Every read from an engine is bounded: tokens per request, and a deadline per trial."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from cli_runner import mlxguard

from mlxguard.engines import check_engine, resolve_engine
from mlxguard.engines.limits import TOKEN_MARGIN, TrialTimeout, remaining, within
from mlxguard.run.fresh_process import run_fresh
from mlxguard.run.timing import Request, cold_generate, generate, metrics_of


def _plugin(spec: str):
    engine = check_engine(resolve_engine(spec)(), spec)
    engine.load("unused")
    return engine


def test_an_engine_that_ignores_max_tokens_is_cut_at_the_cap() -> None:
    rec = generate(_plugin("tests.plugins.unbounded:Endless"), Request("p", 4))
    assert len(rec.tokens) == 4 + TOKEN_MARGIN + 1  # read one past the cap, then stopped
    assert rec.error == (
        f"engine sent more than {4 + TOKEN_MARGIN} tokens for max_tokens=4 "
        f"(the cap is max_tokens + {TOKEN_MARGIN}); stopped reading"
    )
    assert not rec.ok and metrics_of(rec) == {}
    rec = generate(_plugin("tests.plugins.unbounded:Endless"), Request("p", 4, streaming=False))
    assert rec.error is not None and rec.error.startswith("engine sent more than 20 tokens")


def test_an_ipc_worker_stops_an_engine_that_ignores_max_tokens(ipc_engine, tiny_model: Path):
    engine = ipc_engine(engine="tests.plugins.unbounded:Endless")
    engine.load(str(tiny_model))
    rec = generate(engine, Request("p", 3))
    assert rec.error is not None and "engine sent more than 19 tokens for max_tokens=3" in rec.error
    assert len(rec.tokens) == 3 + TOKEN_MARGIN
    rec = generate(engine, Request("p", 3))  # the worker lives on, and stops it again
    assert rec.error is not None and "engine sent more than 19 tokens" in rec.error


def test_an_in_process_engine_blocked_in_generate_meets_the_deadline() -> None:
    for spec in ("tests.plugins.unbounded:Blocks", "tests.plugins.unbounded:Stubborn"):
        rec = generate(_plugin(spec), Request("p", 4, timeout_s=0.3))
        assert rec.timed_out and not rec.ok
        assert rec.error == (
            "TrialTimeout: the trial passed its deadline of 0.3 s (trial_timeout_s) and was stopped"
        )
    assert remaining() is None  # nothing left armed


def test_a_cold_trial_has_one_deadline_over_load_and_request() -> None:
    rec = cold_generate(
        lambda: check_engine(resolve_engine("tests.plugins.slow_load:SlowLoad")(), "slow"),
        "unused",
        Request("p", 4, timeout_s=0.3),
    )
    assert rec.timed_out and rec.error is not None
    assert rec.error.startswith("load failed: TrialTimeout: the trial passed its deadline of 0.3")


def test_an_ipc_worker_meets_the_deadline_outside_the_main_thread(ipc_engine, tiny_model: Path):
    # No alarm outside the main thread: the client's own waits stop at the deadline.
    engine = ipc_engine(engine="tests.plugins.unbounded:Blocks")
    engine.load(str(tiny_model))
    got = []
    thread = threading.Thread(
        target=lambda: got.append(generate(engine, Request("p", 4, timeout_s=0.5)))
    )
    thread.start()
    thread.join(60)
    (rec,) = got
    assert rec.timed_out and rec.tokens == [1]
    assert engine._proc is not None and engine._proc.poll() is not None  # the worker is stopped
    rec = generate(engine, Request("p", 4))
    assert (
        rec.error is not None
        and "stopped: the trial's deadline passed during 'generate'" in rec.error
    )


def test_deadlines_nest_and_the_earlier_one_wins() -> None:
    with within(100):
        outer = remaining()
        with within(1000):  # later than the one in force: no change
            assert remaining() is not None and remaining() <= outer  # type: ignore[operator]
        try:
            with within(0.05):
                threading.Event().wait()
        except TrialTimeout:
            pass
        left = remaining()
        assert left is not None and 90 < left <= 100  # the outer deadline is back
    assert remaining() is None


def test_a_fresh_process_trial_meets_the_deadline(tiny_model: Path) -> None:
    rec = run_fresh(
        "tests.plugins.unbounded:Stubborn", str(tiny_model), Request("p", 2, timeout_s=1)
    )
    assert rec.timed_out and rec.error is not None and "deadline of 1 s" in rec.error


def test_a_run_with_a_hung_engine_ends_and_says_why(tmp_path: Path, tiny_model: Path) -> None:
    config = tmp_path / "mlxguard.toml"
    config.write_text("trial_timeout_s = 0.5\n")
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run", "--config", str(config), "--model", str(tiny_model), "--suite", "ttft",
        "--engine", "tests.plugins.unbounded:Blocks", "--samples", "2", "--warmup", "1",
        "--prompt-tokens", "8", "--max-tokens", "2", "-o", str(out),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    benchmarks = {b["scenario"]: b for b in json.loads(out.read_text())["benchmarks"]}
    deadline = "TrialTimeout: the trial passed its deadline of 0.5 s (trial_timeout_s)"
    assert all(e.startswith(deadline) for e in benchmarks["cold"]["errors"])
    # The warm engine timed out in its warm-up; its timed trials fail at once, saying why.
    (warm,) = benchmarks["warm"]["errors"]
    assert warm.startswith(f"engine stopped after a trial passed its deadline: {deadline}")
    assert benchmarks["warm"]["successes"] == 0


def test_a_fresh_process_keeps_only_the_end_of_a_loud_engines_stderr(
    tiny_model: Path, caplog
) -> None:
    import logging

    from mlxguard.run.fresh_process import STDERR_TAIL_BYTES

    with caplog.at_level(logging.INFO, logger="mlxguard.engines.worker"):
        rec = run_fresh("tests.plugins.unbounded:Loud", str(tiny_model), Request("p", 2))
    assert rec.ok, rec.error
    lines = [r.getMessage() for r in caplog.records if r.name == "mlxguard.engines.worker"]
    assert lines[-1].startswith("fresh process: loud line 29999 ")
    assert sum(len(line) for line in lines) < STDERR_TAIL_BYTES + 20 * len(lines)
    assert all(line.startswith("fresh process: loud line ") for line in lines)  # whole lines
