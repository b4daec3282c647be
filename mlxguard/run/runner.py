"""The runner: executes a plan of generation trials and turns the records into benchmarks."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from mlxguard.engines import EngineFactory, display_name, runs_in_worker
from mlxguard.engines.limits import TRIAL_TIMEOUT_S
from mlxguard.results import (
    Benchmark,
    EngineEnvironment,
    Metric,
    Params,
    ServerUsage,
    WorkerRecord,
    benchmark_label,
)
from mlxguard.run.budget import Spending
from mlxguard.run.context import SuiteContext
from mlxguard.run.environment import memory_bytes
from mlxguard.run.plan import Order, Scenario, Trial, fit_cold, make_plan
from mlxguard.run.process_choice import (
    choose_processes,
    cores,
    first_wave,
    model_bytes,
    process_cap,
)
from mlxguard.run.progress import Progress
from mlxguard.run.prompts import Prompt, PromptFactory
from mlxguard.run.timing import Generation, Request, cold_generate, generate, metrics_of
from mlxguard.run.workers import EngineSlot, Workers


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
    processes: int = 1  # worker processes per engine
    first_sample: int = 0  # samples already measured (adaptive rounds add after them)
    # Labels whose every instance is its own worker process: their fresh-process trials need no
    # other child (a new engine is a new worker, with the definition's interpreter).
    own_process: frozenset[str] = frozenset()
    trial_timeout_s: float | None = TRIAL_TIMEOUT_S  # the deadline of each trial, load included
    run_started: float = field(default_factory=time.monotonic)  # the run's start, monotonic
    deadline: float | None = None  # no trial starts after it (monotonic); None: no budget
    spending: Spending | None = None  # the run's choice of processes, and what the budget cut

    def past_deadline(self) -> bool:
        """Has the budget run out? (No trial, warm-up or worker start begins after it.)"""
        return self.deadline is not None and time.monotonic() >= self.deadline

    @classmethod
    def of(
        cls, ctx: SuiteContext, samples: int | None = None, order: Order = "shuffled"
    ) -> RunSettings:
        """The settings of a suite's context: its config, model, engines and processes.

        Args:
            samples: timed trials per scenario and engine (default: the config's).
            order: the order of the timed trials.
        """
        cfg = ctx.config
        # The processes the run chose from measured costs, once the first workers started.
        chosen = ctx.spending.processes if ctx.spending else None
        return cls(
            model_dir=ctx.model_dir,
            model_label=ctx.model_label,
            samples=cfg.samples if samples is None else samples,
            warmup=cfg.warmup,
            seed=cfg.seed,
            temperature=cfg.temperature,
            cooldown_s=cfg.cooldown_s,
            order=order,
            specs={label: c.spec for label, c in ctx.engines.items()},
            codec=cfg.codec,
            processes=chosen.processes if chosen else ctx.processes,
            first_sample=ctx.first_sample,
            own_process=frozenset(label for label, c in ctx.engines.items() if c.own_process),
            trial_timeout_s=cfg.trial_timeout_s,
            run_started=ctx.run_started,
            deadline=ctx.deadline,
            spending=ctx.spending,
        )


@dataclass
class _Cell:
    records: list[tuple[Trial, Generation]] = field(default_factory=list)
    warmups: list[Generation] = field(default_factory=list)


def _request(prompt: Prompt, trial: Trial, settings: RunSettings) -> Request:
    sc, s = trial.scenario, settings
    return Request(prompt.text, sc.max_tokens, s.temperature, s.seed, sc.streaming,
                   prompt_ids=prompt.ids, prompt_tokens=prompt.tokens,
                   timeout_s=s.trial_timeout_s)  # fmt: skip


def _run_cold(slot: EngineSlot, request: Request, fresh: bool, settings: RunSettings) -> Generation:
    if fresh and slot.label not in settings.own_process:
        from mlxguard.run.fresh_process import run_fresh

        spec = settings.specs.get(slot.label, slot.label)
        return run_fresh(spec, slot.model_dir, request, codec=settings.codec)
    return cold_generate(slot.new, slot.model_dir, request)


def run_trials(
    scenarios: list[Scenario],
    engines: dict[str, EngineFactory],
    settings: RunSettings,
    progress: Progress,
    on_trial: Callable[[Trial, Generation], None] | None = None,
    prompt_for: Callable[[Trial], Prompt] | None = None,
    *,
    workers: Workers | None = None,
    kind: str = "",
) -> list[Benchmark]:
    """Run every trial of the plan and aggregate one benchmark per (scenario, engine).

    Args:
        on_trial: called after each trial (warm-ups included) with its raw record.
        prompt_for: the prompt of a trial (default: exact-token prompts, seeded per trial key).
        workers: the run's warm engines, kept open for later rounds (default: a pool of this
            call only, closed at the end).
        kind: tells apart engines of one label set up differently (see `Workers.slot`).
    """
    pool = workers if workers is not None else Workers()
    meanwhile = None  # what the run does while its workers start
    if prompt_for is None:
        prompts = PromptFactory(settings.model_dir, settings.seed)
        meanwhile = prompts.load

        def prompt_for(trial: Trial) -> Prompt:
            return prompts.make(trial.scenario.prompt_tokens, trial.prompt_key)

    def slot_of(label: str, process: int) -> EngineSlot:
        slot = pool.slot(label, engines[label], settings.model_dir, process, kind)
        slot.timeout_s = settings.trial_timeout_s
        return slot

    def plan_of(now: RunSettings) -> list[Trial]:
        return make_plan(scenarios, list(engines), now.samples, now.warmup, now.seed, now.order,
                         processes=now.processes, first_sample=now.first_sample)  # fmt: skip

    cells: dict[tuple[Scenario, str], _Cell] = defaultdict(_Cell)
    suite = scenarios[0].suite if scenarios else ""
    plan = plan_of(settings)
    progress.start(len(plan), suite, list(engines))
    started = time.monotonic()
    cut = fitted = False  # the budget ran out; cold trials were left out to fit it
    try:
        # Every warm process of every engine starts at once, before any warm-up.
        if any(not s.cold for s in scenarios) and not (cut := settings.past_deadline()):
            chosen = _start_workers(
                list(engines), settings, pool, slot_of, progress, suite, meanwhile
            )
            if chosen != settings.processes:
                settings = replace(settings, processes=chosen)
                plan = plan_of(settings)
                progress.resize(len(plan))
        warm_s: list[float] = []  # seconds of each timed warm trial so far
        cold_planned = settings.deadline is None  # cold trials fitted to the budget once timed
        i = 0
        while i < len(plan):
            trial, i = plan[i], i + 1
            if cut or (cut := settings.past_deadline()):
                break  # the budget ran out: what was measured stands, and the cut is recorded
            progress.describe(
                benchmark_label(trial.scenario.suite, trial.scenario.name, trial.engine)
                + (f" · process {trial.process}" if settings.processes > 1 else "")
                + (" · warm-up" if trial.warmup else "")
            )
            prompt = prompt_for(trial)
            began = time.monotonic()
            slot = slot_of(trial.engine, 0 if trial.scenario.cold else trial.process)
            if trial.scenario.cold:
                request = _request(prompt, trial, settings)
                rec = _run_cold(slot, request, trial.scenario.fresh_process, settings)
            else:
                engine = slot.get_warm()
                if engine is None:
                    rec = Generation(error=slot.load_error)
                else:
                    slot.requests += 1
                    rec = generate(engine, _request(prompt, trial, settings))
                    if rec.timed_out:
                        slot.retire(rec.error or "")
            took = time.monotonic() - began
            if not trial.warmup and not trial.scenario.cold:
                warm_s.append(took)
            if trial.timed_cold and not cold_planned:
                cold_planned = True
                fit = _fit_cold(plan[i:], took, warm_s, settings, progress, suite)
                if fit is not None:
                    plan, fitted = plan[:i] + fit, True
                    progress.resize(len(plan))
            cell = cells[(trial.scenario, trial.engine)]
            if trial.warmup:
                cell.warmups.append(rec)
            else:
                cell.records.append((trial, rec))
            progress.step(warmup=trial.warmup)
            if on_trial is not None:
                on_trial(trial, rec)
            if settings.cooldown_s and not trial.warmup:
                # No pause past the deadline (nor a negative one once it has passed).
                left = None if settings.deadline is None else settings.deadline - time.monotonic()
                time.sleep(
                    settings.cooldown_s
                    if left is None
                    else max(min(settings.cooldown_s, left), 0.0)
                )
        for label in engines:
            records = [rec for (s, e), c in cells.items() if e == label for _, rec in c.records]
            ok = sum(1 for r in records if r.ok)
            progress.note(f"{suite} · {label}: {ok}/{len(records)} timed trials ok "
                          f"({time.monotonic() - started:.1f} s)")  # fmt: skip
        benchmarks = [
            _benchmark(s, label, cells[(s, label)], _slots(s, label, slot_of, settings), settings)
            for s in scenarios
            for label in engines
        ]
        if (cut or fitted) and settings.spending is not None:
            settings.spending.cut += [b.label for b in benchmarks if b.trials < settings.samples]
        return benchmarks
    finally:
        progress.stop()
        if workers is None:
            pool.close()


def _fit_cold(
    rest: list[Trial],
    cold_s: float,
    warm_s: list[float],
    settings: RunSettings,
    progress: Progress,
    suite: str,
) -> list[Trial] | None:
    """The rest of the plan fitted to the budget once a cold trial took `cold_s` (`fit_cold`);
    None when all of it fits."""
    left = (settings.deadline or 0.0) - time.monotonic()
    fit = fit_cold(rest, cold_s, sum(warm_s) / len(warm_s) if warm_s else 0.0, left)
    if len(fit) == len(rest):
        return None
    progress.note(
        f"{suite}: {len(rest) - len(fit)} cold trial(s) left out: one took {cold_s:.1f} s, and "
        f"the budget has {max(left, 0.0):.0f} s left for the rest"
    )
    return fit


def _start_workers(
    labels: list[str],
    settings: RunSettings,
    pool: Workers,
    slot_of: Callable[[str, int], EngineSlot],
    progress: Progress,
    suite: str,
    meanwhile: Callable[[], None] | None = None,
) -> int:
    """Start the warm workers of every engine at once; returns the processes per engine.

    When the run chooses its processes (`Spending.auto_processes`) and has not yet, a first
    wave (as many workers of every engine as the cores start side by side) starts and is timed,
    and the rest follow as the choice allows (`mlxguard.run.process_choice`). `meanwhile` runs
    here while the first processes start.
    """
    processes, spending = settings.processes, settings.spending

    def start(count: int) -> float:
        """Start `count` workers of each engine; the seconds until the last was ready."""
        progress.describe(f"{suite}: starting {len(labels) * count} engine(s)")
        warm = [slot_of(label, p) for label in labels for p in range(count)]
        began = time.monotonic()
        pool.start(warm, lambda slot: _in_worker(slot.label, settings), meanwhile)
        # The workers' own start, not `meanwhile`'s: it prices the processes not yet started.
        return max([s.ready_at - began for s in warm if s.ready_at] + [0.0])

    if spending is not None and spending.auto_processes:
        if spending.processes is None and settings.deadline is not None:
            weights, n = model_bytes(settings.model_dir), cores()
            most = process_cap(processes, len(labels), weights, memory_bytes(), n)
            wave = first_wave(most, len(labels), n)
            took = start(wave)
            left = settings.deadline - time.monotonic()
            spending.processes = choose_processes(most, took, left, len(labels), n, started=wave)
        if spending.processes is not None:
            processes = spending.processes.processes
    start(processes)
    return processes


def _slots(
    s: Scenario, label: str, slot_of: Callable[[str, int], EngineSlot], settings: RunSettings
) -> list[EngineSlot]:
    return [slot_of(label, 0)] if s.cold else [slot_of(label, p) for p in range(settings.processes)]


def _pool(records: list[Generation]) -> dict[str, list[float]]:
    pooled: dict[str, list[float]] = defaultdict(list)
    for rec in records:
        for name, values in metrics_of(rec).items():
            pooled[name].extend(values)
    return pooled


def _measured(
    records: list[tuple[Trial, Generation]], warmups: list[Generation]
) -> dict[str, Metric]:
    """Each metric's samples with the process and round each came from (parallel lists)."""
    warm = _pool(warmups)
    values: dict[str, list[float]] = defaultdict(list)
    processes: dict[str, list[int]] = defaultdict(list)
    rounds: dict[str, list[int]] = defaultdict(list)
    for trial, rec in records:
        for name, got in metrics_of(rec).items():
            values[name].extend(got)
            processes[name].extend([trial.process] * len(got))
            rounds[name].extend([trial.round] * len(got))
    return {
        name: Metric.of(name, v, warm.get(name), processes=processes[name], rounds=rounds[name])
        for name, v in values.items()
    }


def _in_worker(label: str, settings: RunSettings) -> bool:
    """Does every instance of engine `label` run in a worker process of its own?"""
    return label in settings.own_process or runs_in_worker(settings.specs.get(label, label))


def _worker_record(process: int, slot: EngineSlot, settings: RunSettings) -> WorkerRecord:
    started = slot.started_at
    return WorkerRecord(
        started_s=None if started is None else round(max(started - settings.run_started, 0), 3),
        process=process,
        pid=slot.pid,
        loads=slot.loads,
        requests=slot.requests,
        load_ms=None if slot.load_ns is None else slot.load_ns / 1e6,
    )


def _benchmark(
    s: Scenario, label: str, cell: _Cell, slots: list[EngineSlot], settings: RunSettings
) -> Benchmark:
    spec = settings.specs.get(label, label)
    name = next((slot.name for slot in slots if slot.name), None)
    # Percentiles are taken over all raw samples pooled across trials, never averaged per batch.
    metrics = _measured(cell.records, cell.warmups)
    records = [rec for _, rec in cell.records]
    errors = sorted({r.error for r in records if r.error})
    slot = slots[0]
    warm = slot.load_ns is not None and not s.cold
    load_ms = slot.load_ns / 1e6 if warm and slot.load_ns is not None else None
    info = next((w.info for w in slots if w.info), {})  # process 0 may have served no sample
    env = EngineEnvironment.from_info(info, load_ms) if info or load_ms else None
    usages = [r.usage for r in records if r.ok and r.usage]
    # Totals over the timed trials: cached_tokens > 0 means a server prompt cache was hit.
    keys = ("prompt_tokens", "completion_tokens", "cached_tokens")
    usage = (
        ServerUsage(
            trials=len(usages),
            **{k: sum(u[k] for u in usages if k in u) for k in keys if any(k in u for u in usages)},
        )
        if usages
        else None
    )
    counts = [r.output_tokens for r in records if r.ok]
    # Parallel to the prompt_tokens samples: one per successful trial that recorded a length.
    sources = [r.prompt_source for r in records if r.ok and r.prompt_source is not None]
    return Benchmark(
        suite=s.suite,
        engine=display_name(label, spec, name),
        engine_spec=spec,
        model=settings.model_label,
        scenario=s.name,
        params=Params(
            prompt_tokens=s.prompt_tokens,
            max_tokens=s.max_tokens,
            streaming=s.streaming,
            cold=s.cold,
            fresh_process=s.fresh_process,
            samples=settings.samples,
            warmup=settings.warmup,
            temperature=settings.temperature,
            order=settings.order,
            processes=1 if s.cold else settings.processes,
        ),
        metrics=metrics,
        trials=len(records),
        successes=sum(1 for r in records if r.ok),
        errors=errors,
        short_outputs=sum(1 for c in counts if c < s.max_tokens),
        engine_environment=env,
        server_usage=usage,
        workers=[_worker_record(p, w, settings) for p, w in enumerate(slots)] if warm else None,
        prompt_sources=sources or None,
    )
