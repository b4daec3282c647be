"""The check stage: results x targets x reference x baselines -> verdicts with evidence."""
