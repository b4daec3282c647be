"""`mlxguard run` minus the CLI: resolve the model, run the suites, write the results file.

The results file is rewritten (atomically) after each suite, so a crash or a Ctrl-C late in a
long run keeps everything measured so far; until the last suite ends, it lists the suites still
missing (`run.incomplete_suites`), and an interrupted run rewrites it once more on its way out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from mlxguard import __version__
from mlxguard.config import Config
from mlxguard.errors import RunInterrupted
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
from mlxguard.run.context import SuiteContext, SuiteRunner
from mlxguard.run.environment import DEFAULT_FINGERPRINT_FIELDS, collect, git_identity
from mlxguard.run.interrupt import Interrupted
from mlxguard.run.machine_state import read_state
from mlxguard.run.progress import Progress
from mlxguard.run.roofline import with_roofline
from mlxguard.run.workers import Workers


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def model_label(spec: str | None, model_dir: Path) -> str:
    """The name reports show: the preset, or the model directory's name."""
    return spec if spec and not Path(spec).exists() else (spec and Path(spec).name) or "tiny"


def execute(
    config: Config,
    suites: dict[str, SuiteRunner],
    output: Path,
    *,
    quiet: bool = False,
    command: list[str] | None = None,
    workers: Workers | None = None,
) -> Results:
    """Run `suites` on the configured model and engine; write `output` after each suite.

    Args:
        suites: suite name -> the function that runs it (``mlxguard.suites.suite_runner``),
            in the order to run them.
        workers: keeps the warm engines open after the suites (for adaptive rounds); the
            caller closes it. None: each suite closes its engines when it ends.
    """
    from mlxguard.models.files import shape
    from mlxguard.models.synthetic import resolve_model

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
        missing = [s for s in suites if s not in done]
        finished = {} if missing else {"finished_at": _now()}
        # The state at the end is read once, when the last suite is done.
        if not missing and not end:
            end.append(read_state())
        return with_roofline(
            Results(
                tool=Tool(version=__version__),
                run=run.model_copy(update={"incomplete_suites": missing, **finished}),
                environment=env.model_copy(update={"state_end": end[0] if end else None}),
                config={**config.recorded(), "suites": list(suites)},
                models=models,
                benchmarks=benchmarks,
            )
        )

    try:
        model_dir = resolve_model(config.model)
        label = model_label(config.model, model_dir)
        models[label] = ModelInfo(**shape(model_dir))
        ctx = SuiteContext(
            config=config,
            model_dir=str(model_dir),
            model_label=label,
            progress=Progress(enabled=False if quiet else None),
            workers=workers,
        )
        results = snapshot()
        for name, run_suite in suites.items():
            benchmarks.extend(run_suite(ctx))
            done.append(name)
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
