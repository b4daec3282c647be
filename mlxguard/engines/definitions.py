"""Named engine definitions: what `--engine NAME` (or a spec) becomes.

A choice is looked up among the config's `[engines.NAME]` tables first; only when no definition
has that name is it read as an engine spec. A definition with `cwd`, `python` or `env` runs its
spec in an ipc worker started that way; a server definition's spec is usable once its server
runs (`mlxguard.engines.server`), which fills `{port}` and `{model}` in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from mlxguard.config import PLACEHOLDERS, EngineDefinition
from mlxguard.engines import (
    BUILTIN,
    IPC_CODECS,
    EngineFactory,
    configured_engine,
    resolve_engine,
    runs_in_worker,
)
from mlxguard.errors import UsageError


class UnknownEngine(UsageError):
    """A choice that is neither the name of a definition nor an engine spec."""

    def __init__(self, choice: str, defined: Mapping[str, EngineDefinition]) -> None:
        names = ", ".join(sorted(defined)) or "none"
        super().__init__(
            f"engine '{choice}' is neither a defined engine ([engines] defines: {names}) nor an "
            f"engine spec ({', '.join(BUILTIN)})"
        )
        self.choice = choice


def _looks_like_spec(choice: str) -> bool:
    """A built-in engine or anything with a colon (`ipc:json`, `openai:URL`, `module:attr`):
    what a name can never be, so it is read as a spec (and its own errors say what is wrong)."""
    return choice in ("mlx-lm", "mlx-engine", "ipc") or ":" in choice


@dataclass(frozen=True)
class EngineChoice:
    """What an engine choice resolved to."""

    label: str  # what reports show: the definition's name, or the spec itself
    spec: str  # the engine spec that runs
    factory: EngineFactory
    # Every instance is its own worker process (a fresh process needs no other child).
    own_process: bool = False


def _worker_factory(name: str, d: EngineDefinition, codec: str) -> EngineFactory:
    """An ipc client whose worker hosts the definition's spec, started as the definition says."""
    from mlxguard.engines.ipc_engine import IpcEngine

    hosted, _, wire = d.spec.partition(":")
    if hosted == "ipc":  # mlxguard's own worker, in that interpreter: the worker's default engine
        if wire and wire not in IPC_CODECS:
            raise UsageError(f"engine '{name}': codec '{wire}' is not one of msgpack, json")
        hosted, codec = "mlx-lm", wire or codec
    else:
        hosted = d.spec
        _check_shape(name, hosted)
    return lambda: IpcEngine(codec, engine=hosted, python=d.python, cwd=d.cwd, env=d.env)


def _check_shape(name: str, spec: str) -> None:
    """What the parent can check of a spec that another interpreter will resolve."""
    if spec.startswith("openai:"):
        from mlxguard.engines.openai_engine import parse_spec

        parse_spec(spec)
    module, _, attr = spec.partition(":")
    if spec not in ("mlx-lm", "mlx-engine") and not (module and attr):
        raise UsageError(
            f"engine '{name}': spec '{spec}' is not mlx-lm, mlx-engine, ipc, openai:URL or "
            "module:attr"
        )


def _server_factory(name: str, d: EngineDefinition) -> EngineFactory:
    if not any(p in d.spec for p in PLACEHOLDERS):  # running: its spec is filled in
        return resolve_engine(d.spec)
    from mlxguard.engines.openai_engine import parse_spec

    parse_spec(fill(d.spec, port=1, model="model"))  # validate the URL's shape now

    def not_running() -> object:
        raise UsageError(f"engine '{name}' is a server that is not running")

    return not_running  # type: ignore[return-value]


def fill(text: str, *, port: int, model: str) -> str:
    """`{port}` and `{model}` replaced (plain replacement: other braces are left alone)."""
    return text.replace("{port}", str(port)).replace("{model}", model)


def in_processes(choice: EngineChoice, processes: int, codec: str) -> EngineChoice:
    """`choice` as one of `processes` worker processes: above 1, an engine that runs inside
    mlxguard's own process is hosted by an ipc worker of its own (a server's client is left
    as it is: the server is one process whatever the clients)."""
    inside = not (choice.own_process or runs_in_worker(choice.spec))
    if processes == 1 or not inside or choice.spec.startswith("openai:"):
        return choice
    from mlxguard.engines.ipc_engine import IpcEngine

    spec = choice.spec
    return replace(choice, factory=lambda: IpcEngine(codec, engine=spec), own_process=True)


def choose(
    choice: str,
    definitions: Mapping[str, EngineDefinition],
    codec: str = "msgpack",
    processes: int = 1,
) -> EngineChoice:
    """Resolve a name (which wins) or a spec; validated now, instantiated later.

    Args:
        processes: worker processes per engine; above 1, see `in_processes`.

    Raises:
        UnknownEngine: neither a defined name nor a spec (the caller may say where it came from).
        UsageError: an unknown spec, a plugin that cannot be imported, a malformed definition.
    """
    return in_processes(_choose(choice, definitions, codec), processes, codec)


def _choose(choice: str, definitions: Mapping[str, EngineDefinition], codec: str) -> EngineChoice:
    choice = choice.strip()
    d = definitions.get(choice)
    if d is None:
        if not _looks_like_spec(choice):
            raise UnknownEngine(choice, definitions)
        return EngineChoice(choice, choice, configured_engine(choice, codec))
    if d.server:
        return EngineChoice(choice, d.spec, _server_factory(choice, d))
    if d.isolated:
        return EngineChoice(choice, d.spec, _worker_factory(choice, d, codec), own_process=True)
    if not _looks_like_spec(d.spec.strip()):
        raise UsageError(f"engine '{choice}': spec '{d.spec}' is not an engine spec "
                         f"({', '.join(BUILTIN)})")  # fmt: skip
    return replace(_choose(d.spec, {}, codec), label=choice)


# The module a hosted spec needs, for the specs that are not `module:attr`.
_MODULES = {"mlx-lm": "mlx_lm", "ipc": "mlx_lm", "mlx-engine": "mlx_engine"}
_PROBE = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 3)"


def preflight(name: str, d: EngineDefinition) -> None:
    """Check a worker definition before any model loads: its directory and interpreter exist,
    and that interpreter, in that directory and environment, finds the engine's module.

    Raises:
        UsageError: naming the definition and what is missing.
    """
    if not d.isolated:
        return
    if d.cwd is not None and not Path(d.cwd).is_dir():
        raise UsageError(f"engine '{name}': cwd '{d.cwd}' is not a directory")
    python = d.python or sys.executable
    if shutil.which(python) is None:
        raise UsageError(f"engine '{name}': python '{python}' is not an executable")
    head = d.spec.partition(":")[0]
    module = _MODULES.get(head, None if head == "openai" else head.split(".")[0])
    if module is None:
        return
    from mlxguard.engines.ipc_engine import worker_environment

    try:
        probe = subprocess.run(
            [python, "-c", _PROBE, module],
            cwd=d.cwd, env=worker_environment(d.env), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UsageError(f"engine '{name}': cannot run '{python}': {e}") from None
    if probe.returncode == 3:
        where = f" in '{d.cwd}'" if d.cwd else ""
        raise UsageError(f"engine '{name}': '{python}'{where} cannot import '{module}'")
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise UsageError(f"engine '{name}': '{python}' failed: {last}")
