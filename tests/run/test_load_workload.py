"""The requests of a load window: exact token counts, distinct prompts, optional distributions."""

from __future__ import annotations

import random

import pytest

from mlxguard.run.load.workload import Lengths, build_requests
from mlxguard.run.prompts import PromptFactory


def test_prompts_have_the_exact_count_and_share_no_prefix(tiny_model):
    factory = PromptFactory(str(tiny_model), seed=0)
    requests = build_requests(factory, Lengths(24, 8), 6, "concurrency-4:0")
    assert {r.prompt_tokens for r in requests} == {24}
    assert {r.max_tokens for r in requests} == {8}
    tokenizer = factory.tokenizer
    ids = [tokenizer.encode(r.prompt) for r in requests]
    assert all(len(i) == 24 for i in ids)
    # Beyond the BOS every prompt starts differently: no prefix cache can serve one from another.
    assert len({tuple(i[1:3]) for i in ids}) == len(ids)
    # The same window gives the same requests (every engine of a round gets them); another
    # window gets others.
    assert build_requests(factory, Lengths(24, 8), 6, "concurrency-4:0") == requests
    assert build_requests(factory, Lengths(24, 8), 6, "concurrency-4:1")[0] != requests[0]


@pytest.mark.parametrize("distribution", ["uniform", "normal"])
def test_length_distributions_are_seeded_and_clipped(distribution):
    lengths = Lengths(100, 50, distribution, 0.5)  # type: ignore[arg-type]
    rng = random.Random(1)
    draws = [lengths.draw(100, rng) for _ in range(2000)]
    assert min(draws) >= 1 and max(draws) <= 200
    assert 90 < sum(draws) / len(draws) < 110
    assert len(set(draws)) > 20
    assert Lengths(100, 50).draw(100, rng) == 100  # fixed by default
