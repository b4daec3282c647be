"""The asynchronous streaming client of an OpenAI-compatible server, for load windows.

Many requests share one event loop and one connection pool (aiohttp: a C-accelerated HTTP
parser, and lines read as they arrive). The request body is the `openai:` engine's
(`request_body`), with no `seed`: mlx_lm.server serves a request that carries a seed alone,
outside its batch. Its stream is read as it arrives and split into events by the same parser
as the `openai:` engine's (`mlxguard.engines.sse.SSEParser`, with its caps on a line and an
event); each event is parsed as the `openai:` engine parses it. A piece of output is stamped
when the bytes that end its event arrive.
"""

from __future__ import annotations

import time
from typing import Any

from mlxguard.engines.limits import TRIAL_TIMEOUT_S, TrialTimeout, overrun, token_cap
from mlxguard.engines.openai_engine import (
    OpenAIEngine,
    ServerError,
    api_key,
    eos_ids,
    parse_event,
    parse_spec,
    request_body,
)
from mlxguard.engines.sse import SSEParser
from mlxguard.run.load.record import RequestRecord
from mlxguard.run.load.workload import LoadRequest


class OpenAIClient:
    """Streams requests to one `openai:URL` server; use as `async with`.

    Args:
        spec: the engine spec, `openai:URL[#options]`.
        model_dir: the model the server serves (picks the `model` name and the EOS ids, as the
            `openai:` engine does, with one GET /models before the first request).
        temperature: sampling temperature of every request.
        deadline_s: the longest a request may take, first byte to last (`trial_timeout_s`);
            a server that keeps a stream alive with comments past it fails that request.
    """

    def __init__(
        self,
        spec: str,
        model_dir: str,
        temperature: float = 0.0,
        deadline_s: float = TRIAL_TIMEOUT_S,
    ) -> None:
        self.options = parse_spec(spec)
        self.temperature = temperature
        self.deadline_s = deadline_s
        engine = OpenAIEngine(self.options)
        try:
            engine.load(model_dir)  # picks the `model` name as the openai: engine does
        finally:
            engine.close()
        self._model_name = engine.model_name
        self._eos = eos_ids(model_dir) if self.options.ignore_eos else []
        self._path = "/chat/completions" if self.options.chat else "/completions"
        self._session: Any = None

    async def __aenter__(self) -> OpenAIClient:
        import aiohttp

        key = api_key()
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False),
            timeout=aiohttp.ClientTimeout(
                total=self.deadline_s,
                sock_connect=self.options.connect_timeout_s,
                sock_read=self.options.read_timeout_s,
            ),
            headers={"Authorization": f"Bearer {key}"} if key else None,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()

    async def send(self, request: LoadRequest, record: RequestRecord) -> RequestRecord:
        """Stream `request`, filling `record` (its `planned_ns`, `queued_ns` are the caller's).

        Every failure (transport, HTTP status, a malformed or error event, a line or an event
        beyond the SSE caps) is the record's `error`, never an exception: one failed request
        does not stop a window.
        """
        import aiohttp

        url = self.options.base_url + self._path
        body = request_body(
            self.options,
            self._model_name,
            self._eos,
            request.prompt,
            request.max_tokens,
            self.temperature,
            None,
        )
        record.sent_ns = time.perf_counter_ns()
        try:
            async with self._session.post(url, json=body) as response:
                if response.status != 200:
                    text = (await response.text())[:200]
                    raise ServerError(f"POST {url} answered HTTP {response.status}: {text}")
                await self._read(response, record, url, request.max_tokens)
        except ServerError as e:
            record.error = str(e)
        except TimeoutError:
            record.error = str(TrialTimeout(self.deadline_s))
        except (aiohttp.ClientError, ValueError) as e:
            record.error = f"stream from {url} broke: {type(e).__name__}: {str(e)[:200]}"
        record.done_ns = time.perf_counter_ns()
        if record.error is None and not record.chunk_ns:
            record.error = f"{url} streamed no output"
        return record

    async def _read(self, response: Any, record: RequestRecord, url: str, max_tokens: int) -> None:
        """Read the stream until [DONE] or its end; more than `token_cap(max_tokens)` pieces, or
        a line or an event beyond the SSE caps (`SSETooLarge`, a ValueError), is an error."""
        parser = SSEParser()
        async for chunk in response.content.iter_any():
            now = time.perf_counter_ns()
            if self._take(parser.feed(chunk), now, record, url, max_tokens):
                return
        self._take(parser.end(), time.perf_counter_ns(), record, url, max_tokens)

    def _take(
        self, events: list[str], now: int, record: RequestRecord, url: str, max_tokens: int
    ) -> bool:
        """The events whose bytes arrived at `now` (perf_counter ns); True at [DONE]."""
        for data in events:
            if data.strip() == "[DONE]":
                return True
            text, usage = parse_event(data, url, self.options.chat)
            if usage is not None:
                record.usage = usage
            if text:
                record.chunk_ns.append(now)
                if len(record.chunk_ns) > token_cap(max_tokens):
                    raise ServerError(overrun(max_tokens))
        return False
