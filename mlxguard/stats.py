"""Descriptive statistics, outlier detection, and the bootstrap of a ratio at the level that varies.

Pure functions over plain sequences of floats (stdlib and numpy; scipy only inside `widened`, so
importing this module stays light). Every descriptive function returns ``None``, never 0, when
its value is undefined (no samples, fewer than two for a spread, a zero denominator), so a report
can say "n/a" instead of printing a misleading number.

The bootstrap of a ratio of medians (`estimate`, `ratio_ci`) resamples at the level that varies
(Kalibera & Jones, "Rigorous Benchmarking in Reasonable Time", ISMM 2013, section 4): processes,
then samples within each chosen process; or, when both arms share their rounds, the per-round
ratios (paired). The decision built on it is `mlxguard.check.decision`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Protocol, runtime_checkable

import numpy as np

from mlxguard.metrics import SUMMARY_FIELDS

__all__ = [
    "BOOT_CHUNK_VALUES",
    "MIN_PAIRED_ROUNDS",
    "MODIFIED_Z_THRESHOLD",
    "SUMMARY_FIELDS",
    "Arm",
    "Estimate",
    "Labelled",
    "Split",
    "boot_chunk",
    "change_point",
    "check_bootstrap_params",
    "effective_units",
    "estimate",
    "finite_array",
    "group_indices",
    "interval",
    "mad",
    "median_ci",
    "modified_z_scores",
    "outliers",
    "percentile",
    "ratio_ci",
    "robust_spread",
    "summarize",
    "two_groups",
    "widened",
]


# Iglewicz & Hoaglin (1993), "How to Detect and Handle Outliers", ASQC Quality Press, p. 11:
# 0.6745 is the 0.75 quantile of the standard normal, so 0.6745 * (x - median) / MAD is a
# z-score for normal data, and |M| > 3.5 is their recommended outlier cut-off.
_MODIFIED_Z_FACTOR = 0.6745
MODIFIED_Z_THRESHOLD = 3.5
# sqrt(pi / 2): for normal data, E|x - mu| = sigma * sqrt(2 / pi), so 1.253314 * mean absolute
# deviation estimates sigma. Used when MAD is 0 (more than half the samples are identical), the
# fallback documented with the modified z-score in IBM's SPSS Modeler/Cognos Analytics help.
_MEAN_AD_FACTOR = 1.253314


def finite_array(samples: Sequence[float], name: str = "sample") -> np.ndarray:
    """Return ``samples`` as a 1-D float array.

    Raises:
        ValueError: if a sample is NaN or infinite (the message names the first one, by ``name``
            and index, e.g. "baseline sample 0 is inf").
    """
    arr = np.asarray(samples, dtype=float).reshape(-1)
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} {i} is {float(arr[i])!r}: samples must be finite numbers "
            f"({int(bad.sum())} of {arr.size} are not)"
        )
    return arr


def percentile(samples: Sequence[float], q: float) -> float | None:
    """Return the ``q``-th percentile with linear interpolation (numpy's default 'linear' method).

    This is Hyndman & Fan (1996) definition 7, the default of numpy, R and Excel's PERCENTILE.INC.

    Args:
        samples: the values.
        q: percentile in [0, 100].

    Returns:
        The percentile, or ``None`` when there are no samples.

    Raises:
        ValueError: if ``q`` is outside [0, 100] or a sample is not finite.
    """
    if not (isinstance(q, int | float) and 0 <= q <= 100):
        raise ValueError(f"percentile q={q!r} is outside [0, 100]")
    arr = finite_array(samples)
    if arr.size == 0:
        return None
    return float(np.percentile(arr, q, method="linear"))


def summarize(samples: Sequence[float]) -> dict[str, float | int | None]:
    """Summarize samples as n, mean, median, p50, p90, p95, p99, min, max and stddev.

    Percentiles use linear interpolation; ``stddev`` is the sample standard deviation (ddof=1).

    Returns:
        A dict keyed by ``SUMMARY_FIELDS``. With no samples, ``n`` is 0 and every other value is
        ``None``; with one sample, ``stddev`` is ``None``.

    Raises:
        ValueError: if a sample is NaN or infinite.
    """
    arr = finite_array(samples)
    n = int(arr.size)
    if n == 0:
        return {"n": 0, **{k: None for k in SUMMARY_FIELDS[1:]}}
    p50, p90, p95, p99 = (float(v) for v in np.percentile(arr, [50, 90, 95, 99], method="linear"))
    return {
        "n": n,
        "mean": float(np.mean(arr)),
        "median": p50,
        "p50": p50,
        "p90": p90,
        "p95": p95,
        "p99": p99,
        "min": float(arr.min()),
        "max": float(arr.max()),
        "stddev": float(np.std(arr, ddof=1)) if n >= 2 else None,
    }


def mad(samples: Sequence[float]) -> float | None:
    """Return the median absolute deviation from the median, unscaled.

    Multiply by 1.4826 to estimate the standard deviation of normal data (Rousseeuw & Croux 1993).

    Returns:
        ``median(|x - median(x)|)``, or ``None`` when there are no samples.
    """
    arr = finite_array(samples)
    if arr.size == 0:
        return None
    return float(np.median(np.abs(arr - np.median(arr))))


def modified_z_scores(samples: Sequence[float]) -> list[float] | None:
    """Return the modified z-score of each sample (Iglewicz & Hoaglin 1993).

    ``M_i = 0.6745 * (x_i - median) / MAD``. When MAD is 0 (over half the samples tie), the
    scale falls back to ``1.253314 * mean(|x - median|)``, i.e. ``M_i = (x_i - median) /
    (1.253314 * MeanAD)``.

    Returns:
        One score per sample, or ``None`` when there are no samples or all samples are equal
        (no spread to scale by).
    """
    arr = finite_array(samples)
    if arr.size == 0:
        return None
    dev = arr - np.median(arr)
    m = float(np.median(np.abs(dev)))
    if m > 0:
        return [float(v) for v in _MODIFIED_Z_FACTOR * dev / m]
    mean_ad = float(np.mean(np.abs(dev)))
    if mean_ad > 0:
        return [float(v) for v in dev / (_MEAN_AD_FACTOR * mean_ad)]
    return None


def outliers(samples: Sequence[float], threshold: float = MODIFIED_Z_THRESHOLD) -> list[int]:
    """Return the indices of samples whose modified z-score exceeds ``threshold`` in magnitude.

    The default 3.5 is the cut-off recommended by Iglewicz & Hoaglin (1993).

    Returns:
        Sorted indices; empty when there are no samples or no spread.
    """
    scores = modified_z_scores(samples)
    if scores is None:
        return []
    return [i for i, z in enumerate(scores) if abs(z) > threshold]


def robust_spread(samples: Sequence[float]) -> float | None:
    """1.4826 * MAD / |median|: the normal-consistent spread, relative to the median.

    MAD rather than the standard deviation, so one preempted sample among thousands of
    microsecond-scale timings does not move it (Rousseeuw & Croux 1993).

    Returns:
        The relative spread, or ``None`` with fewer than two samples or a zero median.
    """
    if len(samples) < 2:
        return None
    m, median = mad(samples), percentile(samples, 50)
    return 1.4826 * m / abs(median) if m is not None and median else None


# Paired analysis needs enough rounds to be able to fail: the sign test's smallest one-sided
# p-value over k rounds is 2^-k, below alpha = 0.01 from 7 rounds.
MIN_PAIRED_ROUNDS = 7

SAMPLE_CAVEAT = (
    "samples treated as independent (one process, no rounds): a shift of the whole process "
    "would read as a change"
)
ROUND_CAVEAT = "one process: a shift of the whole process cannot be told from a change"


@dataclass(frozen=True)
class Arm:
    """The samples of one side of a comparison, with the process and round of each (or None)."""

    samples: Sequence[float]
    processes: Sequence[int | None] | None = None
    rounds: Sequence[int | None] | None = None

    @classmethod
    def of(cls, arm: Arm | Labelled | Sequence[float]) -> Arm:
        """An ``Arm`` from an arm, from anything with labelled samples (a results ``Metric``),
        or from bare samples."""
        if isinstance(arm, Arm):
            return arm
        if isinstance(arm, Labelled):
            return cls(arm.samples, arm.processes, arm.rounds)
        return cls(arm)


@runtime_checkable
class Labelled(Protocol):
    """Samples with the worker process and round of each (``mlxguard.results.Metric``)."""

    @property
    def samples(self) -> Sequence[float]: ...
    @property
    def processes(self) -> Sequence[int] | None: ...
    @property
    def rounds(self) -> Sequence[int] | None: ...


def _labels(values: Sequence[int | None] | None, n: int, name: str) -> list[int] | None:
    """Process or round labels parallel to the samples; None when absent or incomplete."""
    if values is None:
        return None
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} entries for {n} samples")
    if any(v is None for v in values):
        return None
    return [int(v) for v in values]  # type: ignore[arg-type]


def check_bootstrap_params(confidence: float, n_boot: int) -> None:
    """Raise ValueError unless 0 < confidence < 1 and n_boot >= 100."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence!r} is outside (0, 1), e.g. 0.95")
    if n_boot < 100:
        raise ValueError(f"n_boot {n_boot!r} is too small for a bootstrap interval; use >= 100")


def group_indices(labels: Sequence[int] | np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct labels, sorted, and the indices of each one's items (in their order).

    One stable sort, O(n log n) however many labels there are (a mask per label would be
    O(n x labels): quadratic when every sample has a round of its own).
    """
    lab = np.asarray(labels)
    if lab.size == 0:
        return lab, []
    order = np.argsort(lab, kind="stable")
    ordered = lab[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.split(order, starts[1:])


def _groups(values: np.ndarray, labels: list[int]) -> list[np.ndarray]:
    """The values of each label, in the order of the sorted labels."""
    return [values[i] for i in group_indices(labels)[1]]


# The most values one vectorized step of the bootstrap draws (replicates x clusters x the
# largest cluster): each of its arrays then stays near 16 MiB however many samples there are,
# so memory is bounded and time grows linearly with n_boot x samples.
BOOT_CHUNK_VALUES = 1 << 21


def boot_chunk(n_boot: int, per_replicate: int) -> int:
    """How many replicates one step of `_two_level_medians` draws (at least one)."""
    return max(1, min(n_boot, BOOT_CHUNK_VALUES // max(per_replicate, 1)))


def _two_level_medians(
    clusters: list[np.ndarray], n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Medians of ``n_boot`` two-level resamples: clusters with replacement, then values within.

    Values are handled by rank among all of them, clusters of unequal size padded with a rank
    past the last, so one vectorized draw serves them all and each median is read off counts
    (`_row_medians`) instead of sorting each resample. The replicates are drawn in chunks of
    `boot_chunk` (one chunk when they fit): memory stays bounded and time is linear in
    n_boot x samples.
    """
    k = len(clusters)
    sizes = np.array([c.size for c in clusters])
    values = np.concatenate(clusters)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size, dtype=np.int64)
    ranks[order] = np.arange(values.size)
    padded = np.full((k, int(sizes.max())), values.size, dtype=np.int64)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    for i, (start, size) in enumerate(zip(starts.tolist(), sizes.tolist(), strict=True)):
        padded[i, :size] = ranks[start : start + size]
    ordered = values[order]
    step = boot_chunk(n_boot, k * padded.shape[1])
    return np.concatenate(
        [
            _medians_of_draws(padded, sizes, ordered, min(step, n_boot - done), rng)
            for done in range(0, n_boot, step)
        ]
    )


def _medians_of_draws(
    padded: np.ndarray, sizes: np.ndarray, ordered: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """The medians of ``n`` two-level resamples of the clusters (``padded``: ranks into the
    sorted values ``ordered``, padding past the last)."""
    k, width = padded.shape
    pick = rng.integers(0, k, size=(n, k))
    if width == 1:  # one value per cluster: a plain bootstrap, nothing to pick within
        _skip_doubles(rng, n * k)  # what the pick within would draw, so the stream is the same
        return _row_medians(padded[pick, 0], np.full(n, k), ordered)
    chosen = sizes[pick]  # (n, k)
    u = rng.random((n, k, width))
    within = np.minimum((u * chosen[..., None]).astype(np.int64), width - 1)
    ranks = padded[pick[..., None], within]
    ranks[np.arange(width) >= chosen[..., None]] = ordered.size  # beyond the cluster: padding
    return _row_medians(ranks.reshape(n, -1), chosen.sum(axis=1), ordered)


def _row_medians(ranks: np.ndarray, counts: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """The median of each row of ``ranks`` (its first ``counts`` real ranks; the rank
    ``ordered.size`` is padding), as ``np.median`` gives it: the middle value, or the mean of
    the two middle ones. One count per rank and a running total find the middle, O(row)."""
    rows, total = ranks.shape[0], ordered.size
    row = np.arange(rows)
    seen = np.bincount((ranks + (row * (total + 1))[:, None]).ravel(), minlength=rows * (total + 1))
    # Running totals of the rows one after another (each row's counted from the rows before),
    # so one search finds every row's middle: the first rank whose total passes it.
    running = np.cumsum(seen.reshape(rows, total + 1)[:, :total])
    before = np.r_[0, running[total - 1 :: total][:-1]]
    low = np.searchsorted(running, before + (counts - 1) // 2, side="right") - row * total
    high = np.searchsorted(running, before + counts // 2, side="right") - row * total
    return (ordered[low] + ordered[high]) / 2


def _skip_doubles(rng: np.random.Generator, count: int) -> None:
    """Move ``rng`` on as ``rng.random(count)`` would, without making the numbers.

    A double takes one 64-bit step of the bit generator; a half-used 32-bit word kept for
    integer draws is kept too, as drawing the doubles would keep it.
    """
    bits = rng.bit_generator
    if not hasattr(bits, "advance"):
        rng.random(count)
        return
    before = bits.state
    bits.advance(count)
    bits.state = {**bits.state, "has_uint32": before["has_uint32"], "uinteger": before["uinteger"]}


@dataclass(frozen=True)
class _Level:
    """How one arm is clustered: by "process", "round", or single "sample"."""

    name: str
    clusters: list[np.ndarray]

    @property
    def text(self) -> str:
        k = len(self.clusters)
        plural = {"process": "processes", "round": "rounds", "sample": "samples"}
        return f"{k} {self.name if k == 1 else plural[self.name]}"


def _level(values: np.ndarray, arm: Arm) -> _Level:
    procs = _labels(arm.processes, values.size, "processes")
    if procs is not None and len(set(procs)) >= 2:
        return _Level("process", _groups(values, procs))
    rounds = _labels(arm.rounds, values.size, "rounds")
    if rounds is not None and len(set(rounds)) >= 2:
        return _Level("round", _groups(values, rounds))
    return _Level("sample", [values[i : i + 1] for i in range(values.size)])


@dataclass(frozen=True)
class Estimate:
    ratio: float
    replicates: np.ndarray | None  # bootstrap ratios; None when undefined
    # Effective number of independent units when values come in clusters (the fewer of the two
    # arms; `effective_units`), the t's df + 1; 0 when every cluster is a single value (a plain
    # bootstrap: nothing to widen).
    units: float
    # The smallest p-value an exact rank test on the same top-level units could reach: no
    # resampling can show stronger evidence than a complete ordering of those units.
    p_floor: float
    method: str
    caveat: str = ""


def _paired(
    ref: np.ndarray, cur: np.ndarray, base: Arm, current: Arm
) -> tuple[np.ndarray, list[np.ndarray], str] | None:
    """Per-round log ratios of the arms' medians, their clusters and the method's name.

    None unless both arms were measured in the same rounds (and every round median is > 0).
    """
    rb = _labels(base.rounds, ref.size, "rounds")
    rc = _labels(current.rounds, cur.size, "rounds")
    if rb is None or rc is None or set(rb) != set(rc) or len(set(rb)) < MIN_PAIRED_ROUNDS:
        return None
    rounds = sorted(set(rb))
    med_b = np.array([np.median(g) for g in _groups(ref, rb)])
    med_c = np.array([np.median(g) for g in _groups(cur, rc)])
    if (med_b <= 0).any() or (med_c <= 0).any():
        return None
    logs = np.log(med_c) - np.log(med_b)
    method = f"paired by round, {len(rounds)} rounds"
    clusters = [logs[i : i + 1] for i in range(logs.size)]
    pb = _labels(base.processes, ref.size, "processes")
    pc = _labels(current.processes, cur.size, "processes")
    if pb is not None and pc is not None:
        # A round's cluster: the processes that served it on each side (they drift together).
        def served(procs: list[int], labels: list[int]) -> dict[int, tuple[int, ...]]:
            by_round: dict[int, set[int]] = {}
            for p, x in zip(procs, labels, strict=True):
                by_round.setdefault(x, set()).add(p)
            return {r: tuple(sorted(ps)) for r, ps in by_round.items()}

        sb, sc = served(pb, rb), served(pc, rc)
        keys = [(sb[r], sc[r]) for r in rounds]
        distinct = sorted(set(keys))
        if len(distinct) >= 2:
            index = {d: i for i, d in enumerate(distinct)}
            clusters = _groups(logs, [index[k] for k in keys])
            method += f" in {len(distinct)} process pairs"
    return logs, clusters, method


def estimate(
    ref: np.ndarray, cur: np.ndarray, base: Arm, current: Arm, n_boot: int, seed: int
) -> Estimate | None:
    """The ratio and its bootstrap replicates by the best method the data allows."""
    rng = np.random.default_rng(seed)
    paired = _paired(ref, cur, base, current)
    if paired is not None:
        logs, clusters, method = paired
        reps = np.exp(_two_level_medians(clusters, n_boot, rng))
        caveat = "" if "process pairs" in method else ROUND_CAVEAT
        units = effective_units(clusters) or 0.0
        # The sign test's smallest one-sided p over the (effective) rounds.
        floor = 0.5 ** (round(units) if units else logs.size)
        return Estimate(float(np.exp(np.median(logs))), reps, units, floor, method, caveat)
    m_ref, m_cur = float(np.median(ref)), float(np.median(cur))
    if m_ref <= 0 or m_cur < 0:
        return None
    lb, lc = _level(ref, base), _level(cur, current)
    boot_ref = _two_level_medians(lb.clusters, n_boot, rng)
    boot_cur = _two_level_medians(lc.clusters, n_boot, rng)
    reps = None if np.any(boot_ref <= 0) else boot_cur / boot_ref
    kb, kc = len(lb.clusters), len(lc.clusters)
    if lb.name == lc.name:
        method = {
            "process": f"hierarchical, {kb}+{kc} processes",
            "round": f"rounds as clusters, {kb}+{kc} rounds",
            "sample": f"samples, {kb}+{kc}",
        }[lb.name]
    else:
        method = f"hierarchical, {lb.text} + {lc.text}"
    caveat = ""
    if "sample" in (lb.name, lc.name):
        caveat = SAMPLE_CAVEAT
    elif "round" in (lb.name, lc.name):
        caveat = ROUND_CAVEAT
    eb, ec = effective_units(lb.clusters), effective_units(lc.clusters)
    nb, nc = round(eb) if eb else kb, round(ec) if ec else kc
    floor = _rank_floor(nb, nc)
    units = min((u for u in (eb, ec) if u), default=0.0)
    return Estimate(m_cur / m_ref, reps, units, floor, method, caveat)


def _rank_floor(nb: int, nc: int) -> float:
    """Mann-Whitney's smallest one-sided p over ``nb`` + ``nc`` units: 1 / C(nb + nc, nb).

    Exact while the count fits a float; beyond, it is 0 (C(2000, 1000) already is), found from
    log-gamma: the exact count of 300,000 + 300,000 units alone took seconds to compute.
    """
    n = nb + nc
    if math.lgamma(n + 1) - math.lgamma(nb + 1) - math.lgamma(nc + 1) > 710:  # past a float
        return 0.0
    try:
        return 1.0 / math.comb(n, nb)
    except OverflowError:
        return 0.0


def effective_units(clusters: list[np.ndarray]) -> float | None:
    """How many independent values clustered values are worth (None: one value per cluster).

    Kish's design effect (Kish 1965, *Survey Sampling*, §5.4): ``n / (1 + (m - 1) * icc)`` for
    ``n`` values in clusters of mean size ``m``, the intraclass correlation ``icc`` estimated by
    one-way ANOVA (on logs when every value is positive) and clamped at 0. Between the number of
    clusters (values of a cluster move together) and ``n`` (clusters do not differ).
    """
    sizes = np.array([c.size for c in clusters], dtype=float)
    if (sizes <= 1).all():
        return None
    k, n = len(clusters), float(sizes.sum())
    if k < 2:
        return 1.0
    positive = all((c > 0).all() for c in clusters)
    groups = [np.log(c) if positive else c for c in clusters]
    means = np.array([g.mean() for g in groups])
    grand = float(np.concatenate(groups).mean())
    msb = float((sizes * (means - grand) ** 2).sum()) / (k - 1)
    msw = float(sum(((g - g.mean()) ** 2).sum() for g in groups)) / max(n - k, 1.0)
    m0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    between = max(0.0, (msb - msw) / m0)
    icc = between / (between + msw) if between + msw > 0 else 0.0
    return n / (1.0 + (n / k - 1.0) * icc)


def widened(reps: np.ndarray, units: float, tail: float) -> np.ndarray:
    """Log-scale replicates widened for a small number of independent units.

    Resampling ``k`` clusters with replacement underestimates the variance by ``(k - 1) / k``
    (Davison & Hinkley 1997, section 3.8), and with few clusters the normal quantile is too
    small: the spread around the replicates' median is scaled by
    ``sqrt(k / (k - 1)) * t_{k-1}(1 - tail) / z(1 - tail)`` with ``k`` the effective number of
    units (`effective_units`: the clusters when they differ, more when they do not). Single
    values (no clusters) are left alone: the percentile bootstrap of a median is used as is,
    and scaling its heavy tails would only magnify one stalled sample.
    """
    from scipy import stats as sps  # here, so importing stats never loads scipy

    logs = np.log(reps)
    if units < 2:
        return logs
    q = 1.0 - tail
    factor = (
        math.sqrt(units / (units - 1)) * float(sps.t.ppf(q, units - 1)) / NormalDist().inv_cdf(q)
    )
    center = float(np.median(logs))
    return center + factor * (logs - center)


def interval(log_reps: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0 * 100.0
    lo, hi = np.percentile(log_reps, [tail, 100.0 - tail])
    return math.exp(lo), math.exp(hi)


def ratio_ci(
    candidate: Arm | Labelled | Sequence[float],
    reference: Arm | Labelled | Sequence[float],
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[float | None, float | None, float | None]:
    """Return the candidate / reference ratio with its bootstrap CI, by the rule's method.

    Args:
        candidate: samples (or an ``Arm``) of the engine under test.
        reference: samples (or an ``Arm``) of the reference engine.
        confidence: two-sided confidence level of the interval.
        n_boot: bootstrap resamples.
        seed: seed of the resampling, so the interval is reproducible.

    Returns:
        ``(ratio, ci_low, ci_high)``; each is ``None`` when undefined (no samples, a reference
        median <= 0, a negative candidate median).

    Raises:
        ValueError: on non-finite samples or out-of-range parameters.
    """
    check_bootstrap_params(confidence, n_boot)
    cand, ref = Arm.of(candidate), Arm.of(reference)
    cur = finite_array(cand.samples, "candidate sample")
    base = finite_array(ref.samples, "reference sample")
    if cur.size == 0 or base.size == 0:
        return None, None, None
    est = estimate(base, cur, ref, cand, n_boot, seed)
    if est is None:
        return None, None, None
    if est.replicates is None:
        return est.ratio, None, None
    tail = (1.0 - confidence) / 2.0
    lo, hi = interval(widened(est.replicates, est.units, tail), confidence)
    return est.ratio, lo, hi


def median_ci(
    arm: Arm | Labelled | Sequence[float],
    *,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[float | None, float | None]:
    """A percentile bootstrap interval of one arm's median, resampled at the level that varies.

    Processes (then samples within them) when there are several, else rounds, else samples, as
    in `estimate`. Returns ``(None, None)`` with fewer than two samples.
    """
    check_bootstrap_params(confidence, n_boot)
    a = Arm.of(arm)
    values = finite_array(a.samples)
    if values.size < 2:
        return None, None
    medians = _two_level_medians(_level(values, a).clusters, n_boot, np.random.default_rng(seed))
    tail = (1.0 - confidence) / 2.0 * 100.0
    lo, hi = np.percentile(medians, [tail, 100.0 - tail])
    return float(lo), float(hi)


@dataclass(frozen=True)
class Split:
    """Two groups of samples: where they part, their medians, and how far apart they are."""

    at: int  # index of the first sample of the second group (in the order given, or sorted)
    first: float  # median of the first group
    second: float  # median of the second group
    separation: float  # gap between the medians in within-group robust SDs (inf if no spread)


def _split_at(values: np.ndarray, at: int) -> Split:
    a, b = values[:at], values[at:]
    ma, mb = float(np.median(a)), float(np.median(b))
    within = np.concatenate([a - ma, b - mb])
    scale = 1.4826 * float(np.median(np.abs(within)))
    sep = abs(mb - ma) / scale if scale > 0 else (math.inf if mb != ma else 0.0)
    return Split(at, ma, mb, sep)


def change_point(samples: Sequence[float], min_segment: int = 4) -> Split | None:
    """The single split of a sequence into a before and an after that best explains it.

    Candidates leave at least ``min_segment`` samples on each side; the best has the least total
    absolute deviation from its two segments' medians: the single change-point search
    (Hinkley 1970, Biometrika 57:1-17) with an L1 cost, so a stalled sample cannot place it.
    Returns None with fewer than ``2 * min_segment`` samples.
    """
    values = finite_array(samples)
    if values.size < 2 * min_segment:
        return None
    # cost[k] = deviations of values[:k] from their median + those of values[k:]: each prefix's
    # (and suffix's) deviation is kept up to date as values arrive, O(n log n) in all.
    centered = values - np.median(values)  # smaller sums, less rounding
    before = _prefix_deviations(centered)
    after = _prefix_deviations(centered[::-1])[::-1]
    ks = np.arange(min_segment, values.size - min_segment + 1)
    best = int(ks[np.argmin(before[ks] + after[ks])])
    return _split_at(values, best)


def _prefix_deviations(values: np.ndarray) -> np.ndarray:
    """``d[k]`` = the sum of |x - median| over ``values[:k]``, for every k from 0 to n.

    Two heaps hold the lower and upper halves with their sums: the deviation from the median is
    ``sum(upper) - sum(lower)`` (plus the median when the count is odd, the lower half holding
    the extra value), whichever middle value the median is.
    """
    lower: list[float] = []  # max-heap, negated
    upper: list[float] = []  # min-heap
    sum_lower = sum_upper = 0.0
    out = np.zeros(values.size + 1)
    for i, x in enumerate(values.tolist(), start=1):
        if lower and x > -lower[0]:
            heapq.heappush(upper, x)
            sum_upper += x
        else:
            heapq.heappush(lower, -x)
            sum_lower += x
        if len(lower) > len(upper) + 1:
            moved = -heapq.heappop(lower)
            sum_lower -= moved
            heapq.heappush(upper, moved)
            sum_upper += moved
        elif len(upper) > len(lower):
            moved = heapq.heappop(upper)
            sum_upper -= moved
            heapq.heappush(lower, -moved)
            sum_lower += moved
        odd = -lower[0] if len(lower) > len(upper) else 0.0
        out[i] = sum_upper - sum_lower + odd
    return out


def two_groups(samples: Sequence[float], min_share: float = 0.2) -> Split | None:
    """The widest gap in the sorted samples that leaves ``min_share`` of them on each side.

    ``at`` counts the sorted samples below the gap. None with fewer than 10 samples.
    """
    values = np.sort(finite_array(samples))
    if values.size < 10:
        return None
    lo = max(2, math.ceil(min_share * values.size))
    if lo > values.size - lo:
        return None
    gaps = np.diff(values)[lo - 1 : values.size - lo]
    return _split_at(values, lo + int(np.argmax(gaps)))
