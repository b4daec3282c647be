"""What `mlxguard run` does once its options are read: prepare -> run_session -> judge -> print."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlxguard.cli.common import judge, load_baselines_at, say
from mlxguard.errors import UsageError

if TYPE_CHECKING:
    from mlxguard.config import Config
    from mlxguard.defaults import FailOn
    from mlxguard.run.budget import Budget
    from mlxguard.run.logs import EngineLog


def run_and_judge(
    cfg: Config,
    suite: str | None,
    output: Path,
    budget: Budget,
    *,
    fmt: str,
    report: Path | None,
    fail_on: FailOn | None,
    quiet: bool,
    baseline: Path | None,
    allow_cross_machine: bool,
    given: dict[str, str | None],
    config_path: Path | None,
    options: dict[str, object],
) -> int:
    """Validate everything, run the suites, print the verdicts; return the exit code.

    Everything is validated (suites, format, engines, processes, the model's context, paths,
    baselines) before any model is built or loaded.

    Args:
        given: the engine flags as given (`engine`, `candidate`, `reference`; None: not given),
            so an unknown engine is named by its flag or its config key.
        config_path: the `--config` given, if any.
        options: the suite-specific settings as given on the command line (None: not given);
            one that no suite of the run reads gets a warning line (`suites.ignored_options`).
    """
    from mlxguard.engines.definitions import UnknownEngine
    from mlxguard.fsutil import check_writable
    from mlxguard.reports import check_format
    from mlxguard.run.logs import EngineLog, log_path
    from mlxguard.run.prepare import prepare
    from mlxguard.suites import ignored_options, load_suites, parse_suites

    names = parse_suites(suite if suite is not None else cfg.suites)
    check_format(fmt)
    suites = load_suites(names)
    for line in ignored_options(suites, options):
        say(line, err=True)
    try:
        prepared = prepare(cfg, suites)
    except UnknownEngine as e:
        raise UsageError(f"{_engine_source(e.choice, cfg, given, config_path)}: {e}") from None
    log = EngineLog(log_path(output))
    for path in (output, log.path, report):
        if path is not None:
            check_writable(path)
    baselines = load_baselines_at(baseline)

    from mlxguard.results import Results
    from mlxguard.run.context import Undecided
    from mlxguard.run.session import run_session

    def undecided(r: Results) -> Undecided:
        from mlxguard.check.evaluate import undecided

        return undecided(r, prepared.config, baselines, allow_cross_machine)

    try:
        results = run_session(
            prepared, output, budget, undecided=undecided, log=log, quiet=quiet,
            command=sys.argv[1:],
        )  # fmt: skip
    except BaseException:
        # The end of the engines' log may say why the run stopped.
        if log.lines:
            say("\n".join(log_report(log, failed=True)), err=True)
        raise
    adaptive = results.run.adaptive
    if adaptive is not None:
        rounds = f"{adaptive.rounds} extra round(s)"
        say(f"until-decisive: {rounds}; {adaptive.stopped}", err=True)
    chosen = results.run.budget.processes if results.run.budget else None
    if chosen is not None:
        say(f"processes: {chosen.why}", err=True)
    say(f"results: {output}", err=True)
    failed = any(b.errors for b in results.benchmarks)
    for line in log_report(log, failed):
        say(line, err=True)
    return judge(results, prepared.config, fmt, report, fail_on, baselines, allow_cross_machine)


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
