"""GitHub's size limits: the comment (65,536 UTF-16 units) and the job summary (1 MiB) are
trimmed to fit, whatever the names in the results, and never end over the limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.github.comment import MAX_BODY, fit, marker, utf8_bytes, utf16_units
from mlxguard.github.workflow import MAX_SUMMARY_BYTES, add_summary
from mlxguard.reports import comment

POINTER = "_Comment trimmed: the full report is in the artifact._"


@pytest.mark.parametrize("name", ["m" * 70_000, "<" * 70_000, "é\U0001f600" * 35_000])
def test_a_huge_model_name_is_cut_and_every_verdict_kept(name: str) -> None:
    r = results(
        benchmark(model=name, ttft_ms=[300.0, 310.0, 320.0]),
        benchmark(model=name, scenario="warm-long", ttft_ms=[80.0, 90.0, 95.0]),
    )
    report = evaluate(r, Config())
    body = fit(f"{marker('mlxguard')}\n{comment.render(r, report, gated=['ttft_ms'])}", POINTER)
    assert utf16_units(body) <= MAX_BODY
    assert "<sub>ttft warm · mlx-lm</sub>" in body and "<sub>ttft warm-long · mlx-lm</sub>" in body
    assert "❌ fail" in body and "✅ pass" in body
    assert "…" in body  # the name, cut


def test_one_huge_line_does_not_push_out_what_follows() -> None:
    body = "### verdict\n" + "x" * 100_000 + "\n| row | after the long line |\n"
    out = fit(body, POINTER)
    assert utf16_units(out) <= MAX_BODY
    assert "| row | after the long line |" in out and out.rstrip().endswith(POINTER)


@pytest.mark.parametrize("limit", [0, 1, 10, 40, 56, 57, 58, 60, 90, 200, 1000])
@pytest.mark.parametrize("size", [utf8_bytes, utf16_units])
def test_fit_never_ends_over_its_limit(limit: int, size) -> None:
    body = "<details>\n\n```\n" + "a line of the report, é\n" * 100
    out = fit(body, POINTER, limit, size)
    assert size(out) <= limit
    if size(f"\n\n{POINTER}\n") <= limit:
        assert POINTER in out


@pytest.mark.parametrize("room", [0, 10, 57, 200])
def test_a_nearly_full_summary_never_ends_over_1_mib(tmp_path: Path, room: int) -> None:
    path = tmp_path / "summary.md"
    path.write_bytes(b"x" * (MAX_SUMMARY_BYTES - room - 1) + b"\n")
    assert add_summary("# report\n" + "a row\n" * 1000, {"GITHUB_STEP_SUMMARY": str(path)}, POINTER)
    assert path.stat().st_size <= MAX_SUMMARY_BYTES


def test_a_summary_that_fits_is_appended_whole(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    assert add_summary("# report", {"GITHUB_STEP_SUMMARY": str(path)}, POINTER)
    assert path.read_text() == "# report\n"
