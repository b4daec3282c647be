"""Timing one generation: the runner, not the engine, takes every timestamp.

All engines are measured by this one loop, so their figures are comparable. The per-token work
is one `perf_counter_ns()` call, two list appends and a length check; everything else happens
after the last token.

Every read is bounded (`mlxguard.engines.limits`): the loop stops after `token_cap(max_tokens)`
items, and each trial has a deadline (`Request.timeout_s`, a cold trial's load included); either
one passed is the trial's error.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field

from mlxguard.engines import Engine
from mlxguard.engines.limits import TRIAL_TIMEOUT_S, TrialTimeout, overrun, token_cap, within
from mlxguard.errors import UsageError
from mlxguard.results.models import PromptSource


@dataclass
class Generation:
    """The raw record of one request: when it was sent, and when each token arrived."""

    t_sent_ns: int = 0
    stamps_ns: list[int] = field(default_factory=list)
    tokens: list[int | str] = field(default_factory=list)
    streaming: bool = True
    # The prompt length the engine received (not the one asked for), and where it comes from.
    prompt_tokens: int | None = None
    prompt_source: PromptSource | None = None
    load_ns: int | None = None
    peak_memory_mb: float | None = None
    error: str | None = None
    # Token counts a server reported itself (prompt_tokens, completion_tokens, cached_tokens).
    usage: dict[str, int] | None = None
    # The trial passed its deadline: the engine is in an unknown state (see `error`).
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.tokens)

    @property
    def output_tokens(self) -> int:
        """Tokens generated: the server's count when given (a chunk may carry several)."""
        return (self.usage or {}).get("completion_tokens") or len(self.tokens)


def describe_error(exc: BaseException) -> str:
    """One line for the results file: the exception type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def timed_load(
    new_engine: Callable[[], Engine], model: str, timeout_s: float | None = TRIAL_TIMEOUT_S
) -> tuple[Engine, int]:
    """Create an engine and load a model; return it and the wall time in nanoseconds.

    One rule for every engine: the clock runs over the engine's construction too, so whatever
    an engine does before `load()` (importing its libraries, starting a worker) is load time.
    The engine is closed if its load fails.

    Raises:
        TrialTimeout: construction and load took more than `timeout_s` seconds.
    """
    with within(timeout_s):
        t0 = time.perf_counter_ns()
        engine = new_engine()
        try:
            engine.load(model)
        except BaseException:
            close_quietly(engine)
            raise
        return engine, time.perf_counter_ns() - t0


@dataclass(frozen=True)
class Request:
    """One request to an engine: the prompt and how to sample the answer.

    `prompt_ids` are the prompt's token ids as built (BOS included), given to engines that take
    ids; `prompt_tokens` is the length the prompt was built with. Both None when unknown.
    """

    prompt: str
    max_tokens: int
    temperature: float = 0.0
    seed: int | None = None
    streaming: bool = True  # False: the caller sees the whole answer at once
    prompt_ids: tuple[int, ...] | None = None
    prompt_tokens: int | None = None
    timeout_s: float | None = TRIAL_TIMEOUT_S  # the trial's deadline (None: none)


def _send(engine: Engine, request: Request) -> tuple[Iterator[int | str], bool]:
    """Start the request: token ids to engines that take them, else text. True if ids."""
    by_ids = getattr(engine, "generate_ids", None)
    sampling = (request.max_tokens, request.temperature, request.seed)
    if request.prompt_ids is not None and callable(by_ids):
        return by_ids(list(request.prompt_ids), *sampling), True
    return engine.generate(request.prompt, *sampling), False


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def received_prompt(
    engine: Engine, request: Request, fed_ids: bool, usage: dict[str, int] | None
) -> tuple[int | None, PromptSource | None]:
    """The prompt length the engine received, and where that figure comes from."""
    reported = _int((usage or {}).get("prompt_tokens"))
    if reported is None:
        reported = _int(getattr(engine, "last_prompt_tokens", None))
    if reported is not None:
        return reported, "engine"
    if fed_ids and request.prompt_ids is not None:
        return len(request.prompt_ids), "ids"
    tokenize = getattr(engine, "tokenize", None)
    if callable(tokenize):
        with suppress(Exception):  # a count we cannot get is "built", not a failed trial
            return len(tokenize(request.prompt)), "tokenize"
    built = request.prompt_tokens
    return built, None if built is None else "built"


def generate(engine: Engine, request: Request) -> Generation:
    """Run one request and time it. Engine exceptions are recorded, never raised.

    An engine with a `generate_ids` hook gets the prompt's token ids, others its text; the
    record keeps the prompt length the engine received (`received_prompt`). Reading stops after
    `token_cap(max_tokens)` items and at the request's deadline: either is the record's error.
    """
    rec = Generation(streaming=request.streaming)
    reset = getattr(engine, "reset_peak_memory", None)
    if callable(reset):
        reset()
    clock = time.perf_counter_ns
    stamps, tokens = rec.stamps_ns, rec.tokens
    cap = token_cap(request.max_tokens)
    fed_ids = False
    try:
        with within(request.timeout_s):
            rec.t_sent_ns = clock()
            stream, fed_ids = _send(engine, request)
            if request.streaming:
                for token in stream:
                    stamps.append(clock())
                    tokens.append(token)
                    if len(tokens) > cap:
                        break
            else:
                # Non-streaming: the caller sees the whole answer at once, one stamp at the end.
                tokens.extend(itertools.islice(stream, cap + 1))
                stamps.append(clock())
            _close(stream)  # an engine still sending (a server, a worker) stops now
    except TrialTimeout as e:
        rec.error, rec.timed_out = describe_error(e), True
    except Exception as e:  # an engine failing mid-run is data, not a crash
        rec.error = describe_error(e)
    if len(tokens) > cap and rec.error is None:
        rec.error = overrun(request.max_tokens)
    if not tokens and rec.error is None:
        rec.error = "engine returned no tokens"
    usage = getattr(engine, "last_usage", None)
    if usage:
        rec.usage = dict(usage)
    if rec.ok:
        rec.prompt_tokens, rec.prompt_source = received_prompt(engine, request, fed_ids, rec.usage)
    peak = getattr(engine, "peak_memory_mb", None)
    if callable(peak):
        rec.peak_memory_mb = peak()
    return rec


def _close(stream: object) -> None:
    """Close a generator the loop stopped reading (its engine then stops sending)."""
    close = getattr(stream, "close", None)
    if callable(close):
        close()


def close_quietly(engine: object) -> None:
    """Call the engine's optional close(); a failure to close is not a benchmark failure."""
    close = getattr(engine, "close", None)
    if callable(close):
        with suppress(Exception):
            close()


def cold_generate(new_engine: Callable[[], Engine], model_dir: str, request: Request) -> Generation:
    """A new engine, a timed load (construction included), one timed request, then close.

    Raises:
        UsageError: the engine does not follow the protocol (bad input, not a failed trial).
    """
    try:
        with within(request.timeout_s):  # one deadline over the load and the request
            try:
                engine, load_ns = timed_load(new_engine, model_dir, None)
            except UsageError:
                raise
            except TrialTimeout as e:
                return Generation(error=f"load failed: {describe_error(e)}", timed_out=True)
            except Exception as e:
                return Generation(error=f"load failed: {describe_error(e)}")
            try:
                rec = generate(engine, request)
            finally:
                close_quietly(engine)
    except TrialTimeout as e:  # in close(), after the request
        return Generation(error=describe_error(e), timed_out=True)
    rec.load_ns = load_ns
    return rec


def metrics_of(rec: Generation) -> dict[str, list[float]]:
    """Per-trial metric samples (DESIGN.md definitions); `itl_ms` has one sample per gap."""
    if not rec.ok:
        return {}
    n = rec.output_tokens
    t0, first, last = rec.t_sent_ns, rec.stamps_ns[0], rec.stamps_ns[-1]
    out: dict[str, list[float]] = {
        "e2e_ms": [(last - t0) / 1e6],
        "output_tokens": [float(n)],
    }
    if last > t0:
        out["throughput_tps"] = [n / ((last - t0) / 1e9)]
    if rec.load_ns is not None:
        out["load_ms"] = [rec.load_ns / 1e6]
    prompt_tokens = rec.prompt_tokens
    if prompt_tokens is not None:
        out["prompt_tokens"] = [float(prompt_tokens)]
    if rec.peak_memory_mb is not None:
        out["peak_memory_mb"] = [rec.peak_memory_mb]
    if not rec.streaming:
        return out
    out["ttft_ms"] = [(first - t0) / 1e6]
    if prompt_tokens and first > t0:
        out["prefill_tps"] = [prompt_tokens / ((first - t0) / 1e9)]
    if n >= 2 and last > first:
        out["decode_tps"] = [(n - 1) / ((last - first) / 1e9)]
    stamps = rec.stamps_ns
    out["itl_ms"] = [(b - a) / 1e6 for a, b in itertools.pairwise(stamps)]
    return out
