"""A small OpenAI-compatible completions server that streams synthetic tokens (no model).

Two uses:

* **the load client's ceiling** (`--token-ms 0 --prompt-ms 0`): a server with no latency of its
  own, so what the client measures against it is the client's (and the loopback's) own cost;
  `scripts/bench_load_client.py` drives it;
* **a server that serves one request at a time** (`--serial`): each request holds one lock from
  its first byte to its last, as a server without batching does, so the load suite can show that
  it tells such a server from one that batches.

And, for the client's bounds, three ways to misbehave: `--extra-tokens N` sends N tokens more
than asked, `--keepalive-s S` sends comment lines for S seconds before the first token, and
`--long-line N` sends one comment line of N bytes before the first token. `--model` is taken and
ignored, so it starts where `python -m mlx_lm.server --model M --port P` would.

It answers `GET /v1/models` and `POST /v1/completions` with `stream: true`, sending
`max_tokens` chunks (one word each) after `--prompt-ms`, one every `--token-ms`, then a usage
event (`prompt_tokens`: the prompt's whitespace-separated words plus 1, as a BOS would add, or
`--prompt-tokens`) and `[DONE]`.

    python scripts/sse_server.py --port 8123 --token-ms 5 --prompt-ms 20 --serial
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiohttp import web


def app(
    token_ms: float,
    prompt_ms: float,
    serial: bool,
    prompt_tokens: int | None,
    extra_tokens: int = 0,
    keepalive_s: float = 0.0,
    long_line: int = 0,
) -> web.Application:
    """The server's routes (`extra_tokens`, `keepalive_s` and `long_line` misbehave on purpose:
    more tokens than asked, comment lines that keep a stalled stream alive, one comment line of
    `long_line` bytes)."""
    lock = asyncio.Lock() if serial else None

    async def models(_: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "synthetic"}]})

    async def stream(request: web.Request, body: dict) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        n = int(body.get("max_tokens") or 16) + extra_tokens
        if prompt_ms:
            await asyncio.sleep(prompt_ms / 1000)
        for _ in range(round(keepalive_s * 10)):
            await response.write(b": keepalive\n\n")
            await asyncio.sleep(0.1)
        if long_line:
            await response.write(b":" + b"x" * (long_line - 1) + b"\n\n")
        for i in range(n):
            if token_ms and i:
                await asyncio.sleep(token_ms / 1000)
            event = {"choices": [{"index": 0, "text": f" w{i}"}]}
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        counted = prompt_tokens or len(str(body.get("prompt", "")).split()) + 1
        usage = {"prompt_tokens": counted, "completion_tokens": n, "total_tokens": counted + n}
        await response.write(f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def completions(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if lock is None:
            return await stream(request, body)
        async with lock:
            return await stream(request, body)

    application = web.Application()
    application.router.add_get("/v1/models", models)
    application.router.add_post("/v1/completions", completions)
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-ms", type=float, default=0.0, help="gap between tokens (0)")
    parser.add_argument("--prompt-ms", type=float, default=0.0, help="wait before the first (0)")
    parser.add_argument("--serial", action="store_true", help="serve one request at a time")
    parser.add_argument("--prompt-tokens", type=int, help="the prompt length usage reports")
    parser.add_argument("--extra-tokens", type=int, default=0, help="tokens beyond max_tokens")
    parser.add_argument("--keepalive-s", type=float, default=0.0, help="comments before tokens")
    parser.add_argument("--long-line", type=int, default=0, help="a comment line of N bytes")
    parser.add_argument("--model", help="ignored (as mlx_lm.server is started)")
    args = parser.parse_args()
    server = app(
        args.token_ms, args.prompt_ms, args.serial, args.prompt_tokens, args.extra_tokens,
        args.keepalive_s, args.long_line,
    )  # fmt: skip
    web.run_app(server, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
