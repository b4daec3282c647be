"""Synthetic model presets: the published shapes of real models (and a tiny one for tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlxguard.errors import UsageError


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


def _dims(
    layers: int,
    hidden: int,
    heads: int,
    kv_heads: int,
    intermediate: int,
    head_dim: int | None = None,
) -> dict[str, int]:
    """The config keys of a model's shape, in the order model cards list them."""
    dims = {
        "num_hidden_layers": layers,
        "hidden_size": hidden,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "intermediate_size": intermediate,
    }
    return dims if head_dim is None else {**dims, "head_dim": head_dim}


def _window(max_window_layers: int, context: int) -> dict[str, int]:
    """Qwen2's context keys: its sliding window spans the whole context."""
    return {
        "max_position_embeddings": context,
        "max_window_layers": max_window_layers,
        "sliding_window": context,
    }


def _real(repo: str, published_params: int, config: dict[str, Any]) -> Preset:
    """A preset in a real model's published shape; its description names the shape."""
    title = repo.split("/")[1]
    shape = (
        f"{config['num_hidden_layers']} layers, hidden {config['hidden_size']}, "
        f"GQA {config['num_attention_heads']}/{config['num_key_value_heads']}"
    )
    bias = ", qkv bias" if config["model_type"] == "qwen2" else ""
    tied = "tied" if config["tie_word_embeddings"] else "untied"
    return Preset(
        name=title.lower(),
        description=f"{title} dimensions: {shape}{bias}, {tied}",
        config=config,
        published_params=published_params,
        source=_hf(repo),
    )


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
        _real(
            "meta-llama/Llama-3.2-1B",
            1_235_814_400,
            _llama_config(**_dims(16, 2048, 32, 8, 8192, 64)),
        ),
        _real(
            "meta-llama/Llama-3.2-3B",
            3_212_749_824,
            _llama_config(**_dims(28, 3072, 24, 8, 8192, 128)),
        ),
        _real(
            "meta-llama/Llama-3.1-8B",
            8_030_261_248,
            _llama_config(
                **_dims(32, 4096, 32, 8, 14336),
                rope_scaling={**_LLAMA3_ROPE_SCALING, "factor": 8.0},
                tie_word_embeddings=False,
            ),
        ),
        _real(
            "Qwen/Qwen2.5-0.5B",
            494_032_768,
            _qwen2_config(**_dims(24, 896, 14, 2, 4864), **_window(24, 32768)),
        ),
        _real(
            "Qwen/Qwen2.5-1.5B",
            1_543_714_304,
            _qwen2_config(**_dims(28, 1536, 12, 2, 8960), **_window(21, 131072)),
        ),
    ]
}
DEFAULT_PRESET = "tiny"


def format_params(n: int) -> str:
    """Human-readable parameter count: ``1.24B``, ``494M``, ``1.05M``."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            value = n / scale
            return f"{value:.3g}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return str(n)


def preset(name: str) -> Preset:
    """The preset called ``name``.

    Raises:
        UsageError: ``name`` is not a preset.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"unknown preset '{name}'; choose one of: {', '.join(PRESETS)}") from None
