"""One registry for every output format: each name finds its module's `render`."""

from __future__ import annotations

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


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_reports_render_a_check(fmt: str) -> None:
    assert render(fmt, RESULTS, REPORT).endswith("\n")


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_exports_render_results(fmt: str) -> None:
    assert export(RESULTS, fmt, better="lower").endswith("\n")


def test_a_kind_does_not_stand_for_the_other() -> None:
    with pytest.raises(UsageError, match="unknown format 'bencher'; choose from console"):
        render("bencher", RESULTS, REPORT)
    with pytest.raises(UsageError, match="unknown export format 'csv'; choose one of bencher"):
        export(RESULTS, "csv")
