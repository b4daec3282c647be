"""`mlxguard run` minus the CLI: `run_session` measures a prepared run and writes its results.

It owns everything that lives as long as the run: the engine log (`mlxguard.run.logs`), Ctrl-C
and SIGTERM (`mlxguard.run.interrupt`), managed servers (`mlxguard.run.servers`), the warm
worker processes (`mlxguard.run.workers`) and the adaptive rounds (`mlxguard.run.rounds`).

The results file is rewritten (atomically) after each suite, so a crash or a Ctrl-C late in a
long run keeps everything measured so far; until the last suite ends, it lists the suites still
missing (`run.incomplete_suites`), and an interrupted run rewrites it once more on its way out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from mlxguard import __version__
from mlxguard.errors import RunInterrupted, UsageError
from mlxguard.redact import masked_command
from mlxguard.results import (
    Benchmark,
    MachineState,
    ModelInfo,
    Results,
    RunInfo,
    Tool,
    write_results,
)
from mlxguard.run.budget import Budget, Spending
from mlxguard.run.context import Undecided
from mlxguard.run.environment import DEFAULT_FINGERPRINT_FIELDS, collect, git_identity
from mlxguard.run.interrupt import Interrupted, interruptible
from mlxguard.run.logs import EngineLog, captured, log_path
from mlxguard.run.machine_state import read_state
from mlxguard.run.prepare import Prepared
from mlxguard.run.progress import Progress
from mlxguard.run.roofline import with_roofline
from mlxguard.run.servers import serving
from mlxguard.run.workers import Workers


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_session(
    prepared: Prepared,
    output: Path,
    budget: Budget | None = None,
    *,
    undecided: Callable[[Results], Undecided] | None = None,
    log: EngineLog | None = None,
    quiet: bool = False,
    command: list[str] | None = None,
) -> Results:
    """Run the prepared suites, write `output` after each, and add rounds the budget allows.

    Args:
        prepared: the run, settled by `mlxguard.run.prepare.prepare`.
        output: the results file.
        budget: what the run may spend (default: no rounds, the default time budget).
        undecided: the (suite, scenario, engine) whose same-job verdict is still inconclusive,
            each with those metrics (the check stage's `undecided`, bound to the baselines);
            needed for rounds.
        log: where the engines' output goes (default: beside `output`, `results.log`); not
            written when the engines wrote nothing.
        quiet: no progress display.
        command: the command line, recorded in the results.

    Raises:
        RunInterrupted: Ctrl-C or SIGTERM; `output` holds what was measured, marked incomplete.
        UsageError: bad input found once the run started (a model that does not exist, a
            server that does not start).
    """
    budget = budget or Budget()
    log = log or EngineLog(log_path(output))
    rounds = budget.until_decisive and undecided is not None
    spending = Spending(auto_processes=prepared.auto_processes)
    # Ctrl-C or SIGTERM: the workers close on the way out (Workers and each suite's own pool),
    # managed servers are stopped, the results file says what is missing. With rounds, the
    # warm engines stay open after the suites, and the servers run until the last round.
    with captured(log), interruptible(), serving(prepared) as live, Workers() as workers:
        kept = workers if rounds else None
        results = _suites(live, output, quiet, command, kept, budget, spending)
        if rounds and undecided is not None:
            from mlxguard.run.rounds import run_rounds

            try:
                results = run_rounds(
                    live, results, output, budget, spending, undecided=undecided,
                    workers=workers, quiet=quiet,
                )  # fmt: skip
            except Interrupted as e:
                raise RunInterrupted(
                    f"interrupted by {e.signal_name} during the --until-decisive rounds; "
                    f"{output} holds every suite and the rounds finished before"
                ) from None
    return results


def _suites(
    prepared: Prepared,
    output: Path,
    quiet: bool,
    command: list[str] | None,
    workers: Workers | None,
    budget: Budget,
    spending: Spending,
) -> Results:
    """Run every suite once, each within its share of the budget; write `output` after each.

    Args:
        workers: keeps the warm engines open after the suites (for rounds); the caller closes
            it. None: each suite closes its engines when it ends.
        budget: the run's budget (its start, its `max_seconds`).
        spending: what the run spent against it, recorded in the results.
    """
    from mlxguard.models.files import shape

    config = prepared.config
    names = [s.name for s in prepared.suites]
    sha, ref = git_identity()
    env = collect(tuple(config.fingerprint_fields or DEFAULT_FINGERPRINT_FIELDS))
    env = env.model_copy(update={"state_start": read_state()})
    run = RunInfo(
        id=uuid.uuid4().hex[:12],
        started_at=_now(),
        git_sha=sha,
        git_ref=ref,
        seed=config.seed,
        command=masked_command(command or []),  # `--api-key X` and URLs' passwords masked
    )
    benchmarks: list[Benchmark] = []
    done: list[str] = []
    models: dict[str, ModelInfo] = {}  # filled once the model is found
    end: list[MachineState] = []  # the machine's state when the last suite is done

    def snapshot() -> Results:
        # Until every suite is done, the file names those still to run: a run that dies or is
        # interrupted leaves a file that says what it lacks, and `check` refuses it.
        missing = [s for s in names if s not in done]
        finished = {} if missing else {"finished_at": _now()}
        # The state at the end is read once, when the last suite is done.
        if not missing and not end:
            end.append(read_state())
        chosen = spending.processes
        effective = config.with_overrides(processes=chosen.processes) if chosen else config
        spent = {"budget": spending.record(budget)}
        return with_roofline(
            Results(
                tool=Tool(version=__version__),
                run=run.model_copy(update={"incomplete_suites": missing, **finished, **spent}),
                environment=env.model_copy(update={"state_end": end[0] if end else None}),
                config={**effective.recorded(), "suites": names},
                models=models,
                benchmarks=benchmarks,
            )
        )

    try:
        models[prepared.model_label] = ModelInfo(**shape(prepared.model_dir))
        progress = Progress(enabled=False if quiet else None)
        results = snapshot()
        for i, suite in enumerate(prepared.suites):
            deadline = budget.share(len(names) - i)
            ctx = prepared.context(suite, progress, workers, budget.started, deadline, spending)
            benchmarks.extend(suite.run(ctx))
            done.append(suite.name)
            if len(done) == len(names) and not any(b.trials for b in benchmarks):
                # Nothing to judge: a file of empty benchmarks would only read SKIPPED.
                raise UsageError(
                    f"the run's budget of {budget.max_seconds:g} s (--max-seconds) ran out "
                    f"after {budget.elapsed():.1f} s, before any timed trial; raise --max-seconds"
                )
            results = snapshot()
            write_results(results, output)
    except Interrupted as e:
        partial = snapshot()
        write_results(partial, output)
        missing = ", ".join(partial.run.incomplete_suites)
        raise RunInterrupted(
            f"interrupted by {e.signal_name}; partial results in {output}, marked incomplete "
            f"(suites not run: {missing})"
        ) from None
    return results
