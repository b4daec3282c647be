"""`mlxguard merge`: join the results shards of a matrix of runners into one results file.

The first shard gives the run, config and top-level environment; the suites any shard did not
finish stay listed as incomplete, and a shard whose budget ran out (`run.budget`, with its
rounds) speaks for the merged run, so the check still says what the budget cut. A benchmark
from a shard whose environment differs keeps that environment in its own ``environment``, so
baseline checks still compare it with its own machine. A benchmark present in two shards must
be identical there (the same shard given twice); otherwise the merge is refused.
"""

from __future__ import annotations

from mlxguard.errors import UsageError
from mlxguard.results import Benchmark, Results, RunInfo


def merge(shards: list[tuple[str, Results]]) -> Results:
    """Join ``(source name, results)`` shards, in order.

    Raises:
        UsageError: no shard, or one benchmark with different contents in two shards.
    """
    if not shards:
        raise UsageError("nothing to merge: give at least one results file")
    first = shards[0][1]
    seen: dict[tuple[str, str, str, str], tuple[str, Benchmark]] = {}
    for source, shard in shards:
        own_env = shard.environment != first.environment
        for b in shard.benchmarks:
            if own_env and b.environment is None:
                b = b.model_copy(update={"environment": shard.environment})
            prior = seen.get(b.key)
            if prior is None:
                seen[b.key] = (source, b)
            elif prior[1] != b:
                raise UsageError(
                    f"benchmark {b.label} (model {b.model}) is in both {prior[0]} and {source} "
                    "with different results; merge each machine's shards separately, or drop one"
                )
    runs = [shard.run for _, shard in shards]
    missing = list(dict.fromkeys(s for run in runs for s in run.incomplete_suites))
    # A shard cut short leaves the merged run incomplete too, so `check` still refuses it.
    finished = first.run.finished_at if all(run.finished_at for run in runs) else None
    run = first.run.model_copy(
        update={"incomplete_suites": missing, "finished_at": finished, **_budget_of(runs)}
    )
    models = {name: info for _, shard in shards for name, info in shard.models.items()}
    benchmarks = [b for _, b in seen.values()]
    return first.model_copy(update={"run": run, "models": models, "benchmarks": benchmarks})


def _budget_of(runs: list[RunInfo]) -> dict[str, object]:
    """The budget (and rounds) of the first shard whose budget cut something or stopped its
    rounds, with every shard's cut benchmarks; nothing when no budget ran out."""
    cut = [label for run in runs if run.budget for label in run.budget.cut]
    ran_out = [r for r in runs if r.budget and (r.budget.cut or _timed_out(r))]
    spent = ran_out[0] if ran_out else None
    if spent is None or spent.budget is None:
        return {}
    return {
        "budget": spent.budget.model_copy(update={"cut": list(dict.fromkeys(cut))}),
        "adaptive": spent.adaptive,
    }


def _timed_out(run: RunInfo) -> bool:
    return run.adaptive is not None and run.adaptive.timed_out
