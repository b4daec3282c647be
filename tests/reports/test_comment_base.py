"""The PR comment leads with the pull request measured against its base in the same job."""

from __future__ import annotations

from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.reports import comment
from mlxguard.results import ReferenceComparison

SLOW = [100.0, 101.0, 99.0, 100.5, 100.2, 99.8]
FAST = [50.0, 50.5, 49.5, 50.2, 49.8, 50.1]


def _pair(cand: str, ref: str, against: str):
    c = benchmark(suite="compare", engine=f"candidate:{cand}", decode_tps=SLOW, ttft_ms=FAST)
    r = benchmark(suite="compare", engine=f"reference:{ref}", decode_tps=SLOW, ttft_ms=FAST)
    section = ReferenceComparison(engine=r.engine, against=against)
    return c.model_copy(update={"reference": section}), r


def _table(body: str, heading: str) -> str:
    """The table under `heading`: its lines up to the first blank line after it."""
    after = body[body.index(heading) :].splitlines()[2:]
    return "\n".join(after[: after.index("")])


def test_the_base_pair_leads_and_the_engine_pair_stays_in_its_table() -> None:
    ttft = benchmark(ttft_ms=[80.0, 90.0, 85.0])
    head, base = _pair("head", "base", "base")
    ipc, lm = _pair("ipc", "mlx-lm", "engine")
    r = results(ttft, ipc, lm, head, base)
    body = comment.render(r, evaluate(r, Config()), gated=["ttft_ms"])
    lead = "#### This pull request against its base, measured in this job"
    first_section = body.index("####")
    assert body.index(lead) == first_section
    base_table = _table(body, lead)
    assert "candidate:head" in base_table and "candidate:ipc" not in base_table
    assert "| base | head | change |" in base_table and "+0.0%" in base_table
    reference = _table(body, "#### Reference comparison")
    assert "candidate:ipc" in reference and "candidate:head" not in reference


def test_no_base_pair_no_lead_section() -> None:
    r = results(*_pair("ipc", "mlx-lm", "engine"))
    body = comment.render(r, evaluate(r, Config()), gated=["ttft_ms"])
    assert "against its base" not in body and "#### Reference comparison" in body
