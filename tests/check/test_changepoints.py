"""Change points of run medians (check.changepoints) and the history the dashboard draws."""

from __future__ import annotations

import pytest

from mlxguard.baselines import RunSummary, Series
from mlxguard.check.changepoints import change_points, noise_scale
from mlxguard.check.history import history, prediction_band

NOISE = [0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.3, -0.3, 0.1]


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        ([100.0 + e for e in NOISE], []),  # flat
        ([100.0 + e for e in NOISE[:6]] + [80.0 + e for e in NOISE[6:]], [6]),  # one step
        ([100, 100.2, 99.9, 100.1, 95, 95.1, 94.9, 105, 105.2, 104.8], [4, 7]),  # two steps
        ([100.0, 100.2, 99.9, 100.1, 80.0, 100.0, 99.8, 100.1], []),  # one odd run: an outlier
        ([100.0, 100.1, 99.9, 100.0, 100.2, 99.8, 100.1, 80.0], []),  # the last run alone
        ([100.0, 80.0, 100.0], []),  # too short to tell
    ],
    ids=["flat", "step", "two-steps", "outlier", "last-run", "short"],
)
def test_change_points(y: list[float], expected: list[int]) -> None:
    assert change_points(y) == expected


def test_noise_floor_keeps_wiggles_from_being_steps() -> None:
    y = [100.0, 100.01, 100.0, 100.01, 100.5, 100.51, 100.5, 100.51]
    assert change_points(y) == [4]  # near-identical medians: any shift stands out
    assert change_points(y, floor=1.0) == []  # but runs are ±1 wide inside: no step


def test_noise_scale_ignores_a_step() -> None:
    assert noise_scale([1.0, 1.0, 1.0, 5.0, 5.0, 5.0]) == 0.0
    assert noise_scale([1.0, 2.0]) == 0.0


def test_history_bands_start_after_three_runs_and_match_the_check() -> None:
    medians = [100.0, 102.0, 98.0, 101.0, 80.0]
    runs = [RunSummary(run=f"r{i}", median=m, ci_low=m - 1, ci_high=m + 1, n=5)
            for i, m in enumerate(medians)]  # fmt: skip
    s = Series(suite="t", scenario="s", metric="decode_tps", unit="tok/s", direction="higher",
               runs=runs)  # fmt: skip
    h = history(s, alpha=0.01)
    assert [b.low is None for b in h.bands] == [True, True, True, False, False]
    assert h.bands[3] == prediction_band(medians[:3], 0.01)
    assert h.bands[3].low < 98.0 and h.bands[3].high > 102.0
    assert h.ratio == pytest.approx(0.8 / 1.01)
    assert h.latest_outside_band  # 80 after runs of 98-102
    assert prediction_band([1.0, 0.0, 2.0], 0.01).low is None  # log scale: no band with 0


@pytest.mark.parametrize("cv", [None, 0.1])
def test_the_dashboards_band_edge_is_where_the_check_starts_to_fail(cv: float | None) -> None:
    # Three runs that agree closely: with a prior CV the check floors their spread, and so must
    # the band drawn for them (a point outside the band is a run the check would fail).
    from mlxguard.check.baseline import judge_run

    medians = [100.0, 100.2, 99.8]
    band = prediction_band(medians, 0.01, between_run_cv=cv)
    rule = {"direction": "higher", "tolerance": 0.0, "alpha": 0.01, "between_run_cv": cv}
    assert judge_run(medians, band.low * 0.999, **rule).verdict == "fail"
    assert judge_run(medians, band.low * 1.001, **rule).verdict != "fail"
    one_run = prediction_band(medians[:1], 0.01, between_run_cv=cv)
    assert (one_run.low is None) == (cv is None)  # one run is a band only with the prior
