"""One registry for every output format: each name finds its module's `render`."""

from __future__ import annotations

import json

import pytest
from factories import benchmark, results

from mlxguard.check.verdicts import CheckReport
from mlxguard.errors import UsageError
from mlxguard.reports import EXPORT_FORMATS, FORMATS, REPORT_FORMATS, export, render
from mlxguard.results.load import LoadSection

LOAD_POINT = benchmark("load", "concurrency-1", ttft_ms=[10.0], output_tps=[90.0]).model_copy(
    update={"load": LoadSection(kind="concurrency", level=1, prompt_tokens=8, output_tokens=8,
                                warmup_requests=1)}
)  # fmt: skip
# Every format has something to render: the load-curve export refuses results without a point.
RESULTS = results(benchmark(ttft_ms=[10.0, 11.0, 12.0]), LOAD_POINT)
REPORT = CheckReport(status="skipped", verdicts=[])


def test_every_format_has_a_renderer() -> None:
    assert {"console", "markdown", "json", "csv"} <= set(REPORT_FORMATS)
    assert {"bencher", "github-action-benchmark"} <= set(EXPORT_FORMATS)
    assert all(callable(f.renderer()) for f in FORMATS.values())


# How each format's own module starts, so a name that found another module would show.
STARTS_WITH = {
    "console": "SKIPPED: no checks",
    "markdown": "### ⏭️ mlxguard: SKIPPED",
    "json": "{",
    "csv": "status,kind,suite,scenario,engine,metric,stat,value,unit,bound,baseline,ratio,"
    "ci_low,ci_high,p_value,p_adjusted,note,evidence",
    "csv-stats": "Type,Name,Metric,Mean,Median,P95,P99,Min,Max,StdDev,Unit,N",
}


def test_every_report_format_has_its_start_here() -> None:
    assert set(STARTS_WITH) == set(REPORT_FORMATS)


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_reports_render_a_check(fmt: str) -> None:
    text = render(fmt, RESULTS, REPORT)
    assert text.startswith(STARTS_WITH[fmt]), text[:200]


def test_the_json_report_is_the_report_schema() -> None:
    assert json.loads(render("json", RESULTS, REPORT))["schema"] == "mlxguard.report/1"


def _bencher(text: str) -> object:
    return json.loads(text)["ttft/warm/tiny/mlx-lm"]["ttft-ms"]


def _github_action_benchmark(text: str) -> object:
    entry = next(e for e in json.loads(text) if e["name"] == "ttft/warm/tiny/mlx-lm ttft_ms")
    return entry["unit"], entry["value"]


# What each export's own module writes about the results, so a name that found another module
# (or wrote nothing of the results) would show.
EXPORTED = {
    "bencher": (_bencher, {"value": 11.0, "lower_value": 10.1, "upper_value": 11.9}),
    "github-action-benchmark": (_github_action_benchmark, ("ms", 11.0)),
    "load-curve": (lambda text: text.startswith("<svg ") and "concurrency" in text, True),
}


def test_every_export_format_has_its_content_here() -> None:
    assert set(EXPORTED) == set(EXPORT_FORMATS)


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_exports_render_results(fmt: str) -> None:
    read, expected = EXPORTED[fmt]
    better = "lower" if FORMATS[fmt].one_direction else None
    assert read(export(RESULTS, fmt, better=better)) == expected


def test_a_kind_does_not_stand_for_the_other() -> None:
    with pytest.raises(UsageError, match="unknown format 'bencher'; choose from console"):
        render("bencher", RESULTS, REPORT)
    with pytest.raises(UsageError, match="unknown export format 'csv'; choose one of bencher"):
        export(RESULTS, "csv")
