"""What every engine running MLX in this process shares: reading MLX's own peak memory."""

from __future__ import annotations


class MlxPeakMemory:
    """The runner's optional memory hooks, from MLX's allocator (process-wide)."""

    def reset_peak_memory(self) -> None:
        import mlx.core as mx

        mx.reset_peak_memory()

    def peak_memory_mb(self) -> float | None:
        import mlx.core as mx

        return mx.get_peak_memory() / 2**20
