"""Verdict types: one judgement with its evidence, and the report of a whole check."""

from __future__ import annotations

from typing import Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field

from mlxguard.defaults import FailOn
from mlxguard.results import Benchmark, benchmark_label

Status = Literal["pass", "fail", "inconclusive", "skipped"]
# The statuses a comparison can decide (`skipped` is for what was not compared).
Decided = Literal["pass", "fail", "inconclusive"]
Kind = Literal["target", "baseline", "reference", "success", "parity"]


class About(TypedDict):
    """The benchmark a verdict is about: ``Verdict(**about(b), ...)``."""

    suite: str
    engine: str
    scenario: str


def about(b: Benchmark) -> About:
    """The suite, engine and scenario of benchmark ``b``, for a verdict about it."""
    return About(suite=b.suite, engine=b.engine, scenario=b.scenario)


class Verdict(BaseModel):
    """One judgement about one metric of one benchmark."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    suite: str
    engine: str
    scenario: str
    metric: str
    stat: str | None = None
    status: Status
    value: float | None = None
    bound: float | None = None
    unit: str = ""
    baseline: float | None = None
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    # Holm-adjusted p-value over the gated verdicts of the check (check/family.py).
    p_adjusted: float | None = None
    # The smallest worsening (fraction) this comparison would fail 4 times in 5.
    detectable: float | None = None
    # The largest worsening (fraction) the comparison tolerates: its limit as a change.
    tolerance: float | None = None
    # How the interval was built, e.g. "paired by round, 12 rounds", and what that cannot see.
    method: str = ""
    caveat: str = ""
    note: str = ""
    evidence: str

    @property
    def label(self) -> str:
        return benchmark_label(self.suite, self.scenario, self.engine)


class Resolution(BaseModel):
    """The smallest changes one kind of comparison of a check could detect (80% power)."""

    model_config = ConfigDict(frozen=True)

    kind: Kind  # "reference" (same job: head vs base, candidate vs reference) or "baseline"
    comparisons: int
    best: float  # the smallest detectable change among them (a fraction)
    worst: float  # the largest


def resolution(verdicts: list[Verdict]) -> list[Resolution]:
    """Per kind of comparison, the range of the detectable changes its verdicts report."""
    out = []
    for kind in ("reference", "baseline"):
        found = [v.detectable for v in verdicts if v.kind == kind and v.detectable is not None]
        if found:
            out.append(Resolution(kind=kind, comparisons=len(found), best=min(found),
                                  worst=max(found)))  # fmt: skip
    return out


class CheckReport(BaseModel):
    """Every verdict of one check, the overall status, and the warnings for the reader."""

    status: Status
    verdicts: list[Verdict]
    warnings: list[str] = Field(default_factory=list)
    machine_warnings: list[str] = Field(
        default_factory=list,
        description="the machine's state during the run (battery, throttling, load): also the "
        "first of `warnings`, and the comment's headline",
    )
    budget_warnings: list[str] = Field(
        default_factory=list,
        description="what the run's --max-seconds cut, and the budget that would settle the "
        "verdicts it left open: also in `warnings`, and the comment's headline",
    )
    notes: list[str] = Field(default_factory=list)
    resolution: list[Resolution] = Field(default_factory=list)

    def exit_code(self, fail_on: FailOn = "fail") -> int:
        """0 pass, 1 a check failed (or was inconclusive with fail_on='inconclusive')."""
        if self.status == "fail" or (fail_on == "inconclusive" and self.status == "inconclusive"):
            return 1
        return 0

    def count(self, status: Status) -> int:
        return sum(1 for v in self.verdicts if v.status == status)


def overall(verdicts: list[Verdict]) -> Status:
    statuses = {v.status for v in verdicts}
    for s in ("fail", "inconclusive", "pass"):
        if s in statuses:
            return s
    return "skipped"
