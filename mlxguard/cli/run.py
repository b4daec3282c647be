"""`mlxguard run`: run benchmark suites, write the results file, print the verdicts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlxguard.cli.common import guarded, judge, load_baselines_at, say
from mlxguard.cli.options import BaselineOpt, ConfigOpt, CrossOpt, FailOnOpt, FormatOpt
from mlxguard.defaults import (
    DEFAULT_MAX_SAMPLES,
    DEFAULT_MAX_SECONDS,
    IPC_MAX_MESSAGES,
    IPC_MESSAGES_PER_SAMPLE,
)
from mlxguard.errors import RunInterrupted, UsageError

if TYPE_CHECKING:
    from mlxguard.config import Config
    from mlxguard.engines.definitions import EngineChoice
    from mlxguard.results import Results
    from mlxguard.run.logs import EngineLog


@guarded
def run(
    suite: Annotated[
        str | None,
        typer.Option(
            "--suite",
            "-s",
            help="Suites, comma-separated, or 'all' (default: ttft,throughput).",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Model directory or synthetic preset (default: the embedded "
            "'tiny' synthetic model).",
            show_default=False,
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            "-e",
            help="An engine defined in the config ([engines.NAME]; a name wins), or a spec: "
            "mlx-lm, mlx-engine, ipc, openai:URL or module:attr (default: mlx-lm).",
            show_default=False,
        ),
    ] = None,
    candidate: Annotated[
        str | None,
        typer.Option(
            "--candidate",
            help="compare/flexible: the engine under test, a defined engine's name or any "
            "engine spec (default: ipc).",
            show_default=False,
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            help="compare/flexible: the engine to measure against, a defined engine's name, "
            "an engine spec or 'auto' (default: mlx-lm).",
            show_default=False,
        ),
    ] = None,
    codec: Annotated[
        str | None,
        typer.Option(
            "--codec",
            help="Wire format of the ipc engine: msgpack or json (default: msgpack).",
            show_default=False,
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            help="Timed trials per scenario and engine (default: 5; 10 with --until-decisive); "
            f"ipc suite: {IPC_MESSAGES_PER_SAMPLE} timed messages per sample and scenario, "
            f"at most {IPC_MAX_MESSAGES:,}.",
            show_default=False,
        ),
    ] = None,
    questions: Annotated[
        int | None,
        typer.Option(
            "--questions",
            "-q",
            help="flexible: generated questions to ask, 1 to 100000 (default: 20).",
            show_default=False,
        ),
    ] = None,
    engines: Annotated[
        str | None,
        typer.Option(
            "--engines",
            help="flexible: candidate, reference or both (default: both).",
            show_default=False,
        ),
    ] = None,
    order: Annotated[
        str | None,
        typer.Option(
            "--order",
            help="compare/flexible: interleaved (for each sample, the engines in a seeded "
            "random order), sequential or shuffled (default: interleaved).",
            show_default=False,
        ),
    ] = None,
    fresh_process: Annotated[
        bool | None,
        typer.Option(
            "--fresh-process/--same-process",
            help="compare: run each trial cold in a new process, load timed apart "
            "(default: same process, warm).",
            show_default=False,
        ),
    ] = None,
    warmup: Annotated[
        int | None,
        typer.Option(
            "--warmup",
            "-w",
            help="Untimed warm-up trials per scenario, engine and process (default: 1).",
            show_default=False,
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            help="Worker processes per engine, each loading the model once; rounds are "
            "spread across them (default: 4 when every engine runs in a worker process, "
            "such as ipc; else 1).",
            show_default=False,
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            help="Cap on generated tokens per request (default: each scenario's "
            "length: ttft 8, throughput 32/128/512, compare and flexible 64).",
            show_default=False,
        ),
    ] = None,
    prompt_tokens: Annotated[
        int | None,
        typer.Option(
            "--prompt-tokens",
            help="Exact prompt length in tokens (default: 128).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Seed of prompts, trial order and sampling (default: 0).",
            show_default=False,
        ),
    ] = None,
    cooldown: Annotated[
        float | None,
        typer.Option(
            "--cooldown",
            help="Pause after each timed trial, in seconds (default: 0).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Results file to write (default: results.json).",
            dir_okay=False,
            show_default=False,
        ),
    ] = Path("results.json"),
    fmt: FormatOpt = "console",
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write the report to this file (default: stdout only).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    fail_on: FailOnOpt = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            help="No progress bar (default: shown when stderr is a terminal).",
            show_default=False,
        ),
    ] = False,
    baseline: BaselineOpt = None,
    allow_cross_machine: CrossOpt = False,
    until_decisive: Annotated[
        bool,
        typer.Option(
            "--until-decisive",
            help="Add rounds of trials while a baseline or reference verdict is inconclusive.",
        ),
    ] = False,
    max_samples: Annotated[
        int,
        typer.Option(
            "--max-samples",
            help="--until-decisive: trials per benchmark at most, 1 to 100000 (default: 120).",
            min=1,
            max=100_000,
            show_default=False,
        ),
    ] = DEFAULT_MAX_SAMPLES,
    max_seconds: Annotated[
        float,
        typer.Option(
            "--max-seconds",
            help="--until-decisive: wall-clock budget of the whole run in seconds, at most 86400 "
            "(default: 600).",
            min=0,
            max=86_400,
            show_default=False,
        ),
    ] = DEFAULT_MAX_SECONDS,
) -> None:
    """Run benchmark suites, write the results file, and print the verdicts."""
    import time

    from mlxguard.config import load_config
    from mlxguard.engines.definitions import UnknownEngine, choose
    from mlxguard.fsutil import check_writable
    from mlxguard.reports import check_format
    from mlxguard.suites import parse_suites

    started = time.monotonic()
    if until_decisive and samples is None:
        samples = 10  # the first look of adaptive sampling (docs/regression.md)
    cfg = load_config(config).with_overrides(
        model=model,
        engine=engine,
        candidate=candidate,
        reference=reference,
        questions=questions,
        flexible_engines=engines,
        order=order,
        fresh_process=fresh_process,
        codec=codec,
        samples=samples,
        warmup=warmup,
        processes=processes,
        max_tokens=max_tokens,
        prompt_tokens=prompt_tokens,
        seed=seed,
        cooldown_s=cooldown,
    )
    # Everything is validated before the model is built or loaded.
    suites = parse_suites(suite if suite is not None else cfg.suites)
    check_format(fmt)
    try:
        choose(cfg.engine, cfg.engines, cfg.codec)
        _check_pair_engines(cfg, suites)
    except UnknownEngine as e:
        given = {"engine": engine, "candidate": candidate, "reference": reference}
        raise UsageError(f"{_engine_source(e.choice, cfg, given, config)}: {e}") from None
    cfg = _resolve_processes(cfg, suites)
    _check_context(cfg, suites)
    _check_reachable(cfg, suites)
    from mlxguard.run.logs import EngineLog, captured, log_path

    log = EngineLog(log_path(output))
    check_writable(output)
    check_writable(log.path)
    if report is not None:
        check_writable(report)
    baselines = load_baselines_at(baseline)

    from mlxguard.run.interrupt import Interrupted, interruptible
    from mlxguard.run.servers import serving
    from mlxguard.run.session import execute
    from mlxguard.run.workers import Workers
    from mlxguard.suites import suite_runner

    # Ctrl-C or SIGTERM: the workers close on the way out (Workers and each suite's own pool),
    # managed servers are stopped, the results file says what is missing, and the run exits 2
    # with one line. With --until-decisive the warm engines stay open after the suites, for the
    # added rounds, and the servers run until the last of them.
    # What the engines print goes to the log, not the console.
    stopped = ""
    defined = [c.label for c in _engine_choices(cfg, suites) if c.label in cfg.engines]
    try:
        with captured(log), interruptible(), serving(cfg, defined) as live, Workers() as workers:
            kept = workers if until_decisive else None
            runners = {name: suite_runner(name) for name in suites}
            results = execute(
                live, runners, output, quiet=quiet, command=sys.argv[1:], workers=kept
            )
            if until_decisive:
                from mlxguard.check.evaluate import undecided
                from mlxguard.suites.adaptive import run_until_decisive

                def still_open(r: Results) -> set[tuple[str, str, str]]:
                    return undecided(r, cfg, baselines, allow_cross_machine)

                try:
                    done = run_until_decisive(
                        live, results, output, undecided=still_open, max_samples=max_samples,
                        max_seconds=max_seconds, started=started, workers=workers, quiet=quiet,
                    )  # fmt: skip
                except Interrupted as e:
                    raise RunInterrupted(
                        f"interrupted by {e.signal_name} during the --until-decisive rounds; "
                        f"{output} holds every suite and the rounds finished before"
                    ) from None
                results = done.results
                stopped = f"until-decisive: {done.rounds} extra round(s); {done.stopped}"
    except BaseException:
        # A run stopped by bad input (a model that does not exist) before any engine said
        # anything leaves no log; otherwise its end may say why.
        if log.lines:
            say("\n".join(log_report(log, failed=True)), err=True)
        else:
            log.path.unlink(missing_ok=True)
        raise
    if stopped:
        say(stopped, err=True)
    say(f"results: {output}", err=True)
    failed = any(b.errors for b in results.benchmarks)
    for line in log_report(log, failed):
        say(line, err=True)
    raise typer.Exit(judge(results, cfg, fmt, report, fail_on, baselines, allow_cross_machine))


def _check_context(cfg: Config, suites: list[str]) -> None:
    """Refuse requests longer than the model's context, which would fail (or crawl) in every
    trial of the engine instead of once here."""
    from mlxguard.models.files import context_length
    from mlxguard.suites import longest_request

    context = context_length(cfg.model)
    need = longest_request(cfg, suites)
    if context is not None and need > context:
        raise UsageError(
            f"--prompt-tokens {cfg.prompt_tokens} plus up to {need - cfg.prompt_tokens} "
            f"generated tokens exceed the model's context of {context} tokens "
            "(max_position_embeddings); lower --prompt-tokens or --max-tokens"
        )


def _engine_choices(cfg: Config, suites: list[str]) -> list[EngineChoice]:
    """The engines the suites will run (names resolved), each once."""
    from mlxguard.engines.definitions import choose
    from mlxguard.suites.compare import role_choices
    from mlxguard.suites.flexible import flexible_roles

    choices = (
        [choose(cfg.engine, cfg.engines, cfg.codec, cfg.processes or 1)]
        if {"ttft", "throughput"} & set(suites)
        else []
    )
    if "compare" in suites:
        choices += role_choices(cfg).values()
    if "flexible" in suites:
        choices += role_choices(cfg, flexible_roles(cfg)).values()
    if "load" in suites:
        from mlxguard.suites.load import load_engines

        choices += load_engines(cfg).values()
    return list({c.label: c for c in choices}.values())


def _check_reachable(cfg: Config, suites: list[str]) -> None:
    """A server engine that nothing answers at is bad input, not a slow engine.

    Servers of engine definitions are not running yet: mlxguard starts them (and waits for them)
    itself.
    """
    from mlxguard.engines.openai_engine import check_reachable

    for c in _engine_choices(cfg, suites):
        managed = c.label in cfg.engines and cfg.engines[c.label].server
        if c.spec.startswith("openai:") and not managed:
            check_reachable(c.spec)


def _engine_source(
    choice: str, cfg: Config, given: dict[str, str | None], config: Path | None
) -> str:
    """Where an engine choice came from: its flag (`--candidate`), or the config file's key."""
    from mlxguard.config import find_config

    role = next((r for r in given if getattr(cfg, r).strip() == choice), "engine")
    if given[role] is not None:
        return f"--{role} {choice}"
    path = config or find_config()
    return f"{path}: {role} = '{choice}'" if path else f"{role} '{choice}'"


def _check_pair_engines(cfg: Config, suites: list[str]) -> None:
    """Resolve the candidate and reference specs the compare and flexible suites will use."""
    from mlxguard.suites.compare import resolve_roles
    from mlxguard.suites.flexible import flexible_roles

    if "compare" in suites:
        resolve_roles(cfg)
    if "flexible" in suites:
        resolve_roles(cfg, flexible_roles(cfg))


def _resolve_processes(cfg: Config, suites: list[str]) -> Config:
    """The config with its worker processes per engine settled (and checked).

    Not given: DEFAULT_PROCESSES when every engine of the run runs in a worker process, else 1
    (an engine inside mlxguard's own process stays there). Given above 1: an engine inside
    mlxguard's process is hosted by that many ipc workers; a server's client is refused (the
    server is one process, whatever its clients).
    """
    from mlxguard.defaults import DEFAULT_PROCESSES
    from mlxguard.engines import runs_in_worker

    choices = _engine_choices(cfg, suites)
    inside = [c.label for c in choices if not (c.own_process or runs_in_worker(c.spec))]
    if cfg.processes is None:
        return cfg.with_overrides(processes=1 if inside or not choices else DEFAULT_PROCESSES)
    if inside and cfg.processes > 1:
        raise UsageError(
            f"--processes {cfg.processes}: engine '{inside[0]}' is a server's client, and the "
            "server is one process whatever its clients; use --processes 1"
        )
    return cfg


def log_report(log: EngineLog, failed: bool) -> list[str]:
    """Console lines about the log: where it is, and its last lines when something failed.

    Engine output is untrusted: each shown line is made plain (no control characters) and
    indented behind `| `, so no line can pass for a CI workflow command (`::...`).
    """
    from mlxguard.reports.escape import plain

    if not log.lines:  # the engines wrote nothing: there is no log file
        return []
    out = [f"engine log: {log.path} ({log.lines} lines)"]
    tail = log.tail() if failed else []
    if tail:
        out.append(f"last {len(tail)} lines of {log.path}:")
        out += [f"  | {plain(line)}" for line in tail]
    return out
