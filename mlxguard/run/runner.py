"""The runner: executes a plan of generation trials and turns the records into benchmarks."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlxguard.engines import Engine, EngineFactory, check_engine
from mlxguard.errors import UsageError
from mlxguard.results import Benchmark, Metric
from mlxguard.run.plan import Order, Scenario, Trial, make_plan
from mlxguard.run.progress import Progress
from mlxguard.run.prompts import Prompt, PromptFactory
from mlxguard.run.timing import (
    Generation,
    close_quietly,
    cold_generate,
    describe_error,
    generate,
    metrics_of,
    timed_load,
)


@dataclass
class RunSettings:
    """What the runner needs besides the plan."""

    model_dir: str
    model_label: str
    samples: int
    warmup: int
    seed: int
    temperature: float = 0.0
    cooldown_s: float = 0.0
    order: Order = "shuffled"
    # Engine label -> spec, for fresh-process trials (the child resolves the spec itself);
    # a label not listed is its own spec.
    specs: dict[str, str] = field(default_factory=dict)
    codec: str = "msgpack"  # the ipc engine's wire format, for trials in a fresh process


@dataclass
class _Cell:
    records: list[Generation] = field(default_factory=list)
    warmups: list[Generation] = field(default_factory=list)


class _EngineSlot:
    """One engine spec: a warm instance loaded once, and fresh ones for cold trials."""

    def __init__(self, label: str, factory: EngineFactory, model_dir: str) -> None:
        self.label, self.factory, self.model_dir = label, factory, model_dir
        self.warm: Engine | None = None
        self.load_ns: int | None = None
        self.load_error: str | None = None
        self.info: dict[str, Any] = {}

    def new(self) -> Engine:
        return check_engine(self.factory(), self.label)

    def get_warm(self) -> Engine | None:
        if self.warm is None and self.load_error is None:
            try:
                engine, self.load_ns = timed_load(self.new, self.model_dir)
                self.warm = engine
                info = getattr(engine, "info", None)
                self.info = info() if callable(info) else {}
            except UsageError:
                raise
            except Exception as e:
                self.load_error = f"load failed: {describe_error(e)}"
        return self.warm

    def close(self) -> None:
        close_quietly(self.warm)
        self.warm = None


def _run_cold(
    slot: _EngineSlot, prompt: str, prompt_tokens: int | None, trial: Trial, settings: RunSettings
) -> Generation:
    params = dict(
        max_tokens=trial.scenario.max_tokens,
        temperature=settings.temperature,
        seed=settings.seed,
        streaming=trial.scenario.streaming,
    )
    if trial.scenario.fresh_process:
        from mlxguard.run.fresh_process import run_fresh

        spec = settings.specs.get(slot.label, slot.label)
        rec = run_fresh(spec, slot.model_dir, prompt, codec=settings.codec, **params)
    else:
        rec = cold_generate(slot.new, slot.model_dir, prompt, **params)
    rec.prompt_tokens = prompt_tokens
    return rec


def run_trials(
    scenarios: list[Scenario],
    engines: dict[str, EngineFactory],
    settings: RunSettings,
    progress: Progress,
    on_trial: Callable[[Trial, Generation], None] | None = None,
    prompt_for: Callable[[Trial], Prompt] | None = None,
) -> list[Benchmark]:
    """Run every trial of the plan and aggregate one benchmark per (scenario, engine).

    Args:
        on_trial: called after each trial (warm-ups included) with its raw record.
        prompt_for: the prompt of a trial (default: exact-token prompts, seeded per trial key).
    """
    plan = make_plan(
        scenarios, list(engines), settings.samples, settings.warmup, settings.seed, settings.order
    )
    slots = {label: _EngineSlot(label, f, settings.model_dir) for label, f in engines.items()}
    if prompt_for is None:
        prompts = PromptFactory(settings.model_dir, settings.seed)

        def prompt_for(trial: Trial) -> Prompt:
            return prompts.make(trial.scenario.prompt_tokens, trial.prompt_key)

    cells: dict[tuple[Scenario, str], _Cell] = defaultdict(_Cell)
    progress.start(len(plan))
    try:
        for trial in plan:
            progress.describe(
                f"{trial.scenario.suite} {trial.scenario.name} · {trial.engine}"
                + (" · warm-up" if trial.warmup else "")
            )
            prompt = prompt_for(trial)
            slot = slots[trial.engine]
            if trial.scenario.cold:
                rec = _run_cold(slot, prompt.text, prompt.tokens, trial, settings)
            else:
                engine = slot.get_warm()
                if engine is None:
                    rec = Generation(error=slot.load_error)
                else:
                    rec = generate(
                        engine,
                        prompt.text,
                        max_tokens=trial.scenario.max_tokens,
                        temperature=settings.temperature,
                        seed=settings.seed,
                        streaming=trial.scenario.streaming,
                    )
                    rec.prompt_tokens = prompt.tokens
            cell = cells[(trial.scenario, trial.engine)]
            (cell.warmups if trial.warmup else cell.records).append(rec)
            progress.step()
            if on_trial is not None:
                on_trial(trial, rec)
            if settings.cooldown_s and not trial.warmup:
                time.sleep(settings.cooldown_s)
    finally:
        progress.stop()
        for slot in slots.values():
            slot.close()
    return [
        _benchmark(s, label, cells[(s, label)], slots[label], settings)
        for s in scenarios
        for label in engines
    ]


def _pool(records: list[Generation]) -> dict[str, list[float]]:
    pooled: dict[str, list[float]] = defaultdict(list)
    for rec in records:
        for name, values in metrics_of(rec).items():
            pooled[name].extend(values)
    return pooled


def _benchmark(
    s: Scenario, label: str, cell: _Cell, slot: _EngineSlot, settings: RunSettings
) -> Benchmark:
    # Percentiles are taken over all raw samples pooled across trials, never averaged per batch.
    measured, warm = _pool(cell.records), _pool(cell.warmups)
    metrics = {name: Metric.of(name, values, warm.get(name)) for name, values in measured.items()}
    errors = sorted({r.error for r in cell.records if r.error})
    extra: dict[str, Any] = {}
    if slot.load_ns is not None and not s.cold:
        extra["engine_load_ms"] = slot.load_ns / 1e6
    if slot.info:
        extra["engine_info"] = slot.info
    usages = [r.usage for r in cell.records if r.ok and r.usage]
    if usages:
        # Totals over the timed trials: cached_tokens > 0 means a server prompt cache was hit.
        keys = ("prompt_tokens", "completion_tokens", "cached_tokens")
        extra["server_usage"] = {
            "trials": len(usages),
            **{k: sum(u[k] for u in usages if k in u) for k in keys if any(k in u for u in usages)},
        }
    counts = [r.output_tokens for r in cell.records if r.ok]
    if counts and min(counts) < s.max_tokens:
        extra["short_outputs"] = sum(1 for c in counts if c < s.max_tokens)
    return Benchmark(
        suite=s.suite,
        engine=label,
        model=settings.model_label,
        scenario=s.name,
        params={
            **s.params(),
            "samples": settings.samples,
            "warmup": settings.warmup,
            "temperature": settings.temperature,
            "order": settings.order,
        },
        metrics=metrics,
        trials=len(cell.records),
        successes=sum(1 for r in cell.records if r.ok),
        errors=errors,
        extra=extra,
    )
