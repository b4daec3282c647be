"""The dashboard page without a browser: escaping, links, the CLI's errors."""

from __future__ import annotations

import json
import re
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


def test_no_control_or_bidi_character_reaches_the_page(tmp_path: Path) -> None:
    hostile = "m\x1b[2J\x07\x00\u202eevil\u2066"
    r = results(bench([10.0, 11.0, 12.0], model=hostile, engine=hostile))
    data = json.loads(r.model_dump_json())
    data["run"]["git_sha"] = "abc\u202e1234"  # shown as text: it is no link
    data["benchmarks"][0]["metrics"]["decode_tps"]["unit"] = hostile  # the chart's unit
    update(type(r).model_validate(data), tmp_path, GATED, 5)
    html = render(load_baselines(tmp_path), Page())
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", html)
    assert "m\ufffd[2J" in html  # the name shown, its controls replaced


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


def _day_of_runs(tmp_path: Path, decode: list[float]) -> list:
    """Runs of one day, an hour apart, each with its own decode median."""
    for i, median in enumerate(decode):
        r = results(bench([median] * 3), run_id=f"r{i}", sha=f"{i:07x}abc")
        r = r.model_copy(update={"run": r.run.model_copy(
            update={"started_at": f"2026-12-05T{9 + i:02d}:30:00+00:00"})})  # fmt: skip
        update(r, tmp_path, GATED, 10)
    return load_baselines(tmp_path)


def test_runs_of_one_day_are_told_apart_and_steps_beyond_the_tolerance_marked(
    tmp_path: Path,
) -> None:
    html = render(_day_of_runs(tmp_path, [100.0, 101.0, 80.0]), Page())
    data = json.loads(html.split('id="mlxguard-data">')[1].split("</script>")[0])
    decode = next(c for c in data if c["unit"] == "tok/s")["rows"]
    assert [r["tick"] for r in decode] == ["12-05 09:30", "12-05 10:30", "12-05 11:30"]
    # decode fell 20.8%: marked by an arrow and a word, not a colour alone; +1% is not marked.
    assert [r["moved"] for r in decode] == [0, 0, -1]
    assert [r["step"] for r in decode] == ["—", "+1.0%", "▼ −20.8%"]
    assert "▼ −20.8% worse" in html and "2026-12-05 11:30" in html
    # One line at the top says how many series moved (the store keeps the gated decode_tps).
    summary = html.split('id="summary">')[1].split("</p>")[0]
    assert summary == (
        "1 of 1 series moved beyond the tolerance (±5%) since the previous run: 1 worse, 0 better"
    )


def test_a_metric_with_its_own_tolerance_is_marked_by_it(tmp_path: Path) -> None:
    page = Page(tolerances=(("decode_tps", 0.25),), tolerance=0.05)
    html = render(_day_of_runs(tmp_path, [100.0, 80.0]), page)
    assert "0 of 1 series moved beyond the tolerance (±5%/±25% by metric) since" in html
    assert "▼ −20.0%" not in html
