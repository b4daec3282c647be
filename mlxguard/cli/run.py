"""`mlxguard run`: run benchmark suites, write the results file, print the verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import guarded
from mlxguard.cli.measure import run_and_judge
from mlxguard.cli.options import BaselineOpt, ConfigOpt, CrossOpt, FailOnOpt, FormatOpt
from mlxguard.defaults import (
    DEFAULT_MAX_SAMPLES,
    DEFAULT_MAX_SECONDS,
    IPC_MAX_MESSAGES,
    IPC_MESSAGES_PER_SAMPLE,
)


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
            "spread across them (default: when every engine runs in a worker process, such as "
            "ipc, up to 4, as many as the first worker's measured start allows within the "
            "budget; else 1).",
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
            help="Add rounds of trials while a same-job verdict (candidate or head against the "
            "reference or base) is inconclusive; stored-baseline verdicts are judged on run "
            "medians and not extended.",
        ),
    ] = False,
    max_samples: Annotated[
        int,
        typer.Option(
            "--max-samples",
            help=f"--until-decisive: trials per benchmark at most, 1 to 100000 (default: "
            f"{DEFAULT_MAX_SAMPLES}); --max-seconds bounds the time.",
            min=1,
            max=100_000,
            show_default=False,
        ),
    ] = DEFAULT_MAX_SAMPLES,
    max_seconds: Annotated[
        float,
        typer.Option(
            "--max-seconds",
            help="wall-clock budget of the whole run in seconds (worker starts, warm-ups, trials, "
            "--until-decisive rounds): no trial starts after it; at most 86400 (default: 600).",
            min=0,
            max=86_400,
            show_default=False,
        ),
    ] = DEFAULT_MAX_SECONDS,
) -> None:
    """Run benchmark suites, write the results file, and print the verdicts."""
    from mlxguard.config import load_config
    from mlxguard.run.budget import Budget

    budget = Budget(until_decisive, max_samples, max_seconds)
    # The settings as given on the command line: one that no suite of the run reads is named.
    given_options: dict[str, object] = {
        "samples": samples, "questions": questions, "flexible_engines": engines, "order": order,
        "fresh_process": fresh_process, "until_decisive": until_decisive,
    }  # fmt: skip
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
    raise typer.Exit(
        run_and_judge(
            cfg, suite, output, budget, fmt=fmt, report=report, fail_on=fail_on, quiet=quiet,
            baseline=baseline, allow_cross_machine=allow_cross_machine,
            given={"engine": engine, "candidate": candidate, "reference": reference},
            config_path=config, options=given_options,
        )
    )  # fmt: skip
