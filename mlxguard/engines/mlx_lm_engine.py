"""The `mlx-lm` engine: in-process `mlx_lm.load` + `stream_generate`, the Python reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlxguard.engines.inprocess import MlxPeakMemory


class MlxLmEngine(MlxPeakMemory):
    """mlx-lm in this process. EOS is ignored by default so every trial does identical work."""

    name = "mlx-lm"

    def __init__(self, ignore_eos: bool = True, prefill_step_size: int = 2048) -> None:
        self.ignore_eos = ignore_eos
        self.prefill_step_size = prefill_step_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._eos: set[int] = set()
        self.last_prompt_tokens: int | None = None

    def load(self, model: str) -> None:
        from mlx_lm import load

        loaded = load(model)  # (model, tokenizer), and the config when asked for it
        self._model, self._tokenizer = loaded[0], loaded[1]
        self._eos = set(self._tokenizer.eos_token_ids)
        self.set_ignore_eos(self.ignore_eos)

    def set_ignore_eos(self, ignore: bool) -> None:
        self.ignore_eos = ignore
        if self._tokenizer is not None:
            self._tokenizer.eos_token_ids = set() if ignore else self._eos

    def tokenize(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text))

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        for response in self.stream(prompt, max_tokens, temperature, seed):
            yield response.token

    def generate_ids(
        self, prompt_ids: list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        """`generate` on the prompt's token ids, used as given (no BOS added)."""
        for response in self.stream(prompt_ids, max_tokens, temperature, seed):
            yield response.token

    def stream(
        self, prompt: str | list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[Any]:
        """mlx-lm's `GenerationResponse`s (token, text segment, timings), one per token.

        Text is encoded by mlx-lm (BOS added); token ids are used as they are. Sets
        `last_prompt_tokens` to the prompt length mlx-lm reports.
        """
        import mlx.core as mx
        from mlx_lm import stream_generate
        from mlx_lm.sample_utils import make_sampler

        if self._model is None:
            raise RuntimeError("generate() before load()")
        if seed is not None:
            mx.random.seed(seed)
        sampler = make_sampler(temp=temperature)
        self.last_prompt_tokens = None
        for response in stream_generate(
            self._model,
            self._tokenizer,
            prompt,
            max_tokens=max_tokens,
            sampler=sampler,
            prefill_step_size=self.prefill_step_size,
        ):
            self.last_prompt_tokens = response.prompt_tokens
            yield response

    def info(self) -> dict[str, Any]:
        return {"ignore_eos": self.ignore_eos, "prefill_step_size": self.prefill_step_size}

    def close(self) -> None:
        self._model = self._tokenizer = None
