"""The JSON report: the verdicts and their evidence, for machines."""

from __future__ import annotations

import json

from mlxguard.check.verdicts import CheckReport
from mlxguard.results import Results


def render(results: Results, report: CheckReport) -> str:
    doc = {
        "schema": "mlxguard.report/1",
        "run": results.run.model_dump(),
        "fingerprint": results.environment.fingerprint,
        **report.model_dump(),
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
