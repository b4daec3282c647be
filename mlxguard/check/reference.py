"""Verdicts of the compare suite: the candidate engine against the reference, in the same run.

A candidate benchmark names its reference in its `reference` section; the reference is the
benchmark of that engine with the same suite, model and scenario. For TTFT (`ttft_ms`),
decode speed (`decode_tps`) and overall throughput (`throughput_tps`):

* `ratio = median(candidate) / median(reference)`, with a percentile bootstrap confidence
  interval `[ci_low, ci_high]`, computed here only (the results store samples, not ratios);
  reports show the ratio and interval of the verdict (`ratio_verdicts`).
* The bound is a tolerance around 1×: against a reference engine the product limits (TTFT 1.2×
  -> 20% slower; throughput 0.9 -> 10% lower); against the base build of the same engine
  (`reference.against == "base"`, head vs base) the check's tolerance (default 5%). Decided by
  the same-job rule (`check.decision.compare`, the reference as the side compared with):
  paired by round when both engines ran in the same rounds, else a hierarchical bootstrap over
  worker processes; `pass` when the whole interval is within the bound, `fail` when it is
  wholly beyond it (p < alpha), `inconclusive` otherwise. Fewer than `min_samples` on either
  side: `inconclusive`. The evidence names the method and the smallest change the comparison
  could detect.

Output parity (the candidate's `parity` section) gives one more verdict: `skipped` (reported,
not gated) unless `check.min_parity` is set, then `pass` when the share of identical outputs
reaches it.

Pure: no MLX.
"""

from __future__ import annotations

from mlxguard.check.decision import compare, fmt_pct
from mlxguard.check.verdicts import Status, Verdict
from mlxguard.config import CheckSettings
from mlxguard.metrics import RATIO_METRICS, label, spec
from mlxguard.results import Benchmark, Parity, Results


def _ratio_verdict(
    cand: Benchmark,
    ref: Benchmark,
    metric: str,
    settings: CheckSettings,
    interim: bool,
) -> Verdict:
    """The reference bound as a tolerance around 1×, decided by `check.decision.compare`."""
    at_most = metric == "ttft_ms"
    if on_base(cand):
        # Two builds of one engine: any change beyond the check's tolerance is a regression.
        tolerance = settings.tolerance_for(metric)
        bound = 1 + tolerance if at_most else 1 - tolerance
        other, sides = "the base", (ref.engine, cand.engine)
    else:
        bound = (
            settings.reference_ttft_max_ratio
            if at_most
            else settings.reference_throughput_min_ratio
        )
        other, sides = "the reference", ("reference", "candidate")
    op = "≤" if at_most else "≥"
    base = dict(
        kind="reference",
        metric=metric,
        stat="median",
        bound=bound,
        unit="x",
        note=f"vs {ref.engine}",
    )
    c = compare(
        ref.metrics[metric],
        cand.metrics[metric],
        direction=spec(metric).direction,
        tolerance=abs(bound - 1.0),
        alpha=settings.alpha,
        confidence=settings.confidence,
        min_samples=settings.min_samples,
        seed=0,
        interim=interim,
        sides=sides,
    )
    if c.ratio is None or c.ci_low is None or c.ci_high is None or c.p_value is None:
        return Verdict.on(
            cand, **base, status="inconclusive", evidence=f"{c.reason} (add --samples)"
        )
    shown = (
        f"{label(metric)} {c.ratio:.2f}× {other} ({settings.confidence:.0%} CI "
        f"{c.ci_low:.2f}–{c.ci_high:.2f}; {c.method}, p={c.p_value:.2g})"
    )
    evidence = {
        "pass": f"{shown} {op} {bound:g}×",
        "fail": f"{shown}, limit {op} {bound:g}×",
        "inconclusive": f"{shown} vs the {bound:g}× limit: {c.note}; add rounds (--samples, "
        "--until-decisive)",
    }[c.verdict]
    if c.detectable is not None:
        evidence += f"; detects changes ≥ {fmt_pct(c.detectable)}"
    if c.caveat:
        evidence += f" ({c.caveat})"
    return Verdict.on(
        cand,
        **base,
        status=c.verdict,
        value=cand.metrics[metric].summary.median,
        baseline=ref.metrics[metric].summary.median,
        ratio=c.ratio,
        ci_low=c.ci_low,
        ci_high=c.ci_high,
        p_value=c.p_value,
        detectable=c.detectable,
        evidence=evidence,
    )


def parity_verdict(b: Benchmark, parity: Parity, min_parity: float | None) -> Verdict:
    """Report output parity; gate on it only when `min_parity` is configured.

    Prompts the two engines received with different lengths fail it whatever `min_parity`
    says (and at any temperature): the comparison itself is then not fair.
    """
    base = dict(kind="parity")
    total, same = parity.total, parity.identical
    if parity.prompt_mismatches:
        odd = parity.prompt_mismatches[0]
        evidence = (
            f"the engines received prompts of different lengths: {odd.reference_tokens} "
            f"reference and {odd.candidate_tokens} candidate tokens (sample {odd.sample}; "
            f"{len(parity.prompt_mismatches)} of {total} prompts); outputs, TTFT and prefill "
            "are not comparable"
        )
        return Verdict.on(b, **base, metric="parity", status="fail", evidence=evidence)
    if not parity.greedy:
        return Verdict.on(
            b, **base, metric="parity", status="skipped", evidence="not greedy (T > 0)"
        )
    if not total:
        return Verdict.on(
            b, **base, metric="parity", status="skipped", evidence="no prompt answered by both"
        )
    evidence = f"{same}/{total} prompts identical"
    if parity.first_divergence:
        first = parity.first_divergence[0]
        evidence += f"; first divergence at {parity.unit} {first.position} (sample {first.sample})"
    share = same / total
    if min_parity is None:
        status: Status = "skipped"
        evidence += " (report only; set check.min_parity to gate)"
    else:
        status = "pass" if share >= min_parity else "fail"
        evidence += f", required ≥ {min_parity:.0%}"
    return Verdict.on(
        b, **base, metric="parity", status=status, value=share, bound=min_parity, evidence=evidence
    )


def on_base(cand: Benchmark) -> bool:
    """Whether a compare candidate is measured against its own base build (head vs base)."""
    return cand.reference is not None and cand.reference.against == "base"


def _find(results: Results, like: Benchmark, engine: str) -> Benchmark | None:
    want = (like.suite, engine, like.model, like.scenario)
    return next((b for b in results.benchmarks if b.key == want), None)


def reference_verdicts(
    results: Results, settings: CheckSettings, *, interim: bool = False
) -> list[Verdict]:
    """TTFT <= 1.2x and throughput >= 90% of the reference (configurable), plus output parity."""
    out: list[Verdict] = []
    for cand in results.benchmarks:
        if cand.reference is None:
            continue
        ref = _find(results, cand, cand.reference.engine)
        if ref is None:
            out.append(
                Verdict.on(
                    cand,
                    kind="reference",
                    metric="*",
                    status="skipped",
                    evidence="the reference benchmark is not in the results",
                )
            )
            continue
        out += [
            _ratio_verdict(cand, ref, m, settings, interim)
            for m in RATIO_METRICS
            if m in cand.metrics and m in ref.metrics
        ]
        if cand.parity is not None:
            out.append(parity_verdict(cand, cand.parity, settings.min_parity))
    return out


def ratio_verdicts(verdicts: list[Verdict], cand: Benchmark) -> list[Verdict]:
    """The ratio verdicts of compare candidate `cand`, in `RATIO_METRICS` order.

    Reports read the candidate/reference ratio and its interval from these, so the figure shown
    is the one the verdict was decided on.
    """
    mine = {
        v.metric: v
        for v in verdicts
        if v.kind == "reference" and v.metric in RATIO_METRICS and v.label == cand.label
    }
    return [mine[m] for m in RATIO_METRICS if m in mine]
