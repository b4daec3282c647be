"""A plugin engine that logs every request, as mlx_engine does (its own stderr handler, no
propagation), plus a logger without a handler and a stray print. No mlxguard imports."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

from .prompts import IdsEcho

_own = logging.getLogger("chatty_engine")
_handler = logging.StreamHandler(sys.stderr)
_handler.setFormatter(logging.Formatter("[%(module)s][%(levelname)s]: %(message)s"))
_own.addHandler(_handler)
_own.setLevel(logging.INFO)
_own.propagate = False
_bare = logging.getLogger("chatty_bare")  # no handler: Python would drop its INFO


class Chatty(IdsEcho):
    """Streams the prompt back and talks about it."""

    name = "chatty"

    def generate_ids(
        self, prompt_ids: list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        _own.info("begin: total_prompt_tokens=%d", len(prompt_ids))
        _bare.info("cache: using 0/%d tokens", len(prompt_ids))
        print("chatty: stray print")
        yield from super().generate_ids(prompt_ids, max_tokens, temperature, seed)
        _own.info("finish")


class ChattyFails(Chatty):
    """Talks, then fails every request, leaving a workflow-command lookalike in its log."""

    name = "chatty-fails"

    def generate_ids(
        self, prompt_ids: list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        _own.info("::error::not a workflow command \x1b[31m")
        yield from super().generate_ids(prompt_ids, 1, temperature, seed)
        raise RuntimeError("lost the device")


class LateChatty(Chatty):
    """Makes its stderr handler on first use, as mlx_engine does on import inside a trial."""

    name = "late-chatty"

    def generate_ids(
        self, prompt_ids: list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        late = logging.getLogger("late_chatty")
        if not late.handlers:
            late.addHandler(logging.StreamHandler(sys.stderr))
            late.propagate = False
            late.setLevel(logging.INFO)
        late.info("late handler")
        yield from super().generate_ids(prompt_ids, max_tokens, temperature, seed)
