"""The load suite's latency-throughput curve as an SVG image (no plotting library).

One chart per kind of load point (concurrency, then rate): the x axis is the level, one tick per
level measured; TTFT p90 (solid line, left axis, ms) and output tok/s (dashed line, right axis,
median window) per engine. Formatting only: the figures are summaries the results hold. Engine
names are escaped for XML; everything else is a number. `render` is the `load-curve` export
(`mlxguard export RESULTS --to load-curve -o curve.svg`); `svg` gives the same image, or None
for results without a load point (the dashboard embeds it).
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from mlxguard.errors import UsageError
from mlxguard.reports import ExportOptions
from mlxguard.reports.load_table import load_benchmarks
from mlxguard.results import Benchmark, Results

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 64, 44, 40
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _value(b: Benchmark, metric: str, stat: str) -> float | None:
    m = b.metrics.get(metric)
    return None if m is None else getattr(m.summary, stat)


def _polyline(points: list[tuple[float, float]], color: str, dashed: bool) -> str:
    if not points:
        return ""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    marks = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>'
        if not dashed
        else f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{color}"/>'
        for x, y in points
    )
    return (
        f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"{dash}/>' + marks
    )


def _chart(kind: str, rows: list[Benchmark], top: float) -> str:
    """One chart (a `<g>` moved down by `top`)."""
    levels = sorted({b.load.level for b in rows if b.load})
    engines = list(dict.fromkeys(b.engine for b in rows))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(levels) - 1, 1)
    x_of = {lv: LEFT + (i * step if len(levels) > 1 else plot_w / 2) for i, lv in enumerate(levels)}
    ttft_max = max((_value(b, "ttft_ms", "p90") or 0 for b in rows), default=0) * 1.1 or 1.0
    tps_max = max((_value(b, "output_tps", "median") or 0 for b in rows), default=0) * 1.1 or 1.0

    def y(value: float, top_value: float) -> float:
        return TOP + plot_h * (1 - value / top_value)

    parts = [
        f'<g transform="translate(0,{top:.0f})">',
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">load: TTFT p90 and output '
        f"tok/s against {escape(kind)}</text>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#888"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#888"/>',
        f'<line x1="{WIDTH - RIGHT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#888"/>',
        f'<text x="8" y="{TOP - 8}" font-size="11">TTFT p90 (ms) ─</text>',
        f'<text x="{WIDTH - 8}" y="{TOP - 8}" font-size="11" text-anchor="end">'
        "- - output tok/s</text>",
    ]
    for frac in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(frac * ttft_max, ttft_max) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{frac * ttft_max:,.0f}</text>'
            f'<text x="{WIDTH - RIGHT + 6}" y="{y(frac * tps_max, tps_max) + 4:.1f}" '
            f'font-size="10">{frac * tps_max:,.0f}</text>'
        )
    for lv, x in x_of.items():
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" font-size="10" '
            f'text-anchor="middle">{lv:g}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + plot_h + 32}" font-size="11" '
        f'text-anchor="middle">{"requests in flight" if kind == "concurrency" else "req/s offered"}'
        "</text>"
    )
    for i, engine in enumerate(engines):
        color = COLORS[i % len(COLORS)]
        mine = sorted((b for b in rows if b.engine == engine and b.load),
                      key=lambda b: b.load.level if b.load else 0)  # fmt: skip
        for metric, stat, top_value, dashed in (
            ("ttft_ms", "p90", ttft_max, False),
            ("output_tps", "median", tps_max, True),
        ):
            pts = [
                (x_of[b.load.level], y(v, top_value))
                for b in mine
                if b.load and (v := _value(b, metric, stat)) is not None
            ]
            parts.append(_polyline(pts, color, dashed))
        parts.append(
            f'<text x="{LEFT + 8 + 150 * i}" y="34" font-size="11" fill="{color}">'
            f"■ {escape(engine)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def svg(results: Results) -> str | None:
    """The curve of every load point of `results`; None when it has none."""
    rows = load_benchmarks(results)
    kinds = [k for k in ("concurrency", "rate") if any(b.load and b.load.kind == k for b in rows)]
    if not kinds:
        return None
    charts = [
        _chart(kind, [b for b in rows if b.load and b.load.kind == kind], i * HEIGHT)
        for i, kind in enumerate(kinds)
    ]
    title = quoteattr("load suite: latency against throughput")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT * len(kinds)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT * len(kinds)}" role="img" aria-label={title} '
        'font-family="sans-serif">' + "".join(charts) + "</svg>\n"
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
