"""Head against base in one job is judged by the tolerance (default 5%), not the engine limits."""

from __future__ import annotations

import pytest
from factories import benchmark, results

from mlxguard.check.reference import reference_verdicts
from mlxguard.config import CheckSettings
from mlxguard.results import ReferenceComparison

BASE = [100.0, 100.4, 99.6, 100.2, 99.8, 100.1, 99.9, 100.3, 99.7, 100.0]


def _verdicts(decode: list[float], against: str, **settings: float):
    head = benchmark(suite="compare", engine="candidate:head", decode_tps=decode)
    base = benchmark(suite="compare", engine="reference:base", decode_tps=BASE)
    head = head.model_copy(
        update={"reference": ReferenceComparison(engine=base.engine, against=against)}
    )
    return reference_verdicts(results(head, base), CheckSettings(**settings))


def test_a_head_ten_percent_slower_than_its_base_fails() -> None:
    [v] = _verdicts([x * 0.9 for x in BASE], "base")
    assert v.status == "fail"
    assert v.bound == pytest.approx(0.95)
    assert "the base" in v.evidence and "≥ 0.95×" in v.evidence


def test_the_same_ten_percent_against_a_reference_engine_is_within_its_limit() -> None:
    [v] = _verdicts([x * 0.93 for x in BASE], "engine")
    assert v.status == "pass" and v.bound == pytest.approx(0.9)


def test_the_base_tolerance_is_the_checks() -> None:
    [v] = _verdicts([x * 0.93 for x in BASE], "base", tolerance=0.1)
    assert v.status == "pass" and v.bound == pytest.approx(0.9)
