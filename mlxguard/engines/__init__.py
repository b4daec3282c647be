"""Engines: anything that loads a model and streams generated tokens.

The plugin protocol is small on purpose, and a plugin never imports mlxguard:

    class MyEngine:
        name: str
        def load(self, model: str) -> None: ...
        def generate(self, prompt: str, max_tokens: int, temperature: float,
                     seed: int | None) -> Iterator[int | str]: ...
        def close(self) -> None: ...          # optional

Optional hooks the runner uses when present: `generate_ids(prompt_ids, max_tokens, temperature,
seed)` (the prompt as the token ids mlxguard built, used instead of `generate`),
`tokenize(text) -> list[int]`, `last_prompt_tokens` / `last_usage` (what the engine reports it
processed for the last request), `peak_memory_mb() -> float | None`, `reset_peak_memory()`,
`set_ignore_eos(bool)`, `info() -> dict` (versions and settings recorded in the results).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol, runtime_checkable

from mlxguard.errors import UsageError


@runtime_checkable
class Engine(Protocol):
    """The engine protocol of DESIGN.md."""

    name: str

    def load(self, model: str) -> None: ...

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int | str]: ...


EngineFactory = Callable[[], Engine]

BUILTIN = ("mlx-lm", "mlx-engine", "ipc", "openai:URL", "module:attr")
IPC_CODECS = ("msgpack", "json")


def _ipc(spec: str, options: dict[str, Any]) -> EngineFactory:
    # `ipc:json` / `ipc:msgpack` name the codec; plain `ipc` takes it from the options.
    options = dict(options)
    configured = options.pop("codec", None)
    codec = spec.partition(":")[2] or configured or "msgpack"
    if codec not in IPC_CODECS:
        raise UsageError(f"engine spec '{spec}': codec '{codec}' is not one of msgpack, json")
    from mlxguard.engines.ipc_engine import IpcEngine

    return lambda: IpcEngine(codec, **options)


def _builtin(spec: str, options: dict[str, Any]) -> EngineFactory | None:
    if spec == "mlx-lm":
        from mlxguard.engines.mlx_lm_engine import MlxLmEngine

        return lambda: MlxLmEngine(**options)
    if spec == "ipc" or spec.startswith("ipc:"):
        return _ipc(spec, options)
    if spec == "mlx-engine":
        from mlxguard.engines import mlx_engine_engine

        mlx_engine_engine.require()
        return lambda: mlx_engine_engine.MlxEngineEngine(**options)
    if spec.startswith("openai:"):
        from mlxguard.engines.openai_engine import OpenAIEngine, parse_spec

        parsed = parse_spec(spec)
        return lambda: OpenAIEngine(parsed)
    return None


def _plugin(spec: str) -> EngineFactory:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise UsageError(f"engine spec '{spec}' is not one of {', '.join(BUILTIN)}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UsageError(f"engine plugin '{spec}': cannot import '{module_name}' ({e})") from None
    factory: Any = module
    for part in attr.split("."):
        factory = getattr(factory, part, None)
        if factory is None:
            raise UsageError(f"engine plugin '{spec}': '{module_name}' has no attribute '{attr}'")
    if not callable(factory):
        raise UsageError(f"engine plugin '{spec}': '{attr}' is not callable")
    if isinstance(factory, type):
        _check_methods(factory, spec)  # a class can be checked now, before any model loads
    return factory


def resolve_engine(spec: str, **options: Any) -> EngineFactory:
    """A factory of fresh engine instances for `spec` (validated now, instantiated later).

    Raises:
        UsageError: an unknown spec, or a plugin that cannot be imported.
    """
    spec = spec.strip()
    if not spec:
        raise UsageError(f"empty engine spec; use one of {', '.join(BUILTIN)}")
    factory = _builtin(spec, options)
    return factory if factory is not None else _plugin(spec)


def resolve_reference(spec: str) -> tuple[str, str | None]:
    """The reference engine spec to run, and a note saying why when it was chosen for you.

    `auto` means mlx-engine when `mlx_engine` is importable (LM Studio's runtime, the engine
    users actually run), else mlx-lm. Any other spec is returned as given, with no note.
    """
    if spec.strip() != "auto":
        return spec, None
    from mlxguard.engines.mlx_engine_engine import available

    if available():
        return "mlx-engine", "reference auto: mlx-engine (mlx_engine is importable)"
    return "mlx-lm", "reference auto: mlx-lm (mlx_engine is not installed)"


def configured_engine(spec: str, codec: str = "msgpack") -> EngineFactory:
    """`resolve_engine` with the engine settings that live in the config (the ipc `codec`)."""
    spec = spec.strip()
    ipc = spec == "ipc" or spec.startswith("ipc:")
    return resolve_engine(spec, codec=codec) if ipc else resolve_engine(spec)


def is_plugin(spec: str) -> bool:
    """Is `spec` a `module:attr` plugin (not a built-in engine)?"""
    spec = spec.strip()
    builtin = spec in ("mlx-lm", "mlx-engine") or spec.startswith(("ipc", "openai:"))
    return not builtin and ":" in spec


def display_name(label: str, spec: str, name: str | None) -> str:
    """What reports show for an engine: a plugin's own `name` in place of its spec in the label
    (`mypkg.engine:make` -> `fast`, `candidate:mypkg.engine:make` -> `candidate:fast`); the
    label as it is for built-in engines and for plugins without a name of their own."""
    if not name or name in (spec, label) or not is_plugin(spec) or not label.endswith(spec):
        return label
    return label[: len(label) - len(spec)] + name


def runs_in_worker(spec: str) -> bool:
    """Does each instance of `spec` run in a worker process of its own?"""
    spec = spec.strip()
    return spec == "ipc" or spec.startswith("ipc:")


def _check_methods(engine: object, spec: str) -> None:
    missing = [m for m in ("load", "generate") if not callable(getattr(engine, m, None))]
    if missing:
        raise UsageError(f"engine '{spec}' does not follow the protocol: no {', '.join(missing)}()")


def check_engine(engine: object, spec: str) -> Engine:
    """Verify that a plugin's object follows the protocol, naming what is missing."""
    _check_methods(engine, spec)
    if not getattr(engine, "name", None):
        try:
            engine.name = spec  # type: ignore[attr-defined]
        except AttributeError:
            raise UsageError(f"engine '{spec}' has no `name` attribute") from None
    return engine  # type: ignore[return-value]
