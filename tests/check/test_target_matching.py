"""A target whose scenario or engine glob matches nothing fails, naming what there is."""

from __future__ import annotations

from _results_factory import bench, results

from mlxguard.check.targets import target_verdicts
from mlxguard.config import Target


def test_unmatched_glob_fails_and_names_the_known_values() -> None:
    run = results(bench([1.0, 2.0, 3.0], scenario="short-stream"))
    typo = Target(suite="throughput", scenario="shrot-*", metric="decode_tps", min=1.0)
    (v,) = target_verdicts(run, [typo])
    assert v.status == "fail"
    assert "match no benchmark" in v.evidence
    assert "short-stream" in v.evidence and "mlx-lm" in v.evidence


def test_target_of_a_suite_not_run_is_not_judged() -> None:
    run = results(bench([1.0, 2.0, 3.0], scenario="short-stream"))
    other = Target(suite="ipc", scenario="msgpack*", metric="decode_us", max=1000.0)
    assert target_verdicts(run, [other]) == []
