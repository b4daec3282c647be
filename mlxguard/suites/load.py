"""The `load` suite: a batching server (or mlx-lm's in-process batching) under load.

Load points are closed loops at fixed concurrency levels and open loops at fixed request rates
(seeded gamma arrivals); a sweep measures the synchronous and the maximum-throughput points
first, then rates in between, and marks the knee. Every point is measured in `rounds` windows
per engine, interleaved round by round across the engines, so with two engines (the candidate
and the reference, e.g. a pull request's head and base) each point is compared as the other
suites compare, by the check's same-job rule. Definitions and figures: docs/load.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from mlxguard.config import Config
from mlxguard.engines.definitions import EngineChoice, choose
from mlxguard.errors import UsageError
from mlxguard.results import Benchmark, ReferenceComparison
from mlxguard.run.context import OneLook, SuiteContext
from mlxguard.run.load.driver import Target
from mlxguard.run.load.measure import SERVED, Measured, WindowPlan, measure, opened, target_for
from mlxguard.run.load.shapes import LoadPoint, sweep_rates
from mlxguard.run.load.workload import Lengths
from mlxguard.run.plan import Scenario
from mlxguard.run.progress import Progress
from mlxguard.run.prompts import PromptFactory
from mlxguard.stats import percentile
from mlxguard.suites.compare import against, role_choices
from mlxguard.suites.load_results import benchmarks_of

NAME = "load"


def load_engines(config: Config) -> dict[str, EngineChoice]:
    """The engines the suite drives, label -> choice: `engine`, or the candidate and the
    reference with `[load] pair = true`.

    Raises:
        UsageError: an engine that is neither a server nor mlx-lm in this process.
    """
    if config.load.pair:
        chosen = role_choices(config)
    else:
        c = choose(config.engine, config.engines, config.codec)
        chosen = {c.label: c}
    for label, c in chosen.items():
        if not (c.spec.startswith("openai:") or (c.spec == "mlx-lm" and not c.own_process)):
            raise UsageError(
                f"the load suite cannot drive engine '{label}' ({c.spec}): it measures {SERVED},"
                " or mlx-lm in mlxguard's process (batching); for two builds, define two "
                "servers (docs/load.md)"
            )
    return chosen


def load_points(config: Config) -> list[LoadPoint]:
    """The configured points (a sweep's first two: synchronous and maximum throughput)."""
    s = config.load
    if s.sweep:
        return [LoadPoint("concurrency", 1), LoadPoint("concurrency", s.sweep_concurrency)]
    closed = [LoadPoint("concurrency", c) for c in dict.fromkeys(s.concurrency)]
    opened_ = [
        LoadPoint("rate", r, s.burstiness, s.max_concurrency) for r in dict.fromkeys(s.rates)
    ]
    return closed + opened_


def scenarios(config: Config) -> list[Scenario]:
    """The longest request a window makes, for the check of the model's context."""
    s = config.load
    prompt, output = s.prompt_tokens or config.prompt_tokens, s.output_tokens
    if s.lengths != "fixed":  # a drawn length is clipped to twice the mean
        prompt, output = 2 * prompt, 2 * output
    return [Scenario(NAME, "longest", prompt, output)]


def _plan(config: Config) -> WindowPlan:
    s = config.load
    lengths = Lengths(s.prompt_tokens or config.prompt_tokens, s.output_tokens, s.lengths, s.spread)
    return WindowPlan(
        lengths, s.requests, s.warmup_waves, s.slo.bounds(), s.stall_factor, s.rounds,
        config.seed,
    )  # fmt: skip


def _median_of(m: Measured, figure: str) -> float | None:
    return percentile([getattr(w, figure) for _, w in m.windows], 50)


async def _session(
    config: Config, targets: Mapping[str, Target], factory: PromptFactory, progress: Progress
) -> list[Measured]:
    """Every window of the run on one event loop; a sweep's rates come from its first
    engine's synchronous and maximum-throughput points, so every engine gets the same rates."""
    plan, points = _plan(config), load_points(config)
    async with opened(targets) as live:
        measured = await measure(live, points, plan, factory, progress)
        if not config.load.sweep:
            return measured
        first = next(iter(targets))
        sync, top = (m for m in measured if m.engine == first)
        rates = sweep_rates(
            _median_of(sync, "request_rps") or 0.0,
            _median_of(top, "request_rps") or 0.0,
            config.load.sweep_rates,
        )
        s = config.load
        between = [LoadPoint("rate", r, s.burstiness, s.max_concurrency) for r in rates]
        return measured + await measure(live, between, plan, factory, progress)


def _run(ctx: SuiteContext) -> list[Benchmark]:
    """One benchmark per load point and engine (see the module doc)."""
    config = ctx.config
    specs = {label: c.spec for label, c in ctx.engines.items()}
    targets = {label: target_for(spec, ctx.model_dir, config.temperature, config.trial_timeout_s)
               for label, spec in specs.items()}  # fmt: skip
    s = config.load
    windows = len(load_points(config)) + (s.sweep_rates if s.sweep else 0)
    ctx.progress.start(windows * s.rounds * len(targets), NAME, list(targets))
    try:
        factory = PromptFactory(ctx.model_dir, config.seed)
        measured = asyncio.run(_session(config, targets, factory, ctx.progress))
    finally:
        ctx.progress.stop()
    reference = None
    if s.pair:
        ref_label = list(ctx.engines)[1]
        reference = ReferenceComparison(engine=ref_label, against=against(config, ctx.engines))
    return benchmarks_of(measured, config, ctx.model_label, specs, reference)


class LoadSuite(OneLook):
    """Load points on a server or mlx-lm's batching; its rounds are windows, all planned."""

    name = NAME
    description = "a batching server under concurrency and request rates: goodput, SLOs, saturation"

    def engines(self, config: Config) -> dict[str, EngineChoice]:
        return load_engines(config)

    def scenarios(self, config: Config) -> list[Scenario]:
        return scenarios(config)

    def run(self, ctx: SuiteContext) -> list[Benchmark]:
        return _run(ctx)


LOAD = LoadSuite()
