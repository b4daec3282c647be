"""The run stage's front door: everything a run decides before it measures, decided once.

`prepare(config, suites)` settles the model (its label now, its directory on first use), each
suite's engines, the worker processes per engine and the servers and workers to make ready,
and refuses bad input (UsageError) before any model is built or loaded. What it settles
travels in `Prepared`, and from there in each suite's `SuiteContext`: no other module derives
any of it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mlxguard.config import Config
from mlxguard.defaults import DEFAULT_PROCESSES
from mlxguard.engines import runs_in_worker
from mlxguard.engines.definitions import EngineChoice, choose, in_processes
from mlxguard.errors import UsageError
from mlxguard.run.budget import Spending
from mlxguard.run.context import Suite, SuiteContext
from mlxguard.run.progress import Progress
from mlxguard.run.workers import Workers


def model_label(spec: str | None) -> str:
    """The name reports show: the preset, or the model directory's name."""
    return spec if spec and not Path(spec).exists() else (spec and Path(spec).name) or "tiny"


@dataclass(frozen=True)
class Prepared:
    """A run, settled: what `run_session` measures.

    Attributes:
        config: the effective config, with `processes` settled.
        suites: the suites to run, in order.
        engines: suite name -> its engines (label -> choice), placed in `processes` processes.
        processes: worker processes per engine (also in `config`, which the results record);
            with `auto_processes`, the most the run may choose.
        model_label: the model's name in the results.
        auto_processes: `--processes` was not given and every engine runs in a worker: the run
            chooses how many from the measured cost of a start (`mlxguard.run.process_choice`).
    """

    config: Config
    suites: tuple[Suite, ...]
    engines: dict[str, dict[str, EngineChoice]]
    processes: int
    model_label: str
    auto_processes: bool = False
    # Memo of `model_dir`, filled on first use.
    _dir: list[Path] = field(default_factory=list, repr=False, compare=False)

    @property
    def model_dir(self) -> Path:
        """The model directory; a synthetic preset is built on first use (once).

        Raises:
            UsageError: the model is neither a preset nor a model directory.
        """
        if not self._dir:
            from mlxguard.models.synthetic import resolve_model

            self._dir.append(resolve_model(self.config.model))
        return self._dir[0]

    @property
    def defined(self) -> list[str]:
        """The engine definitions ([engines.NAME]) the run uses, each once."""
        labels = {c.label for choices in self.engines.values() for c in choices.values()}
        return [name for name in self.config.engines if name in labels]

    @property
    def servers(self) -> list[str]:
        """The engine definitions whose server mlxguard starts, waits for and stops."""
        return [name for name in self.defined if self.config.engines[name].server]

    def context(
        self,
        suite: Suite,
        progress: Progress,
        workers: Workers | None,
        started: float,
        deadline: float | None = None,
        spending: Spending | None = None,
    ) -> SuiteContext:
        """What `suite` runs with, in a run that began at `started` (`time.monotonic()`), with
        no trial started after `deadline`."""
        return SuiteContext(
            config=self.config,
            model_dir=str(self.model_dir),
            model_label=self.model_label,
            progress=progress,
            engines=self.engines[suite.name],
            processes=self.processes,
            workers=workers,
            run_started=started,
            deadline=deadline,
            spending=spending,
        )

    def with_engines(self, config: Config) -> Prepared:
        """This run with the engines of `config`'s definitions chosen again (a server's spec
        is known once it runs: `mlxguard.run.servers`)."""
        engines = {
            suite: {
                label: choose(c.label, config.engines, config.codec, self.processes)
                if c.label in self.servers
                else c
                for label, c in choices.items()
            }
            for suite, choices in self.engines.items()
        }
        return replace(self, config=config, engines=engines)


def prepare(config: Config, suites: Sequence[Suite]) -> Prepared:
    """Settle a run of `suites` on `config`, and refuse what cannot run.

    Raises:
        UsageError: an unknown engine or a malformed definition, `--processes` above 1 for a
            server's client, requests longer than the model's context, an unreachable server.
    """
    choose(config.engine, config.engines, config.codec)  # --engine is checked whatever the suites
    chosen = {s.name: s.engines(config) for s in suites}
    processes = _processes(config, [c for cs in chosen.values() for c in cs.values()])
    engines = {
        name: {label: in_processes(c, processes, config.codec) for label, c in cs.items()}
        for name, cs in chosen.items()
    }
    _check_context(config, suites)
    auto = config.processes is None and processes > 1
    config = config.with_overrides(processes=processes)
    prepared = Prepared(
        config, tuple(suites), engines, processes, model_label(config.model), auto_processes=auto
    )
    _check_reachable(prepared)
    return prepared


def _unique(choices: list[EngineChoice]) -> list[EngineChoice]:
    return list({c.label: c for c in choices}.values())


def _processes(config: Config, choices: list[EngineChoice]) -> int:
    """Worker processes per engine, settled (and checked).

    Not given: DEFAULT_PROCESSES when every engine of the run runs in a worker process, else 1
    (an engine inside mlxguard's own process stays there). Given above 1: an engine inside
    mlxguard's process is hosted by that many ipc workers; a server's client is refused (the
    server is one process, whatever its clients).
    """
    choices = _unique(choices)
    inside = [c.label for c in choices if not (c.own_process or runs_in_worker(c.spec))]
    if config.processes is None:
        return 1 if inside or not choices else DEFAULT_PROCESSES
    clients = [c.label for c in choices if c.spec.startswith("openai:")]
    if clients and config.processes > 1:
        raise UsageError(
            f"--processes {config.processes}: engine '{clients[0]}' is a server's client, and "
            "the server is one process whatever its clients; use --processes 1"
        )
    return config.processes


def _check_context(config: Config, suites: Sequence[Suite]) -> None:
    """Refuse requests longer than the model's context, which would fail (or crawl) in every
    trial of the engine instead of once here."""
    from mlxguard.models.files import context_length

    requests = [sc for s in suites for sc in s.scenarios(config)]
    need = max((sc.prompt_tokens + sc.max_tokens for sc in requests), default=0)
    context = context_length(config.model)
    if context is not None and need > context:
        raise UsageError(
            f"--prompt-tokens {config.prompt_tokens} plus up to {need - config.prompt_tokens} "
            f"generated tokens exceed the model's context of {context} tokens "
            "(max_position_embeddings); lower --prompt-tokens or --max-tokens"
        )


def _check_reachable(prepared: Prepared) -> None:
    """A server engine that nothing answers at is bad input, not a slow engine.

    Servers of engine definitions are not running yet: mlxguard starts them (and waits for them)
    itself.
    """
    from mlxguard.engines.openai_engine import check_reachable

    servers = set(prepared.servers)
    choices = [c for cs in prepared.engines.values() for c in cs.values()]
    for c in _unique(choices):
        if c.spec.startswith("openai:") and c.label not in servers:
            check_reachable(c.spec)
