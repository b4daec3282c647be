"""The baseline store (round trip, bounds, corruption, safe names) and verdicts against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _results_factory import bench, env, lognormal, results
from typer.testing import CliRunner

from mlxguard.baselines import SCHEMA, file_name, load_baseline, load_baselines, update
from mlxguard.check.baseline import baseline_verdicts
from mlxguard.cli.app import app
from mlxguard.config import CheckSettings
from mlxguard.errors import UsageError
from mlxguard.results import write_results
from mlxguard.run.environment import fingerprint

GATED = CheckSettings().all_gated()


def test_round_trip(tmp_path: Path) -> None:
    r = results(bench([100.0, 101.0, 99.0]))
    [path] = update(r, tmp_path, GATED, keep=5)
    assert path.parent == tmp_path and path.name == file_name(env().fingerprint, "tiny", "mlx-lm")
    b = load_baseline(path)
    assert json.loads(path.read_text())["schema"] == SCHEMA
    assert (b.model, b.engine, b.fingerprint, b.keep) == ("tiny", "mlx-lm", env().fingerprint, 5)
    assert b.latest.git_sha == "abcdef0123456789" and b.latest.id == "run1"
    assert b.find("throughput", "short-stream", "decode_tps").samples == [100.0, 101.0, 99.0]
    assert b.find("throughput", "short-stream", "output_tokens") is None  # not gated
    assert load_baselines(tmp_path) == [b] == load_baselines(path)


def test_history_is_bounded_and_update_idempotent(tmp_path: Path) -> None:
    for i in range(4):
        update(results(bench([float(i)] * 3), run_id=f"r{i}"), tmp_path, GATED, keep=2)
    [b] = load_baselines(tmp_path)
    assert [r.id for r in b.runs] == ["r2", "r3"]
    assert b.find("throughput", "short-stream", "decode_tps").samples == [2.0] * 3 + [3.0] * 3
    update(results(bench([9.0] * 3), run_id="r3"), tmp_path, GATED, keep=2)  # same run again
    [b] = load_baselines(tmp_path)
    assert [r.id for r in b.runs] == ["r2", "r3"]
    assert b.find("throughput", "short-stream", "decode_tps").samples == [2.0] * 3 + [9.0] * 3


def test_untrusted_names_cannot_escape_the_directory(tmp_path: Path) -> None:
    r = results(bench([1.0, 2.0, 3.0], model="../../etc/passwd", engine="a/../../b"))
    [path] = update(r, tmp_path / "base", GATED, keep=5)
    assert path.parent == tmp_path / "base"
    assert set(path.name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")
    assert file_name("f", "a/b", "e") != file_name("f", "a-b", "e")


@pytest.mark.parametrize(
    ("text", "match"),
    [("{not json", "not valid JSON"), ('{"schema": "other/1"}', "has schema 'other/1'"),
     (json.dumps({"schema": SCHEMA, "model": "tiny"}), "is corrupt")],
)  # fmt: skip
def test_corrupt_baseline_is_an_error_and_never_replaced(
    tmp_path: Path, text: str, match: str
) -> None:
    r = results(bench([1.0, 2.0, 3.0]))
    path = tmp_path / file_name(env().fingerprint, "tiny", "mlx-lm")
    path.write_text(text)
    with pytest.raises(UsageError, match=match):
        update(r, tmp_path, GATED, keep=5)
    assert path.read_text() == text
    write_results(r, tmp_path / "r.json")
    out = CliRunner().invoke(app, ["baseline", "update", str(tmp_path / "r.json"), "--dir",
                                   str(tmp_path)])  # fmt: skip
    assert out.exit_code == 2 and "error: baseline" in out.output and match in out.output
    assert path.read_text() == text


def test_keep_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--keep 0"):
        update(results(bench([1.0])), tmp_path, GATED, keep=0)


def _verdicts(base_samples, cur_samples, *, cur_env=None, allow=False):
    return baseline_verdicts(
        results(bench(cur_samples), run_id="cur", environment=cur_env),
        _store(base_samples),
        CheckSettings(),
        allow_cross_machine=allow,
    )


def _store(samples):
    import tempfile

    d = Path(tempfile.mkdtemp())
    update(results(bench(samples), run_id="base"), d, GATED, keep=5)
    return load_baselines(d)


def _decode(verdicts):
    [v] = [v for v in verdicts if v.metric == "decode_tps"]
    return v


def test_identical_distribution_does_not_fail() -> None:
    v = _decode(_verdicts(lognormal(40, 100, 0.02, 1), lognormal(40, 100, 0.02, 2)))
    assert v.kind == "baseline" and v.status == "pass", v.evidence
    assert v.ratio == pytest.approx(1.0, abs=0.03) and v.ci_low < 1 < v.ci_high
    assert "baseline: 1 run(s), latest abcdef0" in v.evidence


def test_ten_percent_slower_decode_fails_with_evidence() -> None:
    v = _decode(_verdicts(lognormal(40, 100, 0.02, 1), lognormal(40, 90, 0.02, 2)))
    assert (v.status, v.note, v.unit, v.stat) == ("fail", "regressed", "tok/s", "median")
    assert v.baseline == pytest.approx(100, rel=0.02) and v.value == pytest.approx(90, rel=0.02)
    assert v.ratio == pytest.approx(0.9, abs=0.02) and v.ci_high < 0.95 and v.p_value < 0.01


def test_other_machine_is_skipped_with_the_reason_or_compared_when_allowed() -> None:
    other = env(chip="Other Chip", fingerprint="cpu-other-chip-9999999999")
    base, cur = lognormal(20, 100, 0.02, 1), lognormal(20, 100, 0.02, 2)
    v = _decode(_verdicts(base, cur, cur_env=other))
    assert v.status == "skipped"
    assert "chip 'Test CPU' vs 'Other Chip'" in v.evidence and "--allow-cross-machine" in v.evidence
    v = _decode(_verdicts(base, cur, cur_env=other, allow=True))
    assert v.status == "pass" and "compared across machines" in v.evidence


def test_no_baseline_for_model_is_skipped() -> None:
    vs = baseline_verdicts(results(bench([1.0, 2.0, 3.0], model="other")), _store([1.0] * 3),
                           CheckSettings())  # fmt: skip
    assert {v.status for v in vs} == {"skipped"}
    assert "no baseline for other · mlx-lm" in vs[0].evidence


def test_check_cli_with_baseline(tmp_path: Path) -> None:
    update(results(bench(lognormal(30, 100, 0.02, 1)), run_id="b"), tmp_path / "base", GATED, 5)
    slow = results(bench(lognormal(30, 80, 0.02, 2)), run_id="c")
    write_results(slow, tmp_path / "slow.json")
    runner = CliRunner()
    out = runner.invoke(app, ["check", str(tmp_path / "slow.json"), "--baseline",
                              str(tmp_path / "base")])  # fmt: skip
    assert out.exit_code == 1, out.output
    assert "FAIL" in out.output and "0.8×" in out.output
    out = runner.invoke(app, ["check", str(tmp_path / "slow.json"), "--baseline",
                              str(tmp_path / "missing")])  # fmt: skip
    assert out.exit_code == 2 and "does not exist" in out.output
    out = runner.invoke(app, ["baseline", "show", "--dir", str(tmp_path / "base")])
    assert out.exit_code == 0 and "tiny · mlx-lm on cpu-test-0000000000" in out.output


def test_fingerprint_fields_are_configurable() -> None:
    a = {"chip": "M3", "backend": "metal", "memory_gb": 36.0, "os": "macOS 14"}
    b = {**a, "os": "macOS 15"}
    hardware = ["chip", "backend", "memory_gb"]
    assert fingerprint(a, hardware) == fingerprint(b, hardware)
    assert fingerprint(a, ["chip", "os"]) != fingerprint(b, ["chip", "os"])
    assert fingerprint(a, ["chip"]).startswith("metal-m3-")


def test_run_until_decisive_with_the_real_engine(tmp_path: Path, tiny_model: Path) -> None:
    """A real run, adaptive rounds against its own baseline, within the sample budget."""
    runner = CliRunner()
    common = ["-s", "ttft", "-m", str(tiny_model), "--samples", "2", "--max-tokens", "4", "--quiet"]
    first = runner.invoke(app, ["run", *common, "-o", str(tmp_path / "a.json")])
    assert first.exit_code in (0, 1), first.output
    out = runner.invoke(app, ["baseline", "update", str(tmp_path / "a.json"), "--dir",
                              str(tmp_path / "base")])  # fmt: skip
    assert out.exit_code == 0, out.output
    adaptive = ["--baseline", str(tmp_path / "base"), "--until-decisive", "--max-samples", "4"]
    out = runner.invoke(app, ["run", *common, "-o", str(tmp_path / "b.json"), *adaptive])
    assert out.exit_code in (0, 1), out.output
    assert "until-decisive:" in out.output
    from mlxguard.results import load_results

    trials = {b.scenario: b.trials for b in load_results(tmp_path / "b.json").benchmarks}
    assert set(trials) == {"cold", "warm"} and all(2 <= t <= 4 for t in trials.values())
