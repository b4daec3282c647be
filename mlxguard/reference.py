"""Verdicts of the compare suite: candidate vs reference engine in the same run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlxguard.config import CheckSettings
from mlxguard.results import Results

if TYPE_CHECKING:
    from mlxguard.check import Verdict


def reference_verdicts(results: Results, settings: CheckSettings) -> list[Verdict]:
    """TTFT <= 1.2x and throughput >= 90% of the reference (configurable)."""
    return []
