"""`mlxguard compare A B`: the gated metrics by default, all on request, never a test of
per-token samples (itl_ms pools every gap of every request: they are not independent); the
check's report formats and `--fail-on`; what only one file holds is listed."""

from __future__ import annotations

import json
from pathlib import Path

from factories import benchmark
from factories import results as make_results
from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.results import write_results


def _pair(tmp_path: Path) -> tuple[str, str]:
    """Two runs of one build: gated figures alike; ITL gaps 4% apart, e2e 30% apart."""
    decode = [100.0 + i % 5 for i in range(20)]
    gaps = [10.0 + (i % 7) * 0.1 for i in range(2000)]

    def run(itl_scale: float, e2e_scale: float):
        return make_results(
            benchmark(
                "throughput",
                "short-stream",
                decode_tps=decode,
                throughput_tps=decode,
                itl_ms=[g * itl_scale for g in gaps],
                e2e_ms=[300.0 * e2e_scale + i % 3 for i in range(20)],
            )
        )

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_results(run(1.0, 1.0), a)
    write_results(run(1.04, 1.3), b)
    return str(a), str(b)


def test_compares_what_is_gated_by_default(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["compare", *_pair(tmp_path)])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert any(line.startswith("PASS") and " decode " in line for line in lines)
    assert not any(line.startswith(("PASS", "FAIL")) and "latency" in line for line in lines)
    # ITL is never put to a test; it is shown for what it is.
    assert next(line for line in lines if " ITL " in line).startswith("SKIPPED  ")  # table row
    text = " ".join(out.output.split())
    (stats,) = [s for s in text.split("SKIPPED ")[1:] if "ITL:" in s]
    stats = stats.split(" PASS ")[0]
    assert "never tested" in stats and "p=" not in stats


def test_all_metrics_on_request(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["compare", *_pair(tmp_path), "--all-metrics"])
    assert out.exit_code == 1, out.output
    lines = out.output.splitlines()
    assert any(line.startswith("FAIL") and " latency " in line for line in lines)
    assert any(line.startswith("SKIPPED") and " ITL " in line for line in lines)


def test_files_with_no_benchmark_in_common_are_bad_input(tmp_path: Path) -> None:
    # Nothing was compared: exit 0 would read as "no regression".
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_results(make_results(benchmark("ttft", "warm", ttft_ms=[10.0, 11.0, 12.0])), a)
    write_results(make_results(benchmark("ttft", "cold", ttft_ms=[10.0, 11.0, 12.0])), b)
    out = CliRunner().invoke(app, ["compare", str(a), str(b)])
    assert out.exit_code == 2
    assert "no benchmark in common" in out.output


def test_report_formats_and_output_file(tmp_path: Path) -> None:
    a, b = _pair(tmp_path)
    out = CliRunner().invoke(app, ["compare", a, b, "--all-metrics", "-f", "json"])
    assert out.exit_code == 1, out.output
    doc = json.loads(out.output)
    assert doc["status"] == "fail"
    statuses = {v["metric"]: v["status"] for v in doc["verdicts"]}
    assert statuses == {"decode_tps": "pass", "throughput_tps": "pass", "e2e_ms": "fail",
                        "itl_ms": "skipped"}  # fmt: skip
    csv_path = tmp_path / "out.csv"
    out = CliRunner().invoke(app, ["compare", a, b, "-f", "csv", "-o", str(csv_path)])
    assert out.exit_code == 0 and out.output == ""
    assert csv_path.read_text().startswith("status,kind,")
    out = CliRunner().invoke(app, ["compare", a, b, "-f", "html"])
    assert out.exit_code == 2 and "unknown format 'html'" in out.output


def test_fail_on_inconclusive(tmp_path: Path) -> None:
    # Three samples a side can never fail at alpha 0.01: inconclusive, which --fail-on gates.
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_results(make_results(benchmark("ttft", "warm", ttft_ms=[10.0, 11.0, 12.0])), a)
    write_results(make_results(benchmark("ttft", "warm", ttft_ms=[13.0, 14.0, 15.0])), b)
    out = CliRunner().invoke(app, ["compare", str(a), str(b)])
    assert out.exit_code == 0 and "\n\nINCONCLUSIVE: " in out.output, out.output
    out = CliRunner().invoke(app, ["compare", str(a), str(b), "--fail-on", "inconclusive"])
    assert out.exit_code == 1
    out = CliRunner().invoke(app, ["compare", str(a), str(b), "--fail-on", "never"])
    assert out.exit_code == 2 and "'never' is not one of" in out.output


def test_benchmarks_in_one_file_only_are_named(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    warm, cold = ([10.0 + i % 3 for i in range(10)] for _ in range(2))
    write_results(make_results(benchmark("ttft", "warm", ttft_ms=warm),
                               benchmark("ttft", "cold", ttft_ms=cold)), a)  # fmt: skip
    write_results(make_results(benchmark("ttft", "warm", ttft_ms=warm)), b)
    out = CliRunner().invoke(app, ["compare", str(a), str(b)])
    assert out.exit_code == 0, out.output
    assert "note: only in A, not compared (1): ttft cold · mlx-lm (model tiny)" in out.output


def test_a_header_names_both_files_and_each_caveat_is_said_once(tmp_path: Path) -> None:
    a, b = _pair(tmp_path)
    out = CliRunner().invoke(app, ["compare", a, b, "--all-metrics"])
    lines = out.output.splitlines()
    text = " ".join(out.output.split())  # long paths wrap at the width
    assert text.startswith(f"A: {a} · run run1 at 0123456 · 2026-11-28 12:00 · Test CPU")
    assert text.count("B (judged against A): ") == 1 and f"{b} · run run1" in text
    assert any(line.startswith("verdict ") and " A → B " in line for line in lines)
    assert text.count("samples treated as independent") == 1
    assert max(len(line) for line in lines) <= 100
    md = CliRunner().invoke(app, ["compare", a, b, "-f", "markdown"]).output
    assert md.startswith("- A: ") and "| metric | change [CI] · A → B | verdict |" in md
