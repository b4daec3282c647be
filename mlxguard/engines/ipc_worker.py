"""The IPC worker: `python -m mlxguard.engines.ipc_worker --codec msgpack|json [--engine SPEC]`.

It serves one client over stdin/stdout (docs/ipc-protocol.md), one request at a time, hosting
one engine of any spec (`mlx-lm` by default, `mlx-engine`, `openai:URL`, a `module:attr`
plugin). Errors are answered as error responses; the worker exits only on `shutdown`, on end of
input, or when its output pipe is gone. Its stdout carries frames and nothing else: anything
printed (by an engine or a library) is redirected to stderr.

It runs in interpreters where mlxguard is not installed (another virtualenv): it needs only the
standard library, `msgpack` for the msgpack codec, and what its engine needs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from mlxguard.engines.limits import overrun, token_cap
from mlxguard.engines.worker_log import log_to_stderr
from mlxguard.ipc import protocol as p
from mlxguard.ipc.codec import CODECS, FrameError, get_codec
from mlxguard.ipc.pipe import FrameReader, FrameWriter
from mlxguard.models.files import read_config

_SENT = object()  # a handler that wrote its own response (generate)
_REQUIRED = object()


class RequestError(Exception):
    """A request that fails with an error response `code`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _param(params: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any) -> Any:
    if name not in params or (params[name] is None and default is None):
        if default is _REQUIRED:
            raise RequestError(p.INVALID_PARAMS, f"missing param '{name}'")
        return default
    value = params[name]
    # bool is an int in Python, never a count.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise RequestError(p.INVALID_PARAMS, f"param '{name}' must be {names}, got {value!r:.80}")
    return value


def _at_least(value: Any, name: str, minimum: float) -> Any:
    if value < minimum:
        raise RequestError(p.INVALID_PARAMS, f"param '{name}' must be >= {minimum}, got {value}")
    return value


class Worker:
    """Dispatches requests to handlers; `serve` runs until shutdown or end of input."""

    def __init__(
        self, reader: FrameReader, writer: FrameWriter, codec: str, spec: str = "mlx-lm"
    ) -> None:
        self.reader, self.writer, self.codec, self.spec = reader, writer, codec, spec
        self.engine: Any = None
        self.streams = 0
        self.handlers: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
            "load_model": self.load_model,
            "tokenize": self.tokenize,
            "generate": self.generate,
            "echo": self.echo,
            "shutdown": self.shutdown,
            "debug.sleep": self.sleep,
        }

    def serve(self) -> int:
        """Answer requests until `shutdown` (exit 0) or end of input (exit 0)."""
        send = self.writer.write
        send(
            p.notification(
                p.READY,
                {
                    "protocol": p.PROTOCOL_VERSION,
                    "pid": os.getpid(),
                    "python": sys.version.split()[0],
                    "executable": sys.executable,
                    "codec": self.codec,
                    "engine": self.spec,
                    "methods": list(p.METHODS),
                },
            )
        )
        while True:
            try:
                msg = self.reader.read(None)
            except EOFError:
                return 0
            except FrameError as e:
                send(p.error(None, p.PARSE_ERROR, str(e)))
                if not e.recoverable:
                    return 3
                continue
            if not self.dispatch(msg):
                return 0

    def dispatch(self, msg: Any) -> bool:
        """Handle one request; False after `shutdown`."""
        if not isinstance(msg, dict) or "id" not in msg:
            self.writer.write(p.error(None, p.INVALID_REQUEST, "a request is a map with an 'id'"))
            return True
        msg_id, method, params = msg["id"], msg.get("method"), msg.get("params", {})
        handler = self.handlers.get(method) if isinstance(method, str) else None
        try:
            if handler is None:
                raise RequestError(
                    p.METHOD_NOT_FOUND,
                    f"unknown method {method!r:.80}; known: {', '.join(p.METHODS)}",
                )
            if not isinstance(params, dict):
                raise RequestError(p.INVALID_PARAMS, "params must be a map")
            value = handler(msg_id, params)
        except RequestError as e:
            self.writer.write(p.error(msg_id, e.code, str(e)))
        except Exception as e:  # any failure is an answer, never a dead worker
            self.writer.write(p.error(msg_id, p.INTERNAL_ERROR, f"{type(e).__name__}: {e}"))
        else:
            if value is not _SENT:
                self.writer.write(p.result(msg_id, value))
        return method != "shutdown"

    def _model(self) -> Any:
        if self.engine is None:
            raise RequestError(p.NO_MODEL, "no model loaded; send load_model first")
        return self.engine

    def load_model(self, _id: Any, params: dict[str, Any]) -> dict[str, Any]:
        path = _param(params, "path", str, _REQUIRED)
        ignore_eos = _param(params, "ignore_eos", bool, True)
        prefill = _at_least(_param(params, "prefill_step_size", int, 2048), "prefill_step_size", 1)
        # A path that is not a directory would make mlx-lm try the Hugging Face hub.
        if not Path(path).is_dir():
            raise RequestError(p.LOAD_FAILED, f"model path '{path}' is not a directory")
        t0 = time.perf_counter_ns()  # making the engine is load time too (docs/engines.md)
        try:
            engine = _new_engine(self.spec, ignore_eos, prefill)
            engine.load(path)
        except Exception as e:
            first = (str(e).strip().splitlines() or [""])[0][:300]
            raise RequestError(
                p.LOAD_FAILED, f"cannot load '{path}': {type(e).__name__}: {first}"
            ) from None
        load_ms = (time.perf_counter_ns() - t0) / 1e6
        close = getattr(self.engine, "close", None)
        if callable(close):
            close()  # loading again replaces the model
        self.engine = engine
        info = getattr(engine, "info", None)
        return {
            "path": path,
            "load_ms": load_ms,
            "config": read_config(Path(path)),
            "engine": {
                "spec": self.spec,
                "name": str(engine.name),
                "info": info() if callable(info) else {},
                "takes_ids": takes_ids(engine),
            },
            "versions": _versions(self.spec),
            "pid": os.getpid(),
        }

    def tokenize(self, _id: Any, params: dict[str, Any]) -> dict[str, Any]:
        text = _param(params, "text", str, _REQUIRED)
        tokenize = getattr(self._model(), "tokenize", None)
        if not callable(tokenize):
            raise RequestError(p.INVALID_REQUEST, f"engine '{self.spec}' cannot tokenize")
        return {"tokens": list(tokenize(text))}

    def generate(self, msg_id: Any, params: dict[str, Any]) -> object:
        engine = self._model()
        prompt = _prompt(engine, params)
        max_tokens = _at_least(_param(params, "max_tokens", int, _REQUIRED), "max_tokens", 1)
        temperature = _param(params, "temperature", (int, float), 0.0)
        temperature = float(_at_least(temperature, "temperature", 0.0))
        seed = _param(params, "seed", int, None)
        self.streams += 1
        sid = self.streams
        send = self.writer.write
        t0 = time.perf_counter_ns()
        send(p.result(msg_id, {"stream_id": sid}))
        reset = getattr(engine, "reset_peak_memory", None)
        if callable(reset):
            reset()
        count, last, cap = 0, None, token_cap(max_tokens)
        steps = _steps(engine, prompt, max_tokens, temperature, seed)
        try:
            # The per-token path: one dict, one encode, one write.
            for i, (token_id, text, response) in enumerate(steps):
                if i == cap:  # the engine ignores max_tokens: stop it, and say so
                    steps.close()
                    raise RuntimeError(overrun(max_tokens))
                send(
                    {
                        "method": p.CHUNK,
                        "params": {
                            "stream_id": sid,
                            "token": i,
                            "token_id": token_id,
                            "is_final": response is not None and response.finish_reason is not None,
                            "text": text,
                        },
                    }
                )
                count, last = i + 1, response
        except BrokenPipeError:
            raise
        except Exception as e:
            message = f"{type(e).__name__}: {e}"
            send(p.notification(p.EVENT, {"stream_id": sid, "event": "error", "message": message}))
            return _SENT
        elapsed_ms = (time.perf_counter_ns() - t0) / 1e6
        send(p.notification(p.STATS, _stats(sid, engine, prompt, count, last, elapsed_ms)))
        send(p.notification(p.EVENT, {"stream_id": sid, "event": "completed", "message": ""}))
        return _SENT

    def echo(self, _id: Any, params: dict[str, Any]) -> dict[str, Any]:
        return {"payload": params.get("payload")}

    def shutdown(self, _id: Any, _params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def sleep(self, _id: Any, params: dict[str, Any]) -> dict[str, Any]:
        seconds = _at_least(_param(params, "seconds", (int, float), _REQUIRED), "seconds", 0.0)
        time.sleep(seconds)
        return {"slept": seconds}


def _new_engine(spec: str, ignore_eos: bool, prefill_step_size: int) -> Any:
    """A fresh engine of `spec`, with the load options it understands."""
    from mlxguard.engines import check_engine, resolve_engine

    options = {"prefill_step_size": prefill_step_size} if spec == "mlx-lm" else {}
    engine = check_engine(resolve_engine(spec, **options)(), spec)
    set_ignore_eos = getattr(engine, "set_ignore_eos", None)
    if callable(set_ignore_eos):
        set_ignore_eos(ignore_eos)
    return engine


def takes_ids(engine: Any) -> bool:
    """Whether the engine takes the prompt as token ids (mlx-lm's `stream`, `generate_ids`)."""
    return callable(getattr(engine, "stream", None)) or callable(
        getattr(engine, "generate_ids", None)
    )


def _prompt(engine: Any, params: dict[str, Any]) -> str | list[int]:
    """The prompt: `prompt_ids` (token ids, used as given) or `prompt` (text)."""
    ids = _param(params, "prompt_ids", list, None)
    if ids is None:
        return _param(params, "prompt", str, _REQUIRED)
    if "prompt" in params:
        raise RequestError(p.INVALID_PARAMS, "send 'prompt' or 'prompt_ids', not both")
    if not ids or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
        raise RequestError(p.INVALID_PARAMS, "param 'prompt_ids' must be token ids (ints >= 0)")
    if not takes_ids(engine):
        raise RequestError(p.INVALID_PARAMS, "this engine takes text: send 'prompt'")
    return ids


def _steps(
    engine: Any, prompt: str | list[int], max_tokens: int, temperature: float, seed: int | None
) -> Generator[tuple[int | None, str, Any], None, None]:
    """(token id, text, mlx-lm's response or None) for each token, as soon as it exists.

    mlx-lm's own `stream` also gives each token's text and mlx-lm's rates; any other engine's
    `generate` (or `generate_ids`, for token ids) yields token ids or text.
    """
    stream = getattr(engine, "stream", None)
    if callable(stream):
        for r in stream(prompt, max_tokens, temperature, seed):
            yield r.token, r.text, r
        return
    if isinstance(prompt, list):
        items = engine.generate_ids(prompt, max_tokens, temperature, seed)
    else:
        items = engine.generate(prompt, max_tokens, temperature, seed)
    for item in items:
        yield (item, "", None) if isinstance(item, int) else (None, str(item), None)


def _prompt_tokens(engine: Any, last: Any, prompt: str | list[int]) -> int | None:
    """The prompt length the engine reports it received, else the number of ids it was fed."""
    usage = getattr(engine, "last_usage", None)
    for count in (
        getattr(last, "prompt_tokens", None),
        getattr(engine, "last_prompt_tokens", None),
        usage.get("prompt_tokens") if isinstance(usage, dict) else None,
    ):
        if isinstance(count, int) and not isinstance(count, bool):
            return count
    return len(prompt) if isinstance(prompt, list) else None


def _stats(
    sid: int, engine: Any, prompt: str | list[int], count: int, last: Any, elapsed_ms: float
) -> dict[str, Any]:
    """The worker's view of a stream; rates only where the engine measured them (mlx-lm)."""
    peak = getattr(engine, "peak_memory_mb", None)
    usage = getattr(engine, "last_usage", None)
    return {
        "stream_id": sid,
        "prompt_tokens": _prompt_tokens(engine, last, prompt),
        "generation_tokens": last.generation_tokens if last else count,
        "prompt_tps": last.prompt_tps if last else None,
        "generation_tps": last.generation_tps if last else None,
        "peak_memory_mb": peak() if callable(peak) else None,
        "elapsed_ms": elapsed_ms,
        "usage": dict(usage) if isinstance(usage, dict) else None,
    }


def _versions(spec: str) -> dict[str, str | None]:
    """Versions of what the engine runs on, as this interpreter has them installed.

    mlx and mlx-lm always; a plugin's distribution too (found from its top-level module);
    for mlx-engine, its version, its checkout's commit and mlx-vlm's (`mlx_engine_engine.versions`).
    """
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    names = ["mlx", "mlx-lm"]
    module, sep, _ = spec.partition(":")
    if sep and module not in ("ipc", "openai"):
        names += packages_distributions().get(module.split(".")[0], [])
    out: dict[str, str | None] = {}
    for name in dict.fromkeys(names):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    if spec == "mlx-engine":
        from mlxguard.engines import mlx_engine_engine

        out.update(mlx_engine_engine.versions())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlxguard.engines.ipc_worker")
    parser.add_argument("--codec", choices=CODECS, default="msgpack")
    parser.add_argument("--engine", default="mlx-lm", help="the engine spec to host")
    args = parser.parse_args(argv)
    out_fd = os.dup(1)
    os.dup2(2, 1)  # stray prints go to stderr, never into the frame stream
    log_to_stderr()
    codec = get_codec(args.codec)
    worker = Worker(FrameReader(0, codec), FrameWriter(out_fd, codec), codec.name, args.engine)
    try:
        return worker.serve()
    except (BrokenPipeError, KeyboardInterrupt):
        return 1


if __name__ == "__main__":
    sys.exit(main())
