"""Untrusted files: whatever a file holds (or is), every command that reads it answers with one
`error:` line and exit 2, never a hang, a traceback or a silent pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import assert_usage_error, invoke


def process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, killed after a minute: a hang fails the test, not the suite."""
    return subprocess.run(
        [sys.executable, "-m", "mlxguard", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.fixture
def valid(small_run: Path) -> dict:
    return json.loads(small_run.read_text())


@pytest.fixture
def store(tmp_path: Path, small_run: Path) -> Path:
    """A baseline directory holding one real baseline."""
    proc = invoke("baseline", "update", str(small_run), "--dir", str(tmp_path / "store"))
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "store"


def _baseline(store: Path) -> tuple[Path, dict]:
    [path] = store.glob("*.json")
    return path, json.loads(path.read_text())


# --- Files that are not files --------------------------------------------------------------


@pytest.fixture(params=["fifo", "dev-zero"])
def odd(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    """A FIFO with no writer, or a link to /dev/zero, named like a JSON file."""
    path = tmp_path / "odd" / "x.json"
    path.parent.mkdir()
    if request.param == "fifo":
        os.mkfifo(path)
        return path, "is a FIFO, not a regular file"
    path.symlink_to("/dev/zero")
    return path, "is a device, not a regular file"


@pytest.mark.slow
def test_a_baseline_directory_with_a_fifo_or_device(odd, small_run: Path, tmp_path: Path) -> None:
    path, said = odd
    for args in (
        ["check", str(small_run), "--baseline", str(path.parent)],
        ["baseline", "show", "--dir", str(path.parent)],
        ["dashboard", "--dir", str(path.parent), "-o", str(tmp_path / "page")],
    ):
        assert_usage_error(process(*args), f"baseline '{path}' {said}")


@pytest.mark.slow
def test_every_input_refuses_a_fifo_or_device(odd, small_run: Path, tmp_path: Path) -> None:
    path, said = odd
    for args in (
        ["check", str(path)],
        ["compare", str(small_run), str(path)],
        ["merge", str(small_run), str(path), "-o", str(tmp_path / "m.json")],
        ["export", str(path), "--to", "bencher"],
        ["dashboard", "--results", str(path), "-o", str(tmp_path / "page")],
    ):
        assert_usage_error(process(*args), f"results file '{path}' {said}")
    proc = process("check", str(small_run), "-c", str(path))
    assert_usage_error(proc, f"config file '{path}' {said}")
    event = {"GITHUB_EVENT_PATH": str(path), "GITHUB_EVENT_NAME": "pull_request"}
    proc = process("publish", str(small_run), "--no-comment", "--no-status", env=event)
    assert_usage_error(proc, f"event payload '{path}' {said}")


def _assert_same_check(proc, results: Path, baseline: Path) -> None:
    """`proc` judged `results` as checking against `baseline` itself does: the baseline was read."""
    direct = invoke("check", str(results), "--baseline", str(baseline))
    assert "error:" not in direct.stderr and "baseline" in direct.stdout, direct.stdout
    assert (proc.returncode, proc.stdout) == (direct.returncode, direct.stdout), proc.stderr


def test_a_link_to_a_baseline_inside_the_directory_is_read(
    store: Path, small_run: Path, tmp_path: Path
) -> None:
    path, _ = _baseline(store)
    (store / "kept").mkdir()
    path.rename(store / "kept" / path.name)
    path.symlink_to(Path("kept") / path.name)
    proc = invoke("check", str(small_run), "--baseline", str(store))
    _assert_same_check(proc, small_run, store / "kept")


def test_a_link_out_of_the_baseline_directory_is_refused(
    store: Path, small_run: Path, tmp_path: Path
) -> None:
    """A pull request can commit `baselines/x.json -> /any/file/of/the/runner`."""
    path, _ = _baseline(store)
    elsewhere = tmp_path / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    proc = invoke("check", str(small_run), "--baseline", str(store))
    assert_usage_error(proc, f"is a link to '{elsewhere}', outside the baseline directory")
    proc = invoke("check", str(small_run), "--baseline", str(path))  # named by the user: read
    _assert_same_check(proc, small_run, elsewhere)


# --- Crafted documents ---------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_json_nested_100k_deep(tmp_path: Path, store: Path, small_run: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    assert_usage_error(invoke("check", str(deep)), "is not valid JSON: nested too deep")
    path, _ = _baseline(store)
    path.write_text(DEEP)
    proc = invoke("check", str(small_run), "--baseline", str(store))
    assert_usage_error(proc, "is corrupt (not valid JSON: nested too deep")
    event = {"GITHUB_EVENT_PATH": str(deep), "GITHUB_EVENT_NAME": "pull_request"}
    proc = invoke("publish", str(small_run), "--no-comment", "--no-status", env=event)
    assert_usage_error(proc, "cannot read the event payload")
    proc = invoke("publish", str(small_run), "--check-report", str(deep), "--no-comment")
    assert_usage_error(proc, f"check report '{deep}' is not valid JSON (nested too deep")
    config = tmp_path / "mlxguard.toml"
    config.write_text("samples = " + DEEP)
    assert_usage_error(invoke("check", str(small_run), "-c", str(config)), "nested too deep")


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda b: b.update(schema="mlxguard.baseline/3"),
         "written by a newer mlxguard: upgrade mlxguard"),
        (lambda b: b.update(runs=[]), "runs is empty"),
        (lambda b: b["series"][0]["runs"][0].update(median=1.7e308), "less than or equal"),
        (lambda b: b["series"][0]["runs"][0].update(median=-3.0), "greater than or equal to 0"),
        (lambda b: b["series"][0]["runs"][0].update(run="nope"), "run 'nope' is not in runs"),
        (lambda b: b["series"][0].update(runs=[]), "at least 1 item"),
        (lambda b: b["series"][0]["runs"][0].update(median="fast"), "valid number"),
        (lambda b: b.update(keep=1, runs=b["runs"] * 2), "more than keep = 1"),
    ],
)  # fmt: skip
def test_crafted_baselines(store: Path, small_run: Path, tmp_path: Path, edit, fragment) -> None:
    path, doc = _baseline(store)
    edit(doc)
    path.write_text(json.dumps(doc))
    assert_usage_error(invoke("check", str(small_run), "--baseline", str(store)), fragment)
    page = tmp_path / "page"
    assert_usage_error(invoke("dashboard", "--dir", str(store), "-o", str(page)), fragment)


@pytest.mark.parametrize(
    ("samples", "fragment"),
    [(["fast", 2.0, 3.0], "valid number"), ("NaN", "non-finite number NaN")],
)
def test_schema_1_baselines_with_bad_samples(
    store: Path, small_run: Path, samples: object, fragment: str
) -> None:
    path, doc = _baseline(store)
    doc["schema"] = "mlxguard.baseline/1"
    for s in doc["series"]:
        s["runs"] = [{"run": r["run"], "samples": samples} for r in s["runs"]]
    path.write_text(json.dumps(doc).replace('"NaN"', "[NaN, 1.0]"))
    assert_usage_error(invoke("check", str(small_run), "--baseline", str(store)), fragment)


def _metric(doc: dict) -> dict:
    return doc["benchmarks"][0]["metrics"]["ttft_ms"]


def _every_metric_empty(doc: dict) -> None:
    for b in doc["benchmarks"]:
        for m in b["metrics"].values():
            m.update(samples=[], warmup_samples=[], processes=None, rounds=None)
            m["summary"] = {"n": 0}
        b["prompt_sources"] = None  # one per prompt_tokens sample: none left


def _no_trial_at_all(doc: dict) -> None:
    _every_metric_empty(doc)
    for b in doc["benchmarks"]:
        b.update(trials=0, successes=0, short_outputs=0)


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        # Negative times would pass any "below" target.
        (lambda d: _metric(d).update(samples=[-x for x in _metric(d)["samples"]]),
         "samples.0: Input should be greater than or equal to 0"),
        (lambda d: d["benchmarks"][0].update(successes=d["benchmarks"][0]["trials"] + 1),
         "successes out of"),
        (_every_metric_empty, "successful trials but no metric has a sample"),
        (_no_trial_at_all, "no benchmark ran a timed trial"),
        (lambda d: d.update(benchmarks=[]), "no benchmark ran a timed trial"),
        # A stored summary the samples do not give: judged on figures it does not hold.
        (lambda d: _metric(d)["summary"].update(p95=0.5), "ttft_ms: stored p95 0.5 but its"),
        (lambda d: _metric(d).update(samples=[1.0], processes=None, rounds=None), "stored n"),
        (lambda d: _metric(d)["samples"].__setitem__(0, "1.5"), "valid number"),
        (lambda d: d["run"].update(seed=True), "run.seed: Input should be a valid integer"),
        (lambda d: d["run"].update(seed=-1), "run.seed: Input should be greater than or equal"),
        (lambda d: _metric(d).update(rounds=[-1] * len(_metric(d)["samples"])), "rounds.0"),
        (lambda d: d["environment"].update(cpu_count=0), "environment.cpu_count"),
    ],
)  # fmt: skip
def test_crafted_results(valid: dict, tmp_path: Path, edit, fragment: str) -> None:
    edit(valid)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(valid))
    for args in (["check", str(path)], ["export", str(path), "--to", "bencher"],
                 ["baseline", "update", str(path), "--dir", str(tmp_path / "b")]):  # fmt: skip
        assert_usage_error(invoke(*args), fragment)


# --- Files that are something else ---------------------------------------------------------


def test_each_wrong_file_is_named_for_what_it_is(
    tmp_path: Path, store: Path, small_run: Path
) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert_usage_error(invoke("check", str(empty)), "is empty, not a results file")
    foreign = tmp_path / "package.json"
    foreign.write_text('{"name": "left-pad"}')
    assert_usage_error(
        invoke("check", str(foreign)), 'is not an mlxguard results file (it has no "'
    )
    path, _ = _baseline(store)
    assert_usage_error(
        invoke("check", str(path)), "is a baseline file (mlxguard.baseline/2), not a"
    )
    report = tmp_path / "report.json"
    assert invoke("check", str(small_run), "--format", "json", "-o", str(report)).returncode == 0
    assert_usage_error(invoke("check", str(report)), "is a check report (mlxguard.report/1")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    assert_usage_error(invoke("check", str(listed)), "found a JSON list, not an object")
    (store / "empty.json").write_text("")
    assert_usage_error(invoke("check", str(small_run), "--baseline", str(store)), "is empty")


def _section(doc: dict, name: str) -> dict | list:
    return next(b[name] for b in doc["benchmarks"] if b.get(name))


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda d: _section(d, "parity").update(identical=99), "99 identical of"),
        (lambda d: _section(d, "questions")[0].update(ttft_ms=-5.0), "ttft_ms: Input should be"),
        (lambda d: _section(d, "questions")[0].update(output_tokens=-1), "output_tokens"),
        (lambda d: _section(d, "timer").update(overhead_ns=-40), "overhead_ns"),
    ],
)
def test_crafted_sections(tmp_path: Path, edit, fragment: str) -> None:
    """Sections are checked as metrics are: a parity above 100% or a negative time is refused
    (the parity gate and the flexible winner read them)."""
    from mlxguard.results import load_results

    data = Path(__file__).resolve().parents[1] / "data" / "results"
    doc = json.loads(load_results(data / "v1-ttft-compare-flexible-ipc.json").to_json())
    edit(doc)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    assert_usage_error(invoke("check", str(path)), fragment)


def test_a_load_window_is_checked_as_metrics_are() -> None:
    from pydantic import ValidationError

    from mlxguard.results.load import LoadWindow

    p = {"p50": 1.0, "p90": 2.0, "p99": 3.0}
    window = {
        "round": 0, "requests": 4, "failures": 0, "duration_s": 1.0, "offered_rps": None,
        "request_rps": 4.0, "output_tps": 40.0, "goodput_rps": None, "ttft_ms": p,
        "tpot_ms": p, "itl_ms": p, "e2e_ms": p, "saturated": False, "stalls": 0,
        "usage_reported": 0, "prompt_mismatches": 0, "cached_prompt_tokens": 0,
    }  # fmt: skip
    LoadWindow.model_validate(window, strict=True)
    for bad, why in [
        ({"failures": 5}, "5 failures of 4 requests"),
        ({"duration_s": -1.0}, "greater than or equal to 0"),
        ({"request_rps": 1.7e308}, "less than or equal to"),
        ({"ttft_ms": {**p, "p99": -3.0}}, "greater than or equal to 0"),
        ({"stalls": -1}, "greater than or equal to 0"),
    ]:
        with pytest.raises(ValidationError, match=why):
            LoadWindow.model_validate({**window, **bad}, strict=True)


def test_an_interrupted_run_that_finished_no_suite_is_still_read(valid: dict, tmp_path: Path):
    valid["benchmarks"] = []
    valid["run"].update(finished_at=None, incomplete_suites=["ttft", "throughput"])
    path = tmp_path / "r.json"
    path.write_text(json.dumps(valid))
    assert_usage_error(invoke("check", str(path)), "is an incomplete run")
    proc = invoke("check", str(path), "--allow-incomplete")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_free_form_json_nested_deep_but_parseable(valid: dict, tmp_path: Path) -> None:
    """900 levels parse, but writing them back (merge) failed with a traceback: the free-form
    parts (the recorded config, an engine's settings) nest at most 32 deep."""
    deep: object = 0
    for _ in range(900):
        deep = [deep]
    valid["config"]["x"] = deep
    path = tmp_path / "r.json"
    path.write_text(json.dumps(valid))
    proc = invoke("merge", str(path), "-o", str(tmp_path / "m.json"))
    assert_usage_error(proc, "config: nested more than 32 deep")


def test_a_newer_check_report_says_upgrade(small_run: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    assert invoke("check", str(small_run), "--format", "json", "-o", str(report)).returncode == 0
    doc = json.loads(report.read_text())
    doc["schema"] = "mlxguard.report/9"
    report.write_text(json.dumps(doc))
    proc = invoke("publish", str(small_run), "--check-report", str(report), "--no-comment")
    assert_usage_error(proc, "written by a newer mlxguard: upgrade mlxguard to read it")
