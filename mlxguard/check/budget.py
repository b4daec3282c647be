"""What a run's wall-clock budget cost its verdicts, and what budget would have settled them.

A run that reaches `--max-seconds` stops starting trials (`mlxguard.run.budget`): some
benchmarks then hold fewer trials than planned, and some same-job verdicts may stay
inconclusive. The reader is told both, with an estimate of the budget that would resolve the
tolerance: an interval's half-width, and so the detectable change, shrinks as 1/sqrt(samples),
so a detectable change `d` over `n` samples reaches the tolerance `t` at about n * (d / t)^2
samples. Time per sample is this run's own pace (its elapsed time over its longest benchmark's
trials, start-up included, so the estimate errs long).
"""

from __future__ import annotations

import math

from mlxguard.check.verdicts import Verdict
from mlxguard.results import Results

# Cut benchmarks named in the warning, at most; the rest are counted.
NAMED = 3


def _reached(results: Results) -> bool:
    spent, adaptive = results.run.budget, results.run.adaptive
    return bool(spent and spent.cut) or bool(adaptive and adaptive.timed_out)


def budget_warnings(results: Results, verdicts: list[Verdict]) -> list[str]:
    """One line for what the budget cut, and one for what a larger budget would resolve."""
    spent = results.run.budget
    if spent is None or not _reached(results):
        return []
    out = []
    if spent.cut:
        names = ", ".join(spent.cut[:NAMED]) + (
            f" and {len(spent.cut) - NAMED} more" if len(spent.cut) > NAMED else ""
        )
        out.append(
            f"budget: --max-seconds {spent.max_seconds:g} reached at {spent.elapsed_s:.1f} s; "
            f"{len(spent.cut)} benchmark(s) got fewer trials than planned, judged on what they "
            f"hold ({names})"
        )
    need = _resolving_budget(results, verdicts)
    if need is not None:
        open_, seconds = need
        out.append(
            f"budget: {open_} same-job verdict(s) stayed inconclusive; about --max-seconds "
            f"{seconds:.0f} would resolve each tolerance (at this run's pace)"
        )
    return out


def _resolving_budget(results: Results, verdicts: list[Verdict]) -> tuple[int, float] | None:
    """(inconclusive same-job verdicts, the --max-seconds estimated to resolve them all)."""
    spent = results.run.budget
    trials = {(b.suite, b.scenario, b.engine): b.trials for b in results.benchmarks}
    most = max(trials.values(), default=0)
    if spent is None or not most:
        return None
    # Samples each inconclusive same-job verdict would need for its tolerance.
    needed = [
        n * (v.detectable / v.tolerance) ** 2
        for v in verdicts
        if v.kind == "reference" and v.status == "inconclusive"
        and v.detectable and v.tolerance and (n := trials.get((v.suite, v.scenario, v.engine)))
    ]  # fmt: skip
    if not needed or not math.isfinite(max(needed)):
        return None
    pace = spent.elapsed_s / most  # seconds per sample of a benchmark, everything included
    return len(needed), spent.elapsed_s + max(max(needed) - most, 0.0) * pace
