"""Reading `mlxguard.results/1` files: each `extra` key lands in its typed /2 section.

The files in tests/data/results/ were written by real runs of mlxguard with schema /1 (commit
c95aca0, the tiny synthetic model; the openai one against a local `mlx_lm server`); the command
of each is in its `run.command`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import invoke

from mlxguard.results import SCHEMA, load_results, parse_results

DATA = Path(__file__).resolve().parents[1] / "data" / "results"
V1_FILES = sorted(DATA.glob("v1-*.json"))


def _v1(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def test_the_committed_v1_files_are_schema_1() -> None:
    assert len(V1_FILES) == 3
    assert {json.loads(f.read_text())["schema"] for f in V1_FILES} == {"mlxguard.results/1"}


@pytest.mark.parametrize("path", V1_FILES, ids=lambda p: p.stem)
def test_every_v1_file_loads_as_the_current_schema(path: Path) -> None:
    results = load_results(path)
    assert results.schema_ == SCHEMA
    assert len(results.benchmarks) == len(json.loads(path.read_text())["benchmarks"])
    # Written back, it reads again as it is (no upgrade left to do).
    assert parse_results(results.to_json()) == results


def test_compare_keeps_the_pairing_and_parity_but_not_the_run_time_ratios() -> None:
    old = {b["engine"]: b for b in _v1("v1-ttft-compare-flexible-ipc.json")["benchmarks"]
           if b["suite"] == "compare"}  # fmt: skip
    new = {b.engine: b for b in load_results(DATA / "v1-ttft-compare-flexible-ipc.json").benchmarks
           if b.suite == "compare"}  # fmt: skip
    cand, ref = new["candidate:ipc"], new["reference:mlx-lm"]
    assert cand.reference is not None and cand.reference.engine == "reference:mlx-lm"
    assert cand.reference.chosen is None
    assert "ratios" not in cand.reference.model_dump()
    was = old["candidate:ipc"]["extra"]["parity"]
    assert cand.parity is not None
    assert (cand.parity.identical, cand.parity.total, cand.parity.share) == (
        was["identical"], was["total"], was["share"])  # fmt: skip
    assert (cand.parity.unit, cand.parity.greedy) == ("token", True)
    assert ref.reference is None and ref.parity is None
    env = cand.engine_environment
    assert env is not None and env.load_ms == old["candidate:ipc"]["extra"]["engine_load_ms"]
    assert env.versions == {"mlx": "0.32.4", "mlx-lm": "0.32.2"}
    assert env.worker is not None and env.worker.protocol == 1 and env.worker.pid
    assert env.settings["codec"] == "msgpack"


def test_flexible_records_and_winner_get_unit_names() -> None:
    path = DATA / "v1-ttft-compare-flexible-ipc.json"
    old = [b for b in _v1(path.name)["benchmarks"] if b["suite"] == "flexible"]
    new = [b for b in load_results(path).benchmarks if b.suite == "flexible"]
    for o, n in zip(old, new, strict=True):
        assert n.questions is not None
        assert [(q.index, q.role, q.output_tokens, q.decode_tps) for q in n.questions] == [
            (q["i"], q["engine"], q["tokens"], q["tps"]) for q in o["extra"]["questions"]
        ]
    w, was = new[0].winner, old[0]["extra"]["winner"]
    assert w is not None and new[1].winner is None
    assert (w.overall, w.latency, w.decode_tps, w.margin_fraction) == (
        was["overall"], was["latency"], was["tps"], was["margin"])  # fmt: skip
    assert w.candidate.decode_tps == was["candidate"]["tps"]


def test_ipc_timer_worker_and_what_the_codec_figures_measure() -> None:
    results = load_results(DATA / "v1-ttft-compare-flexible-ipc.json")
    ipc = [b for b in results.benchmarks if b.suite == "ipc"]
    assert ipc and all(b.timer is not None and b.timer.calls == 20000 for b in ipc)
    codecs = [b for b in ipc if b.engine != "ipc"]
    assert all(b.params.measures == "body only, without framing" for b in codecs)
    trips = [b for b in ipc if b.engine == "ipc"]
    assert all(b.engine_environment and b.engine_environment.worker for b in trips)


def test_until_decisive_rounds_and_openai_server_usage() -> None:
    decisive = load_results(DATA / "v1-compare-until-decisive.json")
    assert [b.adaptive_rounds for b in decisive.benchmarks] == [1, 1]
    served = load_results(DATA / "v1-openai-server.json")
    usage = {b.scenario: b.server_usage for b in served.benchmarks}
    assert usage["warm"] is not None and usage["warm"].completion_tokens == 8
    assert usage["warm"].trials == 2 and usage["warm"].cached_tokens == 16


def test_a_merged_shards_environment_becomes_the_benchmarks_own() -> None:
    doc = _v1("v1-openai-server.json")
    other = {**doc["environment"], "fingerprint": "cpu-other-1"}
    doc["benchmarks"][0]["extra"]["environment"] = other
    results = parse_results(json.dumps(doc))
    first, second = results.benchmarks
    assert first.environment is not None and first.environment.fingerprint == "cpu-other-1"
    assert results.environment_of(first).fingerprint == "cpu-other-1"
    assert results.environment_of(second) == results.environment


def test_a_malformed_v1_section_is_a_one_line_error(tmp_path: Path) -> None:
    doc = _v1("v1-compare-until-decisive.json")
    doc["benchmarks"][0]["extra"]["parity"] = "all good"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    proc = invoke("check", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and "not a valid results file" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_check_and_report_read_a_v1_file(tmp_path: Path) -> None:
    proc = invoke("check", str(DATA / "v1-compare-until-decisive.json"))
    assert proc.returncode == 0, proc.stderr  # nothing fails; decode is inconclusive
    assert proc.stdout.startswith("INCONCLUSIVE: 1 of 4 checks inconclusive: decode")
    assert "compare warm · candidate:ipc" in proc.stdout
    assert "4/4 prompts identical" in proc.stdout


def test_worker_records_of_a_v1_file_with_processes() -> None:
    doc = _v1("v1-compare-until-decisive.json")
    record = {"process": 0, "pid": 123, "loads": 1, "requests": 5, "load_ms": 12.5}
    doc["benchmarks"][0]["extra"]["workers"] = [record]
    (worker,) = parse_results(json.dumps(doc)).benchmarks[0].workers or []
    assert worker.model_dump() == {**record, "started_s": None}  # /1 files never recorded it
