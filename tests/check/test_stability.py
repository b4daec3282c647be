"""Stability warnings: each reason with its figure, then what helps."""

from __future__ import annotations

from factories import benchmark, results

from mlxguard.check.regimes import regime_warnings
from mlxguard.check.stability import instability, stability_warnings
from mlxguard.config import CheckSettings
from mlxguard.results import Benchmark, Metric
from mlxguard.results.load import LoadSection

STEADY = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100.0]


def test_steady_samples_raise_no_warning() -> None:
    assert instability("ttft_ms", STEADY) == []
    assert stability_warnings(results(benchmark(ttft_ms=STEADY)), CheckSettings()) == []


def test_outliers_are_named_with_their_figure() -> None:
    samples = [*STEADY[:-2], 150.0, 180.0]  # two slow trials in ten
    assert instability("ttft_ms", samples) == [
        "ttft_ms 2 of 10 samples outlying (modified Z > 3.5; worst 180.00 ms, median 100.15 ms)"
    ]


def test_one_stray_trial_is_no_pattern() -> None:
    # Seen on a quiet machine: one trial of five 10-24% off while the others agree within 2%.
    assert instability("decode_tps", [100.0, 101.0, 99.0, 100.5, 80.0]) == []
    assert instability("ttft_ms", [*STEADY[:-1], 180.0]) == []


def test_one_outlier_among_many_is_not_worth_a_warning() -> None:
    samples = STEADY * 10 + [180.0]  # under 5% of the samples
    assert instability("ttft_ms", samples) == []


def test_every_benchmark_and_reason_in_one_line() -> None:
    wide = [60.0, 80.0, 100.0, 120.0, 140.0, 100.0, 90.0, 110.0]
    b = benchmark(suite="throughput", scenario="128-stream", decode_tps=wide, throughput_tps=wide)
    c = benchmark(suite="throughput", scenario="32-stream", decode_tps=wide)
    [line] = stability_warnings(results(b, c, benchmark(ttft_ms=STEADY)), CheckSettings())
    assert line == (
        "unstable samples in 2 benchmarks — throughput 128-stream · mlx-lm (decode_tps ±22% of "
        "the median; throughput_tps ±22% of the median), throughput 32-stream · mlx-lm "
        "(decode_tps ±22% of the median) — close other apps, add --samples, or add --cooldown"
    )


def test_the_advice_names_what_adds_samples_to_the_suites_flagged() -> None:
    wide = [60.0, 80.0, 100.0, 120.0, 140.0, 100.0, 90.0, 110.0]
    flexible = benchmark(suite="flexible", scenario="questions", ttft_ms=wide)
    [line] = stability_warnings(results(flexible), CheckSettings())
    # The flexible suite asks questions: --samples changes nothing there.
    assert line.endswith("— close other apps, add -q/--questions, or add --cooldown"), line
    both = results(flexible, benchmark(suite="ttft", ttft_ms=wide))
    [line] = stability_warnings(both, CheckSettings())
    assert line.endswith("add -q/--questions or --samples, or add --cooldown"), line


def test_mad_zero_still_finds_the_outlier() -> None:
    samples = [50.0] * 8 + [90.0, 90.0]  # most tie: the MAD is 0, the mean-AD guard takes over
    [reason] = instability("decode_tps", samples)
    assert reason.startswith("decode_tps 2 of 10 samples outlying")


def test_too_few_samples_have_no_outliers() -> None:
    assert instability("decode_tps", [171.0, 170.0, 99.3]) == []


def test_a_tight_run_is_not_unstable_for_an_outlier_of_two_percent() -> None:
    # Seen on a quiet run: MAD of ~1 tok/s makes a 584.5 among ~574 a modified Z of 7, yet a
    # 2% deviation is noise no reader should be warned about.
    samples = [574.1, 575.0, 573.2, 574.4, 584.5, 573.9, 574.6]
    assert instability("decode_tps", samples) == []


def test_an_outlier_far_from_the_median_is_still_reported() -> None:
    samples = [574.1, 575.0, 573.2, 574.4, 420.0, 573.9, 574.6, 410.0]
    [reason] = instability("decode_tps", samples)
    assert "2 of 8 samples outlying" in reason


def _load_point(
    ttft_by_window: list[list[float]], tps: list[float], kind: str = "concurrency"
) -> Benchmark:
    """A load point at level 4: per-request TTFT labelled by window, one tok/s a window."""
    ttft = [t for window in ttft_by_window for t in window]
    rounds = [w for w, window in enumerate(ttft_by_window) for _ in window]
    section = LoadSection(kind=kind, level=4, prompt_tokens=32, output_tokens=8,
                          warmup_requests=4)  # fmt: skip
    return Benchmark(
        suite="load", engine="server", model="tiny", scenario=f"{kind}-4",
        metrics={"ttft_ms": Metric.of("ttft_ms", ttft, rounds=rounds),
                 "output_tps": Metric.of("output_tps", tps, rounds=list(range(len(tps))))},
        trials=len(ttft), successes=len(ttft), load=section,
    )  # fmt: skip


def test_a_load_points_spread_between_requests_is_no_instability() -> None:
    # Under load a request's TTFT is its place in the batch: wide within every window, while
    # the windows (what the point repeats) agree.
    batch = [100.0, 150.0, 200.0, 250.0, 300.0, 350.0, 400.0, 450.0]
    r = results(_load_point([batch] * 8, [300.0, 302.0, 299.0, 301.0, 300.0, 298.0, 301.0, 300.0]))
    assert instability("ttft_ms", r.benchmarks[0].metrics["ttft_ms"].samples)  # per request
    assert stability_warnings(r, CheckSettings()) == []
    assert regime_warnings(r, CheckSettings()) == []


def test_a_load_points_windows_that_disagree_are_named() -> None:
    batch = [100.0, 150.0, 200.0, 250.0, 300.0, 350.0, 400.0, 450.0]
    slow = [2 * t for t in batch]
    r = results(_load_point([batch] * 4 + [slow] * 4, [300.0] * 8))
    [unstable] = stability_warnings(r, CheckSettings())
    assert "load concurrency-4 · server (window medians: ttft_ms ±" in unstable
    [regime] = regime_warnings(r, CheckSettings())
    assert "(window medians: ttft_ms: shifted from 275.00 ms to 550.00 ms at round 4" in regime


def test_an_open_loop_point_repeats_nothing_and_is_not_judged() -> None:
    # Each window of rate-R draws its own arrivals: a burstier draw queues more and ends sooner.
    batch = [100.0, 150.0, 200.0, 250.0, 300.0, 350.0, 400.0, 450.0]
    windows = [[t * (1 + w % 3) for t in batch] for w in range(8)]
    r = results(_load_point(windows, [300.0, 240.0, 380.0] * 2 + [300.0, 260.0], kind="rate"))
    assert stability_warnings(r, CheckSettings()) == []
    assert regime_warnings(r, CheckSettings()) == []
