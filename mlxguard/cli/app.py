"""The command line. Each command imports its machinery lazily, so `--help` never loads MLX."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mlxguard import __version__
from mlxguard.cli.common import (
    BaselineOpt,
    CrossOpt,
    check_fail_on,
    emit,
    guarded,
    load_baseline,
)
from mlxguard.defaults import DEFAULT_MAX_SAMPLES, DEFAULT_MAX_SECONDS

app = typer.Typer(
    help="mlxguard: a performance regression guard for MLX LLM inference.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help texts quote [tool.mlxguard] and globs literally
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: ./mlxguard.toml, else [tool.mlxguard] in "
        "./pyproject.toml, else built-in defaults).",
        dir_okay=False,
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="Report format: console, markdown, json or csv.")
]
FailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", help="Exit 1 on 'fail' (default) or also on 'inconclusive'."),
]


@app.command()
@guarded
def run(
    suite: Annotated[
        str | None,
        typer.Option(
            "--suite", "-s", help="Suites, comma-separated, or 'all' (default: ttft,throughput)."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Model directory or synthetic preset (default: the embedded "
            "'tiny' synthetic model).",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            "-e",
            help="Engine spec: mlx-lm, mlx-engine, ipc, openai:URL or "
            "module:attr (default: mlx-lm).",
        ),
    ] = None,
    candidate: Annotated[
        str | None,
        typer.Option(
            "--candidate",
            help="compare/flexible: the engine under test, any engine spec (default: ipc).",
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            help="compare/flexible: the engine to measure against, an engine spec or 'auto' "
            "(default: mlx-lm).",
        ),
    ] = None,
    codec: Annotated[
        str | None,
        typer.Option(
            "--codec", help="Wire format of the ipc engine: msgpack or json (default: msgpack)."
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            help="Timed trials per scenario and engine (default: 5; 10 with --until-decisive).",
        ),
    ] = None,
    questions: Annotated[
        int | None,
        typer.Option(
            "--questions",
            "-q",
            help="flexible: generated questions to ask, 1 to 100000 (default: 20).",
        ),
    ] = None,
    engines: Annotated[
        str | None,
        typer.Option("--engines", help="flexible: candidate, reference or both (default: both)."),
    ] = None,
    order: Annotated[
        str | None,
        typer.Option(
            "--order",
            help="compare/flexible: interleaved (for each sample, the engines in a seeded "
            "random order), sequential or shuffled (default: interleaved).",
        ),
    ] = None,
    fresh_process: Annotated[
        bool | None,
        typer.Option(
            "--fresh-process/--same-process",
            help="compare: run each trial cold in a new process, load timed apart "
            "(default: same process, warm).",
        ),
    ] = None,
    warmup: Annotated[
        int | None,
        typer.Option(
            "--warmup", "-w", help="Untimed warm-up trials per scenario and engine (default: 1)."
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            help="Cap on generated tokens per request (default: each scenario's "
            "length: ttft 8, throughput 32/128/512, compare and flexible 64).",
        ),
    ] = None,
    prompt_tokens: Annotated[
        int | None,
        typer.Option("--prompt-tokens", help="Exact prompt length in tokens (default: 128)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of prompts, trial order and sampling (default: 0)."),
    ] = None,
    cooldown: Annotated[
        float | None,
        typer.Option("--cooldown", help="Pause after each timed trial, in seconds (default: 0)."),
    ] = None,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Results file to write (default: results.json).", dir_okay=False
        ),
    ] = Path("results.json"),
    fmt: FormatOpt = "console",
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write the report to this file (default: stdout only).",
            dir_okay=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    fail_on: FailOnOpt = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", help="No progress bar (default: shown when stderr is a terminal)."),
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
            help="--until-decisive: trials per benchmark at most (default: 120).",
            min=1,
        ),
    ] = DEFAULT_MAX_SAMPLES,
    max_seconds: Annotated[
        float,
        typer.Option(
            "--max-seconds",
            help="--until-decisive: wall-clock budget of the whole run in seconds (default: 600).",
            min=0,
        ),
    ] = DEFAULT_MAX_SECONDS,
) -> None:
    """Run benchmark suites, write the results file, and print the verdicts."""
    import time

    from mlxguard.config import load_config
    from mlxguard.engines import configured_engine
    from mlxguard.fsutil import check_writable
    from mlxguard.reports import check_format
    from mlxguard.suites import parse_suites

    started = time.monotonic()
    check_fail_on(fail_on)
    if until_decisive and samples is None:
        samples = 10  # the first look of adaptive sampling (docs/regression.md)
    cfg = load_config(config).with_overrides(
        model=model,
        engine=engine,
        candidate=candidate,
        reference=reference,
        questions=questions,
        engines=engines,
        order=order,
        fresh_process=fresh_process,
        codec=codec,
        samples=samples,
        warmup=warmup,
        max_tokens=max_tokens,
        prompt_tokens=prompt_tokens,
        seed=seed,
        cooldown_s=cooldown,
    )
    # Everything is validated before the model is built or loaded.
    suites = parse_suites(suite if suite is not None else cfg.suites)
    check_format(fmt)
    configured_engine(cfg.engine, cfg.codec)
    _check_pair_engines(cfg, suites)
    check_writable(output)
    if report is not None:
        check_writable(report)
    baselines = load_baseline(baseline)

    from mlxguard.run.session import execute

    results = execute(cfg, suites, output, quiet=quiet, command=sys.argv[1:])
    if until_decisive:
        from mlxguard.run.adaptive import run_until_decisive

        done = run_until_decisive(
            cfg, results, output, baselines=baselines, allow_cross_machine=allow_cross_machine,
            max_samples=max_samples, max_seconds=max_seconds, started=started, quiet=quiet,
        )  # fmt: skip
        results = done.results
        typer.echo(f"until-decisive: {done.rounds} extra round(s); {done.stopped}", err=True)
    typer.echo(f"results: {output}", err=True)
    raise typer.Exit(_judge(results, cfg, fmt, report, fail_on, baselines, allow_cross_machine))


def _check_pair_engines(cfg: Any, suites: list[str]) -> None:
    """Resolve the candidate and reference specs the compare and flexible suites will use."""
    from mlxguard.suites.compare import resolve_roles
    from mlxguard.suites.flexible import flexible_roles

    if "compare" in suites:
        resolve_roles(cfg)
    if "flexible" in suites:
        resolve_roles(cfg, flexible_roles(cfg))


def _judge(
    results: Any,
    cfg: Any,
    fmt: str,
    report_path: Path | None,
    fail_on: str | None,
    baselines: Any = None,
    allow_cross_machine: bool = False,
    *,
    stdout: bool = True,
) -> int:
    """Check, render, print and/or write the report; return the exit code."""
    from mlxguard.check.evaluate import evaluate
    from mlxguard.reports import render

    checked = evaluate(results, cfg, baselines, allow_cross_machine=allow_cross_machine)
    text = render(fmt, results, checked)
    if report_path is not None:
        emit(text, report_path)
    if stdout:
        sys.stdout.write(text)
    return checked.exit_code(fail_on or cfg.check.fail_on)


@app.command()
@guarded
def check(
    results: Annotated[Path, typer.Argument(help="Results file written by `mlxguard run`.")],
    config: ConfigOpt = None,
    fmt: FormatOpt = "console",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the report here instead of stdout.", dir_okay=False
        ),
    ] = None,
    fail_on: FailOnOpt = None,
    baseline: BaselineOpt = None,
    allow_cross_machine: CrossOpt = False,
) -> None:
    """Judge a results file against targets and baselines; exit 0 pass, 1 fail, 2 bad input."""
    from mlxguard.config import load_config
    from mlxguard.reports import check_format
    from mlxguard.results import load_results

    check_fail_on(fail_on)
    check_format(fmt)
    cfg = load_config(config)
    loaded = load_results(results)
    if output is not None:
        from mlxguard.fsutil import check_writable

        check_writable(output)
    baselines = load_baseline(baseline)
    code = _judge(
        loaded, cfg, fmt, output, fail_on, baselines, allow_cross_machine, stdout=output is None
    )
    raise typer.Exit(code)


@app.command()
@guarded
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the schema here instead of stdout.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of the results file (mlxguard.results/1)."""
    import json

    from mlxguard.results import json_schema

    emit(json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n", output)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlxguard {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """mlxguard: a performance regression guard for MLX LLM inference."""


def _add_subcommands() -> None:
    from mlxguard.cli.model import app as model_app

    app.add_typer(model_app, name="model")
    from mlxguard.cli.baseline import register as register_baseline

    register_baseline(app)

    from mlxguard.cli.publish import register as register_github

    register_github(app)


_add_subcommands()


def main() -> None:
    """Console-script entry point: usage errors are one line on stderr and exit code 2."""
    from typer.exceptions import TyperException

    try:
        code = app(standalone_mode=False)
    except TyperException as e:
        if type(e).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(e.format_message() + "\n")
        else:
            typer.echo(f"error: {' '.join(e.format_message().split())}", err=True)
        sys.exit(e.exit_code)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
