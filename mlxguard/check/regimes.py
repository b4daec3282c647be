"""Regimes: a benchmark whose samples fall into groups, by worker process or over the run.

A worker process can land on other cores (efficiency cores on Apple Silicon), other clocks or
another co-tenant, and keep them; a machine can shift half-way through a run (thermal state,
a background job) and stay there. The samples then form groups, and a median of all of them
describes neither. Three shapes are looked for, on each gated metric:

* **process split**: the per-process medians differ (the slowest and fastest process);
* **shift**: within one process (in round order), the samples part at one point and stay
  parted (`stats.change_point`, an L1 single change-point search);
* **two groups**: otherwise, the sorted samples have a gap with at least a fifth of them on
  each side (`stats.two_groups`).

A shape is reported when its two groups' medians differ by ``REGIME_SHIFT`` (10%) or more and
by ``SEPARATION`` (4) robust standard deviations of the spread within the groups (1.4826 * MAD,
Rousseeuw & Croux 1993): two groups, not a tail. Each warning says where (which process, which
round) and what helps.

Pure: numpy only (no scipy), so a check without baselines stays light.
"""

from __future__ import annotations

import numpy as np

from mlxguard.check.stability import benchmark_warnings
from mlxguard.config import CheckSettings
from mlxguard.metrics import format_value
from mlxguard.results import Metric, Results
from mlxguard.stats import Split, change_point, group_indices, two_groups

REGIME_SHIFT = 0.10
SEPARATION = 4.0
ADVICE = (
    "more worker processes (--processes) spread a slow process over the comparison, a cooldown "
    "(--cooldown) lets clocks settle, and a quiet machine (no other job, no thermal throttling) "
    "removes the cause"
)


def _apart(first: float, second: float, separation: float) -> bool:
    low, high = sorted((first, second))
    return low > 0 and high / low - 1 >= REGIME_SHIFT and separation >= SEPARATION


def _process_split(name: str, values: np.ndarray, procs: np.ndarray) -> str | None:
    keys, members = group_indices(procs)
    groups = {int(k): values[i] for k, i in zip(keys, members, strict=True) if i.size >= 2}
    if len(groups) < 2:
        return None
    medians = {k: float(np.median(g)) for k, g in groups.items()}
    slow, fast = min(medians, key=medians.__getitem__), max(medians, key=medians.__getitem__)
    within = np.concatenate([g - medians[k] for k, g in groups.items()])
    scale = 1.4826 * float(np.median(np.abs(within)))
    gap = medians[fast] - medians[slow]
    separation = gap / scale if scale > 0 else (np.inf if gap else 0.0)
    if not _apart(medians[slow], medians[fast], separation):
        return None
    lo, hi = format_value(name, medians[slow]), format_value(name, medians[fast])
    return f"{name}: process {slow} at {lo}, process {fast} at {hi}"


def _shift(name: str, values: np.ndarray, rounds: np.ndarray | None, where: str) -> str | None:
    split = change_point(values.tolist())
    if split is None or not _apart(split.first, split.second, split.separation):
        return None
    at = f"round {int(rounds[split.at])}" if rounds is not None else f"sample {split.at + 1}"
    a, b = format_value(name, split.first), format_value(name, split.second)
    return f"{name}: {where}shifted from {a} to {b} at {at} and stayed"


def _groups_text(name: str, split: Split, n: int) -> str:
    a, b = format_value(name, split.first), format_value(name, split.second)
    return f"{name}: two groups, around {a} ({split.at} samples) and {b} ({n - split.at})"


def regimes(name: str, metric: Metric) -> list[str]:
    """Where one metric's samples fall into groups, with the process and round (none: one)."""
    values = np.asarray(metric.samples, dtype=float)
    procs = np.asarray(metric.processes) if metric.processes is not None else None
    rounds = np.asarray(metric.rounds) if metric.rounds is not None else None
    reasons = []
    if procs is not None and (found := _process_split(name, values, procs)):
        reasons.append(found)
    keys, members = (
        group_indices(procs) if procs is not None else ([None], [np.arange(values.size)])
    )
    for k, mask in zip(keys, members, strict=True):
        order = np.argsort(rounds[mask], kind="stable") if rounds is not None else None
        v = values[mask][order] if order is not None else values[mask]
        r = rounds[mask][order] if rounds is not None and order is not None else None
        where = f"process {k} " if k is not None and len(keys) > 1 else ""
        if found := _shift(name, v, r, where):
            reasons.append(found)
    if not reasons:
        split = two_groups(values.tolist())
        if split is not None and _apart(split.first, split.second, split.separation):
            reasons.append(_groups_text(name, split, values.size))
    return reasons


def regime_warnings(results: Results, settings: CheckSettings) -> list[str]:
    """One line naming every benchmark whose gated samples fall into groups, each with where
    and why."""
    return benchmark_warnings(results, settings, regimes, "samples in regimes", ADVICE)
