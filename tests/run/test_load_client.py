"""The load client against misbehaving servers: every read and wait bounded, failures recorded
on the request (never raised), and the window goes on."""

from __future__ import annotations

import asyncio

import pytest
from load_servers import sse_server

from mlxguard.engines.sse import MAX_LINE_BYTES
from mlxguard.run.load.client import OpenAIClient
from mlxguard.run.load.driver import closed_loop
from mlxguard.run.load.workload import LoadRequest

REQUEST = LoadRequest("k", "a short prompt", 4, max_tokens=4)


def _serve(url: str, model, deadline_s: float = 60.0):
    async def go():
        async with OpenAIClient(f"openai:{url}", str(model), deadline_s=deadline_s) as client:
            return await closed_loop(client, [REQUEST, REQUEST], 2)

    return asyncio.run(go())


def test_more_tokens_than_the_cap_is_the_requests_error(tiny_model):
    with sse_server("--extra-tokens", "40") as url:
        window = _serve(url, tiny_model)
    for r in window.records:
        assert r.error and "engine sent more than 20 tokens for max_tokens=4" in r.error
        assert len(r.chunk_ns) == 21  # stopped reading there


def test_a_line_over_the_shared_sse_cap_is_the_requests_error(tiny_model):
    # The cap is the openai: engine's (engines.sse), not the HTTP library's own line limit.
    with sse_server("--long-line", str(MAX_LINE_BYTES + 1)) as url:
        window = _serve(url, tiny_model)
    for r in window.records:
        assert r.error == (
            f"stream from {url}/completions broke: SSETooLarge: a line longer than "
            f"{MAX_LINE_BYTES} bytes"
        )
    with sse_server("--long-line", str(MAX_LINE_BYTES - 1)) as url:
        window = _serve(url, tiny_model)
    assert [r.error for r in window.records] == [None, None]  # within it: read through


@pytest.mark.slow
def test_a_stream_kept_alive_by_comments_meets_its_deadline(tiny_model):
    with sse_server("--keepalive-s", "30") as url:
        window = _serve(url, tiny_model, deadline_s=1.0)
    assert window.duration_s < 20
    for r in window.records:
        assert r.error and "deadline of 1 s (trial_timeout_s)" in r.error


def test_a_server_that_is_gone_fails_each_request_alone(tiny_model):
    with sse_server() as url:
        client = OpenAIClient(f"openai:{url}", str(tiny_model))

    async def go():
        async with client:
            return await closed_loop(client, [REQUEST, REQUEST], 1)

    window = asyncio.run(go())
    assert [bool(r.error) for r in window.records] == [True, True]
    assert all("broke" in (r.error or "") for r in window.records)
