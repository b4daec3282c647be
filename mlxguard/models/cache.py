"""Building synthetic model directories, atomically, and the cache that reuses them.

Each built directory holds what ``mlx-lm convert`` writes: ``config.json``,
``model.safetensors`` (sharded with an index when large), a byte-level ``tokenizer.json``
covering every id of the vocabulary, ``tokenizer_config.json`` and ``special_tokens_map.json``,
plus an ``mlxguard.json`` marker (preset, seed, bits, format).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path

from mlxguard.defaults import SEED_MAX
from mlxguard.errors import UsageError
from mlxguard.fsutil import default_mode, remove_stale_temps, temp_prefix
from mlxguard.models.files import CONFIG_FILE, MARKER_FILE, write_json
from mlxguard.models.presets import DEFAULT_PRESET, PRESETS, Preset
from mlxguard.models.presets import preset as find_preset

# Bump when the files a build writes change, so stale cached builds are not reused.
# History: 1 = first version.
FORMAT_VERSION = 2  # 2: weights tiled from a seeded pool (different bytes than 1 for a seed)
VALID_BITS = (4, 8)


def cache_dir() -> Path:
    """mlxguard's cache directory: ``$MLXGUARD_CACHE``, else ``~/.cache/mlxguard``."""
    env = os.environ.get("MLXGUARD_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mlxguard"


def _check_bits(bits: int | None) -> None:
    if bits is not None and bits not in VALID_BITS:
        raise UsageError(f"--bits {bits} is not supported; use 4 or 8, or omit it for bfloat16")


def _check_seed(seed: int) -> None:
    if not 0 <= seed <= SEED_MAX:
        raise UsageError(f"--seed {seed} is outside 0..2**64-1 (MLX seeds are unsigned 64-bit)")


def _write(out: Path, preset: Preset, bits: int | None, seed: int) -> None:
    """Write the model files of ``preset`` into the existing empty directory ``out``."""
    from mlxguard.models.tokenizer import tokenizer_files
    from mlxguard.models.weights import write_weights

    config, params = write_weights(out, copy.deepcopy(preset.config), bits, seed)
    write_json(out / CONFIG_FILE, dict(sorted(config.items())))
    for file_name, content in tokenizer_files(config).items():
        write_json(out / file_name, content)
    marker = {
        "preset": preset.name,
        "seed": seed,
        "bits": bits,
        "params": params,
        "format_version": FORMAT_VERSION,
    }
    write_json(out / MARKER_FILE, marker)


def build(preset: str, out: Path, *, bits: int | None = None, seed: int = 0) -> Path:
    """Build a synthetic model directory that ``mlx_lm.load`` loads.

    Files are written to a temporary directory next to ``out`` and renamed into place, so ``out``
    is either absent or complete, even when two processes build it at once. If ``out`` appears
    while building (another process won), the existing directory is kept.

    Args:
        preset: a name from ``PRESETS``.
        out: directory to create; it must not exist or be empty.
        bits: quantize to 4 or 8 bits as ``mlx_lm convert -q`` does; ``None`` keeps bfloat16.
        seed: seed of the random weights; the same seed writes identical bytes.

    Returns:
        ``out``.

    Raises:
        UsageError: unknown preset, unsupported ``bits``, a seed outside 0..2**64-1, or ``out``
            exists and is not empty, or its parent cannot be created or written.
    """
    spec = find_preset(preset)
    _check_bits(bits)
    _check_seed(seed)
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"output '{out}' already exists and is not empty; choose a new --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(out.parent, out.name)  # a build killed half-way (GBs for 8B)
        tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(out.name), suffix=".tmp", dir=out.parent))
        tmp.chmod(default_mode(directory=True))  # mkdtemp's 0700 would outlive the rename
    except OSError as e:
        raise UsageError(f"cannot write --out '{out}': {e.strerror or e}") from None
    try:
        _write(tmp, spec, bits, seed)
        for f in tmp.iterdir():  # one mode for every file, whatever wrote it (MLX: 0644)
            f.chmod(default_mode())
        try:
            # rename is atomic and replaces only an empty directory: if another process finished
            # first, this fails and its (identical) build is kept.
            os.rename(tmp, out)
        except OSError:
            if not (out / CONFIG_FILE).exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _cache_key(preset: str, bits: int | None, seed: int) -> str:
    return f"{preset}-{'bf16' if bits is None else f'q{bits}'}-seed{seed}-v{FORMAT_VERSION}"


def resolve_model(spec: str | None, *, bits: int | None = None, seed: int = 0) -> Path:
    """A local model directory for ``spec``.

    ``None`` or a preset name gives the preset's build in ``cache_dir()/"models"`` (built on first
    use, reused after); an existing directory with ``config.json`` gives that path, resolved
    (``bits`` and ``seed`` apply to presets only).

    Raises:
        UsageError: ``spec`` is neither a preset nor a model directory, or ``bits`` is not 4 or 8.
    """
    _check_bits(bits)
    name = DEFAULT_PRESET if spec is None else spec
    if name in PRESETS:
        out = cache_dir() / "models" / _cache_key(name, bits, seed)
        if (out / MARKER_FILE).exists():
            return out
        if out.exists() and any(out.iterdir()):
            raise UsageError(f"cached model '{out}' is incomplete; delete it and run again")
        return build(name, out, bits=bits, seed=seed)
    path = Path(name).expanduser()
    if path.is_dir() and (path / CONFIG_FILE).is_file():
        return path.resolve()
    examples = ", ".join(list(PRESETS)[:2])
    raise UsageError(
        f"model '{name}' is neither a preset ({examples}, ...) nor a directory with config.json"
    )
