"""The load suite's latency-throughput curve as an SVG image (no plotting library).

One chart per kind of load point (concurrency, then rate): the x axis is the level, one tick per
level measured, evenly spaced; TTFT p90 (solid line and circles, left axis, ms) and output tok/s
(dashed line and squares, right axis, median window) per engine, each engine in its colour, named
in a legend row of its own; both axes in 4 round steps sharing the grid lines. Formatting only:
the figures are summaries the results hold. Engine names are made one clean line
(`safetext.clean`: XML 1.0 allows no control character) and escaped for XML; everything else is
a number. `render` is the `load-curve` export
(`mlxguard export RESULTS --to load-curve -o curve.svg`); `svg` gives the same image, or None
for results without a load point (the dashboard embeds it).
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from mlxguard.errors import UsageError
from mlxguard.reports import ExportOptions
from mlxguard.reports.load_table import load_benchmarks
from mlxguard.results import Benchmark, Results
from mlxguard.safetext import clean

WIDTH, PLOT_H = 640, 216
LEFT, RIGHT, BOTTOM = 64, 64, 40
# Above the plot: the title, then the engines (as many rows as they need), then the axis keys.
TITLE_Y, LEGEND_Y, ROW = 18, 38, 16
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
# Both axes get 4 intervals of a round step, so their ticks share the grid lines.
INTERVALS = 4
STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
# A generous width of a character of the 11 px legend font, to lay the engines out.
CHAR_W = 7.0


def _value(b: Benchmark, metric: str, stat: str) -> float | None:
    m = b.metrics.get(metric)
    return None if m is None else getattr(m.summary, stat)


def nice_top(peak: float) -> float:
    """The top of an axis holding `peak` in `INTERVALS` steps of 1, 1.5, 2, 2.5, 3, 4, 5, 6 or
    8 times a power of ten (1.0 for an empty axis)."""
    if peak <= 0:
        return 1.0
    raw = peak / INTERVALS
    power = 10.0 ** math.floor(math.log10(raw))
    return INTERVALS * next(m * power for m in STEPS if m * power >= raw * (1 - 1e-9))


def _tick(value: float, top: float) -> str:
    decimals = max(0, 1 - math.floor(math.log10(top / INTERVALS))) if top < 10 else 0
    return f"{value:,.{decimals}f}"


def _dash(dashed: bool) -> str:
    return ' stroke-dasharray="6 4"' if dashed else ""


def _polyline(points: list[tuple[float, float]], color: str, dashed: bool) -> str:
    if not points:
        return ""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    line = f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"'
    return f"{line}{_dash(dashed)}/>" + "".join(_mark(x, y, color, dashed) for x, y in points)


def _mark(x: float, y: float, color: str, dashed: bool) -> str:
    """A circle on TTFT's solid line, a square on tok/s's dashed one."""
    if dashed:
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>'


def _legend(engines: list[str]) -> tuple[list[str], int]:
    """The engines' names in their colours, laid out in rows; the parts and the rows used."""
    parts, x, row = [], float(LEFT), 0
    for i, engine in enumerate(engines):
        name = clean(engine)
        wide = 16 + CHAR_W * len(name)
        if x > LEFT and x + wide > WIDTH - 8:
            x, row = float(LEFT), row + 1
        parts.append(
            f'<text x="{x:.0f}" y="{LEGEND_Y + row * ROW}" font-size="11" '
            f'fill="{COLORS[i % len(COLORS)]}">■ {escape(name)}</text>'
        )
        x += wide + 12
    return parts, row + 1


def _keys(top: int) -> str:
    """What each line is, above its axis: TTFT solid on the left, tok/s dashed on the right."""
    y = top - 12

    def sample(x: float, dashed: bool) -> str:
        return (
            f'<line x1="{x - 12}" y1="{y - 4}" x2="{x + 12}" y2="{y - 4}" stroke="#444" '
            f'stroke-width="2"{_dash(dashed)}/>' + _mark(x, y - 4, "#444", dashed)
        )

    left, right = sample(20, False), sample(WIDTH - 20, True)
    return (
        f'{left}<text x="38" y="{y}" font-size="11">TTFT p90 (ms)</text>{right}'
        f'<text x="{WIDTH - 38}" y="{y}" font-size="11" text-anchor="end">output tok/s</text>'
    )


def _chart(kind: str, rows: list[Benchmark], offset: float) -> tuple[str, float]:
    """One chart (a `<g>` moved down by `offset`) and its height."""
    levels = sorted({b.load.level for b in rows if b.load})
    engines = list(dict.fromkeys(b.engine for b in rows))
    legend, legend_rows = _legend(engines)
    top = LEGEND_Y + (legend_rows - 1) * ROW + 30
    height = top + PLOT_H + BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / max(len(levels) - 1, 1)
    x_of = {lv: LEFT + (i * step if len(levels) > 1 else plot_w / 2) for i, lv in enumerate(levels)}
    ttft_top = nice_top(max((_value(b, "ttft_ms", "p90") or 0 for b in rows), default=0))
    tps_top = nice_top(max((_value(b, "output_tps", "median") or 0 for b in rows), default=0))

    def y(value: float, top_value: float) -> float:
        return top + PLOT_H * (1 - value / top_value)

    parts = [
        f'<g transform="translate(0,{offset:.0f})">',
        f'<text x="{LEFT}" y="{TITLE_Y}" font-size="14" font-weight="bold">load: TTFT p90 and '
        f"output tok/s against {escape(kind)}</text>",
        *legend,
        _keys(top),
    ]
    for i in range(INTERVALS + 1):
        at = y(i / INTERVALS, 1.0)
        parts.append(
            f'<line x1="{LEFT}" y1="{at:.1f}" x2="{WIDTH - RIGHT}" y2="{at:.1f}" '
            f'stroke="{"#888" if i == 0 else "#e4e4e4"}"/>'
            f'<text x="{LEFT - 6}" y="{at + 4:.1f}" font-size="10" text-anchor="end">'
            f"{_tick(ttft_top * i / INTERVALS, ttft_top)}</text>"
            f'<text x="{WIDTH - RIGHT + 6}" y="{at + 4:.1f}" font-size="10">'
            f"{_tick(tps_top * i / INTERVALS, tps_top)}</text>"
        )
    parts += [
        f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{top + PLOT_H}" stroke="#888"/>',
        f'<line x1="{WIDTH - RIGHT}" y1="{top}" x2="{WIDTH - RIGHT}" y2="{top + PLOT_H}" '
        'stroke="#888"/>',
    ]
    for lv, x in x_of.items():
        parts.append(
            f'<text x="{x:.1f}" y="{top + PLOT_H + 16}" font-size="10" '
            f'text-anchor="middle">{lv:g}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{top + PLOT_H + 32}" font-size="11" '
        f'text-anchor="middle">{"requests in flight" if kind == "concurrency" else "req/s offered"}'
        "</text>"
    )
    for i, engine in enumerate(engines):
        color = COLORS[i % len(COLORS)]
        mine = sorted((b for b in rows if b.engine == engine and b.load),
                      key=lambda b: b.load.level if b.load else 0)  # fmt: skip
        for metric, stat, top_value, dashed in (
            ("ttft_ms", "p90", ttft_top, False),
            ("output_tps", "median", tps_top, True),
        ):
            pts = [
                (x_of[b.load.level], y(v, top_value))
                for b in mine
                if b.load and (v := _value(b, metric, stat)) is not None
            ]
            parts.append(_polyline(pts, color, dashed))
    parts.append("</g>")
    return "".join(parts), height


def svg(results: Results) -> str | None:
    """The curve of every load point of `results`; None when it has none."""
    rows = load_benchmarks(results)
    kinds = [k for k in ("concurrency", "rate") if any(b.load and b.load.kind == k for b in rows)]
    if not kinds:
        return None
    charts, height = [], 0.0
    for kind in kinds:
        chart, tall = _chart(kind, [b for b in rows if b.load and b.load.kind == kind], height)
        charts.append(chart)
        height += tall
    title = quoteattr("load suite: latency against throughput")
    # Its own size where it stands alone; narrower where its page is (a phone): scaled down.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" style="max-width:100%;height:auto" role="img" '
        f'aria-label={title} font-family="sans-serif">' + "".join(charts) + "</svg>\n"
    )


def render(results: Results, options: ExportOptions) -> str:
    """The `load-curve` export: the SVG document.

    Raises:
        UsageError: the results hold no load point.
    """
    image = svg(results)
    if image is None:
        raise UsageError("no load suite in the results: nothing to draw (run --suite load)")
    return image
