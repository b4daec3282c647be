"""The change table every human-facing report opens with, and one line of statistics per verdict.

A row reads `benchmark · metric · before → after · change [interval] · verdict · limit`, the
way CodSpeed's and Bencher's pull-request comments and `asv compare` read: the figures a reviewer
needs in ten seconds, the statistics folded away (the console shows them so; Markdown stacks them
in three columns of two lines, so a phone's width holds the table). Rows that failed, are
inconclusive, or moved beyond their tolerance (either way) come first; the rest can be folded.

A change figure agrees with the two figures beside it (after / before - 1) or says what it is:
a same-job comparison paired by round is decided on the median of the per-round ratios, which
can differ from the ratio of the two medians shown; such a change reads "paired −39.2%".

Pure: formats what the check computed, computes no statistic. The strings hold untrusted text
(benchmark names, evidence): each format escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlxguard.check.decision import fmt_p, fmt_pct
from mlxguard.check.runs import AGAINST_A, DESCRIPTIVE
from mlxguard.check.verdicts import CheckReport, Verdict
from mlxguard.metrics import format_change, format_value, label, spec
from mlxguard.results import Results

ICONS = {"pass": "✅", "improved": "✅", "fail": "❌", "inconclusive": "⚠️", "skipped": "⏭️"}
# What each kind of comparison calls its two sides, in the before → after column.
SIDES = {
    "base": ("base", "head"),
    "reference": ("reference", "candidate"),
    "baseline": ("baseline", "now"),
    "files": ("A", "B"),  # mlxguard compare A B
}
PAIRED_NOTE = (
    "paired: the median of the per-round ratios of the two arms, on which the verdict is "
    "decided; it can differ from the ratio of the two medians beside it"
)


@dataclass(frozen=True)
class Change:
    """One verdict as the cells of the change table (plain text: formats escape it)."""

    verdict: Verdict
    side: str  # "base", "reference", "baseline", or "" (a target: no before)
    before_after: str  # "99.81 → 108.05 ms", or the value alone
    change: str  # "+8.3% [+6.4, +8.7]", "paired −39.2% [−41.0, −37.5]", or "—"
    paired: bool  # the change is the paired estimate, not after / before
    word: str  # the verdict, or "improved" for a pass beyond the tolerance on the better side
    limit: str  # "≤ +5%", "< 200.00 ms", "≥ 100%", or "—"
    prominent: bool  # failed, inconclusive, or moved beyond the tolerance

    @property
    def benchmark(self) -> str:
        return self.verdict.label

    @property
    def metric(self) -> str:
        v = self.verdict
        return label(v.metric, v.stat) if v.metric != "*" else "all"

    @property
    def icon(self) -> str:
        return ICONS[self.word]


def worse_by(v: Verdict) -> float | None:
    """How much worse the change is (a fraction, direction-aware; negative: better)."""
    direction = spec(v.metric).direction
    if v.ratio is None or direction == "none":
        return None
    return (v.ratio - 1.0) * (1.0 if direction == "lower" else -1.0)


def beyond_tolerance(v: Verdict) -> bool:
    """Whether the change moved beyond the comparison's tolerance, either way."""
    worse = worse_by(v)
    return worse is not None and v.tolerance is not None and abs(worse) > v.tolerance


def _word(v: Verdict) -> str:
    worse = worse_by(v)
    improved = worse is not None and v.tolerance is not None and worse < -v.tolerance
    return "improved" if v.status == "pass" and improved else v.status


def _limit(v: Verdict) -> str:
    direction = spec(v.metric).direction
    if v.tolerance is not None and direction != "none":
        tol = f"{v.tolerance * 100:g}%"
        return f"≤ +{tol}" if direction == "lower" else f"≥ −{tol}"
    if v.bound is None:
        return "—"
    if v.kind == "target":
        op = "≥" if direction == "higher" else "<"
        return f"{op} {format_value(v.metric, v.bound)}"
    return f"≥ {v.bound:.0%}"  # a share: success rate, output parity


def _before_after(v: Verdict) -> str:
    if v.value is None:
        return "—"
    if v.kind in ("success", "parity"):
        return f"{v.value:.0%}"
    now = format_value(v.metric, v.value)
    if v.baseline is None:
        return now
    return f"{format_value(v.metric, v.baseline, unit=False)} → {now}"


def _signed(ratio: float) -> str:
    return f"{(ratio - 1) * 100:+.1f}".replace("-", "−")


def _change(v: Verdict, paired: bool) -> str:
    if v.ratio is None:
        return "—"
    text = format_change(v.ratio).replace("-", "−")
    if v.ci_low is not None and v.ci_high is not None:
        text += f" [{_signed(v.ci_low)}, {_signed(v.ci_high)}]"
    return f"paired {text}" if paired else text


def _paired(v: Verdict) -> bool:
    """Whether the change shown is a paired estimate that the two medians do not give."""
    if v.ratio is None or v.value is None or not v.baseline:
        return False
    return format_change(v.ratio) != format_change(v.value / v.baseline)


def _side(v: Verdict, base_pairs: set[tuple[str, str, str]]) -> str:
    if v.kind == "reference" and v.note in (AGAINST_A, DESCRIPTIVE):
        return "files"
    if v.kind == "reference":
        return "base" if (v.suite, v.scenario, v.engine) in base_pairs else "reference"
    return "baseline" if v.kind == "baseline" else ""


def base_pairs(results: Results) -> set[tuple[str, str, str]]:
    """The (suite, scenario, engine) of candidates measured against their own base build."""
    return {
        (b.suite, b.scenario, b.engine)
        for b in results.benchmarks
        if b.reference is not None and b.reference.against == "base"
    }


def changes(results: Results, report: CheckReport) -> list[Change]:
    """One row per verdict: failed, inconclusive and beyond-tolerance rows first, in the
    order of the check within each group."""
    pairs = base_pairs(results)
    rows = []
    for v in report.verdicts:
        paired = _paired(v)
        rows.append(
            Change(
                verdict=v,
                side=_side(v, pairs),
                before_after=_before_after(v),
                change=_change(v, paired),
                paired=paired,
                word=_word(v),
                limit=_limit(v),
                prominent=v.status in ("fail", "inconclusive") or beyond_tolerance(v),
            )
        )
    rank = {"fail": 0, "inconclusive": 1}
    return sorted(rows, key=lambda c: (not c.prominent, rank.get(c.verdict.status, 2)))


def sides_header(rows: list[Change]) -> str:
    """The before → after column's header: the sides' names when all rows share them."""
    kinds = {c.side for c in rows if c.side}
    if len(kinds) == 1:
        before, after = SIDES[kinds.pop()]
        return f"{before} → {after}"
    return "before → after" if kinds else "value"


def family_size(report: CheckReport) -> int:
    """How many comparisons Holm's correction ran over (check/family.py)."""
    return sum(1 for v in report.verdicts if v.p_adjusted is not None)


def statistics_line(v: Verdict, family: int) -> str:
    """How one verdict was reached, in one line: for a same-job comparison the method, p (and
    Holm's adjusted p) and the smallest change it could detect; otherwise the evidence itself
    (a target's bound, a stored baseline's run-to-run band and which baseline it was)."""
    if v.kind != "reference" or not v.method or v.p_value is None:
        return v.evidence
    parts = [v.method, f"p={fmt_p(v.p_value)}"]
    if v.p_adjusted is not None and family > 1:
        parts[-1] += f", Holm-adjusted p={fmt_p(v.p_adjusted)} over {family} comparisons"
    if v.detectable is not None:
        parts.append(f"detects changes ≥ {fmt_pct(v.detectable)}")
    if v.note and v.status != "pass" and not v.note.startswith("vs ") and v.note != "regressed":
        parts.append(v.note)  # e.g. "not significant over the check"
    return "; ".join(parts)


def caveats(report: CheckReport) -> list[str]:
    """Each caveat once, with how many verdicts it applies to."""
    counts: dict[str, int] = {}
    for v in report.verdicts:
        if v.caveat:
            counts[v.caveat] = counts.get(v.caveat, 0) + 1
    return [f"{c} ({n} verdict{'s' if n > 1 else ''})" for c, n in counts.items()]
