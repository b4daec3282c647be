"""The ipc engine and suite: a real worker subprocess on the tiny synthetic model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlxguard.engines import configured_engine, resolve_engine
from mlxguard.engines.ipc_engine import IpcError, WorkerDied, WorkerTimeout
from mlxguard.engines.mlx_lm_engine import MlxLmEngine
from mlxguard.errors import UsageError
from mlxguard.ipc import protocol as p
from mlxguard.ipc.codec import CODECS, FrameError, get_codec

PROMPTS = ["The quick brown fox", "hello world, this is a test of the worker"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reference(tiny_model: Path) -> dict[str, list[int]]:
    """In-process mlx-lm's greedy tokens per prompt, and its tokenization of each prompt."""
    engine = MlxLmEngine()
    engine.load(str(tiny_model))
    out = {prompt: list(engine.generate(prompt, 8, 0.0, 0)) for prompt in PROMPTS}
    out.update({f"tokenize:{prompt}": engine.tokenize(prompt) for prompt in PROMPTS})
    return out


@pytest.mark.slow
@pytest.mark.parametrize("codec", CODECS)
def test_same_tokens_as_in_process_mlx_lm(codec, ipc_engine, tiny_model, reference):
    e = ipc_engine(codec)
    e.load(str(tiny_model))
    for prompt in PROMPTS:
        assert list(e.generate(prompt, 8, 0.0, 0)) == reference[prompt]
        assert e.tokenize(prompt) == reference[f"tokenize:{prompt}"]
    assert e.last_stats["generation_tokens"] == 8
    assert e.peak_memory_mb() > 0
    info = e.info()
    assert info["codec"] == codec and info["worker_pid"] == e.pid and info["python"]


def test_close_shuts_the_worker_down_cleanly(ipc_engine):
    e = ipc_engine()
    e.start()
    e.close()
    assert e._proc.returncode == 0


@pytest.mark.parametrize("codec", CODECS)
def test_framing_round_trip_with_a_frame_over_64_kib(codec, ipc_engine):
    c = get_codec(codec)
    big = {"id": 1, "result": {"text": "é" * 50_000 + "\n", "ids": list(range(20_000))}}
    stream = bytearray()
    for msg in (big, {"id": 2}):
        stream += c.frame(msg)
    assert len(stream) > 64 * 1024
    got, buf = [], bytearray()
    for i in range(0, len(stream), 4093):  # arrives in pieces, as from a pipe
        buf += stream[i : i + 4093]
        while (body := c.split(buf)) is not None:
            got.append(c.loads(body))
    assert got == [big, {"id": 2}] and not buf
    # The same through the worker's pipes, both ways.
    e = ipc_engine(codec)
    assert e.request("echo", {"payload": big}) == {"payload": big}


def test_out_of_step_length_prefix_is_a_clear_error():
    with pytest.raises(FrameError, match="out of step"):
        get_codec("msgpack").split(bytearray(b"Hello, world"))


def test_a_workers_stderr_without_newlines_is_read_in_bounded_pieces():
    import io
    from collections import deque

    from mlxguard.engines.ipc_engine import STDERR_LINE_BYTES, _pump

    ring: deque[str] = deque(maxlen=50)
    _pump(io.BytesIO(b"x" * (3 * STDERR_LINE_BYTES + 10) + b"\nend\n"), ring, "test")
    assert [len(line) for line in ring] == [STDERR_LINE_BYTES] * 3 + [10, 3]


def test_a_json_frame_read_in_pieces_is_searched_once():
    class Counting(bytearray):
        searched = 0

        def find(self, sub, start=0, *args):  # type: ignore[override]
            Counting.searched += len(self) - start
            return super().find(sub, start, *args)

    codec, buf = get_codec("json"), Counting()
    frame = codec.frame({"payload": "x" * 100_000})
    for i in range(0, len(frame), 1000):  # a 100 kB frame arrives 1 kB at a time
        buf += frame[i : i + 1000]
        body = codec.split(buf)
    assert body is not None and json.loads(body) == {"payload": "x" * 100_000}
    assert Counting.searched <= len(frame)  # linear: each byte once (it was 5 MB before)
    assert codec.split(buf) is None and len(buf) == 0


def test_errors_are_answers_and_the_worker_lives_on(ipc_engine):
    e = ipc_engine()
    with pytest.raises(IpcError, match="unknown method 'nope'") as err:
        e.request("nope", {})
    assert err.value.code == p.METHOD_NOT_FOUND
    with pytest.raises(IpcError, match="no model loaded") as err:
        list(e.generate("x", 2, 0.0, None))
    assert err.value.code == p.NO_MODEL
    with pytest.raises(IpcError, match="param 'seconds' must be int or float") as err:
        e.request("debug.sleep", {"seconds": "soon"})
    assert err.value.code == p.INVALID_PARAMS
    assert e.request("echo", {"payload": [1, "two"]}) == {"payload": [1, "two"]}


@pytest.mark.slow
def test_generate_takes_text_or_token_ids_not_both(ipc_engine, tiny_model):
    e = ipc_engine()
    e.load(str(tiny_model))
    for params, message in (
        ({"prompt": "x", "prompt_ids": [1]}, "not both"),
        ({"prompt_ids": [1, True]}, "must be token ids"),
        ({"prompt_ids": []}, "must be token ids"),
    ):
        with pytest.raises(IpcError, match=message) as err:
            e.request("generate", {**params, "max_tokens": 1})
        assert err.value.code == p.INVALID_PARAMS
    assert list(e.generate_ids([2046, 17, 912], 2, 0.0, 0)) and e.last_prompt_tokens == 3


@pytest.mark.slow
def test_load_failure_is_a_clear_error_not_a_hang(ipc_engine, tmp_path):
    e = ipc_engine(load_timeout_s=60)
    with pytest.raises(IpcError, match="is not a directory") as err:
        e.load(str(tmp_path / "missing"))
    assert err.value.code == p.LOAD_FAILED
    with pytest.raises(IpcError, match="cannot load") as err:
        e.load(str(tmp_path))  # a directory without a model
    assert err.value.code == p.LOAD_FAILED
    assert e.request("echo", {"payload": 1}) == {"payload": 1}


@pytest.mark.slow
def test_worker_killed_mid_stream_names_its_exit_code(ipc_engine, tiny_model):
    e = ipc_engine(timeout_s=30)
    e.load(str(tiny_model))
    stream = e.generate("The quick brown fox", 100_000, 0.0, 0)
    next(stream)
    os.kill(e.pid, signal.SIGKILL)
    with pytest.raises(WorkerDied, match=r"exit code -9 \(killed by SIGKILL\) during 'generate'"):
        for _ in stream:
            pass
    with pytest.raises(WorkerDied, match="exit code -9"):
        e.tokenize("again")


def test_hung_worker_times_out_and_is_stopped(ipc_engine):
    e = ipc_engine(timeout_s=0.5)
    with pytest.raises(WorkerTimeout, match=r"no answer within 0.5 s during 'debug.sleep'"):
        e.request("debug.sleep", {"seconds": 60})
    assert e._proc.poll() is not None
    with pytest.raises(WorkerDied, match="no answer"):
        e.request("echo", {"payload": 1})


def test_foreign_client_speaks_newline_json_and_survives_garbage():
    """What a Node client would do: raw lines on the worker's stdin."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mlxguard.engines.ipc_worker", "--codec", "json"],
        input=b'not json\n{"id":1,"method":"echo","params":{"payload":[1]}}\n'
        b'{"id":2,"method":"shutdown"}\n',
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0
    assert lines[0]["method"] == p.READY and lines[0]["params"]["protocol"] == p.PROTOCOL_VERSION
    assert lines[1]["id"] is None and lines[1]["error"]["code"] == p.PARSE_ERROR
    assert lines[2] == {"id": 1, "result": {"payload": [1]}}
    assert lines[3] == {"id": 2, "result": {"ok": True}}


def test_engine_specs_and_codec_option():
    assert resolve_engine("ipc:json")().codec.name == "json"
    assert resolve_engine("ipc")().codec.name == "msgpack"
    assert configured_engine("ipc", "json")().codec.name == "json"
    assert configured_engine("ipc:msgpack", "json")().codec.name == "msgpack"
    with pytest.raises(UsageError, match="codec 'xml'"):
        resolve_engine("ipc:xml")


@pytest.mark.slow
def test_ipc_suite_produces_every_metric(tiny_model):
    from mlxguard.config import Config
    from mlxguard.run.context import SuiteContext
    from mlxguard.run.progress import Progress
    from mlxguard.suites.ipc import IPC

    ctx = SuiteContext(Config(samples=1, warmup=0), str(tiny_model), "tiny", Progress(False))
    benches = {(b.engine, b.scenario): b for b in IPC.run(ctx)}
    for codec in CODECS:
        for kind in ("chunk", "tokenize", "load_model"):
            b = benches[(codec, f"{codec}-{kind}")]
            assert set(b.metrics) == {"encode_us", "decode_us", "bytes", "compression_ratio"}
            assert b.metrics["decode_us"].summary.n == 200
            assert len(b.metrics["encode_us"].warmup_samples) == 50
            assert b.timer is not None and b.timer.overhead_ns >= 0
            rt = benches[("ipc", f"roundtrip-{codec}-{kind}")]
            assert not rt.errors and rt.metrics["roundtrip_us"].summary.n == 200
    assert benches[("json", "json-chunk")].metrics["compression_ratio"].samples == [1.0]
    assert benches[("msgpack", "msgpack-chunk")].metrics["compression_ratio"].samples[0] > 1


@pytest.mark.slow
def test_cli_run_ipc_suite(tiny_model, tmp_path):
    from mlxguard.cli.app import app

    out = tmp_path / "results.json"
    args = ["run", "--suite", "ipc", "--samples", "2", "--model", str(tiny_model), "-o", str(out)]
    result = CliRunner().invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    b = next(b for b in data["benchmarks"] if b["scenario"] == "msgpack-chunk")
    assert b["metrics"]["decode_us"]["summary"]["p95"] is not None


def test_cli_rejects_a_bad_codec(tmp_path):
    from mlxguard.cli.app import app

    result = CliRunner().invoke(app, ["run", "--codec", "xml", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert "codec" in result.output
