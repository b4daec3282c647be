"""The load suite's reports: the compact table (job summary, PR comment), the SVG curve and the
dashboard's copy of it; untrusted engine names escaped everywhere."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from cli_runner import assert_usage_error, invoke
from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.reports import export, render
from mlxguard.results import write_results
from mlxguard.results.load import LoadSection

HOSTILE = "<script>alert(1)</script>|@someone\x00\x1b[31m\u202e"  # XML allows no NUL


def point(kind: str, level: float, engine: str, ttft: list[float], tps: list[float]):
    b = benchmark("load", f"{kind}-{level:g}", engine, ttft_ms=ttft, output_tps=tps)
    section = LoadSection(
        kind=kind, level=level, prompt_tokens=32, output_tokens=8, warmup_requests=1,
        flags=["saturated: 10 of 12 req/s offered"] if level == 4 else [],
    )  # fmt: skip
    return b.model_copy(update={"load": section})


def load_results():
    return results(
        point("concurrency", 1, "head", [10, 11, 12], [100, 101]),
        point("concurrency", 4, "head", [40, 41, 90], [300, 310]),
        point("concurrency", 1, HOSTILE, [12, 13, 14], [90, 91]),
        point("concurrency", 4, HOSTILE, [50, 55, 60], [200, 210]),
        point("rate", 2, "head", [20, 21, 22], [150, 151]),
    )


def test_the_markdown_report_has_the_compact_table_with_names_escaped():
    r = load_results()
    text = render("markdown", r, evaluate(r, Config()))
    table = text.split("**Load**")[1].split("<details>")[0]
    assert "| **concurrency-4**<br><sub>head · saturated</sub> |" in table  # a flag's first word
    assert "<sub>305.0 · —</sub>" in table  # the median window, the unit in the header
    assert "| 41.00 / 80.20<br>" in table  # TTFT p50 / p90
    assert "<script>" not in text and "&lt;script&gt;" in table
    assert "@someone" not in text


def test_the_curve_is_svg_with_one_chart_per_kind_and_escaped_names():
    image = export(load_results(), "load-curve")
    root = ET.fromstring(image)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    titles = [t.text for t in root.iterfind(".//s:text", ns) if t.text and "against" in t.text]
    assert titles == [
        "load: TTFT p90 and output tok/s against concurrency",
        "load: TTFT p90 and output tok/s against rate",
    ]
    # Concurrency: TTFT and tok/s for each of 2 engines; rate: 1 engine.
    assert len(root.findall(".//s:polyline", ns)) == 6
    assert "<script>" not in image and "&lt;script&gt;" in image


def test_the_curves_axes_have_round_ticks_and_the_legend_its_own_rows():
    from mlxguard.reports.load_curve import nice_top

    assert [nice_top(v) for v in (789, 1313, 352, 0.9, 0)] == [800, 1600, 400, 1.0, 1.0]
    long = [point("concurrency", lv, f"candidate:head-build-number-{e}", [40, 50, 60], [300, 310])
            for e in "abc" for lv in (1, 4)]  # fmt: skip
    root = ET.fromstring(export(results(*long), "load-curve"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    texts = [(t.text or "", float(t.get("y", 0))) for t in root.iterfind(".//s:text", ns)]
    legend = [y for text, y in texts if text.startswith("■ ")]
    keys = [y for text, y in texts if text in ("TTFT p90 (ms)", "output tok/s")]
    ticks = [text for text, _ in texts if text.replace(",", "").isdigit()][:10]  # the y axes
    assert len(set(legend)) == 2  # three long names: two rows
    assert min(keys) > max(legend) + 8  # the axis keys below the names, not on them
    # TTFT p90 58 ms, 305 tok/s: 0 to 60 ms in steps of 15, 0 to 320 tok/s in steps of 80.
    assert ticks[::2] == ["0", "15", "30", "45", "60"] and ticks[1::2] == [
        "0",
        "80",
        "160",
        "240",
        "320",
    ]


def test_the_curve_of_results_without_a_load_point_is_bad_input(tmp_path):
    path = tmp_path / "r.json"
    write_results(results(benchmark(ttft_ms=[1.0, 2.0])), path)
    assert_usage_error(invoke("export", str(path), "--to", "load-curve"), "no load suite")


@pytest.mark.parametrize("with_load", [True, False])
def test_the_dashboard_embeds_the_curve_of_the_run_given(tmp_path, with_load):
    path = tmp_path / "r.json"
    write_results(load_results() if with_load else results(benchmark(ttft_ms=[1.0])), path)
    proc = invoke("dashboard", "--results", str(path), "-o", str(tmp_path / "page"),
                  "--dir", str(tmp_path / "none"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "page" / "index.html").read_text()
    assert ("Load: latency against throughput" in page) is with_load
    if with_load:  # this run's curve first, not below a history chart of every load point
        assert page.index("Load: latency against throughput") < page.index("data-chart=")
    assert "<script>alert" not in page


def test_the_pr_comment_has_the_compact_table():
    from mlxguard.reports.comment import render as comment

    r = load_results()
    text = comment(r, evaluate(r, Config()), gated=["ttft_ms", "output_tps"])
    header = "| point<br><sub>engine · flags</sub> | req/s<br><sub>tok/s · goodput req/s</sub> |"
    assert header in text
    assert "| **rate-2**<br><sub>head" in text and "<script>" not in text
