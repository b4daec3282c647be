"""The synthetic tokenizer: one pronounceable word per vocabulary id, byte-level like Llama-3's.

The ``tokenizers`` library is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

_CONSONANTS = "bcdfghjklmnprstvwz"
_VOWELS = "aeiou"


def _words() -> Iterator[str]:
    """Distinct pronounceable lowercase words: all 1-syllable words, then 2, 3...

    Every syllable is one consonant plus one vowel, so a word splits into syllables one way only
    and all words are distinct. Letters only, so byte-level pre-tokenization keeps each word (with
    its leading space) as one piece.
    """
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    for n in itertools.count(1):
        for combo in itertools.product(syllables, repeat=n):
            yield "".join(combo)


def _special_tokens(config: dict[str, Any]) -> dict[str, int]:
    """Special token contents and ids, at the ids the real model uses."""
    bos, eos = config["bos_token_id"], config["eos_token_id"]
    if config["model_type"] == "qwen2":
        # Qwen2.5 base: <|endoftext|> is both bos and eos (no bos prefix), then the chat markers.
        # Its byte-level BPE encodes any text, so it needs no <unk>.
        return {
            name: i
            for name, i in (
                ("<|endoftext|>", eos),
                ("<|im_start|>", eos + 1),
                ("<|im_end|>", eos + 2),
            )
            if i < config["vocab_size"]
        }
    specials = {"<|begin_of_text|>": bos, "<|end_of_text|>": eos}
    # Real Llama-3 needs no <unk>; ours is a word list, and an unknown word (say, an English
    # prompt) must still encode rather than raise. Right after the real specials (a reserved id
    # in Llama-3), else right before.
    taken = set(specials.values())
    after, before = max(taken) + 1, min(taken) - 1
    unk = after if after < config["vocab_size"] else before
    assert unk >= 0 and unk not in taken, "preset has no room for <unk>"
    specials["<unk>"] = unk
    return specials


def _byte_symbols() -> list[str]:
    """The 256 byte-level symbols in byte order (GPT-2's ``bytes_to_unicode``)."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def _prefix_closed_words() -> Iterator[str]:
    """``Ġ`` + every prefix of every word of ``_words``, shortest first.

    Each piece's prefixes come before it, so a BPE merge ``(piece[:-1], piece[-1])`` per piece
    builds every listed word from its bytes, whatever the cut-off.
    """
    seen: set[str] = set()
    frontier = [""]
    while frontier:
        nxt = []
        for stem in frontier:
            for letter in _VOWELS if stem and stem[-1] in _CONSONANTS else _CONSONANTS:
                word = stem + letter
                if word not in seen:
                    seen.add(word)
                    nxt.append(word)
                    yield "Ġ" + word
        frontier = nxt


def _wordlevel_tokenizer(config: dict[str, Any], specials: dict[str, int]) -> Any:
    """Llama layout: a WordLevel model, one ``Ġword`` per non-special id."""
    from tokenizers import Tokenizer, pre_tokenizers, processors
    from tokenizers.models import WordLevel

    words = _words()
    vocab = {
        "Ġ" + next(words): i for i in range(config["vocab_size"]) if i not in specials.values()
    }
    tok = Tokenizer(WordLevel({**vocab, **specials}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    # Llama-3 prepends <|begin_of_text|> through its post-processor.
    bos = "<|begin_of_text|>"
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, specials[bos])]
    )
    return tok


def _bpe_tokenizer(config: dict[str, Any], specials: dict[str, int]) -> Any:
    """Qwen2 layout: byte-level BPE, ids 0-255 the bytes, then one ``Ġword`` per id.

    transformers 5 loads every ``qwen2`` tokenizer as ``Qwen2Tokenizer``, which rebuilds a BPE
    from ``vocab`` and ``merges`` with its own pre-tokenizer; a WordLevel model would be dropped.
    So this one is a BPE whose merges spell exactly the listed words, with the normalizer and
    pre-tokenizer ``Qwen2Tokenizer`` builds (and ``add_prefix_space`` on, so the first word of a
    text is one token too).
    """
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import BPE

    vocab: dict[str, int] = {}
    merges: list[tuple[str, str]] = []
    pieces = itertools.chain(_byte_symbols(), _prefix_closed_words())
    for i in range(config["vocab_size"]):
        if i in specials.values():
            continue
        piece = next(pieces)
        vocab[piece] = i
        if i >= 256:
            merges.append((piece[:-1], piece[-1]))
    tok = Tokenizer(BPE({**vocab, **specials}, merges, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_QWEN2_PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=False),
        ]
    )
    return tok


# Qwen2's pre-tokenizer regex (transformers' models/qwen2/tokenization_qwen2.py).
_QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)


def tokenizer_files(config: dict[str, Any]) -> dict[str, Any]:
    """``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json`` contents.

    Every word id is one word ``Ġword`` (``Ġ`` is byte-level for a space), so a text of ``N``
    words encodes to exactly ``N`` tokens (without special tokens) and
    ``encode(decode(ids)) == ids`` for word ids. Word ids are all ids but the special tokens and,
    for Qwen2, the 256 byte tokens 0-255 (which decode to text too). The ByteLevel decoder makes
    mlx-lm pick its BPE streaming detokenizer, as for real Llama-3 and Qwen2.5.
    """
    from tokenizers import AddedToken, decoders

    specials = _special_tokens(config)
    qwen = config["model_type"] == "qwen2"
    tok = (_bpe_tokenizer if qwen else _wordlevel_tokenizer)(config, specials)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    eos_token = next(s for s, i in specials.items() if i == config["eos_token_id"])
    if qwen:
        special_map = {"bos_token": None, "eos_token": eos_token, "pad_token": eos_token}
        tokenizer_class, extra = "Qwen2Tokenizer", {"add_prefix_space": True, "unk_token": None}
    else:
        special_map = {"bos_token": "<|begin_of_text|>", "eos_token": eos_token}
        special_map["unk_token"] = "<unk>"
        tokenizer_class, extra = "PreTrainedTokenizerFast", {}
    tokenizer_config = {
        "tokenizer_class": tokenizer_class,
        "clean_up_tokenization_spaces": False,
        "model_max_length": config.get("max_position_embeddings", 4096),
        **special_map,
        **extra,
    }
    return {
        "tokenizer.json": json.loads(tok.to_str()),
        "tokenizer_config.json": tokenizer_config,
        "special_tokens_map.json": {k: v for k, v in special_map.items() if v is not None},
    }
