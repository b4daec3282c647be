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
