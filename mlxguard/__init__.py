"""mlxguard: a performance regression guard for MLX LLM inference."""

__version__ = "0.1.0"
