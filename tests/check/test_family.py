"""One family per check: Holm's correction over the gated verdicts (known answers)."""

from __future__ import annotations

import numpy as np
import pytest

from mlxguard.check.family import family_adjusted, holm
from mlxguard.check.verdicts import Verdict


def test_holm_adjusted_p_values() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1, made monotone.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5]) == [0.5] and holm([]) == []
    assert holm([0.9, 0.8]) == [1.0, 1.0]


def _verdict(p: float, status: str = "fail", kind: str = "baseline", metric: str = "m") -> Verdict:
    return Verdict(kind=kind, suite="s", engine="e", scenario="x", metric=metric,  # type: ignore[arg-type]
                   status=status, p_value=p, evidence="ev")  # type: ignore[arg-type]  # fmt: skip


def test_a_fail_that_does_not_survive_the_family_is_inconclusive() -> None:
    verdicts = [_verdict(0.0005), _verdict(0.002), *(_verdict(0.5, "pass") for _ in range(9))]
    out = family_adjusted(verdicts, alpha=0.01)
    assert [v.status for v in out[:2]] == ["fail", "inconclusive"]
    assert out[0].p_adjusted == pytest.approx(0.0055) and out[1].p_adjusted == pytest.approx(0.02)
    assert out[0].evidence == "ev; Holm over the check's 11 comparisons: adjusted p=0.0055 < 0.01"
    assert out[1].evidence.endswith("adjusted p=0.02 ≥ 0.01")
    assert out[1].note == "not significant over the check"
    assert all(v.p_adjusted is not None for v in out)
    interim = family_adjusted(verdicts, alpha=0.01, interim=True)  # alpha / 5 = 0.002
    assert interim[0].status == "inconclusive"


def test_targets_and_verdicts_without_p_are_not_members() -> None:
    target = Verdict(kind="target", suite="s", engine="e", scenario="x", metric="t",
                     status="fail", evidence="over")  # fmt: skip
    skipped = Verdict(kind="baseline", suite="s", engine="e", scenario="x", metric="b",
                      status="skipped", evidence="none")  # fmt: skip
    out = family_adjusted([target, skipped, _verdict(0.001)], alpha=0.01)
    assert out[0] == target and out[1] == skipped
    assert out[2].status == "fail" and out[2].p_adjusted == 0.001  # a family of one


def test_eleven_null_comparisons_do_not_multiply_false_alarms() -> None:
    """Eleven true nulls per check (uniform p-values): per-verdict testing fails ~10% of the
    checks; the family keeps it near alpha."""
    rng = np.random.default_rng(0)
    alpha, checks = 0.01, 2000
    raw = family = 0
    for _ in range(checks):
        ps = rng.random(11)
        verdicts = [_verdict(float(p), "fail" if p < alpha else "pass") for p in ps]
        raw += any(v.status == "fail" for v in verdicts)
        family += any(v.status == "fail" for v in family_adjusted(verdicts, alpha))
    assert raw / checks > 0.07
    assert family / checks <= 0.015


def test_an_adjusted_p_just_below_alpha_never_reads_as_equal_to_it() -> None:
    from mlxguard.check.decision import fmt_p

    out = family_adjusted([_verdict(0.004975), _verdict(0.5, "pass")], alpha=0.01)
    assert out[0].status == "fail"
    assert out[0].evidence.endswith("adjusted p=0.00995 < 0.01")  # not "p=0.01 < 0.01"
    assert fmt_p(0.0123) == "0.012" and fmt_p(0.00999999, 0.01) == "0.00999999"
    assert fmt_p(0.01, 0.01) == "0.01"
