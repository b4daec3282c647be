"""Synthetic models: random weights in the shapes of real models, loadable by ``mlx_lm.load``.

Inference speed depends on shapes, dtypes and quantization, not on weight values, so a directory
with the published dimensions of e.g. Llama-3.2-1B and seeded random weights benchmarks like the
real model without a download. This module is the public face of ``mlxguard.models``: presets
(``presets``), the tokenizer (``tokenizer``), the weights (``weights``), the build cache
(``cache``) and a model directory's files (``files``).

MLX is imported inside the functions that need it, so importing this module (e.g. for ``--help``
or ``PRESETS``) stays cheap.
"""

from mlxguard.models.cache import build, cache_dir, resolve_model
from mlxguard.models.files import MARKER_FILE
from mlxguard.models.presets import DEFAULT_PRESET, PRESETS, Preset, format_params
from mlxguard.models.weights import describe, param_count

__all__ = [
    "DEFAULT_PRESET",
    "MARKER_FILE",
    "PRESETS",
    "Preset",
    "build",
    "cache_dir",
    "describe",
    "format_params",
    "param_count",
    "resolve_model",
]
