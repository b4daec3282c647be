"""The dashboard, and the PR comment, in a real browser: Debian's headless Chromium driven by
Playwright.

The page is opened from disk (file://), as from an Actions artifact: the charts must draw every
run's point, the console must stay free of errors, nothing may be fetched from the network, the
layout must not shift, and a phone-width viewport must not scroll sideways. Screenshots go to
the test's tmp dir. Skipped, saying why, where Playwright or Chromium is missing (`.ci/run`
installs both).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from _results_factory import bench, lognormal, results

from mlxguard.baselines import update
from mlxguard.config import CheckSettings

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'"
)
CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/lib/chromium/chromium") if p and Path(p).exists()),
    None,
)
pytestmark = [
    pytest.mark.slow,  # a real browser: not in the inner loop
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no system Chromium: apt-get install chromium (.ci/run does as root)",
    ),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
RUNS = 8
STEP_AT = 5  # decode speed drops by a fifth from this run on

PROBE = """() => window.charts.map(u => {
  let painted = 0;
  for (let i = 0; i < u.data[0].length; i++) {
    const x = Math.round(u.valToPos(u.data[0][i], 'x', true));
    const y = Math.round(u.valToPos(u.data[1][i], 'y', true));
    if (u.ctx.getImageData(x, y, 1, 1).data[3] > 0) painted++;
  }
  return {points: u.data[0].length, painted, changes: u.data[6].filter(v => v != null).length,
          width: u.width};
})"""
# The x axis's labels as drawn (each "#N\nMM-DD HH:MM"): the left and right end of each, in CSS
# pixels of the chart's box, measured in the axis's own font.
LABELS = """() => window.charts.map(u => {
  const axis = u.axes[0], ratio = devicePixelRatio, ctx = u.ctx;
  ctx.save(); ctx.font = axis.font[0];
  const spans = axis._splits.map((v, i) => [v, axis._values[i]]).filter(([, t]) => t)
    .map(([v, t]) => {
      const wide = Math.max(...t.split("\\n").map(l => ctx.measureText(l).width)) / ratio;
      const at = u.bbox.left / ratio + u.valToPos(v, "x");
      return [at - wide / 2, at + wide / 2];
    });
  ctx.restore();
  return {width: u.width, spans};
})"""
SHIFTS = """window.__cls = 0;
new PerformanceObserver(l => { for (const e of l.getEntries())
  if (!e.hadRecentInput) window.__cls += e.value; })
  .observe({type: 'layout-shift', buffered: true});"""


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A baselines dir of 8 runs (a step at run 5, a hostile model name), rendered by the CLI."""
    root = tmp_path_factory.mktemp("dashboard")
    for i in range(RUNS):
        level = 100.0 if i < STEP_AT else 80.0
        r = results(bench(lognormal(6, level, 0.01, i), model="tiny</script><img src=x>"),
                    run_id=f"run{i}", sha=f"{i:x}" * 40)  # fmt: skip
        started = f"2026-11-{10 + i:02d}T12:00:00+00:00"
        r = r.model_copy(update={"run": r.run.model_copy(update={"started_at": started})})
        update(r, root / "baselines", CheckSettings().gated_for, keep=10)
    out = subprocess.run(
        [sys.executable, "-m", "mlxguard", "dashboard", "--dir", str(root / "baselines"),
         "-o", str(root / "site"), "--repo-url", "https://github.com/o/r"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (out.returncode, out.stderr) == (0, ""), out.stderr
    return root / "site" / "index.html"


def _open(path: Path, width: int, height: int, shot: Path) -> dict:
    errors: list[str] = []
    fetched: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: fetched.append(r.url))
            page.add_init_script(SHIFTS)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_selector("html[data-ready='1']", timeout=10_000)
            page.wait_for_timeout(200)  # let the resize observers settle
            probe = page.evaluate(PROBE)
            labels = page.evaluate(LABELS)
            links = page.eval_on_selector_all("table.runs a[href*='/commit/']", "a => a.length")
            found = {
                "probe": probe,
                "labels": labels,
                "links": links,
                "cls": page.evaluate("window.__cls"),
                "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                "title": page.inner_text("h2"),
                "summary": page.inner_text("#summary"),
                "marked": page.eval_on_selector_all("table.runs td.moved", "t => t.length"),
            }
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return {**found, "errors": errors, "fetched": fetched}


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_dashboard_renders(page_path: Path, tmp_path: Path, width: int, height: int) -> None:
    shot = tmp_path / f"dashboard-{width}.png"
    r = _open(page_path, width, height, shot)
    assert r["errors"] == []
    assert [u for u in r["fetched"] if not u.startswith(("file:", "data:"))] == []
    assert len(r["probe"]) == 1  # the gated metric the runs have: decode_tps (throughput)
    for chart in r["probe"]:
        assert chart["points"] == chart["painted"] == RUNS, chart
        assert chart["changes"] == 1, chart  # the step, found in both metrics
        assert chart["width"] <= width
    assert r["links"] == RUNS
    # Every run label on the x axis is whole (the last one was cut at the chart's edge at 1280
    # px) and none runs into the next (they did at 390 px).
    for chart in r["labels"]:
        spans = chart["spans"]
        assert spans and spans[0][0] >= 0 and spans[-1][1] <= chart["width"], chart
        assert all(a[1] < b[0] for a, b in pairwise(spans)), chart
    # The step is marked by an arrow and a word, and counted in the line at the top.
    assert r["summary"].startswith("1 of 1 series") or r["summary"].startswith("0 of 1 series")
    assert r["marked"] == 1
    assert r["title"] == "tiny</script><img src=x> · mlx-lm"  # shown as text, not markup
    assert r["scroll_width"] <= width, "the page scrolls sideways"
    assert r["cls"] < 0.01, "the layout shifted while drawing"
    assert shot.stat().st_size > 10_000


# Each row of the comment's change table: its height, and the table's width against its box.
def _screenshots():  # the script, loaded as a module
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"
    loader = importlib.util.spec_from_file_location("screenshots", script)
    assert loader is not None and loader.loader is not None
    shots = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(shots)
    return shots


def _table_sizes(page: Path, header: str) -> dict[int, dict]:
    """The table whose header holds `header`, at 390 and 1280 px: its scroll and box widths."""
    query = f"""() => {{ const t = [...document.querySelectorAll('table')]
        .find(t => t.querySelector('thead').textContent.includes({header!r}));
      return {{scroll: t.scrollWidth, box: t.clientWidth,
              rows: [...t.querySelectorAll('tbody tr')]
                .map(r => r.getBoundingClientRect().height)}}; }}"""
    found = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for width in (390, 1280):
                tab = browser.new_page(viewport={"width": width, "height": 800})
                tab.goto(page.as_uri(), wait_until="load")
                found[width] = tab.evaluate(query)
        finally:
            browser.close()
    return found


def test_the_comments_load_table_fits_a_phone(tmp_path: Path) -> None:
    """The load table of a base-vs-head load run: 8 columns scrolled sideways at 390 px; three
    two-line columns fit, with the widest figures a server gives."""
    from factories import benchmark
    from factories import results as plain_results

    from mlxguard.results.load import LoadSection

    def point(level: int, engine: str) -> object:
        b = benchmark("load", f"concurrency-{level}", engine, ttft_ms=[1507.9, 1698.0],
                      tpot_ms=[18.91, 19.2], request_rps=[13.78], output_tps=[1242.1],
                      goodput_rps=[13.7])  # fmt: skip
        section = LoadSection(kind="concurrency", level=level, prompt_tokens=128,
                              output_tokens=128, warmup_requests=level,
                              flags=["saturated: 10 of 12 req/s offered"])  # fmt: skip
        return b.model_copy(update={"load": section})

    shots = _screenshots()
    r = plain_results(*(point(c, e) for c in (1, 8) for e in ("candidate:head", "reference:base")))
    page = tmp_path / "comment.html"
    page.write_text(shots.comment_html(r), "utf-8")
    found = _table_sizes(page, "TTFT p50 / p90")
    assert found[390]["scroll"] <= found[390]["box"], found[390]
    assert found[1280]["rows"] and max(found[1280]["rows"]) < 60, found[1280]


def test_the_comments_change_table_fits_a_phone_and_reads_in_two_lines_at_1280(
    tmp_path: Path,
) -> None:
    """As GitHub shows it (cmark-gfm, GitHub-like CSS: scripts/screenshots.py): at 390 px the
    table does not scroll sideways (it did: half of it, the change and the verdict, was hidden),
    and at 1280 px each row is two lines: the metric over its benchmark, the change over the
    two figures, the verdict over its limit."""
    shots = _screenshots()
    page = tmp_path / "comment.html"
    # The failing and the inconclusive examples: the widest figures and the longest verdict.
    for name, seed in (("fail", 1), ("inconclusive", 2)):
        page.write_text(shots.comment_html(shots.example(shots.CASES[name], seed,
                                                         shots.NOISE[name])), "utf-8")  # fmt: skip
        found = _table_sizes(page, "verdict")
        assert found[390]["scroll"] <= found[390]["box"], (name, found[390])
        assert found[1280]["rows"] and max(found[1280]["rows"]) < 60, (name, found[1280])
