"""The dashboard page without a browser: escaping, links, the CLI's errors."""

from __future__ import annotations

import json
from pathlib import Path

from _results_factory import bench, results
from typer.testing import CliRunner

from mlxguard.baselines import load_baselines, update, with_results
from mlxguard.cli.app import app
from mlxguard.config import CheckSettings
from mlxguard.reports.dashboard import Page, commit_url, render, script_json
from mlxguard.results import write_results

GATED = CheckSettings().gated_for
HOSTILE = "m</script><script>alert(1)</script>\u2028&"


def test_script_json_cannot_end_its_element() -> None:
    text = script_json({"name": HOSTILE})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": HOSTILE}


def test_links_only_to_https_repositories_and_hex_shas() -> None:
    repo = "https://github.com/o/r"
    assert commit_url(repo, "abc1234") == f"{repo}/commit/abc1234"
    assert commit_url("javascript:alert(1)//x", "abc1234") is None
    assert commit_url(repo, 'abc1234"><b') is None
    assert commit_url(None, "abc1234") is None


def test_untrusted_names_are_text(tmp_path: Path) -> None:
    update(results(bench([10.0, 11.0, 12.0], model=HOSTILE, engine="<e>")), tmp_path, GATED, 5)
    html = render(load_baselines(tmp_path), Page(repo_url="https://github.com/o/r"))
    assert "<script>alert" not in html and "<e>" not in html
    assert "m&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("</script>") == 3  # the data, uPlot and the page's script
    assert "Copyright (c) 2022 Leon Sorokin" in html  # uPlot's MIT notice travels with it


def test_with_results_adds_a_run_in_memory(tmp_path: Path) -> None:
    update(results(bench([10.0] * 3), run_id="a"), tmp_path, GATED, 1)
    [b] = with_results(load_baselines(tmp_path), results(bench([9.0] * 3), run_id="b"), GATED, 5)
    # Every run is shown; the page states what the store keeps (1 here), not a fixed 100.
    assert [r.id for r in b.runs] == ["a", "b"] and b.keep == 1
    assert b.find("throughput", "short-stream", "decode_tps").medians() == [10.0, 9.0]
    [other] = with_results([], results(bench([9.0] * 3), run_id="b"), GATED, 5)
    assert len(other.runs) == 1 and other.keep == 5
    html = render([b], Page())
    assert "2 run(s) shown · the store keeps the last 1" in html


def test_cli_writes_the_page_and_refuses_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_results(results(bench([10.0] * 3)), path)
    runner = CliRunner()
    ok = runner.invoke(app, ["dashboard", "--dir", str(tmp_path / "none"), "--results",
                             str(path), "-o", str(tmp_path / "site")])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "tiny · mlx-lm" in (tmp_path / "site" / "index.html").read_text()
    bad = runner.invoke(app, ["dashboard", "-o", str(tmp_path / "x"), "--repo-url",
                              "javascript:alert(1)"])  # fmt: skip
    assert bad.exit_code == 2
    assert bad.output.startswith("error: --repo-url: repository URL 'javascript:alert(1)'")
    assert not (tmp_path / "x").exists()
