"""Prompts of an exact token count, seeded, and different for every trial.

A different prompt per trial keeps prompt caches (in servers and engines) from faking a fast
TTFT; the exact length keeps every trial's prefill work identical. The token ids are built once
here, so every engine that accepts ids gets the very same ones (BOS included).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Plain words for tokenizers we cannot load: the count is then approximate and recorded so.
_WORDS = [
    "the",
    "model",
    "reads",
    "a",
    "long",
    "prompt",
    "and",
    "answers",
    "with",
    "care",
    "about",
    "memory",
    "speed",
    "tokens",
    "cache",
    "apple",
    "silicon",
    "metal",
    "kernel",
    "layer",
    "weight",
    "attention",
    "query",
    "value",
    "matrix",
    "vector",
    "batch",
    "stream",
    "server",
    "client",
    "request",
    "reply",
    "latency",
    "budget",
    "guard",
    "review",
    "merge",
    "branch",
    "commit",
    "release",
    "test",
]


@dataclass(frozen=True)
class Prompt:
    """A prompt, its token count and its token ids under the model's tokenizer.

    `tokens` and `ids` are None when the tokenizer could not be loaded (plain words then).
    """

    text: str
    tokens: int | None
    ids: tuple[int, ...] | None = None


class PromptFactory:
    """Builds prompts for one model; `make(n, key)` is deterministic in (seed, n, key).

    The tokenizer loads on the first `make`, or earlier through `load`: a run loads it while its
    worker processes start (on a GPU host its imports took ~10 s before any worker started).
    """

    def __init__(self, model_dir: str | Path | None, seed: int = 0) -> None:
        self.seed = seed
        self._model_dir = model_dir
        self._tokenizer: Any = None
        self._loaded = False

    def load(self) -> None:
        """Load the model's tokenizer now, if not yet."""
        if self._model_dir and not self._loaded:
            self._tokenizer = _load_tokenizer(self._model_dir)
            self._loaded = True

    @property
    def tokenizer(self) -> Any:
        """The model's tokenizer (loaded now if not yet), or None: plain words then."""
        self.load()
        return self._tokenizer

    def make(self, n_tokens: int, key: int | str) -> Prompt:
        rng = random.Random(f"{self.seed}:{n_tokens}:{key}")
        tokenizer = self.tokenizer
        if tokenizer is None:
            return Prompt(" ".join(rng.choice(_WORDS) for _ in range(n_tokens)), None)
        return _exact(tokenizer, n_tokens, rng)


def _load_tokenizer(model_dir: str | Path) -> Any:
    try:
        from mlx_lm.tokenizer_utils import load as load_tokenizer
    except ImportError:
        return None
    try:
        return load_tokenizer(Path(model_dir))
    except Exception:  # any tokenizer the loader cannot read: fall back to words
        return None


def _special_ids(tok: Any) -> set[int]:
    ids = set(getattr(tok, "all_special_ids", []) or [])
    return ids | set(getattr(tok, "eos_token_ids", []) or [])


def _exact(tok: Any, n_tokens: int, rng: random.Random) -> Prompt:
    """Random ordinary token ids, decoded, then trimmed until re-encoding gives `n_tokens`."""
    encode: Callable[[str], list[int]] = tok.encode
    special = _special_ids(tok)
    vocab = getattr(tok, "vocab_size", None) or len(tok.get_vocab())
    overhead = len(encode("")) if encode("") else 0  # BOS and other added tokens
    want = max(n_tokens - overhead, 1)
    ids = [i for i in (rng.randrange(vocab) for _ in range(want * 2)) if i not in special][:want]
    text = tok.decode(ids)
    for _ in range(8):
        got = encode(text)
        if len(got) == n_tokens:
            return Prompt(text, n_tokens, tuple(got))
        body = [t for t in got if t not in special]
        if len(got) > n_tokens:
            body = body[: len(body) - (len(got) - n_tokens)]
        else:
            body = (
                body
                + [i for i in (rng.randrange(vocab) for _ in range(8)) if i not in special][
                    : n_tokens - len(got)
                ]
            )
        text = tok.decode(body)
    got = encode(text)
    return Prompt(text, len(got), tuple(got))
