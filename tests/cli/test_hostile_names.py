"""Names from a results file reach every output as one clean line: no workflow command starts a
line (`::...`) or hides in one (`##[...]`), no control or bidi character, no raw newline, no
spreadsheet formula, in any format of `check`, in `baseline show` and in `compare`."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from cli_runner import invoke
from factories import benchmark, results

from mlxguard.results import write_results

HOSTILE = {
    "scenario": "::error title=PWNED::owned\n::warning::second",
    "engine": "eng\x1b[31m\x07\x00\u202eenil ##[add-mask]x",
    "model": "::add-mask::m\r\n=cmd|' /C calc'!A0",
    "suite": "@SUM(1+1)\n::error::suite\x1b[2J\u202e",  # heads a console table
}
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_safe(text: str) -> None:
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
    assert not _UNSAFE.search(text.replace("\r\n", "\n")), repr(text)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    r = results(
        benchmark(**HOSTILE, ttft_ms=[80.0, 90.0, 300.0]),
        # Judged by the default target (warm*): the names reach the verdicts.
        benchmark(
            suite="ttft",
            scenario="warm\n::error::verdict-row",
            engine=HOSTILE["engine"],
            ttft_ms=[80.0, 90.0, 300.0],
        ),
        benchmark(suite="throughput", scenario="short", decode_tps=[15.0, 16.0, 17.0]),
    )
    path = tmp_path / "hostile.json"
    write_results(r, path)
    return path


@pytest.mark.parametrize("fmt", ["console", "markdown", "json", "csv", "csv-stats"])
def test_check_output_is_safe_in_every_format(hostile: Path, fmt: str) -> None:
    out = invoke("check", str(hostile), "--format", fmt)
    assert out.returncode == 1, out.stderr  # its TTFT p95 (279 ms) and decode miss the targets
    assert "verdict-row" in out.stdout  # the name is shown, made harmless
    assert_safe(out.stdout)
    assert_safe(out.stderr)


@pytest.mark.parametrize("fmt", ["console", "markdown", "csv", "csv-stats"])
def test_a_report_written_to_a_file_is_safe_too(hostile: Path, tmp_path: Path, fmt: str) -> None:
    out = invoke("check", str(hostile), "--format", fmt, "-o", str(tmp_path / "report"))
    assert out.returncode == 1, out.stderr
    text = (tmp_path / "report").read_text()  # a file, not a log: only its characters matter
    assert not _UNSAFE.search(text.replace("\r\n", "\n")), repr(text)


@pytest.mark.parametrize(("fmt", "rows"), [("csv", 3), ("csv-stats", 4)])
def test_csv_cells_hold_no_newline_and_no_formula(hostile: Path, fmt: str, rows: int) -> None:
    text = invoke("check", str(hostile), "--format", fmt).stdout
    table = list(csv.reader(io.StringIO(text)))
    assert len(text.splitlines()) == len(table) >= rows  # no cell spans two lines
    for row in table[1:]:
        for cell in row:
            assert "\n" not in cell and "\r" not in cell
            assert not cell.startswith(("=", "+", "@")) and not re.match(r"-[^\d.]", cell)


def test_csv_stats_escapes_the_unit_column(tmp_path: Path) -> None:
    from mlxguard.check.evaluate import evaluate
    from mlxguard.config import Config
    from mlxguard.reports import render

    r = results(benchmark(ttft_ms=[1.0, 2.0, 3.0]))
    metric = r.benchmarks[0].metrics["ttft_ms"].model_copy(update={"unit": "=HYPERLINK(1)"})
    r.benchmarks[0].metrics["ttft_ms"] = metric
    rows = list(csv.reader(io.StringIO(render("csv-stats", r, evaluate(r, Config())))))
    assert rows[1][10] == "'=HYPERLINK(1)"


def test_baseline_show_and_update_are_safe(hostile: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    updated = invoke("baseline", "update", str(hostile), "--dir", str(store))
    assert updated.returncode == 0, updated.stderr
    shown = invoke("baseline", "show", "--dir", str(store))
    assert shown.returncode == 0 and "add-mask" in shown.stdout, shown.stderr
    assert_safe(shown.stdout)


def test_compare_is_safe(hostile: Path) -> None:
    out = invoke("compare", str(hostile), str(hostile))
    assert "owned" in out.stdout, out.stderr
    assert_safe(out.stdout)


def test_errors_naming_a_hostile_path_are_one_safe_line(tmp_path: Path) -> None:
    bad = tmp_path / "x\n::error::y\x1b.json"
    bad.write_text("{not json")
    out = invoke("check", str(bad))
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert_safe(out.stderr)
