"""The openai:URL engine: a real mlx_lm.server, and crafted SSE from a real local HTTP server."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mlxguard.engines import resolve_engine
from mlxguard.engines.limits import TOKEN_MARGIN
from mlxguard.engines.openai_engine import MAX_BODY_BYTES, ServerError, parse_spec
from mlxguard.engines.sse import (
    MAX_EVENT_BYTES,
    MAX_LINE_BYTES,
    SSEParser,
    SSETooLarge,
    iter_sse_data,
)
from mlxguard.errors import UsageError
from mlxguard.run.timing import Request, generate, metrics_of

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlx_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `mlx_lm server` on the tiny model; yields its /v1 URL."""
    port = _free_port()
    hf_cache = tmp_path_factory.mktemp("hf")  # its /v1/models scans the HF cache, which must exist
    env = {**os.environ, "HF_HUB_CACHE": str(hf_cache), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "mlx_lm", "server", "--model", str(tiny_model)]
    proc = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(url + "/models", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlx_lm server did not start (exit code {proc.poll()})")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _engine(spec: str, model: Path | str = "tiny"):
    engine = resolve_engine(spec)()
    engine.load(str(model))
    return engine


def test_streams_and_counts_tokens_from_usage(mlx_server: str, tiny_model: Path) -> None:
    engine = _engine(f"openai:{mlx_server}#nonce=1", tiny_model)
    assert engine.model_name == str(tiny_model.resolve())  # picked from GET /models
    rec = generate(
        engine, Request("the model reads a long prompt", max_tokens=6, temperature=0, seed=0)
    )
    engine.close()
    assert rec.error is None, rec.error
    assert rec.usage is not None
    assert rec.usage["completion_tokens"] == 6  # EOS is biased away, so all 6 are generated
    assert rec.usage["prompt_tokens"] > 0
    assert rec.usage["cached_tokens"] <= 1  # the nonce keeps the prompt cache from matching
    metrics = metrics_of(rec)
    assert metrics["output_tokens"] == [6.0]
    assert metrics["prompt_tokens"] == [float(rec.usage["prompt_tokens"])]
    assert metrics["ttft_ms"][0] > 0
    assert "decode_tps" in metrics


def test_the_nonce_is_off_unless_asked_for() -> None:
    # A nonce adds tokens the other engine of a comparison never sees: its prompt would be
    # longer, and parity fails loudly on that.
    assert parse_spec("openai:http://h:1/v1").nonce is False
    assert parse_spec("openai:http://h:1/v1#nonce=1").nonce is True


def test_without_nonce_the_server_cache_is_visible(mlx_server: str, tiny_model: Path) -> None:
    engine = _engine(f"openai:{mlx_server}", tiny_model)
    for _ in range(2):
        rec = generate(
            engine, Request("same prompt every time", max_tokens=2, temperature=0, seed=0)
        )
        assert rec.error is None, rec.error
    engine.close()
    assert rec.usage is not None and rec.usage["cached_tokens"] > 1


def test_connection_refused_is_one_clear_line() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    engine = resolve_engine(f"openai:{url}")()
    with pytest.raises(ServerError) as err:
        engine.load("tiny")
    assert str(err.value) == f"cannot reach {url}/models: connection refused"


def test_non_2xx_quotes_status_and_body(mlx_server: str, tiny_model: Path) -> None:
    wrong = mlx_server.removesuffix("/v1") + "/nope"
    engine = resolve_engine(f"openai:{wrong}#model=x")()
    with pytest.raises(ServerError) as err:
        engine.load(str(tiny_model))
    assert str(err.value) == f"GET {wrong}/models answered HTTP 404: Not Found"


@pytest.mark.slow
def test_run_ttft_end_to_end(mlx_server: str, tiny_model: Path, tmp_path: Path) -> None:
    out, config = tmp_path / "results.json", tmp_path / "mlxguard.toml"
    config.write_text("targets = []\n")  # the exit code must not depend on this machine's speed
    cmd = [sys.executable, "-m", "mlxguard", "run", "--suite", "ttft", "--quiet", "-c", str(config)]
    cmd += ["--engine", f"openai:{mlx_server}", "--model", str(tiny_model)]
    cmd += ["--samples", "2", "--warmup", "0", "--max-tokens", "4", "-o", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    warm = next(b for b in results["benchmarks"] if b["scenario"] == "warm")
    assert warm["successes"] == 2 and warm["errors"] == []
    assert warm["server_usage"]["completion_tokens"] == 8
    assert "ttft_ms" in warm["metrics"]


# -- crafted streams from a real local HTTP server -----------------------------------------

MODELS = json.dumps({"object": "list", "data": [{"id": "crafted"}]}).encode()


def _chunk(text: str) -> bytes:
    return b"data: " + json.dumps({"choices": [{"text": text}]}).encode() + b"\n\n"


USAGE = b'data: {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3}}\n\n'
STREAMS = {
    "/ok/completions": b": keepalive 1/5\n\n"
    + _chunk("a")
    + b"\n: keepalive\n\n"
    + _chunk("bc")  # one chunk, two tokens: usage corrects the count
    + _chunk("")
    + USAGE
    + b"data: [DONE]\n\n"
    + _chunk("after done is ignored"),
    "/bad/completions": _chunk("a") + b"data: {not json\n\n",
    "/err/completions": b'data: {"error": {"message": "out of memory"}}\n\n',
    "/deep/completions": _chunk("a") + b"data: " + b"[" * 5000 + b"]" * 5000 + b"\n\n",
}


def _forever(write, piece: bytes, pause: float = 0.0) -> None:
    while True:
        write(piece)
        if pause:
            time.sleep(pause)


ENDLESS = {
    # Tokens without end, whatever max_tokens says.
    "/forever/completions": lambda out: _forever(out.write, _chunk("t")),
    # A comment every 50 ms: the read timeout restarts on every byte.
    "/keepalive/completions": lambda out: (
        out.write(_chunk("a")),
        _forever(out.write, b": keepalive\n\n", 0.05),
    ),
    # One line that never ends.
    "/longline/completions": lambda out: (out.write(b"data: "), _forever(out.write, b"x" * 65536)),
    # One event of many lines that never ends.
    "/longevent/completions": lambda out: _forever(out.write, b"data: " + b"y" * 1000 + b"\n"),
}


class _Crafted(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/hugemodels"):  # a model list without end
            self.send_response(200)
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(b'{"data": [')
                _forever(self.wfile.write, b'{"id": "m"}, ' * 1000)
            return
        if self.path.startswith("/deepmodels"):  # nested past the JSON parser's depth
            self._send(200, "application/json", b'{"data": ' + b"[" * 5000 + b"]" * 5000 + b"}")
            return
        self._send(200, "application/json", MODELS)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/hugeerror/completions":  # an error page without end
            self.send_response(500)
            self.end_headers()
            with contextlib.suppress(OSError):
                _forever(self.wfile.write, b"error " * 10000)
            return
        endless = ENDLESS.get(self.path)
        if endless is not None:  # until the client hangs up
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            with contextlib.suppress(OSError):
                endless(self.wfile)
            return
        body = STREAMS.get(self.path)
        if self.path == "/leak/completions":  # echoes the key, as some servers' 401 pages do
            key = self.headers["Authorization"].removeprefix("Bearer ")
            self._send(401, "text/html", f"<p>{'x' * 180} bad key {key} </p>".encode())
        elif body is None:
            self._send(500, "text/plain", b"boom\n" + b"x" * 500)
        else:
            self._send(200, "text/event-stream", body)

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def crafted() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Crafted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_keepalive_comments_done_and_usage(crafted: str) -> None:
    engine = _engine(f"openai:{crafted}/ok")
    assert engine.model_name == "crafted"
    rec = generate(engine, Request("p", 3))
    assert rec.error is None
    assert rec.tokens == ["a", "bc"]
    assert rec.usage == {"prompt_tokens": 5, "completion_tokens": 3}
    assert metrics_of(rec)["output_tokens"] == [3.0]


def test_malformed_stream_is_reported(crafted: str) -> None:
    rec = generate(
        _engine(f"openai:{crafted}/bad"), Request("p", max_tokens=3, temperature=0, seed=None)
    )
    assert rec.tokens == ["a"]
    assert rec.error == (
        f"ServerError: malformed stream from {crafted}/bad/completions: "
        "bad JSON in data line: {not json"
    )


def test_json_nested_too_deep_is_a_malformed_answer(crafted: str) -> None:
    engine = _engine(f"openai:{crafted}/deepmodels")  # no model listed: the server's default
    assert engine.model_name is None
    rec = generate(_engine(f"openai:{crafted}/deep"), Request("p", max_tokens=3, seed=None))
    assert rec.tokens == ["a"]
    assert rec.error is not None
    assert rec.error.startswith(f"ServerError: malformed stream from {crafted}/deep/completions")


def test_error_event_and_server_error_body(crafted: str) -> None:
    rec = generate(
        _engine(f"openai:{crafted}/err"), Request("p", max_tokens=3, temperature=0, seed=None)
    )
    event = '{"message": "out of memory"}'
    assert rec.error == f"ServerError: {crafted}/err/completions sent an error event: {event}"
    rec = generate(
        _engine(f"openai:{crafted}/500"), Request("p", max_tokens=3, temperature=0, seed=None)
    )
    assert rec.error is not None
    assert rec.error.startswith(f"ServerError: POST {crafted}/500/completions answered HTTP 500: ")
    assert rec.error.endswith("boom " + "x" * 195)


def test_api_key_is_sent_but_never_recorded(crafted: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLXGUARD_OPENAI_API_KEY", "sk-secret")
    engine = _engine(f"openai:{crafted}/ok")
    assert engine._session.headers["Authorization"] == "Bearer sk-secret"
    assert "sk-secret" not in json.dumps(engine.info())


def test_an_echoed_api_key_is_redacted_before_the_body_is_cut(
    crafted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-proj-0123456789abcdefghijklmnop"
    monkeypatch.setenv("MLXGUARD_OPENAI_API_KEY", key)
    rec = generate(
        _engine(f"openai:{crafted}/leak"), Request("p", max_tokens=3, temperature=0, seed=None)
    )
    assert rec.error is not None and "HTTP 401" in rec.error
    assert not [key[i : i + 6] for i in range(len(key) - 5) if key[i : i + 6] in rec.error]


def test_a_server_streaming_without_end_is_cut_at_the_cap(crafted: str) -> None:
    rec = generate(_engine(f"openai:{crafted}/forever"), Request("p", 5))
    assert len(rec.tokens) == 5 + TOKEN_MARGIN + 1
    assert rec.error is not None and rec.error.startswith("engine sent more than 21 tokens")


def test_keepalive_comments_do_not_outlive_the_deadline(crafted: str) -> None:
    rec = generate(_engine(f"openai:{crafted}/keepalive"), Request("p", 5, timeout_s=0.5))
    assert rec.timed_out and rec.tokens == ["a"]
    assert rec.error is not None and rec.error.startswith("TrialTimeout: the trial passed its")


def test_a_line_or_an_event_without_end_is_capped(crafted: str) -> None:
    rec = generate(_engine(f"openai:{crafted}/longline"), Request("p", 5))
    assert rec.error == (
        f"ServerError: malformed stream from {crafted}/longline/completions: "
        f"a line longer than {MAX_LINE_BYTES} bytes"
    )
    rec = generate(_engine(f"openai:{crafted}/longevent"), Request("p", 5))
    assert rec.error == (
        f"ServerError: malformed stream from {crafted}/longevent/completions: "
        f"an event larger than {MAX_EVENT_BYTES} bytes"
    )


def test_whole_answers_are_read_only_up_to_a_cap(crafted: str) -> None:
    with pytest.raises(ServerError, match=f"/hugemodels/models is larger than {MAX_BODY_BYTES}"):
        _engine(f"openai:{crafted}/hugemodels")
    rec = generate(_engine(f"openai:{crafted}/hugeerror"), Request("p", 5))
    assert rec.error is not None and "answered HTTP 500: error error" in rec.error


def test_the_sse_parser_is_bounded_and_reads_each_byte_once() -> None:
    parser = SSEParser(max_line_bytes=1000, max_event_bytes=3000)
    fed = 0
    with pytest.raises(SSETooLarge, match="a line longer than 1000 bytes"):
        while True:
            parser.feed(b"x" * 100)
            fed += 100
    assert fed == 1000  # the buffer never holds more than the cap and one chunk
    parser = SSEParser(max_line_bytes=1000, max_event_bytes=3000)
    with pytest.raises(SSETooLarge, match="an event larger than 3000 bytes"):
        while True:
            parser.feed(b"data: " + b"y" * 500 + b"\n")
    # Split anywhere, the same events come out; a byte-at-a-time feed is no slower per byte.
    stream = b": hi\n\n" + b"".join(_chunk(f"t{i}") for i in range(50)) + b"data: [DONE]\n\n"
    whole = SSEParser().feed(stream)
    one = SSEParser()
    assert [e for i in range(len(stream)) for e in one.feed(stream[i : i + 1])] == whole
    assert len(whole) == 51


def test_sse_parser_joins_split_bytes_and_multiline_data() -> None:
    chunks = [b"da", b"ta: one\r\n", b"data: two\n", b"\n:c\n", b"event: x\ndata:three"]
    assert list(iter_sse_data(chunks)) == ["one\ntwo", "three"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("openai:ftp://h/v1", "an http or https URL"),
        ("openai:http://u:p@h/v1", "credentials in its URL"),
        ("openai:http://h/v1?chat=1", "after '#'"),
        ("openai:http://h/v1#colour=red", "unknown option 'colour'"),
        ("openai:http://h/v1#chat=maybe", "must be 1 or 0"),
        ("openai:http://h/v1#read_timeout=0", "seconds in (0, 3600]"),
    ],
)
def test_bad_specs_are_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_spec(spec)
    assert message in str(err.value)
    assert "u:p" not in str(err.value)  # credentials are never echoed


def test_spec_options() -> None:
    opts = parse_spec("openai:http://h:1/v1/#chat=1&model=m&nonce=0&read_timeout=2.5")
    assert (opts.base_url, opts.chat, opts.model_name, opts.nonce) == (
        "http://h:1/v1",
        True,
        "m",
        False,
    )
    assert opts.read_timeout_s == 2.5
