"""Peak memory bandwidth per chip, for the decode roofline (data about the machine).

Figures are the vendors' peak (theoretical) bandwidth in GB/s (1 GB = 1e9 bytes), keyed by the
name the machine reports: `sysctl -n machdep.cpu.brand_string` on a Mac ("Apple M3 Max"),
`nvidia-smi --query-gpu=name` on NVIDIA ("NVIDIA H200"). Chips sold in variants of different
bandwidth are told apart by their GPU core count; a variant not listed, or an unknown core
count, is unknown, never a guess. Sources: docs/roofline.md.
"""

from __future__ import annotations

import re

from mlxguard.run.probe import probe

# Every variant of these chips has the same bandwidth.
APPLE_GBS: dict[str, float] = {
    "Apple M1": 68.25,  # LPDDR4X-4266 × 128 bit (Apple gives no figure; see docs/roofline.md)
    "Apple M1 Pro": 200.0,
    "Apple M1 Max": 400.0,  # 24- and 32-core GPU alike
    "Apple M1 Ultra": 800.0,
    "Apple M2": 100.0,
    "Apple M2 Pro": 200.0,
    "Apple M2 Max": 400.0,  # 30- and 38-core GPU alike
    "Apple M2 Ultra": 800.0,
    "Apple M3": 100.0,
    "Apple M3 Pro": 150.0,
    "Apple M3 Ultra": 819.0,
    "Apple M4": 120.0,
    "Apple M4 Pro": 273.0,
    "Apple M5": 153.0,
}
# Chips whose variants differ: GPU cores -> GB/s.
APPLE_VARIANT_GBS: dict[str, dict[int, float]] = {
    "Apple M3 Max": {30: 300.0, 40: 400.0},
    "Apple M4 Max": {32: 410.0, 40: 546.0},
}
# GPUs MLX's CUDA backend runs on (compute capability 7.5 and newer), as nvidia-smi names them.
NVIDIA_GBS: dict[str, float] = {
    "NVIDIA H100 80GB HBM3": 3350.0,  # SXM5
    "NVIDIA H100 PCIe": 2000.0,
    "NVIDIA H100 NVL": 3900.0,
    "NVIDIA H200": 4800.0,
    "NVIDIA H200 NVL": 4800.0,
    "NVIDIA GH200 480GB": 4000.0,
    "NVIDIA A100-SXM4-80GB": 2039.0,
    "NVIDIA A100 80GB PCIe": 1935.0,
    "NVIDIA A100-SXM4-40GB": 1555.0,
    "NVIDIA A100-PCIE-40GB": 1555.0,
    "NVIDIA L40S": 864.0,
    "NVIDIA L40": 864.0,
    "NVIDIA L4": 300.0,
    "NVIDIA A10": 600.0,
    "Tesla T4": 320.0,
    "NVIDIA RTX 6000 Ada Generation": 960.0,
    "NVIDIA RTX A6000": 768.0,
    "NVIDIA GeForce RTX 5090": 1792.0,
    "NVIDIA GeForce RTX 4090": 1008.0,
    "NVIDIA GeForce RTX 3090": 936.0,
}


def normalize(name: str) -> str:
    """Collapse spaces; add the "NVIDIA " that older drivers leave out of GeForce/Quadro names."""
    text = " ".join(name.split())
    return f"NVIDIA {text}" if text.startswith(("GeForce ", "Quadro ", "RTX ")) else text


def bandwidth_gbs(name: str, gpu_cores: int | None = None) -> float | None:
    """The peak bandwidth of a chip or GPU by its reported name; None when unknown or ambiguous."""
    n = normalize(name)
    if n in APPLE_GBS:
        return APPLE_GBS[n]
    if n in APPLE_VARIANT_GBS:
        return APPLE_VARIANT_GBS[n].get(gpu_cores) if gpu_cores is not None else None
    return NVIDIA_GBS.get(n)


def parse_gpu_cores(ioreg: str | None) -> int | None:
    """The `"gpu-core-count" = 40` line of `ioreg -rc AGXAccelerator -d1`, or None."""
    found = re.search(r'"gpu-core-count"\s*=\s*(\d+)', ioreg or "")
    return int(found.group(1)) if found else None


def apple_gpu_cores() -> int | None:
    """The GPU core count of this Mac (no sudo needed), or None."""
    return parse_gpu_cores(probe("ioreg", "-rc", "AGXAccelerator", "-d1"))


def machine_bandwidth(backend: str, chip: str, gpu: str | None) -> float | None:
    """The bandwidth of what MLX runs on: the Apple chip on Metal, the GPU on CUDA."""
    if backend == "metal":
        variants = normalize(chip) in APPLE_VARIANT_GBS
        return bandwidth_gbs(chip, apple_gpu_cores() if variants else None)
    if backend == "cuda" and gpu:
        return bandwidth_gbs(gpu)
    return None  # the CPU backend: no table of CPU memory systems
