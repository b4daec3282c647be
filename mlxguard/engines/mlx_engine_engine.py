"""The `mlx-engine` engine: LM Studio's `mlx_engine` in this process, when it is installed.

`mlx_engine` is neither on PyPI nor pip-installable; `require()` turns its absence into one
line naming the fix, at resolve time, before any model is loaded.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from typing import Any

from mlxguard.engines.inprocess import MlxPeakMemory
from mlxguard.errors import UsageError

# mlx-engine ships no package metadata (no pyproject), so pip cannot install it from git.
INSTALL_HINT = (
    "mlx-engine is not installed: git clone https://github.com/lmstudio-ai/mlx-engine, "
    "pip install -r mlx-engine/requirements.txt, and add the clone to PYTHONPATH "
    "(see docs/engines.md)"
)


def available() -> bool:
    """Whether `mlx_engine` can be imported (without importing it: that loads MLX)."""
    return importlib.util.find_spec("mlx_engine") is not None


def require() -> None:
    """Raises UsageError naming the fix when `mlx_engine` is not installed."""
    if not available():
        raise UsageError(INSTALL_HINT)


class MlxEngineEngine(MlxPeakMemory):
    """`mlx_engine.load_model` + `create_generator` on token ids, one request at a time.

    The sequential model kit is used (`max_seq_nums=1`): one request at a time, like the other
    engines, and no batching scheduler in the timed path. EOS is ignored by default, as in the
    mlx-lm engine, so every trial does identical work.
    """

    name = "mlx-engine"

    def __init__(self, ignore_eos: bool = True, max_kv_size: int | None = None) -> None:
        import mlx_engine

        # The import takes seconds; the runner times construction with load(), so it counts in
        # cold load_ms exactly as importing mlx_lm does for the mlx-lm engine.
        self._api = mlx_engine
        self.ignore_eos = ignore_eos
        self.max_kv_size = max_kv_size
        self._kit: Any = None

    def load(self, model: str) -> None:
        self._kit = self._api.load_model(model, max_kv_size=self.max_kv_size, max_seq_nums=1)
        tokenizer = getattr(self._kit, "tokenizer", None)
        if self.ignore_eos and tokenizer is not None:
            # mlx_engine has no ignore-EOS switch; its stop check reads these ids.
            tokenizer.eos_token_ids = set()

    def tokenize(self, text: str) -> list[int]:
        return list(self._api.tokenize(self._kit, text))

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        """Yield each token id; tokens the engine holds back (partial UTF-8) arrive together."""
        if self._kit is None:
            raise RuntimeError("generate() before load()")
        results = self._api.create_generator(
            self._kit,
            self.tokenize(prompt),
            max_tokens=max_tokens,
            temp=temperature,
            seed=seed,
            request_id=uuid.uuid4().hex,
        )
        for result in results:
            for token in result.tokens:
                yield token.id
            stop = result.stop_condition
            if stop is not None and stop.stop_reason == "user_cancelled":
                raise RuntimeError("mlx_engine cancelled the generation")

    def info(self) -> dict[str, Any]:
        return {"ignore_eos": self.ignore_eos, "max_kv_size": self.max_kv_size}

    def close(self) -> None:
        if self._kit is not None:
            self._api.unload(self._kit)
            self._kit = None
