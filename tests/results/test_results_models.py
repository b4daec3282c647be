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
