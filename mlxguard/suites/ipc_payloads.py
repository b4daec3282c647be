"""The three message kinds of a serving runtime, as fixed payloads for the `ipc` suite.

Fixed (no model needed, identical in every run) so codec figures compare across runs:
- `chunk`: a `stream.chunk` notification, sent once per generated token (small);
- `tokenize`: a `tokenize` request with about 500 characters of text (medium);
- `load_model`: a `load_model` response with a real model's config.json (Llama-3.2-1B's
  dimensions) plus load metadata and its tensor manifest (large, nested).
"""

from __future__ import annotations

from typing import Any

from mlxguard.ipc import protocol as p

KINDS = ("chunk", "tokenize", "load_model")

_TEXT = (
    "Summarise the following incident report for the on-call engineer. At 14:02 UTC the "
    "inference fleet began returning slower first tokens after a routine deploy; median time to "
    "first token rose from 180 ms to 420 ms while decode speed stayed flat at 38 tokens per "
    "second. The rollback at 14:31 restored latency. Suspected cause: the new build serialised "
    "every streamed chunk as indented JSON and flushed stdout once per field instead of once per "
    "frame. List three follow-up actions, each with an owner and a due date."
)


def _tensors(config: dict[str, Any]) -> list[dict[str, Any]]:
    """A safetensors-style manifest (name, shape, dtype) for a Llama-shaped config."""
    h, inter = config["hidden_size"], config["intermediate_size"]
    head = config.get("head_dim") or h // config["num_attention_heads"]
    q, kv = config["num_attention_heads"] * head, config["num_key_value_heads"] * head
    dtype = config.get("torch_dtype", "bfloat16")
    out = [{"name": "model.embed_tokens.weight", "shape": [config["vocab_size"], h]}]
    for i in range(config["num_hidden_layers"]):
        pre = f"model.layers.{i}"
        out += [
            {"name": f"{pre}.self_attn.q_proj.weight", "shape": [q, h]},
            {"name": f"{pre}.self_attn.k_proj.weight", "shape": [kv, h]},
            {"name": f"{pre}.self_attn.v_proj.weight", "shape": [kv, h]},
            {"name": f"{pre}.self_attn.o_proj.weight", "shape": [h, q]},
            {"name": f"{pre}.mlp.gate_proj.weight", "shape": [inter, h]},
            {"name": f"{pre}.mlp.up_proj.weight", "shape": [inter, h]},
            {"name": f"{pre}.mlp.down_proj.weight", "shape": [h, inter]},
            {"name": f"{pre}.input_layernorm.weight", "shape": [h]},
            {"name": f"{pre}.post_attention_layernorm.weight", "shape": [h]},
        ]
    out.append({"name": "model.norm.weight", "shape": [h]})
    return [{**t, "dtype": dtype} for t in out]


def messages() -> dict[str, dict[str, Any]]:
    """Kind -> message (plain maps, lists, strings, ints, floats, bools: both codecs' types)."""
    from mlxguard.models.synthetic import PRESETS

    config = dict(PRESETS["llama-3.2-1b"].config)
    chunk = p.notification(
        p.CHUNK, {"stream_id": 3, "token": 41, "token_id": 12873, "is_final": False, "text": " the"}
    )
    tokenize = p.request(7, "tokenize", {"text": _TEXT})
    load = p.result(
        1,
        {
            "path": "/Users/runner/models/llama-3.2-1b-instruct-4bit",
            "load_ms": 812.375,
            "config": config,
            "versions": {"mlx": "0.32.0", "mlx-lm": "0.32.0"},
            "pid": 48213,
            "tokenizer": {
                "bos_token_id": 128000,
                "eos_token_ids": [128001, 128008, 128009],
                "vocab_size": config["vocab_size"],
                "chat_template": True,
            },
            "tensors": _tensors(config),
        },
    )
    return {"chunk": chunk, "tokenize": tokenize, "load_model": load}
