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
from dataclasses import dataclass

from mlxguard.config import Config
from mlxguard.engines.definitions import EngineChoice, choose
from mlxguard.errors import UsageError
from mlxguard.results import Benchmark, ReferenceComparison, benchmark_label
from mlxguard.run.context import SuiteContext, Undecided
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


def _plan(ctx: SuiteContext) -> WindowPlan:
    config = ctx.config
    s = config.load
    lengths = Lengths(s.prompt_tokens or config.prompt_tokens, s.output_tokens, s.lengths, s.spread)
    return WindowPlan(
        lengths, s.requests, s.warmup_waves, s.slo.bounds(), s.stall_factor, s.rounds,
        config.seed, ctx.deadline,
    )  # fmt: skip


def _record_cut(ctx: SuiteContext, measured: list[Measured], windows: int) -> None:
    """Name the points whose windows the budget cut short (`run.budget.cut`)."""
    if ctx.spending is not None:
        ctx.spending.cut += [
            benchmark_label(NAME, m.point.scenario, m.engine)
            for m in measured
            if len(m.windows) < windows
        ]


def _median_of(m: Measured, figure: str) -> float | None:
    return percentile([getattr(w, figure) for _, w in m.windows], 50)


async def _session(
    config: Config,
    plan: WindowPlan,
    targets: Mapping[str, Target],
    factory: PromptFactory,
    progress: Progress,
) -> list[Measured]:
    """Every window of the run on one event loop; a sweep's rates come from its first
    engine's synchronous and maximum-throughput points, so every engine gets the same rates."""
    points = load_points(config)
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


def _targets(ctx: SuiteContext) -> dict[str, Target]:
    config = ctx.config
    return {
        label: target_for(c.spec, ctx.model_dir, config.temperature, config.trial_timeout_s)
        for label, c in ctx.engines.items()
    }


async def _more(
    targets: Mapping[str, Target],
    points: list[LoadPoint],
    plan: WindowPlan,
    factory: PromptFactory,
    progress: Progress,
    first_round: int,
) -> list[Measured]:
    async with opened(targets) as live:
        return await measure(live, points, plan, factory, progress, first_round)


@dataclass
class _Measured:
    """What `run` measured, kept for the rounds `extend` adds."""

    points: list[Measured]
    specs: dict[str, str]
    reference: ReferenceComparison | None


class LoadSuite:
    """Load points on a server or mlx-lm's batching. Its rounds are windows: `--until-decisive`
    adds `[load] rounds` more windows of every engine at each undecided point."""

    name = NAME
    description = "a batching server under concurrency and request rates: goodput, SLOs, saturation"
    rounds = True
    options: frozenset[str] = frozenset()  # its counts are [load] requests and rounds

    def __init__(self) -> None:
        self._last: _Measured | None = None

    def engines(self, config: Config) -> dict[str, EngineChoice]:
        return load_engines(config)

    def scenarios(self, config: Config) -> list[Scenario]:
        return scenarios(config)

    def run(self, ctx: SuiteContext) -> list[Benchmark]:
        """One benchmark per load point and engine (see the module doc)."""
        config, s = ctx.config, ctx.config.load
        targets = _targets(ctx)
        windows = len(load_points(config)) + (s.sweep_rates if s.sweep else 0)
        ctx.progress.start(windows * s.rounds * len(targets), NAME, list(targets))
        try:
            factory = PromptFactory(ctx.model_dir, config.seed)
            plan = _plan(ctx)
            measured = asyncio.run(_session(config, plan, targets, factory, ctx.progress))
        finally:
            ctx.progress.stop()
        _record_cut(ctx, measured, plan.rounds)
        reference = None
        if s.pair:
            ref_label = list(ctx.engines)[1]
            reference = ReferenceComparison(engine=ref_label, against=against(config, ctx.engines))
        specs = {label: c.spec for label, c in ctx.engines.items()}
        self._last = _Measured(measured, specs, reference)
        return benchmarks_of(measured, config, ctx.model_label, specs, reference)

    def extend(
        self, ctx: SuiteContext, measured: list[Benchmark], todo: Undecided
    ) -> list[Benchmark]:
        """`[load] rounds` more windows, on every engine, of each point in `todo`."""
        last = self._last
        scenarios_ = {scenario for suite, scenario, _ in todo if suite == NAME}
        if last is None or not scenarios_:
            return measured
        points = list({m.point.scenario: m.point for m in last.points
                       if m.point.scenario in scenarios_}.values())  # fmt: skip
        first = 1 + max((w.round for m in last.points for _, w in m.windows), default=-1)
        config = ctx.config
        targets = _targets(ctx)
        ctx.progress.start(len(points) * config.load.rounds * len(targets), NAME, list(targets))
        try:
            factory = PromptFactory(ctx.model_dir, config.seed)
            plan = _plan(ctx)
            more = asyncio.run(_more(targets, points, plan, factory, ctx.progress, first))
        finally:
            ctx.progress.stop()
        _record_cut(ctx, more, plan.rounds)
        by_key = {(m.point.scenario, m.engine): m for m in last.points}
        for m in more:
            by_key[(m.point.scenario, m.engine)].windows.extend(m.windows)
        fresh = benchmarks_of(last.points, config, ctx.model_label, last.specs, last.reference)
        return [
            b.model_copy(update={"adaptive_rounds": old.adaptive_rounds + 1})
            if b.scenario in scenarios_
            else b.model_copy(update={"adaptive_rounds": old.adaptive_rounds})
            for b, old in zip(fresh, measured, strict=True)
        ]


LOAD = LoadSuite()
