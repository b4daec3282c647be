"""Synthetic models: they load in mlx-lm, generate decodable text, and are reproducible."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlxguard.cli.model import app
from mlxguard.errors import UsageError
from mlxguard.models import cache, synthetic
from mlxguard.models.tokenizer import tokenizer_files

mlx_lm = pytest.importorskip("mlx_lm")
mx = pytest.importorskip("mlx.core")

REAL_PRESETS = [name for name in synthetic.PRESETS if name != "tiny"]


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache, so none touches the home directory."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MLXGUARD_CACHE", str(cache))
    return cache


def _shrunk(name: str) -> synthetic.Preset:
    """``name``'s preset with its architecture and tokenizer layout but toy dimensions."""
    preset = synthetic.PRESETS[name]
    small = {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 512,
        "bos_token_id": 510,
        "eos_token_id": 510
        if preset.config["bos_token_id"] == preset.config["eos_token_id"]
        else 511,
    }
    if "head_dim" in preset.config:
        small["head_dim"] = 16
    return dataclasses.replace(preset, config={**preset.config, **small})


def _generate(model_dir: Path, prompt: str, max_tokens: int) -> tuple[list[int], str, object]:
    model, tokenizer = mlx_lm.load(str(model_dir))
    # Sampling at temperature 1 visits many ids, unlike greedy decoding of near-uniform logits.
    mx.random.seed(0)
    sampler = mlx_lm.sample_utils.make_sampler(temp=1.0)
    tokens, text = [], ""
    for response in mlx_lm.stream_generate(
        model, tokenizer, prompt, max_tokens=max_tokens, sampler=sampler
    ):
        tokens.append(response.token)
        text += response.text
    return tokens, text, tokenizer


def test_tiny_loads_and_generates_decodable_tokens(tiny_model: Path) -> None:
    tokens, text, tokenizer = _generate(tiny_model, "ba be bi bo", max_tokens=16)
    assert len(tokens) == 16
    # Every id has a word, so the streamed text is exactly the tokens' words (every word carries
    # its leading space, which the streaming detokenizer trims at the start, as for Llama-3).
    assert text == tokenizer.decode(tokens).lstrip(" ")
    assert len(text.split()) == 16
    assert "<unk>" not in text


def test_tokenizer_covers_whole_vocabulary(tiny_model: Path) -> None:
    _, tokenizer = mlx_lm.load(str(tiny_model))
    config = json.loads((tiny_model / "config.json").read_text())
    vocab_size = config["vocab_size"]
    assert len(tokenizer) == vocab_size
    pieces = tokenizer.convert_ids_to_tokens(list(range(vocab_size)))
    assert None not in pieces
    assert len(set(pieces)) == vocab_size
    assert tokenizer.eos_token_id == config["eos_token_id"]
    assert tokenizer.bos_token_id == config["bos_token_id"]
    assert type(tokenizer.detokenizer).__name__ == "BPEStreamingDetokenizer"


@pytest.mark.parametrize("n", [1, 7, 128])
def test_tokenizer_round_trip(tiny_model: Path, n: int) -> None:
    _, tokenizer = mlx_lm.load(str(tiny_model))
    config = json.loads((tiny_model / "config.json").read_text())
    specials = set(tokenizer.all_special_ids)
    ids = [i * 7919 % config["vocab_size"] for i in range(1, 4 * n)]
    ids = [i for i in ids if i not in specials][:n]
    text = tokenizer.decode(ids)
    assert len(text.split()) == n
    assert tokenizer.encode(text, add_special_tokens=False) == ids
    # Llama-3 prepends <|begin_of_text|>, as the real tokenizer does.
    assert tokenizer.encode(text) == [config["bos_token_id"], *ids]


def test_unknown_words_encode_to_unk(tiny_model: Path) -> None:
    _, tokenizer = mlx_lm.load(str(tiny_model))
    ids = tokenizer.encode("Hello, world", add_special_tokens=False)
    assert set(ids) == {tokenizer.unk_token_id}


def test_same_seed_same_bytes_different_seed_different(tmp_path: Path) -> None:
    a = synthetic.build("tiny", tmp_path / "a", seed=0)
    b = synthetic.build("tiny", tmp_path / "b", seed=0)
    c = synthetic.build("tiny", tmp_path / "c", seed=1)
    weights = "model.safetensors"
    assert (a / weights).read_bytes() == (b / weights).read_bytes()
    assert (a / weights).read_bytes() != (c / weights).read_bytes()
    assert (a / "tokenizer.json").read_bytes() == (c / "tokenizer.json").read_bytes()


def test_tiny_is_small_and_fast(tiny_model: Path) -> None:
    size = sum(f.stat().st_size for f in tiny_model.iterdir())
    assert size < 5_000_000
    weights = mx.load(str(tiny_model / "model.safetensors"))
    assert {v.dtype for v in weights.values()} == {mx.bfloat16}
    norms = [v for k, v in weights.items() if "norm" in k]
    assert norms and all(mx.all(v == 1).item() for v in norms)


@pytest.mark.parametrize("bits", [4, 8])
def test_quantized_build_loads_quantized_layers(tmp_path: Path, bits: int) -> None:
    out = synthetic.build("tiny", tmp_path / f"q{bits}", bits=bits)
    config = json.loads((out / "config.json").read_text())
    expected = {"group_size": 64, "bits": bits, "mode": "affine"}
    assert config["quantization"] == config["quantization_config"] == expected
    model, _ = mlx_lm.load(str(out))
    q_proj = model.model.layers[0].self_attn.q_proj
    import mlx.nn as nn

    assert isinstance(q_proj, nn.QuantizedLinear) and q_proj.bits == bits
    assert isinstance(model.model.embed_tokens, nn.QuantizedEmbedding)
    tokens, text, _ = _generate(out, "ba be", max_tokens=4)
    assert len(tokens) == 4 and len(text.split()) == 4
    info = synthetic.describe(out)
    assert info["bits"] == bits
    assert info["params"] == synthetic.param_count("tiny")


@pytest.mark.parametrize("name", REAL_PRESETS)
def test_param_count_matches_published(name: str) -> None:
    preset = synthetic.PRESETS[name]
    count = synthetic.param_count(name)
    assert abs(count - preset.published_params) / preset.published_params < 0.01


@pytest.mark.parametrize("name", REAL_PRESETS)
def test_each_architecture_builds_and_loads(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each preset's layout (qkv bias, untied head, tokenizer specials) loads, at toy size."""
    monkeypatch.setitem(synthetic.PRESETS, name, _shrunk(name))
    out = synthetic.build(name, tmp_path / name)
    tokens, text, tokenizer = _generate(out, "ba be", max_tokens=4)
    # At this toy vocabulary half of Qwen2's ids are byte tokens, so count tokens, not words.
    assert len(tokens) == 4 and text
    assert len(tokenizer.encode("ba be", add_special_tokens=False)) == 2
    config = json.loads((out / "config.json").read_text())
    assert tokenizer.eos_token_id == config["eos_token_id"]
    assert len(tokenizer) == config["vocab_size"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["llama-3.2-1b", "qwen2.5-0.5b"])
def test_full_size_tokenizer_round_trip(name: str, tmp_path: Path) -> None:
    """The real presets' tokenizers, at full vocabulary, loaded as mlx-lm loads them."""
    from mlx_lm.utils import load_tokenizer

    config = synthetic.PRESETS[name].config
    (tmp_path / "config.json").write_text(json.dumps(config))
    for file_name, content in tokenizer_files(config).items():
        (tmp_path / file_name).write_text(json.dumps(content))
    tokenizer = load_tokenizer(tmp_path, eos_token_ids=config["eos_token_id"])
    vocab_size = config["vocab_size"]
    assert len(tokenizer) == vocab_size
    assert tokenizer.eos_token_id == config["eos_token_id"]
    assert type(tokenizer.detokenizer).__name__ == "BPEStreamingDetokenizer"
    # Word ids: not special, and for the byte-level BPE not one of the 256 byte tokens.
    first_word = 256 if config["model_type"] == "qwen2" else 0
    specials = set(tokenizer.all_special_ids)
    ids = [i for i in range(first_word, vocab_size, 997) if i not in specials][:128]
    ids[-1] = vocab_size - 1  # the last id is a word too
    text = tokenizer.decode(ids)
    assert len(text.split()) == 128
    assert tokenizer.encode(text, add_special_tokens=False) == ids
    words = " ".join(text.split()[:7])  # no leading space, as a prompt is written
    assert len(tokenizer.encode(words, add_special_tokens=False)) == 7
    # Any text encodes: unknown words map to <unk> (Llama) or to bytes (Qwen2).
    assert tokenizer.encode("Hello, world!", add_special_tokens=False)


def test_presets_use_published_dimensions() -> None:
    llama = synthetic.PRESETS["llama-3.2-1b"].config
    assert (llama["vocab_size"], llama["hidden_size"], llama["num_hidden_layers"]) == (
        128256,
        2048,
        16,
    )
    assert llama["rope_scaling"]["rope_type"] == "llama3"
    assert llama["tie_word_embeddings"] is True
    qwen = synthetic.PRESETS["qwen2.5-0.5b"].config
    assert (qwen["model_type"], qwen["vocab_size"], qwen["num_key_value_heads"]) == (
        "qwen2",
        151936,
        2,
    )
    assert synthetic.DEFAULT_PRESET == "tiny"


def test_build_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown preset 'nope'"):
        synthetic.build("nope", tmp_path / "x")
    with pytest.raises(UsageError, match="--bits 3"):
        synthetic.build("tiny", tmp_path / "x", bits=3)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        synthetic.build("tiny", full)
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    # An existing empty directory is fine: it is what `mkdir out` leaves.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (synthetic.build("tiny", empty) / "config.json").exists()


def test_build_keeps_a_build_that_appeared_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes building one target: the loser's files are dropped, the winner's kept."""
    out = tmp_path / "race"
    write = cache._write

    def write_then_lose_race(
        tmp: Path, preset: synthetic.Preset, bits: int | None, seed: int
    ) -> None:
        write(tmp, preset, bits, seed)
        out.mkdir()
        write(out, preset, bits, seed)
        (out / "winner").touch()

    monkeypatch.setattr(cache, "_write", write_then_lose_race)
    assert synthetic.build("tiny", out) == out
    assert (out / "winner").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["race"]


def test_resolve_model_builds_once_then_reuses(_cache: Path) -> None:
    first = synthetic.resolve_model(None)
    assert first.parent == _cache / "models"
    weights = first / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    assert synthetic.resolve_model("tiny") == first
    assert weights.stat().st_mtime_ns == stamp
    assert synthetic.describe(first)["preset"] == "tiny"
    # bits and seed are part of the key.
    assert synthetic.resolve_model(None, seed=1) != first
    assert synthetic.resolve_model(None, bits=4) != first


def test_resolve_model_accepts_directories_and_refuses_the_rest(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tiny_model.parent)
    # A preset name wins over a same-named directory; "./tiny" means the directory.
    assert synthetic.resolve_model(f"./{tiny_model.name}") == tiny_model.resolve()
    with pytest.raises(UsageError) as err:
        synthetic.resolve_model("gpt-17")
    assert str(err.value) == (
        "model 'gpt-17' is neither a preset (tiny, llama-3.2-1b, ...) "
        "nor a directory with config.json"
    )
    with pytest.raises(UsageError, match=r"directory with config\.json"):
        synthetic.resolve_model(str(tmp_path))
    with pytest.raises(UsageError, match="--bits 5"):
        synthetic.resolve_model(None, bits=5)


@pytest.mark.slow
def test_concurrent_first_use_shares_one_cache_entry(_cache: Path) -> None:
    code = "from mlxguard.models.synthetic import resolve_model; print(resolve_model(None))"
    env = {**os.environ, "MLXGUARD_CACHE": str(_cache)}
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=root, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs[0] == outputs[1]
    assert [p.name for p in (_cache / "models").iterdir()] == [Path(outputs[0]).name]
    mlx_lm.load(outputs[0])


def test_describe_foreign_directory(tmp_path: Path) -> None:
    config = {**synthetic.PRESETS["qwen2.5-0.5b"].config}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert synthetic.describe(tmp_path) == {
        "model_type": "qwen2",
        "params": 494_032_768,
        "bits": None,
        "preset": None,
        "vocab_size": 151936,
        "hidden_size": 896,
        "num_layers": 24,
    }


def test_cli_synth_and_list(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli-tiny"
    result = runner.invoke(app, ["synth", "--preset", "tiny", "--out", str(out), "--bits", "8"])
    assert result.exit_code == 0, result.output
    n = synthetic.param_count("tiny")
    assert result.output == f"{out}\n{n:,} params (1.05M)\n"
    synthetic.resolve_model(None)
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["preset", "params", "description"]
    assert lines[1].startswith("tiny ")
    assert any(line.startswith("llama-3.2-1b  1.24B") for line in lines)
    assert any(line.startswith("qwen2.5-0.5b  494M") for line in lines)
    assert any("tiny-bf16-seed0" in line for line in lines)


def test_cli_synth_refuses_bad_bits(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / "x"), "--bits", "3"])
    assert result.exit_code == 2 and "error: --bits 3 is not supported" in result.output
    assert not (tmp_path / "x").exists()


def test_help_does_not_import_mlx() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from mlxguard.cli.model import app\n"
        "r = CliRunner().invoke(app, ['synth', '--help'])\n"
        "assert r.exit_code == 0 and '--bits' in r.output, r.output\n"
        "assert 'mlx.core' not in sys.modules and 'mlx_lm' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
