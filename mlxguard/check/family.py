"""One family per check: Holm's step-down correction over the gated comparisons.

Every gated comparison of a check (same-job reference or base verdicts, stored-baseline
verdicts) is one more chance of a false alarm: eleven comparisons each at alpha = 0.01 fail an
unchanged build about 10% of the time. Holm's procedure (Holm 1979, "A simple sequentially
rejective multiple test procedure", Scandinavian Journal of Statistics 6:65-70) keeps the
probability of any false fail in the whole check at most alpha, whatever the dependence between
the comparisons, and is uniformly more powerful than Bonferroni.

With the ``m`` p-values sorted, ``p_(1) <= ... <= p_(m)``, the adjusted p-value of the ``j``-th
is ``max_{i <= j} min(1, (m - i + 1) * p_(i))``; a verdict fails only when its adjusted p-value
is below alpha (below ``alpha * INTERIM_ALPHA_SHARE`` at an interim look). A fail that does not
survive becomes ``inconclusive``, saying so. Every member records its adjusted p-value.

Pure: no MLX, no scipy.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlxguard.check.decision import INTERIM_ALPHA_SHARE, fmt_p
from mlxguard.check.verdicts import Verdict

# The kinds of verdict that test a hypothesis with a p-value (targets and parity are bounds).
FAMILY_KINDS = ("baseline", "reference")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def family_adjusted(
    verdicts: list[Verdict], alpha: float, *, interim: bool = False
) -> list[Verdict]:
    """The verdicts with Holm's correction applied over the gated ones that have a p-value."""
    tested = [
        (i, v.p_value)
        for i, v in enumerate(verdicts)
        if v.kind in FAMILY_KINDS and v.p_value is not None
    ]
    members = [i for i, _ in tested]
    adjusted = holm([p for _, p in tested])
    level = alpha * (INTERIM_ALPHA_SHARE if interim else 1.0)
    out = list(verdicts)
    m = len(members)
    for i, p_adj in zip(members, adjusted, strict=True):
        v = out[i]
        update: dict[str, object] = {"p_adjusted": p_adj}
        if v.status == "fail" and m > 1:
            held = p_adj < level
            cmp = "<" if held else "≥"
            update["evidence"] = (
                f"{v.evidence}; Holm over the check's {m} comparisons: adjusted "
                f"p={fmt_p(p_adj, level)} {cmp} {level:g}"
            )
            if not held:
                update.update(status="inconclusive", note="not significant over the check")
        out[i] = v.model_copy(update=update)
    return out
