"""The results models: fields that tell where each sample came from."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mlxguard.results import Metric


def test_processes_and_rounds_are_parallel_to_samples() -> None:
    m = Metric.of("ttft_ms", [1.0, 2.0, 3.0], processes=[0, 1, 0], rounds=[0, 0, 1])
    assert m.processes == [0, 1, 0] and m.rounds == [0, 0, 1]
    assert m.summary.median == 2.0
    assert Metric.of("ttft_ms", [1.0]).processes is None


@pytest.mark.parametrize("field", ["processes", "rounds"])
def test_a_length_mismatch_is_rejected(field: str) -> None:
    with pytest.raises(ValidationError, match=f"{field} has 1 entries for 2 samples"):
        Metric.of("ttft_ms", [1.0, 2.0], **{field: [0]})


def test_params_are_typed() -> None:
    """A benchmark's parameters are declared fields, not a free bag: a typo or a wrong type is
    refused when the file is read."""
    from mlxguard.results import Benchmark, Params

    b = Benchmark(suite="ttft", engine="e", model="m", scenario="warm",
                  params=Params(prompt_tokens=128, samples=5))  # fmt: skip
    assert b.params.prompt_tokens == 128 and b.params.codec is None
    data = b.model_dump()
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Benchmark.model_validate({**data, "params": {**data["params"], "prompt_tokenz": 3}})
    with pytest.raises(ValidationError, match="valid integer"):
        Benchmark.model_validate({**data, "params": {**data["params"], "samples": "five"}})
