"""Engines: anything that loads a model and streams generated tokens.

The plugin protocol is small on purpose, and a plugin never imports mlxguard:

    class MyEngine:
        name: str
        def load(self, model: str) -> None: ...
        def generate(self, prompt: str, max_tokens: int, temperature: float,
                     seed: int | None) -> Iterator[int | str]: ...
        def close(self) -> None: ...          # optional

Optional hooks the runner uses when present: `tokenize(text) -> list[int]`,
`peak_memory_mb() -> float | None`, `reset_peak_memory()`, `set_ignore_eos(bool)`,
`info() -> dict` (versions and settings recorded in the results).
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


def _builtin(spec: str, options: dict[str, Any]) -> EngineFactory | None:
    if spec == "mlx-lm":
        from mlxguard.engines.mlx_lm_engine import MlxLmEngine

        return lambda: MlxLmEngine(**options)
    return None


def _plugin(spec: str) -> EngineFactory:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise UsageError(f"engine spec '{spec}' is not one of {', '.join(BUILTIN)}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UsageError(f"engine plugin '{spec}': cannot import '{module_name}' ({e})") from None
    factory = module
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
