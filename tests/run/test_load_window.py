"""A load window's figures, from crafted request records (no clock, no server)."""

from __future__ import annotations

import pytest

from mlxguard.run.load.driver import Window
from mlxguard.run.load.record import RequestRecord
from mlxguard.run.load.window import meets, summarize

MS = 1_000_000


def request(sent_ms: float, chunks_ms: list[float], **kw: object) -> RequestRecord:
    r = RequestRecord(key="k", prompt_tokens=kw.pop("prompt_tokens", 8))  # type: ignore[arg-type]
    r.sent_ns = round(sent_ms * MS)
    r.chunk_ns = [round(c * MS) for c in chunks_ms]
    r.done_ns = r.chunk_ns[-1] if r.chunk_ns else r.sent_ns
    for k, v in kw.items():
        setattr(r, k, v)
    return r


def test_tpot_is_e2e_minus_ttft_over_tokens_minus_one_with_the_servers_count() -> None:
    r = request(0, [100, 110, 130], usage={"completion_tokens": 5, "prompt_tokens": 8})
    assert r.ttft_ms == 100 and r.e2e_ms == 130
    assert r.tpot_ms == pytest.approx(30 / 4)  # the server counted 5 tokens in 3 chunks
    assert r.itl_ms == [10, 20]  # pooled ITL: the gaps between chunks
    assert request(0, [50]).tpot_ms is None


def test_goodput_counts_requests_meeting_every_slo() -> None:
    fast = request(0, [50, 60, 70])
    slow_start = request(0, [250, 260, 270])
    slow_tokens = request(0, [50, 150, 250])
    assert meets(fast, {"ttft_ms": 100, "tpot_ms": 20})
    assert not meets(slow_start, {"ttft_ms": 100, "tpot_ms": 20})
    assert not meets(slow_tokens, {"ttft_ms": 100, "tpot_ms": 20})
    assert meets(slow_tokens, {"ttft_ms": 100})
    failed = request(0, [50], error="boom")
    assert not meets(failed, {})
    window = Window([fast, slow_start, slow_tokens, failed], 0, 1000 * MS)
    w = summarize(window, 0, {"ttft_ms": 100, "tpot_ms": 20}, 3.0)
    assert (w.requests, w.failures) == (4, 1)
    assert w.request_rps == pytest.approx(3.0)
    assert w.goodput_rps == pytest.approx(1.0)
    assert w.output_tps == pytest.approx(9.0)
    assert summarize(window, 0, {}, 3.0).goodput_rps is None


def test_the_workload_the_server_saw_is_counted() -> None:
    usage = {"prompt_tokens": 8, "completion_tokens": 2}
    same = request(0, [10, 20], usage=usage)
    shrunk = request(0, [10, 20], usage={**usage, "prompt_tokens": 3})
    cached = request(0, [10, 20], usage={**usage, "cached_tokens": 6})
    w = summarize(Window([same, shrunk, cached], 0, 30 * MS), 0, {}, 3.0)
    assert (w.usage_reported, w.prompt_mismatches, w.cached_prompt_tokens) == (3, 1, 6)


def test_a_request_far_beyond_the_median_is_a_stall() -> None:
    records = [request(0, [10, 20]) for _ in range(5)] + [request(0, [10, 500])]
    w = summarize(Window(records, 0, 500 * MS), 0, {}, 3.0)
    assert w.stalls == 1


def test_an_open_loop_whose_backlog_grows_is_saturated() -> None:
    def planned(i: int, e2e: float) -> RequestRecord:
        r = request(i * 100, [i * 100 + e2e / 2, i * 100 + e2e])
        r.planned_ns = i * 100 * MS
        return r

    steady = [planned(i, 50) for i in range(9)]
    growing = [planned(i, 50 * (i + 1)) for i in range(9)]
    assert not summarize(Window(steady, 0, 850 * MS), 0, {}, 99).saturated
    w = summarize(Window(growing, 0, 1250 * MS), 0, {}, 99)
    assert w.saturated and w.offered_rps == pytest.approx(10.0)
    assert w.late_ms_p99 == 0.0


def test_a_window_with_a_negative_figure_is_refused():
    from pydantic import ValidationError

    window = summarize(Window([request(0, [10, 20])], 0, 20 * MS), 0, {}, 3.0)
    with pytest.raises(ValidationError):
        type(window).model_validate({**window.model_dump(), "duration_s": -1.0})
    with pytest.raises(ValidationError):
        type(window).model_validate({**window.model_dump(), "failures": -2})
