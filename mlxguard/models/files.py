"""A model directory's files: the one reader of ``config.json``, the marker, the weights' size."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

from mlxguard.errors import UsageError
from mlxguard.fsutil import MiB, open_regular, parse_json, read_input

CONFIG_FILE = "config.json"
MARKER_FILE = "mlxguard.json"  # written by mlxguard into the directories it builds


# The largest JSON file of a model directory read (config.json is a few KiB).
MAX_JSON_BYTES = 16 * MiB
# The safetensors format's own cap on a header.
MAX_SAFETENSORS_HEADER = 100_000_000


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, or ``{}`` when it is absent, unreadable (not a regular file,
    too large, too deep) or not an object."""
    try:
        value = parse_json(read_input(path, "model file", MAX_JSON_BYTES))
    except (UsageError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _table(config: dict[str, Any], key: str) -> dict[str, Any]:
    value = config.get(key)
    return value if isinstance(value, dict) else {}


def _typed(value: Any, kind: type) -> Any:
    """``value`` when it is of ``kind`` (a bool is no int), else None: a config may say anything."""
    return value if isinstance(value, kind) and not isinstance(value, bool) else None


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
    text = {**config, **_table(config, "text_config")}
    n = text.get("max_position_embeddings")
    return n if isinstance(n, int) and n > 0 else None


def shape(path: Path) -> dict[str, Any]:
    """A model's shape and quantization from its ``config.json`` (and marker), without building
    it: the fields of `mlxguard.results.ModelInfo`."""
    config = read_config(path)
    # Multimodal checkpoints keep the language model's dimensions under text_config.
    text = {**config, **_table(config, "text_config")}
    marker = read_json(Path(path) / MARKER_FILE)
    quant = _table(config, "quantization")
    return {
        "model_type": _typed(config.get("model_type"), str),
        "num_layers": _typed(text.get("num_hidden_layers"), int),
        "hidden_size": _typed(text.get("hidden_size"), int),
        "vocab_size": _typed(text.get("vocab_size"), int),
        "bits": _typed(quant.get("bits"), int),
        "group_size": _typed(quant.get("group_size"), int),
        "params": _typed(marker.get("params"), int),
        "preset": _typed(marker.get("preset"), str),
        "weight_bytes_per_token": weight_bytes_per_token(path),
    }


def _tensor_bytes(path: Path) -> dict[str, int]:
    """Tensor name -> bytes, from a safetensors header only (8-byte length, then JSON)."""
    with open_regular(path, "weights file") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        if length > MAX_SAFETENSORS_HEADER:
            raise ValueError(f"a safetensors header of {length} bytes")
        header = parse_json(f.read(length).decode("utf-8"))
    return {
        name: t["data_offsets"][1] - t["data_offsets"][0]
        for name, t in header.items()
        if name != "__metadata__"
    }


# Parts of multimodal checkpoints that decoding text never reads.
_NOT_DECODED = ("vision_tower", "vision_model", "visual.", "audio_tower", "multi_modal_projector")


def weight_bytes_per_token(path: Path | str) -> int | None:
    """Bytes of weights one decode step reads, from the safetensors headers (no tensor loaded).

    Every weight is read once per token, quantized ones as stored (packed weights with their
    scales and biases). The embedding table is one row per token, unless the output head is
    tied to it (``tie_word_embeddings``, or no ``lm_head`` tensor): then the head reads all of
    it. Mixture-of-experts tensors count for the active share (experts per token / experts).
    The KV cache is not counted: this is the weights-only ceiling.

    Returns:
        The byte count, or None when the directory has no readable safetensors files.
    """
    config = read_config(path)
    text = {**config, **_table(config, "text_config")}
    sizes: dict[str, int] = {}
    try:
        for file in sorted(Path(path).glob("*.safetensors")):
            sizes.update(_tensor_bytes(file))
    except (UsageError, OSError, ValueError, KeyError, TypeError, IndexError, struct.error):
        return None
    if not sizes:
        return None
    vocab = text.get("vocab_size")
    experts = text.get("num_local_experts") or text.get("num_experts")
    active = text.get("num_experts_per_tok")
    tied = bool(text.get("tie_word_embeddings")) or not any(
        n.startswith("lm_head.") or ".lm_head." in n for n in sizes
    )
    total = 0.0
    for name, nbytes in sizes.items():
        if any(part in name for part in _NOT_DECODED):
            continue
        if "embed_tokens." in name:
            total += nbytes if tied or not vocab else nbytes / vocab
        elif experts and active and ("experts" in name or "switch_mlp" in name):
            total += nbytes * active / experts
        else:
            total += nbytes
    return math.ceil(total)
