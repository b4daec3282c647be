"""The history dashboard: one self-contained `index.html` (jinja2, `templates/dashboard.html.j2`).

One section per baseline (machine fingerprint, model, engine): a table of the latest run against
the previous one, then one chart per gated metric: run medians with their within-run interval,
the run-to-run band and the change points (all from `check.history`), each point linked to its
commit. The chart library, uPlot (MIT, `vendor/`), is pasted into the page, so it works from
disk, from an Actions artifact and from GitHub Pages with no network.

Untrusted names reach the page two ways only, each text value one clean line first (`shown`: no
control or bidi character): autoescaped HTML text, and JSON inside a
`<script type="application/json">` with `<`, `>`, `&` and the JS line separators escaped; the
page's script sets them with `textContent`, never as HTML. Links are built here, from an
`https://` repository address and a hex commit sha.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from mlxguard.baselines import Baseline, RunTag
from mlxguard.check.history import History, history
from mlxguard.metrics import format_change, format_value, spec
from mlxguard.results import benchmark_label
from mlxguard.safetext import clean

_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
_REPO = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)+")


# What the page's script reads of each run (the rest is rendered as HTML).
_CHART_KEYS = (
    "date", "tick", "sha", "url", "median", "lo", "hi", "band_lo", "band_hi", "change", "moved",
    "step",
)  # fmt: skip
# How a step beyond the tolerance is marked: a shape and a sign, not a colour alone.
ARROWS = {1: "▲", -1: "▼"}


@dataclass(frozen=True)
class Page:
    """What the page shows besides the baselines."""

    repo_url: str | None = None  # e.g. https://github.com/owner/repo: points link to commits
    alpha: float = 0.01  # each side of the run-to-run band
    between_run_cv: float | None = None  # the check's prior run-to-run CV ([check] between_run_cv)
    # Each metric's tolerance (`[check] tolerance`, `[[check.tolerances]]`): a step from one run
    # to the next beyond it is marked; metrics not named here use `tolerance`.
    tolerances: tuple[tuple[str, float], ...] = ()
    tolerance: float = 0.05
    generated: str = ""
    # SVG images of the load suite's curve for the runs given (`load_curve.svg`: built from
    # numbers, names escaped, so the page embeds them as they are).
    load_curves: tuple[str, ...] = ()


def commit_url(repo_url: str | None, sha: str | None) -> str | None:
    """The commit's page, or None when either part is missing or not of the expected form."""
    if not repo_url or not sha or not _REPO.fullmatch(repo_url) or not _SHA.fullmatch(sha):
        return None
    return f"{repo_url.rstrip('/')}/commit/{sha}"


def check_repo_url(repo_url: str | None) -> str | None:
    """``repo_url`` if it is a plain ``https://host/path`` address.

    Raises:
        ValueError: any other form (a link target must not be `javascript:` or carry markup).
    """
    if repo_url and not _REPO.fullmatch(repo_url):
        raise ValueError(f"repository URL {repo_url!r} is not of the form https://host/owner/repo")
    return repo_url


def shown(value: object) -> object:
    """A value as the page shows it: text as one clean line (`safetext.clean`), else as is."""
    return clean(value) if isinstance(value, str) else value


def script_json(data: Any) -> str:
    """JSON that cannot end its `<script>` element or start an HTML comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    return text


def _when(date: str) -> str:
    """ "2026-12-05 14:03" of an ISO 8601 time (what runs of one day are told apart by)."""
    return date[:16].replace("T", " ")


def _step_text(h: History, i: int) -> str:
    """The change from the run before, with its arrow when beyond the tolerance: "▼ −20.0%"."""
    step = h.steps[i] if i < len(h.steps) else None
    if step is None:
        return "—"
    text = format_change(step).replace("-", "−")
    arrow = ARROWS.get(h.moved[i]) if i < len(h.moved) else None
    return f"{arrow} {text}" if arrow else text


def _run_rows(h: History, tags: dict[str, RunTag], page: Page) -> list[dict[str, Any]]:
    rows = []
    for i, (r, band) in enumerate(zip(h.series.runs, h.bands, strict=True)):
        tag = tags.get(r.run)
        sha = tag.git_sha if tag else None
        when = _when(tag.date) if tag else ""
        rows.append({
            "run": r.run, "date": when, "tick": when[5:], "sha": (sha or "")[:7],
            "url": commit_url(page.repo_url, sha), "median": r.median, "lo": r.ci_low,
            "hi": r.ci_high, "band_lo": band.low, "band_hi": band.high,
            "change": i in h.change_points, "moved": h.moved[i] if i < len(h.moved) else 0,
            "step": _step_text(h, i), "text": format_value(h.series.metric, r.median),
        })  # fmt: skip
    return rows


def _latest_row(h: History, rows: list[dict[str, Any]]) -> dict[str, Any]:
    last, prev = rows[-1], rows[-2] if len(rows) > 1 else None
    moved = last["moved"]
    worse = moved == (1 if h.series.direction == "lower" else -1)
    return {
        "label": f"{spec(h.series.metric).label} ({h.series.unit})",
        "latest": last["text"], "previous": prev["text"] if prev else "—",
        "change": last["step"], "moved": moved,
        "verdict": ("worse" if worse else "better") if moved else "",
        "outside": h.latest_outside_band, "sha": last["sha"], "url": last["url"],
    }  # fmt: skip


def summary(sections: list[dict[str, Any]], tolerance: str) -> str:
    """One line: how many series moved beyond the tolerance since the previous run."""
    rows = [r for s in sections for r in s["latest"]]
    moved = [r for r in rows if r["moved"]]
    worse = sum(1 for r in moved if r["verdict"] == "worse")
    text = (
        f"{len(moved)} of {len(rows)} series moved beyond the tolerance ({tolerance}) since the "
        "previous run"
    )
    return text + (f": {worse} worse, {len(moved) - worse} better" if moved else "")


def _section(b: Baseline, page: Page, first_chart: int) -> dict[str, Any]:
    tags = {t.id: t for t in b.runs}
    charts, latest = [], []
    tolerances = dict(page.tolerances)
    for i, s in enumerate(b.series):
        h = history(s, page.alpha, page.between_run_cv, tolerances.get(s.metric, page.tolerance))
        rows = _run_rows(h, tags, page)
        latest.append({"benchmark": f"{s.suite} {s.scenario}", **_latest_row(h, rows)})
        charts.append({
            "index": first_chart + i,
            "title": f"{benchmark_label(s.suite, s.scenario, b.engine)} — "
                     f"{spec(s.metric).label} ({s.unit}, {s.direction} is better)",
            "unit": s.unit, "rows": rows,
        })  # fmt: skip
    env = b.environment
    return {
        "model": b.model, "engine": b.engine, "fingerprint": b.fingerprint,
        "machine": " · ".join(filter(None, [env.chip, env.backend, env.gpu, env.os])),
        "runs": len(b.runs), "keep": b.keep, "latest": latest, "charts": charts,
    }  # fmt: skip


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mlxguard.reports", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every text value shown: one clean line. What the template marks `safe` (the data,
        # the assets, built here) is left as it is.
        finalize=lambda v: v if isinstance(v, Markup) else shown(v),
    )


def _asset(name: str) -> str:
    return (resources.files("mlxguard.reports") / name).read_text(encoding="utf-8")


def _tolerance_text(page: Page) -> str:
    values = {page.tolerance, *(t for _, t in page.tolerances)}
    shown = "/".join(f"±{t * 100:g}%" for t in sorted(values))
    return shown if len(values) == 1 else f"{shown} by metric"


def _inline_script(js: str) -> str:
    """Script text that cannot end its element early (uPlot has no `</script`: a guard)."""
    return re.sub(r"(?i)</(script)", r"<\\/\1", js).replace("<!--", "<\\!--")


def render(baselines: list[Baseline], page: Page) -> str:
    """The dashboard page of ``baselines`` (each one a section), self-contained HTML."""
    ordered = sorted(baselines, key=lambda b: (b.model, b.engine, b.fingerprint))
    sections, count = [], 0
    for b in ordered:
        sections.append(_section(b, page, count))
        count += len(b.series)
    data = [
        {
            "unit": shown(c["unit"]),
            "rows": [{k: shown(r[k]) for k in _CHART_KEYS} for r in c["rows"]],
        }
        for s in sections
        for c in s["charts"]
    ]
    return (
        _environment()
        .get_template("dashboard.html.j2")
        .render(
            sections=sections,
            page=page,
            summary=summary(sections, _tolerance_text(page)),
            data_json=script_json(data),
            uplot_css=_asset("vendor/uPlot.min.css"),
            uplot_js=_inline_script(_asset("vendor/uPlot.iife.min.js")),
            uplot_license=_asset("vendor/uPlot.LICENSE").replace("*/", "* /"),  # MIT: notice kept
            app_js=_inline_script(_asset("templates/dashboard.js")),
        )
    )
