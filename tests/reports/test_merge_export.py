"""`mlxguard merge` (joins, conflicts) and the exports against their documented shapes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from _results_factory import bench, env, results
from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.errors import UsageError
from mlxguard.merge import merge
from mlxguard.reports import export
from mlxguard.results import load_results, write_results

# https://bencher.dev/bmf.json (Bencher Metric Format), as documented.
BMF_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema",
    "type": "object",
    "patternProperties": {
        ".+": {
            "type": "object",
            "patternProperties": {
                ".+": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "number"},
                        "lower_value": {"type": "number"},
                        "upper_value": {"type": "number"},
                    },
                    "required": ["value"],
                }
            },
        }
    },
}
# github-action-benchmark, tool customBiggerIsBetter / customSmallerIsBetter: an array of
# {name, unit, value} with optional range and extra strings (the action's README).
GAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "unit": {"type": "string"},
            "value": {"type": "number"},
            "range": {"type": "string"},
            "extra": {"type": "string"},
        },
        "required": ["name", "unit", "value"],
        "additionalProperties": False,
    },
}


def test_merge_joins_disjoint_shards_and_dedupes_identical() -> None:
    a = results(bench([1.0, 2.0, 3.0], scenario="short-stream"))
    b = results(bench([4.0, 5.0, 6.0], scenario="long-stream"), run_id="run2")
    merged = merge([("a", a), ("b", b), ("a again", a)])
    assert [x.scenario for x in merged.benchmarks] == ["short-stream", "long-stream"]
    assert merged.run == a.run and merged.environment == a.environment


def test_merge_refuses_conflicting_duplicates() -> None:
    a = results(bench([1.0, 2.0, 3.0]))
    b = results(bench([1.0, 2.0, 3.5]), run_id="run2")
    with pytest.raises(UsageError, match=r"throughput short-stream · mlx-lm \(model tiny\) is in "
                                         r"both 'a.json' and 'b.json'"):  # fmt: skip
        merge([("'a.json'", a), ("'b.json'", b)])


def test_merge_keeps_each_machine_environment() -> None:
    other = env(chip="Other", fingerprint="cpu-other-1")
    a = results(bench([1.0, 2.0, 3.0], engine="e1"))
    b = results(bench([1.0, 2.0, 3.0], engine="e2"), environment=other)
    merged = merge([("a", a), ("b", b)])
    e1, e2 = merged.benchmarks
    assert e1.environment is None
    assert e2.environment is not None and e2.environment.fingerprint == "cpu-other-1"


def test_merge_cli(tmp_path: Path) -> None:
    write_results(results(bench([1.0, 2.0, 3.0])), tmp_path / "a.json")
    write_results(results(bench([1.0, 2.0, 9.0]), run_id="r2"), tmp_path / "b.json")
    write_results(results(bench([1.0], scenario="x")), tmp_path / "c.json")
    runner = CliRunner()
    out = runner.invoke(app, ["merge", str(tmp_path / "a.json"), str(tmp_path / "c.json"),
                              "-o", str(tmp_path / "m.json")])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert len(load_results(tmp_path / "m.json").benchmarks) == 2
    out = runner.invoke(app, ["merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                              "-o", str(tmp_path / "bad.json")])  # fmt: skip
    assert out.exit_code == 2 and out.output.startswith("error: benchmark throughput")
    assert not (tmp_path / "bad.json").exists()


def test_bencher_export_matches_bmf() -> None:
    r = results(bench([10.0, 20.0, 30.0, 40.0, 50.0]))
    doc = json.loads(export(r, "bencher"))
    jsonschema.validate(doc, BMF_SCHEMA)
    measures = doc["throughput/short-stream/tiny/mlx-lm"]
    assert set(measures) == {"decode-tps", "ttft-ms"}  # output_tokens has no direction
    assert measures["decode-tps"] == {"value": 30.0, "lower_value": 12.0, "upper_value": 48.0}


@pytest.mark.parametrize(("better", "metric"), [("higher", "decode_tps"), ("lower", "ttft_ms")])
def test_github_action_benchmark_export(better: str, metric: str) -> None:
    r = results(bench([10.0, 20.0, 30.0]))
    doc = json.loads(export(r, "github-action-benchmark", better=better))
    jsonschema.validate(doc, GAB_SCHEMA)
    [row] = doc
    assert row["name"] == f"throughput/short-stream/tiny/mlx-lm {metric}"
    assert row["range"].startswith("± ") and row["extra"].startswith("n=3 samples")
    if better == "higher":
        assert (row["unit"], row["value"]) == ("tok/s", 20.0)


def test_export_cli(tmp_path: Path) -> None:
    write_results(results(bench([10.0, 20.0, 30.0])), tmp_path / "r.json")
    runner = CliRunner()
    out = runner.invoke(app, ["export", str(tmp_path / "r.json"), "--to", "bencher",
                              "-o", str(tmp_path / "bmf.json")])  # fmt: skip
    assert out.exit_code == 0, out.output
    jsonschema.validate(json.loads((tmp_path / "bmf.json").read_text()), BMF_SCHEMA)
    out = runner.invoke(app, ["export", str(tmp_path / "r.json"), "--to", "csv"])
    assert out.exit_code == 2 and "unknown export format 'csv'" in out.output
    out = runner.invoke(app, ["export", str(tmp_path / "r.json"), "--to",
                              "github-action-benchmark", "--better", "up"])  # fmt: skip
    assert out.exit_code == 2 and "--better 'up'" in out.output


def test_compare_cli(tmp_path: Path) -> None:
    base = [100.0 + i % 5 for i in range(30)]
    write_results(results(bench(base)), tmp_path / "a.json")
    write_results(results(bench([x * 0.8 for x in base]), run_id="r2"), tmp_path / "b.json")
    out = CliRunner().invoke(app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert out.exit_code == 1, out.output
    [row] = [line for line in out.output.splitlines() if line.startswith("FAIL  ")]  # the table
    assert "throughput short-stream" in row and " decode " in row
    out = CliRunner().invoke(app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "a.json")])
    assert out.exit_code == 0 and "FAIL" not in out.output


def test_merge_keeps_a_shard_incomplete() -> None:
    a = results(bench([1.0, 2.0, 3.0], scenario="short-stream"))
    cut = a.run.model_copy(update={"finished_at": None, "incomplete_suites": ["ipc"]})
    b = results(bench([4.0, 5.0, 6.0], scenario="long-stream"), run_id="run2")
    b = b.model_copy(update={"run": cut})
    merged = merge([("a", a), ("b", b)])
    # Whatever shard was cut short, the joined file says so (and `check` then refuses it).
    assert merged.run.incomplete_suites == ["ipc"] and merged.run.finished_at is None
    assert merged.run.incomplete == "suites not run: ipc"
    assert merge([("a", a), ("a", a)]).run.incomplete is None


def test_a_shard_whose_budget_ran_out_speaks_for_the_merged_run() -> None:
    from mlxguard.results import Adaptive, BudgetSpent

    main = results(bench([100.0, 101.0]), run_id="main")
    pair = results(bench([90.0, 91.0], engine="candidate:head"), run_id="pair")
    spent = BudgetSpent(max_seconds=150, elapsed_s=150.4, cut=["throughput short-stream · x"])
    pair = pair.model_copy(update={"run": pair.run.model_copy(
        update={"budget": spent, "adaptive": Adaptive(rounds=3, stopped="budget: 150 s reached")}
    )})  # fmt: skip
    merged = merge([("main", main), ("pair", pair)])
    assert merged.run.id == "main"  # the first shard's run
    assert merged.run.budget == spent and merged.run.adaptive == pair.run.adaptive
    assert merged.run.adaptive is not None and merged.run.adaptive.timed_out
    # No budget ran out anywhere: nothing is carried over.
    assert merge([("main", main), ("main2", main)]).run.budget is None
