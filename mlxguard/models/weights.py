"""Synthetic weights: seeded random values in a preset's shapes, quantized and saved as mlx-lm does;
and `describe`, a model directory's summary with its parameter count.

MLX and mlx-lm are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path
from typing import Any

from mlxguard.models.files import read_config, write_json
from mlxguard.models.files import shape as directory_shape
from mlxguard.models.presets import preset as find_preset

# mlx-lm's default affine group size (``mlx_lm.utils.quantize_model``, ``mlx_lm convert``).
QUANT_GROUP_SIZE = 64
# Scale of the random normal weights: the usual initializer range, small enough that activations
# stay finite through deep stacks in bfloat16.
WEIGHT_STD = 0.02


def instantiate(config: dict[str, Any]) -> Any:
    """The mlx-lm model for ``config``, as ``mlx_lm.utils.load_model`` builds it.

    Parameters are lazy arrays: nothing is allocated until they are evaluated.
    """
    from mlx_lm.utils import _get_classes

    model_class, args_class = _get_classes(config)
    return model_class(args_class.from_dict(config))


def flat_parameters(model: Any) -> list[tuple[str, Any]]:
    """A model's parameters as (dotted name, array) pairs, as ``tree_flatten`` lists them."""
    from mlx.utils import tree_flatten

    flat = tree_flatten(model.parameters())  # a list unless asked to fill a dict
    assert isinstance(flat, list)
    return flat


def count_params(model: Any) -> int:
    """Parameters of ``model``; .size reads the shape only, so nothing is allocated."""
    return sum(v.size for _, v in flat_parameters(model))


def param_count(preset: str) -> int:
    """Parameters of ``preset``, from the mlx-lm model class (tied embeddings counted once).

    Raises:
        UsageError: ``preset`` is unknown.
    """
    return count_params(instantiate(find_preset(preset).config))


# Random values come from one seeded pool of this many normals (a prime), tiled: mx.random makes
# only ~10M values/s on a CPU, so drawing every weight would take minutes for a 1B preset, while
# tiling is a copy. Each parameter starts at its own seeded offset; as the length is prime, no two
# rows of any matrix here (all have fewer rows than this) start at the same place.
POOL_SIZE = 1_048_573


def random_model(config: dict[str, Any], seed: int) -> Any:
    """The model of ``config`` with seeded random weights in the config's dtype (lazy)."""
    import random

    import mlx.core as mx
    from mlx.utils import tree_unflatten

    dtype = getattr(mx, config.get("torch_dtype", "bfloat16"))
    model = instantiate(config)
    shapes = {name: v.shape for name, v in flat_parameters(model)}
    pool = mx.random.normal((POOL_SIZE,), dtype=dtype, scale=WEIGHT_STD, key=mx.random.key(seed))
    # Offsets in name order: the bytes depend on the seed and the shapes only.
    offsets = random.Random(seed)
    new = []
    for name in sorted(shapes):
        shape = shapes[name]
        if "norm" in name:
            # RMSNorm scales of 1 keep activations at unit scale, as trained models roughly do.
            value = mx.ones(shape, dtype=dtype)
        else:
            size, start = math.prod(shape), offsets.randrange(POOL_SIZE)
            tiled = mx.tile(pool, (start + size) // POOL_SIZE + 1)
            value = tiled[start : start + size].reshape(shape)
        new.append((name, value))
    model.update(tree_unflatten(new))
    return model


def write_weights(
    out: Path, config: dict[str, Any], bits: int | None, seed: int
) -> tuple[dict[str, Any], int]:
    """Write seeded random weights for ``config`` into ``out``, quantized to ``bits`` if given.

    Returns:
        The config to write next to the weights (with mlx-lm's quantization keys when
        quantized), and the unquantized parameter count.
    """
    import mlx.core as mx
    from mlx_lm.utils import make_shards, quantize_model

    params = count_params(instantiate(config))
    model = random_model(config, seed)
    if bits is not None:
        # quantize_model is what `mlx_lm convert -q` runs: same predicate, same config keys
        # ("quantization" and "quantization_config"), so load() rebuilds the quantized layers.
        with contextlib.redirect_stdout(io.StringIO()):  # it prints an [INFO] line
            model, config = quantize_model(model, config, QUANT_GROUP_SIZE, bits)
    weights = dict(flat_parameters(model))
    del model
    total_size = sum(v.nbytes for v in weights.values())
    # Shard as mlx_lm.utils.save_model does; each shard is evaluated only when saved, and dropped
    # after, so a large preset never holds more than one shard in memory.
    shards = make_shards(weights)
    weights.clear()
    name_format = "model-{:05d}-of-{:05d}.safetensors" if len(shards) > 1 else "model.safetensors"
    weight_map: dict[str, str] = {}
    for i in range(len(shards)):
        shard, shards[i] = shards[i], {}
        file_name = name_format.format(i + 1, len(shards))
        mx.save_safetensors(str(out / file_name), shard, metadata={"format": "mlx"})
        weight_map.update(dict.fromkeys(shard, file_name))
        del shard
    index = {
        "metadata": {"total_size": total_size, "total_parameters": params},
        "weight_map": dict(sorted(weight_map.items())),
    }
    write_json(out / "model.safetensors.index.json", index)
    return config, params


def describe(path: Path) -> dict[str, Any]:
    """Summary of a model directory, from its ``config.json`` (and marker, if mlxguard built it).

    Returns:
        ``model_type``, ``params`` (unquantized count, ``None`` if mlx-lm can't build the
        architecture), ``bits`` (``None`` if not quantized), ``preset`` (``None`` if not a
        synthetic build), ``vocab_size``, ``hidden_size``, ``num_layers``.
    """
    info = directory_shape(path)
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
