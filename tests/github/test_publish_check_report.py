"""`publish --check-report` publishes the check `check --json-report` wrote, without judging
the results a second time; a report of another run, or one with the check's own options, is
refused."""

from __future__ import annotations

import json
from pathlib import Path

from factories import benchmark, results
from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.results import write_results


def _files(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    path = tmp_path / "results.json"
    write_results(results(benchmark("ttft", "warm", ttft_ms=[10.0, 11.0, 12.0])), path)
    env = {
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_TOKEN": "",
    }
    return str(path), tmp_path / "check.json", env


def test_publish_takes_the_checks_report_as_written(tmp_path: Path) -> None:
    res, report, env = _files(tmp_path)
    out = CliRunner().invoke(app, ["check", res, "--json-report", str(report)])
    assert out.exit_code == 0 and report.is_file(), out.output
    doc = json.loads(report.read_text())
    assert doc["status"] == "pass"
    # A verdict only the check could know (say, against a baseline publish was not given):
    # publish must report it, not a verdict of its own.
    doc["status"] = "fail"
    doc["verdicts"][0] |= {"status": "fail", "evidence": "judged by the check"}
    report.write_text(json.dumps(doc))
    args = ["publish", res, "--check-report", str(report), "--no-comment", "--no-status"]
    out = CliRunner().invoke(app, args, env=env)
    assert out.exit_code == 1, out.output
    assert "verdict<<" in (tmp_path / "output").read_text()
    assert "fail" in (tmp_path / "output").read_text().split("verdict<<")[1].splitlines()[1]
    assert "judged by the check" in (tmp_path / "summary.md").read_text()


def test_a_report_of_another_run_is_refused(tmp_path: Path) -> None:
    res, report, env = _files(tmp_path)
    CliRunner().invoke(app, ["check", res, "--json-report", str(report)])
    doc = json.loads(report.read_text())
    doc["run"]["id"] = "another"
    report.write_text(json.dumps(doc))
    out = CliRunner().invoke(app, ["publish", res, "--check-report", str(report)], env=env)
    assert out.exit_code == 2
    assert "judged run 'another', not the results' run 'run1'" in out.output


def test_the_checks_own_options_go_to_the_check(tmp_path: Path) -> None:
    res, report, env = _files(tmp_path)
    CliRunner().invoke(app, ["check", res, "--json-report", str(report)])
    args = ["publish", res, "--check-report", str(report), "--baseline", str(tmp_path)]
    out = CliRunner().invoke(app, args, env=env)
    assert out.exit_code == 2 and "give --baseline" in out.output
    report.write_text("{}")
    out = CliRunner().invoke(app, ["publish", res, "--check-report", str(report)], env=env)
    assert out.exit_code == 2 and "has schema None" in out.output
