"""`--format csv` is the verdicts, one row each; the per-metric statistics are `csv-stats`."""

from __future__ import annotations

import csv
import io

from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.reports import REPORT_FORMATS, render


def _rows(fmt: str, r, report) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render(fmt, r, report))))


def test_one_row_per_verdict_with_its_evidence() -> None:
    r = results(
        benchmark(scenario="warm", ttft_ms=[80.0, 90.0, 300.0]),
        benchmark(suite="throughput", scenario="short-stream", decode_tps=[150.0, 160.0]),
    )
    report = evaluate(r, Config())
    rows = _rows("csv", r, report)
    assert len(rows) == len(report.verdicts) > 0
    assert list(rows[0]) == [
        "status", "kind", "suite", "scenario", "engine", "metric", "stat", "value", "unit",
        "bound", "baseline", "ratio", "ci_low", "ci_high", "p_value", "p_adjusted", "note",
        "evidence",
    ]  # fmt: skip
    ttft = next(row for row in rows if row["metric"] == "ttft_ms")
    assert ttft["status"] == "fail" and ttft["kind"] == "target" and ttft["stat"] == "p95"
    assert float(ttft["value"]) == 279.0 and float(ttft["bound"]) == 200.0
    assert ttft["unit"] == "ms" and "target < 200" in ttft["evidence"]


def test_stats_stay_available_as_csv_stats() -> None:
    r = results(benchmark(scenario="warm", ttft_ms=[80.0, 90.0, 300.0]))
    assert "csv-stats" in REPORT_FORMATS
    rows = list(csv.reader(io.StringIO(render("csv-stats", r, evaluate(r, Config())))))
    assert rows[0][:4] == ["Type", "Name", "Metric", "Mean"]
    ttft = next(row for row in rows[1:] if row[2] == "ttft_ms")
    assert ttft[3] == "156.667" and ttft[4] == "90" and ttft[10] == "ms"


def test_both_neutralise_formulas() -> None:
    r = results(benchmark(suite="ttft", scenario="warm", engine="=cmd()", ttft_ms=[1.0, 2.0]))
    report = evaluate(r, Config())
    assert [row["engine"] for row in _rows("csv", r, report)] == ["'=cmd()"]
    stats = list(csv.reader(io.StringIO(render("csv-stats", r, report))))
    assert stats[1][1] == "warm/=cmd()"  # not at the start of the cell: harmless
