"""How often the "unstable" warning fires on runs of one build: the calibration of its thresholds.

A benchmark, not a test. Give it results files of identical runs (A/A: the same build, one
after another, e.g. the raw results in docs/data/across-runs-2026-11-28.tar.xz); it replays the
check's stability rule (`mlxguard.check.stability.instability`) over each benchmark's gated
metrics, with the thresholds of this release and with the previous ones, and prints how many
benchmarks and runs would warn, split by the load average when each run started (the machine's
own record, `environment.state_start.load_average`).

    tar xJf docs/data/across-runs-2026-11-28.tar.xz -C /tmp
    python scripts/bench_stability.py --engine "*+0%" "/tmp/across-runs-2/baselines/*.results.json"
    python scripts/bench_stability.py --engine "candidate:A2" \
        "/tmp/across-runs-2/same-job/*.results.json"
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
from collections.abc import Callable

from mlxguard.check.stability import instability
from mlxguard.config import CheckSettings
from mlxguard.results import Results, load_results

# name -> the thresholds given to `instability` (the defaults are this release's).
RULES: dict[str, dict[str, float]] = {
    "this release (25% off, 2 outliers)": {},
    "previous (10% off, 1 outlier)": {"deviation": 0.10, "min_outliers": 1},
}
# A start load average below this, on the 2-core machine, is what "quiet" means here.
QUIET_LOAD = 1.5


def _load(r: Results) -> float | None:
    state = r.environment.state_start
    return state.load_average[0] if state and state.load_average else None


def _warned(r: Results, settings: CheckSettings, rule: dict[str, float]) -> tuple[int, int]:
    """(benchmarks with a reason on a gated metric, benchmarks) of one run."""
    flagged = 0
    for b in r.benchmarks:
        names = [n for n in settings.gated_for(b.suite) if n in b.metrics]
        flagged += any(instability(n, b.metrics[n].samples, **rule) for n in names)
    return flagged, len(r.benchmarks)


def _row(label: str, runs: list[Results], rule: dict[str, float]) -> str:
    settings = CheckSettings()
    per_run = [_warned(r, settings, rule) for r in runs]
    flagged, total = sum(f for f, _ in per_run), sum(n for _, n in per_run)
    any_run = sum(1 for f, _ in per_run if f)
    share = f"{flagged / total:.1%}" if total else "—"
    return f"| {label} | {len(runs)} | {flagged} of {total} ({share}) | {any_run} of {len(runs)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="+", help="globs of results files of identical runs")
    parser.add_argument(
        "--engine",
        default="*",
        help="keep the runs with a benchmark whose engine matches this glob (the A/A arm)",
    )
    args = parser.parse_args()
    for pattern in args.patterns:
        runs = [load_results(p) for p in sorted(glob.glob(pattern))]
        runs = [
            r for r in runs if any(fnmatch.fnmatch(b.engine, args.engine) for b in r.benchmarks)
        ]
        buckets: dict[str, Callable[[Results], bool]] = {
            f"load < {QUIET_LOAD}": lambda r: (_load(r) or QUIET_LOAD) < QUIET_LOAD,
            "all": lambda r: True,
        }
        print(f"\n{pattern}\n")
        print("| rule, runs | runs | benchmarks warned | runs with a warning |")
        print("| --- | ---: | ---: | ---: |")
        for name, rule in RULES.items():
            for bucket, keep in buckets.items():
                print(_row(f"{name}, {bucket}", [r for r in runs if keep(r)], rule))


if __name__ == "__main__":
    main()
