"""The flexible suite and its question generator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.results import Benchmark, Metric
from mlxguard.run.questions import COMBINATIONS, make_questions
from mlxguard.suites.flexible import winner

# --- questions ------------------------------------------------------------------------------


def test_questions_are_deterministic_and_prefix_stable() -> None:
    assert make_questions(50, seed=3) == make_questions(50, seed=3)
    assert make_questions(50, seed=3) != make_questions(50, seed=4)
    assert make_questions(200, seed=3)[:50] == make_questions(50, seed=3)
    assert make_questions(0) == []
    q = make_questions(1)[0]
    assert q.endswith(".") and "? Answer for " in q
    with pytest.raises(ValueError, match="negative"):
        make_questions(-1)


def test_one_hundred_thousand_distinct_questions() -> None:
    questions = make_questions(100_000, seed=0)
    assert COMBINATIONS >= 100_000
    assert len(set(questions)) == 100_000


# --- the winner rule ------------------------------------------------------------------------


def _bench(engine: str, e2e: float, tps: float) -> Benchmark:
    metrics = {"e2e_ms": Metric.of("e2e_ms", [e2e]), "decode_tps": Metric.of("decode_tps", [tps])}
    return Benchmark(suite="flexible", engine=engine, model="m", scenario="q", metrics=metrics)


@pytest.mark.parametrize(
    ("cand", "ref", "latency", "tps", "overall"),
    [
        ((90, 100), (100, 100), "candidate", "tie", "candidate"),  # 10% lower latency
        ((100, 104), (100, 100), "tie", "tie", "tie"),  # within 5%
        ((100, 100), (100, 110), "tie", "reference", "reference"),
        ((90, 90), (100, 100), "candidate", "reference", "tie"),  # split decision
    ],
)
def test_winner_needs_a_margin_over_five_percent(
    cand: tuple[float, float], ref: tuple[float, float], latency: str, tps: str, overall: str
) -> None:
    got = winner(_bench("c", *cand), _bench("r", *ref))
    assert (got.latency, got.decode_tps, got.overall) == (latency, tps, overall)
    assert (got.candidate.e2e_ms, got.candidate.decode_tps) == cand


# --- real runs ------------------------------------------------------------------------------


def _run(tmp_path: Path, model: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "results.json"
    base = ["run", "--suite", "flexible", "--model", str(model), "--max-tokens", "4"]
    result = CliRunner().invoke(app, [*base, "--output", str(out), "--quiet", *args])
    data = json.loads(out.read_text()) if out.exists() else {}
    return result.exit_code, data, result.output


def test_five_questions_on_both_engines(tmp_path: Path, tiny_model: Path) -> None:
    code, data, output = _run(
        tmp_path, tiny_model, "-q", "5", "--candidate", "mlx-lm", "--reference", "mlx-lm"
    )
    assert code == 0, output
    cand, ref = data["benchmarks"]
    assert (cand["engine"], ref["engine"]) == ("candidate:mlx-lm", "reference:mlx-lm")
    asked = make_questions(5, seed=0)
    for b, role in ((cand, "candidate"), (ref, "reference")):
        records = b["questions"]
        assert [r["index"] for r in records] == list(range(5))
        assert all(r["role"] == role and r["ok"] for r in records)
        assert all(asked[r["index"]].startswith(r["question"]) for r in records)
        assert all(
            1 <= r["output_tokens"] <= 4 and r["e2e_ms"] >= r["ttft_ms"] > 0 for r in records
        )
        assert set(b["metrics"]) <= {
            "ttft_ms",
            "e2e_ms",
            "decode_tps",
            "throughput_tps",
            "output_tokens",
        }
        assert b["metrics"]["e2e_ms"]["summary"]["p99"] is not None
    # Who won is noise between two identical engines; what is recorded is the rule's answer.
    typed_cand, typed_ref = (Benchmark.model_validate(b) for b in (cand, ref))
    assert typed_cand.winner == winner(typed_cand, typed_ref)
    assert ref["winner"] is None
    assert "latency" in output and "p50/p95/p99" in output and "\nwinner: " in output


def test_one_engine_in_sequential_order(tmp_path: Path, tiny_model: Path) -> None:
    code, data, output = _run(
        tmp_path,
        tiny_model,
        "--questions",
        "2",
        "--engines",
        "reference",
        "--order",
        "sequential",
        "--warmup",
        "0",
    )
    assert code == 0, output
    (b,) = data["benchmarks"]
    assert b["engine"] == "reference:mlx-lm" and b["params"]["order"] == "sequential"
    assert len(b["questions"]) == 2 and b["winner"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-q", "100001"], "error: --questions 100001: "),
        (["-q", "0"], "error: --questions 0: "),
        (["--engines", "all"], "error: --engines all: "),
        (["--order", "random"], "error: --order random: "),
    ],
)
def test_bad_flags_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["run", "--suite", "flexible", "-o", str(out), *args])
    assert result.exit_code == 2 and result.output.startswith(message), result.output
    assert not out.exists()
