"""The detectable change reaches every human-facing format: console, Markdown, PR comment."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _results_factory import bench, lognormal, results

from mlxguard.baselines import load_baselines, update
from mlxguard.check.evaluate import evaluate
from mlxguard.config import CheckSettings, Config
from mlxguard.reports import console, markdown
from mlxguard.reports.comment import render as comment


def _checked():
    d = Path(tempfile.mkdtemp())
    for i in range(5):
        run = results(bench(lognormal(20, 100 * (1 + 0.02 * i), 0.01, i)), run_id=f"b{i}")
        update(run, d, CheckSettings().gated_for, 10)
    r = results(bench(lognormal(20, 101, 0.01, 9)), run_id="cur")
    return r, evaluate(r, Config(), load_baselines(d))


def test_resolution_is_computed_once_and_formatted_everywhere() -> None:
    r, report = _checked()
    [res] = report.resolution
    [v] = [v for v in report.verdicts if v.kind == "baseline"]
    assert res.kind == "baseline" and res.comparisons == 1 and res.best == res.worst == v.detectable
    line = f"this runner resolves changes ≥ {v.detectable:.0%} (stored baselines: 1 comparison(s)"
    assert f"resolution: {line}" in console.render(r, report)
    assert line in markdown.render(r, report)
    assert line in comment(r, report, gated=CheckSettings().all_gated())


def test_no_comparison_no_resolution_line() -> None:
    r = results(bench([100.0] * 5))
    report = evaluate(r, Config())
    assert report.resolution == [] and "resolves" not in console.render(r, report)
