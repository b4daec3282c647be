"""Output parity: do two engines give the same answer to the same prompt?

Under greedy decoding (temperature 0) two correct engines on the same model and prompt produce
the same tokens, so a divergence points at a numerical or sampling difference. Sequences are
compared as token ids when both engines yield ids, else as text (ids decoded with the model's
tokenizer, text tokens joined), because text engines may split the same answer into other chunks.
Text is compared with its whitespace normalized (runs collapsed, ends stripped): detokenizers
differ in where they put the space that belongs between two tokens (a streaming server sends
"dofu", " dofu" where decoding the ids gives " dofu dofu"), which is not a different answer.

Both engines must also have received the same prompt: a prompt length that differs between
them (one engine adding or dropping a BOS token, a server adding a nonce) is recorded for each
prompt, and fails the parity check, because neither outputs nor TTFT are then comparable.

Pure: no MLX.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mlxguard.results import Divergence, Parity, PromptMismatch

Decode = Callable[[list[int]], str]


def first_divergence(a: Sequence[Any], b: Sequence[Any]) -> int | None:
    """The first index where `a` and `b` differ (the shorter length if one is a prefix of the
    other), or None when they are identical."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _ids(tokens: Sequence[int | str]) -> bool:
    return all(isinstance(t, int) for t in tokens)


def _text(tokens: Sequence[int | str], decode: Decode | None) -> str:
    if _ids(tokens):
        if decode is None:
            raise ValueError("token ids cannot be compared with text without a tokenizer")
        text = decode(list(tokens))  # type: ignore[arg-type]
    else:
        text = "".join(str(t) for t in tokens)
    return " ".join(text.split())


def parity(
    pairs: Sequence[tuple[int, Sequence[int | str], Sequence[int | str]]],
    decode: Decode | None = None,
    *,
    greedy: bool = True,
    prompt_tokens: dict[int, tuple[int | None, int | None]] | None = None,
) -> Parity:
    """Compare the candidate's and the reference's output for each prompt.

    Args:
        pairs: (sample index, candidate tokens, reference tokens), one per prompt.
        decode: token ids -> text, needed only when one engine yields ids and the other text.
        greedy: the outputs were decoded greedily (only then must they be identical).
        prompt_tokens: sample index -> (candidate, reference) prompt length each engine
            received (None where unknown); prompts of different lengths are listed.

    Returns:
        The parity section: `unit` is "token" when every output is token ids, else "char".
    """
    by_ids = all(_ids(a) and _ids(b) for _, a, b in pairs)
    diverged = []
    for sample, a, b in pairs:
        left, right = (a, b) if by_ids else (_text(a, decode), _text(b, decode))
        pos = first_divergence(left, right)
        if pos is not None:
            diverged.append(Divergence(sample=sample, position=pos))
    lengths = prompt_tokens or {}
    mismatches = [
        PromptMismatch(sample=sample, candidate_tokens=c, reference_tokens=r)
        for sample, _, _ in pairs
        for c, r in [lengths.get(sample, (None, None))]
        if c is not None and r is not None and c != r
    ]
    return Parity(
        identical=len(pairs) - len(diverged),
        total=len(pairs),
        unit="token" if by_ids else "char",
        greedy=greedy,
        first_divergence=diverged,
        prompt_mismatches=mismatches,
    )
