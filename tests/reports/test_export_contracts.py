"""The exports as the documented workflows use them: github-action-benchmark's two directions
under two names, and Bencher values that agree with their bounds."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from _results_factory import bench, results
from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.errors import UsageError
from mlxguard.reports import export
from mlxguard.results import write_results

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"customBiggerIsBetter": "higher", "customSmallerIsBetter": "lower"}


def _documented_history_workflow() -> dict:
    text = (ROOT / "docs" / "baselines.md").read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "benchmark-action/" in b]
    return yaml.safe_load(block)


def test_documented_benchmark_action_steps_have_one_name_per_direction(tmp_path):
    [job] = _documented_history_workflow()["jobs"].values()
    steps = [s for s in job["steps"] if "benchmark-action/" in str(s.get("uses", ""))]
    names = [s["with"]["name"] for s in steps]
    assert len(steps) == 2 and len(set(names)) == 2, names  # a shared name loses the alerts
    assert {s["with"]["tool"] for s in steps} == set(TOOLS)
    # Each step reads the file exported for its own direction.
    exported = {}
    for step in job["steps"]:
        for line in str(step.get("run", "")).splitlines():
            if "export" in line:
                args = shlex.split(line)
                exported[args[args.index("-o") + 1]] = args[args.index("--better") + 1]
    write_results(results(bench([10.0, 20.0, 30.0])), tmp_path / "r.json")
    for step in steps:
        path, tool = step["with"]["output-file-path"], step["with"]["tool"]
        assert exported[path] == TOOLS[tool]
        out = CliRunner().invoke(
            app,
            ["export", str(tmp_path / "r.json"), "--to", "github-action-benchmark",
             "--better", exported[path], "-o", str(tmp_path / path)],
        )  # fmt: skip
        assert out.exit_code == 0, out.output
        units = {row["unit"] for row in json.loads((tmp_path / path).read_text())}
        assert units == ({"tok/s"} if TOOLS[tool] == "higher" else {"ms"})


def _tampered(median: float):
    r = results(bench([10.0, 20.0, 30.0, 40.0, 50.0]))
    b = r.benchmarks[0]
    m = b.metrics["decode_tps"]
    m = m.model_copy(update={"summary": m.summary.model_copy(update={"median": median})})
    b = b.model_copy(update={"metrics": {**b.metrics, "decode_tps": m}})
    return r.model_copy(update={"benchmarks": [b]})


@pytest.mark.parametrize("fmt", ["bencher", "github-action-benchmark"])
def test_export_refuses_a_summary_that_disagrees_with_its_samples(fmt):
    with pytest.raises(UsageError, match=r"decode_tps.*median 99.*samples give 30"):
        export(_tampered(99.0), fmt)


def test_bencher_value_lies_within_its_bounds():
    doc = json.loads(export(results(bench([10.0, 20.0, 30.0, 40.0, 50.0])), "bencher"))
    for measures in doc.values():
        for m in measures.values():
            assert m["lower_value"] <= m["value"] <= m["upper_value"]


def test_bencher_docs_give_each_measure_its_unit_and_boundary():
    text = (ROOT / "docs" / "baselines.md").read_text(encoding="utf-8")
    table = text.split("| measure | unit | threshold boundary |")[1].split("\n\n")[0]
    rows = {
        cells[0].strip("` "): (cells[1].strip("` "), cells[2].strip())
        for line in table.strip().splitlines()[1:]
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    from mlxguard.metrics import METRICS

    for name, spec in METRICS.items():
        if spec.direction == "none":
            continue
        unit, boundary = rows[name.replace("_", "-")]
        assert unit == spec.unit, name
        assert boundary.startswith("upper" if spec.direction == "lower" else "lower"), name
