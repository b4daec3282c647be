"""Verdicts of the compare suite: the candidate engine against the reference, in the same run.

A candidate benchmark names its reference in its `reference` section; the reference is the
benchmark of that engine with the same suite, model and scenario. For TTFT (`ttft_ms`),
decode speed (`decode_tps`) and overall throughput (`throughput_tps`):

* `ratio = median(candidate) / median(reference)`, with a percentile bootstrap confidence
  interval `[ci_low, ci_high]`, computed here only (the results store samples, not ratios);
  reports show the ratio and interval of the verdict.
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

import re
import statistics

from mlxguard.check.decision import compare, fmt_p, fmt_pct
from mlxguard.check.verdicts import Status, Verdict, about
from mlxguard.config import CheckSettings, samples_flag
from mlxguard.metrics import RATIO_METRICS, label, spec
from mlxguard.results import Benchmark, Parity, Results
from mlxguard.stats import Arm, Labelled


def same_job_verdict(
    head: Benchmark,
    base: Arm | Labelled,
    current: Arm | Labelled,
    metric: str,
    settings: CheckSettings,
    *,
    bound: float,
    other: str,
    sides: tuple[str, str],
    note: str,
    interim: bool = False,
) -> Verdict:
    """One metric of ``head`` against ``base`` by the same-job rule (``check.decision.compare``),
    the bound a tolerance around 1×: every same-job verdict of a check, and every verdict of
    ``mlxguard compare A B``, is made here, so they read and decide alike.

    Args:
        head: the benchmark the verdict is about (the candidate, the head, file B's).
        base: the samples compared with (reference, base, file A's), with processes and rounds.
        current: ``head``'s samples of ``metric``, likewise.
        metric: the metric compared.
        settings: alpha, confidence and the minimum samples.
        bound: the limit on ``current / base`` (at most for lower-is-better metrics, at least
            for higher-is-better ones).
        other: what the ratio is a multiple of, in the evidence ("the base").
        sides: what the two sides are called when too few samples are given.
        note: the verdict's note, e.g. "vs reference:mlx-lm".
        interim: an interim look of adaptive sampling (a fail needs a smaller p).
    """
    at_most = spec(metric).direction == "lower"
    op = "≤" if at_most else "≥"
    c = compare(
        base, current, direction=spec(metric).direction, tolerance=abs(bound - 1.0),
        alpha=settings.alpha, confidence=settings.confidence, min_samples=settings.min_samples,
        seed=0, interim=interim, sides=sides,
    )  # fmt: skip
    more = samples_flag(head.suite)
    if c.ratio is None or c.ci_low is None or c.ci_high is None or c.p_value is None:
        evidence = f"{c.reason} (add {more})"
    else:
        shown = (
            f"{label(metric)} {c.ratio:.2f}× {other} ({settings.confidence:.0%} CI "
            f"{c.ci_low:.2f}–{c.ci_high:.2f}; {c.method}, p={fmt_p(c.p_value, settings.alpha)})"
        )
        evidence = {
            "pass": f"{shown} {op} {bound:g}×",
            "fail": f"{shown}, limit {op} {bound:g}×",
            "inconclusive": f"{shown} vs the {bound:g}× limit: {c.note}; add rounds ({more}, "
            "--until-decisive)",
        }[c.verdict]
        if c.detectable is not None:
            evidence += f"; detects changes ≥ {fmt_pct(c.detectable)}"
        if c.caveat:
            evidence += f" ({c.caveat})"
    decided = c.p_value is not None
    return Verdict(
        **about(head), kind="reference", metric=metric, stat="median", bound=bound, unit="x",
        note=note, status=c.verdict if decided else "inconclusive",
        value=_median(current) if decided else None, baseline=_median(base) if decided else None,
        ratio=c.ratio if decided else None, ci_low=c.ci_low, ci_high=c.ci_high,
        p_value=c.p_value, detectable=c.detectable, tolerance=abs(bound - 1.0),
        method=c.method, caveat=c.caveat, evidence=evidence,
    )  # fmt: skip


def _median(arm: Arm | Labelled) -> float | None:
    return statistics.median(arm.samples) if arm.samples else None


def base_bound(metric: str, settings: CheckSettings) -> float:
    """The bound on head / base: any change beyond the check's tolerance is a regression."""
    tolerance = settings.tolerance_for(metric)
    return 1 + tolerance if spec(metric).direction == "lower" else 1 - tolerance


def _ratio_verdict(
    cand: Benchmark,
    ref: Benchmark,
    metric: str,
    settings: CheckSettings,
    interim: bool,
) -> Verdict:
    """The reference bound as a tolerance around 1× (module docstring)."""
    if on_base(cand):
        bound, other, sides = base_bound(metric, settings), "the base", (ref.engine, cand.engine)
    else:
        bound = (
            settings.reference_ttft_max_ratio
            if spec(metric).direction == "lower"
            else settings.reference_throughput_min_ratio
        )
        other, sides = "the reference", ("reference", "candidate")
    return same_job_verdict(
        cand, ref.metrics[metric], cand.metrics[metric], metric, settings, bound=bound,
        other=other, sides=sides, note=f"vs {ref.engine}", interim=interim,
    )  # fmt: skip


def parity_verdict(b: Benchmark, parity: Parity, min_parity: float | None) -> Verdict:
    """Report output parity; gate on it only when `min_parity` is configured.

    Prompts the two engines received with different lengths fail it whatever `min_parity`
    says (and at any temperature): the comparison itself is then not fair.
    """
    total, same = parity.total, parity.identical
    status: Status = "skipped"
    share = bound = None
    if parity.prompt_mismatches:
        odd = parity.prompt_mismatches[0]
        status = "fail"
        evidence = (
            f"the engines received prompts of different lengths: {odd.reference_tokens} "
            f"reference and {odd.candidate_tokens} candidate tokens (sample {odd.sample}; "
            f"{len(parity.prompt_mismatches)} of {total} prompts); outputs, TTFT and prefill "
            "are not comparable"
        )
    elif not parity.greedy:
        evidence = "not greedy (T > 0)"
    elif not total:
        evidence = "no prompt answered by both"
    else:
        evidence = f"{same}/{total} prompts identical"
        if parity.first_divergence:
            first = parity.first_divergence[0]
            where = f"{parity.unit} {first.position} (sample {first.sample})"
            evidence += f"; first divergence at {where}"
        share, bound = same / total, min_parity
        if min_parity is None:
            evidence += " (report only; set check.min_parity to gate)"
        else:
            status = "pass" if share >= min_parity else "fail"
            evidence += f", required ≥ {min_parity:.0%}"
    return Verdict(**about(b), kind="parity", metric="parity", status=status, value=share,
                   bound=bound, evidence=evidence)  # fmt: skip


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
                Verdict(
                    **about(cand),
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


# The advice of an inconclusive ratio verdict (`_ratio_verdict`), void once rounds stop on a FAIL.
_ADD_ROUNDS = re.compile(r"; add rounds \([^)]*\)")


def failed_benchmarks(verdicts: list[Verdict]) -> dict[tuple[str, str, str], list[str]]:
    """The (suite, scenario, engine) with a same-job verdict that FAILs, and those metrics."""
    failed: dict[tuple[str, str, str], list[str]] = {}
    for v in verdicts:
        if v.kind == "reference" and v.status == "fail":
            failed.setdefault((v.suite, v.scenario, v.engine), []).append(label(v.metric))
    return failed


def settled(verdicts: list[Verdict]) -> list[Verdict]:
    """Say why a same-job verdict of an adaptive run stayed inconclusive beside a FAIL.

    `--until-decisive` stops sending back a benchmark once a metric of it FAILs (the check's
    `undecided`), so "add rounds" would mislead there: the rounds stopped by design. The
    reason replaces the advice in the evidence and becomes the verdict's note.
    """
    failed = failed_benchmarks(verdicts)
    out = []
    for v in verdicts:
        by = failed.get((v.suite, v.scenario, v.engine))
        if by and v.kind == "reference" and v.status == "inconclusive":
            why = f"not sampled further: this benchmark already FAILs ({', '.join(by)})"
            evidence = _ADD_ROUNDS.sub(f"; {why}", v.evidence, count=1)
            # The note reaches the comment's and the console's statistics line; the evidence
            # only the JSON report.
            v = v.model_copy(update={"evidence": evidence, "note": why})
        out.append(v)
    return out
