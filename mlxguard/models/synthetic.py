"""Synthetic models: random weights in the shapes of real models, loadable by ``mlx_lm.load``.

Inference speed depends on shapes, dtypes and quantization, not on weight values, so a directory
with the published dimensions of e.g. Llama-3.2-1B and seeded random weights benchmarks like the
real model without a download. Each built directory holds what ``mlx-lm convert`` writes:
``config.json``, ``model.safetensors`` (sharded with an index when large), a byte-level
``tokenizer.json`` covering every id of the vocabulary, ``tokenizer_config.json`` and
``special_tokens_map.json``, plus an ``mlxguard.json`` marker (preset, seed, bits, format).

MLX is imported inside the functions that need it, so importing this module (e.g. for ``--help``
or ``PRESETS``) stays cheap.
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlxguard.errors import UsageError

# Bump when the files a build writes change, so stale cached builds are not reused.
# History: 1 = first version.
FORMAT_VERSION = 2  # 2: weights tiled from a seeded pool (different bytes than 1 for a seed)
MARKER_FILE = "mlxguard.json"
VALID_BITS = (4, 8)
# mlx-lm's default affine group size (``mlx_lm.utils.quantize_model``, ``mlx_lm convert``).
QUANT_GROUP_SIZE = 64
# Scale of the random normal weights: the usual initializer range, small enough that activations
# stay finite through deep stacks in bfloat16.
WEIGHT_STD = 0.02


@dataclass(frozen=True)
class Preset:
    """A model shape to synthesize.

    Attributes:
        name: preset name used on the command line.
        description: one line for ``mlxguard model list``.
        config: the ``config.json`` written (the published config for real models).
        published_params: parameter count published for the real model (tied embeddings once).
        source: where the config comes from.
    """

    name: str
    description: str
    config: dict[str, Any]
    published_params: int
    source: str


_LLAMA3_ROPE_SCALING = {
    "factor": 32.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3",
}


def _llama_config(**overrides: Any) -> dict[str, Any]:
    """A Llama-3 style config.json; ``overrides`` gives the dimensions."""
    config: dict[str, Any] = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 128000,
        "eos_token_id": 128001,
        "hidden_act": "silu",
        "initializer_range": 0.02,
        "max_position_embeddings": 131072,
        "mlp_bias": False,
        "model_type": "llama",
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": dict(_LLAMA3_ROPE_SCALING),
        "rope_theta": 500000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "vocab_size": 128256,
    }
    config.update(overrides)
    return config


def _qwen2_config(**overrides: Any) -> dict[str, Any]:
    """A Qwen2.5 style config.json; ``overrides`` gives the dimensions."""
    config: dict[str, Any] = {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 151643,
        "eos_token_id": 151643,
        "hidden_act": "silu",
        "initializer_range": 0.02,
        "model_type": "qwen2",
        "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "use_mrope": False,
        "use_sliding_window": False,
        "vocab_size": 151936,
    }
    config.update(overrides)
    return config


def _hf(repo: str) -> str:
    return f"https://huggingface.co/{repo}/blob/main/config.json"


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            name="tiny",
            description="Llama architecture (GQA, llama3 rope, tied), 1M params: tests, smoke runs",
            config=_llama_config(
                bos_token_id=2046,
                eos_token_id=2047,
                head_dim=32,
                hidden_size=128,
                intermediate_size=384,
                max_position_embeddings=4096,
                num_attention_heads=4,
                num_hidden_layers=4,
                num_key_value_heads=2,
                # llama3 rope scaled to the short context (original must be below the maximum).
                rope_scaling={
                    **_LLAMA3_ROPE_SCALING,
                    "factor": 4.0,
                    "original_max_position_embeddings": 1024,
                },
                vocab_size=2048,
            ),
            published_params=1_049_728,  # not a real model: its own analytic count
            source="mlxguard",
        ),
        Preset(
            name="llama-3.2-1b",
            description="Llama-3.2-1B dimensions: 16 layers, hidden 2048, GQA 32/8, tied",
            config=_llama_config(
                head_dim=64,
                hidden_size=2048,
                intermediate_size=8192,
                num_attention_heads=32,
                num_hidden_layers=16,
                num_key_value_heads=8,
            ),
            published_params=1_235_814_400,
            source=_hf("meta-llama/Llama-3.2-1B"),
        ),
        Preset(
            name="llama-3.2-3b",
            description="Llama-3.2-3B dimensions: 28 layers, hidden 3072, GQA 24/8, tied",
            config=_llama_config(
                head_dim=128,
                hidden_size=3072,
                intermediate_size=8192,
                num_attention_heads=24,
                num_hidden_layers=28,
                num_key_value_heads=8,
            ),
            published_params=3_212_749_824,
            source=_hf("meta-llama/Llama-3.2-3B"),
        ),
        Preset(
            name="llama-3.1-8b",
            description="Llama-3.1-8B dimensions: 32 layers, hidden 4096, GQA 32/8, untied",
            config=_llama_config(
                hidden_size=4096,
                intermediate_size=14336,
                num_attention_heads=32,
                num_hidden_layers=32,
                num_key_value_heads=8,
                rope_scaling={**_LLAMA3_ROPE_SCALING, "factor": 8.0},
                tie_word_embeddings=False,
            ),
            published_params=8_030_261_248,
            source=_hf("meta-llama/Llama-3.1-8B"),
        ),
        Preset(
            name="qwen2.5-0.5b",
            description="Qwen2.5-0.5B dimensions: 24 layers, hidden 896, GQA 14/2, qkv bias, tied",
            config=_qwen2_config(
                hidden_size=896,
                intermediate_size=4864,
                max_position_embeddings=32768,
                max_window_layers=24,
                num_attention_heads=14,
                num_hidden_layers=24,
                num_key_value_heads=2,
                sliding_window=32768,
            ),
            published_params=494_032_768,
            source=_hf("Qwen/Qwen2.5-0.5B"),
        ),
        Preset(
            name="qwen2.5-1.5b",
            description="Qwen2.5-1.5B dimensions: 28 layers, hidden 1536, GQA 12/2, qkv bias, tied",
            config=_qwen2_config(
                hidden_size=1536,
                intermediate_size=8960,
                max_position_embeddings=131072,
                max_window_layers=21,
                num_attention_heads=12,
                num_hidden_layers=28,
                num_key_value_heads=2,
                sliding_window=131072,
            ),
            published_params=1_543_714_304,
            source=_hf("Qwen/Qwen2.5-1.5B"),
        ),
    ]
}
DEFAULT_PRESET = "tiny"


def cache_dir() -> Path:
    """mlxguard's cache directory: ``$MLXGUARD_CACHE``, else ``~/.cache/mlxguard``."""
    env = os.environ.get("MLXGUARD_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mlxguard"


def format_params(n: int) -> str:
    """Human-readable parameter count: ``1.24B``, ``494M``, ``1.05M``."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            value = n / scale
            return f"{value:.3g}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return str(n)


def _preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"unknown preset '{name}'; choose one of: {', '.join(PRESETS)}") from None


def _check_bits(bits: int | None) -> None:
    if bits is not None and bits not in VALID_BITS:
        raise UsageError(f"--bits {bits} is not supported; use 4 or 8, or omit it for bfloat16")


def _instantiate(config: dict[str, Any]) -> Any:
    """The mlx-lm model for ``config``, as ``mlx_lm.utils.load_model`` builds it.

    Parameters are lazy arrays: nothing is allocated until they are evaluated.
    """
    from mlx_lm.utils import _get_classes

    model_class, args_class = _get_classes(config)
    return model_class(args_class.from_dict(config))


def _count(model: Any) -> int:
    from mlx.utils import tree_flatten

    # .size reads the shape only, so big presets are counted without allocating them.
    return sum(v.size for _, v in tree_flatten(model.parameters()))


def param_count(preset: str) -> int:
    """Parameters of ``preset``, from the mlx-lm model class (tied embeddings counted once).

    Raises:
        UsageError: ``preset`` is unknown.
    """
    return _count(_instantiate(_preset(preset).config))


# -- tokenizer -----------------------------------------------------------------------------------

_CONSONANTS = "bcdfghjklmnprstvwz"
_VOWELS = "aeiou"


def _words() -> Iterator[str]:
    """Distinct pronounceable lowercase words: all 1-syllable words, then 2, 3...

    Every syllable is one consonant plus one vowel, so a word splits into syllables one way only
    and all words are distinct. Letters only, so byte-level pre-tokenization keeps each word (with
    its leading space) as one piece.
    """
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    for n in itertools.count(1):
        for combo in itertools.product(syllables, repeat=n):
            yield "".join(combo)


def _special_tokens(config: dict[str, Any]) -> dict[str, int]:
    """Special token contents and ids, at the ids the real model uses."""
    bos, eos = config["bos_token_id"], config["eos_token_id"]
    if config["model_type"] == "qwen2":
        # Qwen2.5 base: <|endoftext|> is both bos and eos (no bos prefix), then the chat markers.
        # Its byte-level BPE encodes any text, so it needs no <unk>.
        return {
            name: i
            for name, i in (
                ("<|endoftext|>", eos),
                ("<|im_start|>", eos + 1),
                ("<|im_end|>", eos + 2),
            )
            if i < config["vocab_size"]
        }
    specials = {"<|begin_of_text|>": bos, "<|end_of_text|>": eos}
    # Real Llama-3 needs no <unk>; ours is a word list, and an unknown word (say, an English
    # prompt) must still encode rather than raise. Right after the real specials (a reserved id
    # in Llama-3), else right before.
    taken = set(specials.values())
    after, before = max(taken) + 1, min(taken) - 1
    unk = after if after < config["vocab_size"] else before
    assert unk >= 0 and unk not in taken, "preset has no room for <unk>"
    specials["<unk>"] = unk
    return specials


def _byte_symbols() -> list[str]:
    """The 256 byte-level symbols in byte order (GPT-2's ``bytes_to_unicode``)."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def _prefix_closed_words() -> Iterator[str]:
    """``Ġ`` + every prefix of every word of ``_words``, shortest first.

    Each piece's prefixes come before it, so a BPE merge ``(piece[:-1], piece[-1])`` per piece
    builds every listed word from its bytes, whatever the cut-off.
    """
    seen: set[str] = set()
    frontier = [""]
    while frontier:
        nxt = []
        for stem in frontier:
            for letter in _VOWELS if stem and stem[-1] in _CONSONANTS else _CONSONANTS:
                word = stem + letter
                if word not in seen:
                    seen.add(word)
                    nxt.append(word)
                    yield "Ġ" + word
        frontier = nxt


def _wordlevel_tokenizer(config: dict[str, Any], specials: dict[str, int]) -> Any:
    """Llama layout: a WordLevel model, one ``Ġword`` per non-special id."""
    from tokenizers import Tokenizer, pre_tokenizers, processors
    from tokenizers.models import WordLevel

    words = _words()
    vocab = {
        "Ġ" + next(words): i for i in range(config["vocab_size"]) if i not in specials.values()
    }
    tok = Tokenizer(WordLevel({**vocab, **specials}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    # Llama-3 prepends <|begin_of_text|> through its post-processor.
    bos = "<|begin_of_text|>"
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, specials[bos])]
    )
    return tok


def _bpe_tokenizer(config: dict[str, Any], specials: dict[str, int]) -> Any:
    """Qwen2 layout: byte-level BPE, ids 0-255 the bytes, then one ``Ġword`` per id.

    transformers 5 loads every ``qwen2`` tokenizer as ``Qwen2Tokenizer``, which rebuilds a BPE
    from ``vocab`` and ``merges`` with its own pre-tokenizer; a WordLevel model would be dropped.
    So this one is a BPE whose merges spell exactly the listed words, with the normalizer and
    pre-tokenizer ``Qwen2Tokenizer`` builds (and ``add_prefix_space`` on, so the first word of a
    text is one token too).
    """
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import BPE

    vocab: dict[str, int] = {}
    merges: list[tuple[str, str]] = []
    pieces = itertools.chain(_byte_symbols(), _prefix_closed_words())
    for i in range(config["vocab_size"]):
        if i in specials.values():
            continue
        piece = next(pieces)
        vocab[piece] = i
        if i >= 256:
            merges.append((piece[:-1], piece[-1]))
    tok = Tokenizer(BPE({**vocab, **specials}, merges, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_QWEN2_PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=False),
        ]
    )
    return tok


# Qwen2's pre-tokenizer regex (transformers' models/qwen2/tokenization_qwen2.py).
_QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)


def _tokenizer_files(config: dict[str, Any]) -> dict[str, Any]:
    """``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json`` contents.

    Every word id is one word ``Ġword`` (``Ġ`` is byte-level for a space), so a text of ``N``
    words encodes to exactly ``N`` tokens (without special tokens) and
    ``encode(decode(ids)) == ids`` for word ids. Word ids are all ids but the special tokens and,
    for Qwen2, the 256 byte tokens 0-255 (which decode to text too). The ByteLevel decoder makes
    mlx-lm pick its BPE streaming detokenizer, as for real Llama-3 and Qwen2.5.
    """
    from tokenizers import AddedToken, decoders

    specials = _special_tokens(config)
    qwen = config["model_type"] == "qwen2"
    tok = (_bpe_tokenizer if qwen else _wordlevel_tokenizer)(config, specials)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    eos_token = next(s for s, i in specials.items() if i == config["eos_token_id"])
    if qwen:
        special_map = {"bos_token": None, "eos_token": eos_token, "pad_token": eos_token}
        tokenizer_class, extra = "Qwen2Tokenizer", {"add_prefix_space": True, "unk_token": None}
    else:
        special_map = {"bos_token": "<|begin_of_text|>", "eos_token": eos_token}
        special_map["unk_token"] = "<unk>"
        tokenizer_class, extra = "PreTrainedTokenizerFast", {}
    tokenizer_config = {
        "tokenizer_class": tokenizer_class,
        "clean_up_tokenization_spaces": False,
        "model_max_length": config.get("max_position_embeddings", 4096),
        **special_map,
        **extra,
    }
    return {
        "tokenizer.json": json.loads(tok.to_str()),
        "tokenizer_config.json": tokenizer_config,
        "special_tokens_map.json": {k: v for k, v in special_map.items() if v is not None},
    }


# -- weights -------------------------------------------------------------------------------------


# Random values come from one seeded pool of this many normals (a prime), tiled: mx.random makes
# only ~10M values/s on a CPU, so drawing every weight would take minutes for a 1B preset, while
# tiling is a copy. Each parameter starts at its own seeded offset; as the length is prime, no two
# rows of any matrix here (all have fewer rows than this) start at the same place.
POOL_SIZE = 1_048_573


def _random_model(config: dict[str, Any], seed: int) -> Any:
    """The model of ``config`` with seeded random weights in the config's dtype (lazy)."""
    import random

    import mlx.core as mx
    from mlx.utils import tree_flatten, tree_unflatten

    dtype = getattr(mx, config.get("torch_dtype", "bfloat16"))
    model = _instantiate(config)
    shapes = {name: v.shape for name, v in tree_flatten(model.parameters())}
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


def _write(out: Path, preset: Preset, bits: int | None, seed: int) -> None:
    """Write the model files of ``preset`` into the existing empty directory ``out``."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.utils import make_shards, quantize_model

    config = copy.deepcopy(preset.config)
    model = _random_model(config, seed)
    if bits is not None:
        # quantize_model is what `mlx_lm convert -q` runs: same predicate, same config keys
        # ("quantization" and "quantization_config"), so load() rebuilds the quantized layers.
        with contextlib.redirect_stdout(io.StringIO()):  # it prints an [INFO] line
            model, config = quantize_model(model, config, QUANT_GROUP_SIZE, bits)
    params = _count_unquantized(preset)
    weights = dict(tree_flatten(model.parameters()))
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
    _write_json(out / "model.safetensors.index.json", index)
    _write_json(out / "config.json", dict(sorted(config.items())))
    for file_name, content in _tokenizer_files(config).items():
        _write_json(out / file_name, content)
    marker = {
        "preset": preset.name,
        "seed": seed,
        "bits": bits,
        "params": params,
        "format_version": FORMAT_VERSION,
    }
    _write_json(out / MARKER_FILE, marker)


def _count_unquantized(preset: Preset) -> int:
    return _count(_instantiate(preset.config))


def _write_json(path: Path, content: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(content, f, indent=2, ensure_ascii=False)
        f.write("\n")


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
        UsageError: unknown preset, unsupported ``bits``, or ``out`` exists and is not empty.
    """
    spec = _preset(preset)
    _check_bits(bits)
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"output '{out}' already exists and is not empty; choose a new --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        _write(tmp, spec, bits, seed)
        try:
            # rename is atomic and replaces only an empty directory: if another process finished
            # first, this fails and its (identical) build is kept.
            os.rename(tmp, out)
        except OSError:
            if not (out / "config.json").exists():
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
    if path.is_dir() and (path / "config.json").is_file():
        return path.resolve()
    examples = ", ".join(list(PRESETS)[:2])
    raise UsageError(
        f"model '{name}' is neither a preset ({examples}, ...) nor a directory with config.json"
    )


def describe(path: Path) -> dict[str, Any]:
    """Summary of a model directory, from its ``config.json`` (and marker, if mlxguard built it).

    Returns:
        ``model_type``, ``params`` (unquantized count, ``None`` if mlx-lm can't build the
        architecture), ``bits`` (``None`` if not quantized), ``preset`` (``None`` if not a
        synthetic build), ``vocab_size``, ``hidden_size``, ``num_layers``.
    """
    path = Path(path)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    # Multimodal checkpoints keep the language model's dimensions under text_config.
    text = {**config, **config.get("text_config", {})}
    marker_path = path / MARKER_FILE
    marker = json.loads(marker_path.read_text(encoding="utf-8")) if marker_path.exists() else {}
    quant = config.get("quantization") or {}
    params = marker.get("params")
    if params is None:
        unquantized = {
            k: v for k, v in config.items() if k not in ("quantization", "quantization_config")
        }
        try:
            params = _count(_instantiate(unquantized))
        except Exception:  # any architecture mlx-lm can't build: the count is just unknown
            params = None
    return {
        "model_type": config.get("model_type"),
        "params": params,
        "bits": quant.get("bits"),
        "preset": marker.get("preset"),
        "vocab_size": text.get("vocab_size"),
        "hidden_size": text.get("hidden_size"),
        "num_layers": text.get("num_hidden_layers"),
    }
