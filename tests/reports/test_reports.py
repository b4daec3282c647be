"""Reports on hand-built results: hostile names are escaped, every format renders."""

from __future__ import annotations

import csv
import io
import json

from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.reports import render
from mlxguard.reports.escape import code, md

HOSTILE = "<img src=x onerror=alert(1)> @octocat | #12 `x`\nnext"


def _fixture():
    r = results(
        benchmark(scenario="warm", engine=HOSTILE, ttft_ms=[80.0, 90.0, 300.0]),
        benchmark(suite="throughput", scenario="short-stream", decode_tps=[150.0, 160.0]),
    )
    return r, evaluate(r, Config())


def test_md_escapes_html_mentions_tables_and_newlines() -> None:
    out = md(HOSTILE)
    assert "<" not in out and ">" not in out and "\n" not in out
    assert "@octocat" not in out and "\\|" in out and "\\#12" in out
    assert code("a`b|c") == "`aˋb¦c`"


def test_markdown_report_is_safe() -> None:
    r, report = _fixture()
    text = render("markdown", r, report)
    assert "<img" not in text and "@octocat" not in text
    assert text.startswith("### ❌ mlxguard: FAIL")
    # Every table row keeps its column count despite the pipe in the engine name.
    rows = [line for line in text.splitlines() if "| ❌ fail" in line or "| ✅ pass" in line]
    assert len(rows) == 2
    for line in rows:
        assert line.replace("\\|", "").count("|") == 4, line


def test_console_headline_names_the_deciding_figure() -> None:
    r, report = _fixture()
    first = render("console", r, report).splitlines()[0]
    assert first == "FAIL: 1 of 2 checks failed: TTFT p95 279.00 ms"


def test_headline_names_every_undecided_metric_once() -> None:
    from mlxguard.check.verdicts import CheckReport, Verdict
    from mlxguard.reports.headline import headline

    same = {"kind": "reference", "suite": "compare", "engine": "candidate:ipc", "scenario": "warm"}
    evidence = "2 reference and 2 candidate samples; need at least 3 each"
    verdicts = [
        Verdict(**same, metric=m, status="inconclusive", evidence=evidence)
        for m in ("ttft_ms", "decode_tps", "ttft_ms")
    ]
    line = headline(CheckReport(status="inconclusive", verdicts=verdicts))
    assert line == "INCONCLUSIVE: 3 of 3 checks inconclusive: TTFT, decode"


def test_json_and_csv() -> None:
    r, report = _fixture()
    doc = json.loads(render("json", r, report))
    assert doc["status"] == "fail" and doc["schema"] == "mlxguard.report/1"
    rows = list(csv.reader(io.StringIO(render("csv", r, report))))
    assert len(rows) == 1 + len(report.verdicts)


def test_csv_neutralises_formulas() -> None:
    r = results(benchmark(suite="=cmd()", ttft_ms=[1.0]))
    rows = list(csv.reader(io.StringIO(render("csv-stats", r, evaluate(r, Config())))))
    assert rows[1][0] == "'=cmd()"


def test_the_ipc_suites_placeholder_model_is_not_listed_as_a_model() -> None:
    from factories import benchmark, results

    from mlxguard.reports.headline import models

    r = results(
        benchmark("ttft", model="tiny", ttft_ms=[1.0]),
        benchmark("ipc", "msgpack-chunk", model="none", decode_us=[1.0]),
    )
    assert models(r) == ["tiny"]
