"""The decode roofline: bandwidth table, weight bytes per token, the recorded percentage."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from factories import benchmark, results

from mlxguard.check.verdicts import CheckReport
from mlxguard.models.files import weight_bytes_per_token
from mlxguard.reports import render
from mlxguard.results import ModelInfo
from mlxguard.run.bandwidth import bandwidth_gbs, machine_bandwidth, parse_gpu_cores
from mlxguard.run.roofline import NAME, ceiling_tps, with_roofline


def _safetensors(path: Path, tensors: dict[str, int]) -> None:
    """A safetensors file whose header gives each tensor its byte size (the data is zeros)."""
    header, offset = {}, 0
    for name, size in tensors.items():
        header[name] = {"dtype": "U8", "shape": [size], "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))


def _model(tmp_path: Path, config: dict, tensors: dict[str, int]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.json").write_text(json.dumps(config))
    _safetensors(tmp_path / "model.safetensors", tensors)
    return tmp_path


def test_weight_bytes_per_token(tmp_path: Path) -> None:
    layers = {"model.layers.0.mlp.weight": 1000, "model.layers.0.mlp.scales": 100}
    embed = {"model.embed_tokens.weight": 10_000}
    untied = _model(tmp_path / "u", {"vocab_size": 100},
                    {**layers, **embed, "lm_head.weight": 10_000})  # fmt: skip
    assert weight_bytes_per_token(untied) == 1100 + 10_000 // 100 + 10_000  # one embedding row
    tied = _model(tmp_path / "t", {"vocab_size": 100, "tie_word_embeddings": True},
                  {**layers, **embed})  # fmt: skip
    assert weight_bytes_per_token(tied) == 1100 + 10_000  # the head reads the whole table
    moe = _model(tmp_path / "m", {"vocab_size": 100, "num_local_experts": 8,
                                  "num_experts_per_tok": 2, "tie_word_embeddings": True},
                 {**embed, "model.layers.0.mlp.experts.0.weight": 8000,
                  "vision_tower.x": 5000})  # fmt: skip
    assert weight_bytes_per_token(moe) == 10_000 + 2000  # active experts; no vision tower
    assert weight_bytes_per_token(tmp_path / "missing") is None
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model.safetensors").write_bytes(b"\x01")
    assert weight_bytes_per_token(tmp_path / "bad") is None


def test_the_tiny_model_has_its_bytes(tiny_model: Path) -> None:
    n = weight_bytes_per_token(tiny_model)
    assert n is not None and 0 < n < sum(p.stat().st_size for p in tiny_model.glob("*.safetensors"))


def test_bandwidth_table() -> None:
    assert bandwidth_gbs("Apple M2 Max") == 400.0
    assert bandwidth_gbs("NVIDIA H200") == 4800.0
    assert bandwidth_gbs("GeForce RTX 4090") == 1008.0  # old drivers leave out "NVIDIA "
    assert bandwidth_gbs("Apple M4 Max", 40) == 546.0
    assert bandwidth_gbs("Apple M4 Max") is None  # which variant? unknown, not a guess
    assert bandwidth_gbs("Apple M3 Max", 35) is None
    assert bandwidth_gbs("Intel(R) Xeon(R) CPU") is None
    assert machine_bandwidth("cpu", "Apple M2 Max", None) is None
    assert machine_bandwidth("cuda", "AMD EPYC", "NVIDIA H200") == 4800.0
    ioreg = '+-o AGXAcceleratorG15X  <class AGXAccelerator>\n    "gpu-core-count" = 40\n'
    assert parse_gpu_cores(ioreg) == 40 and parse_gpu_cores("") is None


def test_the_h200_reference_figures() -> None:
    """An 8B bf16 model (16.06 GB read per token) at 190 tok/s on an H200: 64% of its ceiling."""
    assert 190 / ceiling_tps(4800.0, 16_060_000_000) == pytest.approx(0.636, abs=0.001)


def _results(bandwidth: float | None):
    r = results(benchmark("throughput", "short", decode_tps=[100.0, 200.0, 300.0]),
                benchmark("ttft", "warm", ttft_ms=[10.0, 11.0, 12.0]))  # fmt: skip
    env = r.environment.model_copy(update={"memory_bandwidth_gbs": bandwidth})
    return r.model_copy(update={"environment": env, "models": {
        "tiny": ModelInfo(weight_bytes_per_token=1_000_000_000)}})  # fmt: skip


def test_recorded_per_benchmark_and_shown_in_every_format() -> None:
    r = with_roofline(_results(400.0))  # 400 GB/s / 1 GB per token: a 400 tok/s ceiling
    decode, ttft = r.benchmarks
    assert decode.metrics[NAME].samples == pytest.approx([25.0, 50.0, 75.0])
    assert decode.metrics[NAME].summary.median == pytest.approx(50.0)
    assert NAME not in ttft.metrics
    assert with_roofline(r) == r  # recomputing changes nothing
    report = CheckReport(status="pass", verdicts=[])
    assert "roofline p50" in render("markdown", r, report)  # the comment's tables too
    assert "50.0 %" in render("markdown", r, report)
    console = render("console", r, report)  # the unit in the header, not in every cell
    assert "roofline p50 (%)" in " ".join(console.split()) and " 50.0 " in console
    assert "decode_roofline_pct,50,50," in render("csv-stats", r, report)
    [row] = json.loads(render("json", r, report))["roofline"]
    assert row == {"benchmark": "throughput/short/tiny/mlx-lm", "decode_roofline_pct": 50.0,
                   "memory_bandwidth_gbs": 400.0, "weight_bytes_per_token": 10**9}  # fmt: skip


def test_unknown_chip_says_unknown() -> None:
    r = with_roofline(_results(None))
    assert NAME not in r.benchmarks[0].metrics
    report = CheckReport(status="pass", verdicts=[])
    assert "roofline p50" in render("console", r, report)
    assert "| short | mlx-lm | 200.0 tok/s | unknown | 3/3 |" in render("markdown", r, report)
    assert json.loads(render("json", r, report))["roofline"][0]["decode_roofline_pct"] is None
