"""A model directory's files: the one reader of ``config.json``, the marker, and ``describe``."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

CONFIG_FILE = "config.json"
MARKER_FILE = "mlxguard.json"  # written by mlxguard into the directories it builds


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, or ``{}`` when it is absent, unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def read_config(model_dir: Path | str, name: str = CONFIG_FILE) -> dict[str, Any]:
    """A model directory's ``config.json`` (or another of its JSON configs, by ``name``).

    Returns:
        The parsed object, or ``{}`` when the file is absent or unreadable.
    """
    return read_json(Path(model_dir) / name)


def write_json(path: Path, content: Any) -> None:
    """Write ``content`` as indented UTF-8 JSON, as mlx-lm writes a model's files."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(content, f, indent=2, ensure_ascii=False)
        f.write("\n")


def context_length(spec: str | None) -> int | None:
    """The model's context in tokens (``max_position_embeddings``), read without building it.

    ``spec`` is a preset name (``None``: the default preset) or a model directory; ``None`` when
    its config does not say (or ``spec`` is neither, which ``resolve_model`` reports).
    """
    from mlxguard.models.presets import DEFAULT_PRESET, PRESETS

    name = DEFAULT_PRESET if spec is None else spec
    config = PRESETS[name].config if name in PRESETS else read_config(Path(name).expanduser())
    text = {**config, **(config.get("text_config") or {})}
    n = text.get("max_position_embeddings")
    return n if isinstance(n, int) and n > 0 else None


def shape(path: Path) -> dict[str, Any]:
    """A model's shape and quantization from its ``config.json`` (and marker), without building
    it: the fields of `mlxguard.results.ModelInfo`."""
    config = read_config(path)
    # Multimodal checkpoints keep the language model's dimensions under text_config.
    text = {**config, **config.get("text_config", {})}
    marker = read_json(Path(path) / MARKER_FILE)
    quant = config.get("quantization") or {}
    return {
        "model_type": config.get("model_type"),
        "num_layers": text.get("num_hidden_layers"),
        "hidden_size": text.get("hidden_size"),
        "vocab_size": text.get("vocab_size"),
        "bits": quant.get("bits"),
        "group_size": quant.get("group_size"),
        "params": marker.get("params"),
        "preset": marker.get("preset"),
    }


def describe(path: Path) -> dict[str, Any]:
    """Summary of a model directory, from its ``config.json`` (and marker, if mlxguard built it).

    Returns:
        ``model_type``, ``params`` (unquantized count, ``None`` if mlx-lm can't build the
        architecture), ``bits`` (``None`` if not quantized), ``preset`` (``None`` if not a
        synthetic build), ``vocab_size``, ``hidden_size``, ``num_layers``.
    """
    from mlxguard.models.weights import count_params, instantiate

    info = shape(path)
    if info["params"] is None:
        config = read_config(path)
        unquantized = {
            k: v for k, v in config.items() if k not in ("quantization", "quantization_config")
        }
        # Any architecture mlx-lm can't build: the count is just unknown.
        with contextlib.suppress(Exception):
            info["params"] = count_params(instantiate(unquantized))
    keys = ("model_type", "params", "bits", "preset", "vocab_size", "hidden_size", "num_layers")
    return {k: info[k] for k in keys}
