"""The `openai:URL` engine: any OpenAI-compatible server, streamed over server-sent events.

Spec: `openai:http://127.0.0.1:8080/v1`, with options in the URL fragment (never sent to the
server): `openai:http://127.0.0.1:8080/v1#chat=1&model=my-model&nonce=0`. It talks only to
that URL. An API key, if any, comes from `MLXGUARD_OPENAI_API_KEY` or `OPENAI_API_KEY` and is
sent as a bearer token; it is never printed, logged or recorded.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mlxguard.engines import limits
from mlxguard.engines.sse import SSETooLarge, iter_sse_data
from mlxguard.errors import UsageError
from mlxguard.models.files import read_config
from mlxguard.redact import scrub

API_KEY_VARS = ("MLXGUARD_OPENAI_API_KEY", "OPENAI_API_KEY")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
# Enough to quote a server's error without flooding a results file.
_BODY_CHARS = 200
# The most of a whole (not streamed) answer read: a model list, an error page. A server that
# sends more (one without end) is cut there, not read into memory.
MAX_BODY_BYTES = 1 * 2**20


class ServerError(RuntimeError):
    """The server could not be reached, refused the request, or sent a stream we cannot read."""


@dataclass(frozen=True)
class OpenAIOptions:
    """Settings of one `openai:URL` spec (URL fragment keys in brackets).

    Attributes:
        base_url: the API root, e.g. `http://127.0.0.1:8080/v1`.
        model_name: the `model` field sent [model]; None: picked from GET /models at load.
        chat: use /chat/completions with one user message instead of /completions [chat].
        nonce: prefix each prompt with a short unique tag, so no prompt cache can match [nonce].
            Off by default: every engine of a comparison must receive the same tokens.
        ignore_eos: ask the server not to stop at end-of-sequence [ignore_eos].
        connect_timeout_s: seconds to open a connection [connect_timeout].
        read_timeout_s: longest silence allowed between two chunks, in seconds [read_timeout].
    """

    base_url: str
    model_name: str | None = None
    chat: bool = False
    nonce: bool = False
    ignore_eos: bool = True
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 120.0


_FRAGMENT_KEYS = {
    "model": "model_name",
    "chat": "chat",
    "nonce": "nonce",
    "ignore_eos": "ignore_eos",
    "connect_timeout": "connect_timeout_s",
    "read_timeout": "read_timeout_s",
}


def _flag(spec: str, key: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise UsageError(f"engine '{spec}': option '{key}' must be 1 or 0, not '{value}'")


def _seconds(spec: str, key: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise UsageError(f"engine '{spec}': option '{key}' must be seconds in (0, 3600]")
    return seconds


def parse_spec(spec: str) -> OpenAIOptions:
    """Validate `openai:URL[#key=value&...]` before anything runs.

    Raises:
        UsageError: not http(s), no host, credentials in the URL, an unknown or bad option.
    """
    url, _, fragment = spec.removeprefix("openai:").partition("#")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"engine '{spec}': expected openai:http://HOST:PORT/v1 (an http or https URL)"
        )
    if parts.username or parts.password:
        raise UsageError(
            f"engine spec has credentials in its URL; put the key in {API_KEY_VARS[0]} instead"
        )
    if parts.query:
        raise UsageError(f"engine '{spec}': put options after '#', not '?'")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UsageError(f"engine '{spec}': bad port in the URL") from None
    options: dict[str, Any] = {"base_url": url.rstrip("/")}
    for key, value in parse_qsl(fragment, keep_blank_values=True):
        field = _FRAGMENT_KEYS.get(key)
        if field is None:
            raise UsageError(
                f"engine '{spec}': unknown option '{key}'; known: {', '.join(_FRAGMENT_KEYS)}"
            )
        if field == "model_name":
            options[field] = value or None
        elif field.endswith("_s"):
            options[field] = _seconds(spec, key, value)
        else:
            options[field] = _flag(spec, key, value)
    return OpenAIOptions(**options)


def check_reachable(spec: str) -> None:
    """Refuse a server that nothing answers at, before any trial (a TCP connection, no request).

    Without it every trial fails, and the run reports a performance failure of a server that
    was never there.

    Raises:
        UsageError: the spec is malformed, or no connection opens within its connect timeout.
    """
    options = parse_spec(spec)
    parts = urlsplit(options.base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), options.connect_timeout_s).close()
    except OSError as e:
        why = e.strerror or type(e).__name__
        raise UsageError(
            f"engine '{spec}': nothing answers at {parts.hostname}:{port} ({why}); start the "
            "server first, or fix the URL"
        ) from None


def _cause(exc: BaseException) -> str:
    """A short reason for a transport failure, found anywhere in the exception chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, TimeoutError):
            return "timed out"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:_BODY_CHARS]}" if text else type(exc).__name__


def api_key() -> str | None:
    return next((os.environ[v] for v in API_KEY_VARS if os.environ.get(v)), None)


def _snippet(text: str) -> str:
    """One line of a server's text, cut; an API key it echoes is redacted before the cut."""
    return scrub(" ".join(text.split()), [api_key()], _BODY_CHARS)


class OpenAIEngine:
    """An OpenAI-compatible server. Yields the text of each streamed chunk as it arrives.

    After each request, `last_usage` holds the server's own token counts when it reported them
    (`prompt_tokens`, `completion_tokens`, `cached_tokens`); the runner records them.
    """

    def __init__(self, options: OpenAIOptions) -> None:
        self.options = options
        self.name = f"openai:{options.base_url}"
        self.model_name: str | None = options.model_name
        self.last_usage: dict[str, int] | None = None
        self._eos: list[int] = []
        self._session: Any = None

    # -- transport -------------------------------------------------------------------------

    def _open(self) -> Any:
        import requests

        session = requests.Session()
        key = api_key()
        if key:
            session.headers["Authorization"] = f"Bearer {key}"
        return session

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; any transport failure or non-2xx becomes a one-line ServerError."""
        import requests

        url = self.options.base_url + path
        timeout = (self.options.connect_timeout_s, self.options.read_timeout_s)
        left = limits.remaining()  # no wait beyond the trial's deadline
        if left is not None:
            timeout = (min(timeout[0], max(left, 0.001)), min(timeout[1], max(left, 0.001)))
        try:
            # Streamed, so that no body is read whole: see `_capped_body`.
            response = self._session.request(method, url, timeout=timeout, stream=True, **kwargs)
        except requests.RequestException as e:
            limits.check()  # a timeout at the trial's deadline is the deadline's
            raise ServerError(f"cannot reach {url}: {_cause(e)}") from None
        if not 200 <= response.status_code < 300:
            body = _snippet(_capped_body(response, url).decode("utf-8", "replace"))
            raise ServerError(f"{method} {url} answered HTTP {response.status_code}: {body}")
        return response

    # -- protocol --------------------------------------------------------------------------

    def load(self, model: str) -> None:
        """Check that the server answers and choose the `model` name to send.

        The server loads its own model; `model` (a local directory) only helps pick the name
        and the end-of-sequence ids. Without a `model` option, the id from GET /models that
        is this path or ends with its directory name wins, then the only id listed; otherwise
        the field is left out and the server uses its default model.

        Raises:
            ServerError: the server is unreachable or GET /models fails.
        """
        self._session = self._session or self._open()
        response = self._request("GET", "/models")
        body = _capped_body(response, self.options.base_url + "/models", strict=True)
        try:
            listed = [m["id"] for m in json.loads(body).get("data", []) if isinstance(m, dict)]
        except (ValueError, RecursionError, AttributeError, KeyError, TypeError):
            listed = []  # nested past the parser's depth included: no list to pick from
        if self.model_name is None:
            path = Path(model)
            matches = [
                i for i in listed if i == model or Path(i).name == path.name or i == path.name
            ]
            pick = matches or (listed if len(listed) == 1 else [])
            self.model_name = pick[0] if pick else None
        self._eos = eos_ids(model) if self.options.ignore_eos else []

    def _body(self, prompt: str, max_tokens: int, temperature: float, seed: int | None) -> dict:
        if self.options.nonce:
            prompt = f"[{uuid.uuid4().hex[:8]}] {prompt}"
        return request_body(
            self.options, self.model_name, self._eos, prompt, max_tokens, temperature, seed
        )

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[str]:
        """Stream one request; yield each non-empty text chunk as soon as its event ends.

        Raises:
            ServerError: transport failure, non-2xx, a bad JSON data line, or an error event.
        """
        import urllib3

        if self._session is None:
            raise RuntimeError("generate() before load()")
        self.last_usage = None
        path = "/chat/completions" if self.options.chat else "/completions"
        body = self._body(prompt, max_tokens, temperature, seed)
        response = self._request("POST", path, json=body)
        url = self.options.base_url + path
        try:
            for data in iter_sse_data(self._chunks(response.raw)):
                if data.strip() == "[DONE]":
                    return
                text = self._parse_event(data, url)
                if text:
                    yield text
        except SSETooLarge as e:
            raise ServerError(f"malformed stream from {url}: {e}") from None
        except (urllib3.exceptions.HTTPError, OSError) as e:
            limits.check()
            raise ServerError(f"stream from {url} broke: {_cause(e)}") from None
        finally:
            response.close()

    @staticmethod
    def _chunks(raw: Any) -> Iterator[bytes]:
        # read1 returns whatever has arrived; read(n) or iter_content would wait for n bytes.
        # The read timeout restarts with every byte, so a server sending `: keepalive` forever
        # would never time out: the trial's deadline is checked at each read too.
        while chunk := raw.read1(65536):
            limits.check()
            yield chunk

    def _parse_event(self, data: str, url: str) -> str:
        text, usage = parse_event(data, url, self.options.chat)
        if usage is not None:
            self.last_usage = usage
        return text

    def info(self) -> dict[str, Any]:
        """Settings recorded in the results (never the API key, only whether one was sent)."""
        settings = asdict(self.options)
        settings["model_name"] = self.model_name
        settings["api_key"] = any(os.environ.get(v) for v in API_KEY_VARS)
        return settings

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def request_body(
    options: OpenAIOptions,
    model_name: str | None,
    eos: list[int],
    prompt: str,
    max_tokens: int,
    temperature: float,
    seed: int | None,
) -> dict[str, Any]:
    """The JSON body of one streamed completion request (usage asked for in the last event).

    `eos` ids are biased away when `options.ignore_eos` (mlx_lm.server has no `ignore_eos`).
    """
    body: dict[str, Any] = {
        "max_tokens": max_tokens,
        "temperature": float(temperature),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if options.chat:
        body["messages"] = [{"role": "user", "content": prompt}]
    else:
        body["prompt"] = prompt
    if model_name:
        body["model"] = model_name
    if seed is not None:
        body["seed"] = seed
    if options.ignore_eos:
        # vLLM and llama.cpp honour ignore_eos; others (mlx_lm.server) take a logit bias.
        body["ignore_eos"] = True
        if eos:
            body["logit_bias"] = {str(i): -100 for i in eos}
    return body


def parse_event(data: str, url: str, chat: bool) -> tuple[str, dict[str, int] | None]:
    """The text and the usage counts (None: not in this event) of one streamed event.

    Raises:
        ServerError: a bad JSON data line, data that is not an object, or an error event.
    """
    try:
        event = json.loads(data)
    except (ValueError, RecursionError):  # nested past the parser's depth: no more readable
        raise ServerError(
            f"malformed stream from {url}: bad JSON in data line: {_snippet(data)}"
        ) from None
    if not isinstance(event, dict):
        raise ServerError(f"malformed stream from {url}: data is not an object")
    if event.get("error"):
        raise ServerError(f"{url} sent an error event: {_snippet(json.dumps(event['error']))}")
    usage = event.get("usage")
    counts = _usage(usage) if isinstance(usage, dict) else None
    choices = event.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return "", counts
    choice = choices[0]
    if chat:
        return (choice.get("delta") or {}).get("content") or "", counts
    return choice.get("text") or "", counts


def eos_ids(model_dir: str) -> list[int]:
    """End-of-sequence ids from a local model's config, to bias away when EOS is ignored."""
    ids: set[int] = set()
    for name in ("config.json", "generation_config.json"):
        value = read_config(model_dir, name).get("eos_token_id")
        values = value if isinstance(value, list) else [value]
        ids.update(v for v in values if isinstance(v, int))
    return sorted(ids)


def _capped_body(response: Any, url: str, *, strict: bool = False) -> bytes:
    """At most MAX_BODY_BYTES of a response's body, and the response closed.

    Raises:
        ServerError: with `strict`, a body larger than that (it cannot be parsed cut).
    """
    import requests
    import urllib3

    try:
        data = response.raw.read(MAX_BODY_BYTES + 1, decode_content=True) or b""
    except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as e:
        limits.check()
        raise ServerError(f"answer from {url} broke: {_cause(e)}") from None
    finally:
        response.close()
    if len(data) > MAX_BODY_BYTES:
        if strict:
            raise ServerError(f"answer from {url} is larger than {MAX_BODY_BYTES} bytes")
        data = data[:MAX_BODY_BYTES]
    return bytes(data)


def _usage(usage: dict[str, Any]) -> dict[str, int]:
    out = {
        k: usage[k] for k in ("prompt_tokens", "completion_tokens") if isinstance(usage.get(k), int)
    }
    details = usage.get("prompt_tokens_details")
    if isinstance(details, dict) and isinstance(details.get("cached_tokens"), int):
        out["cached_tokens"] = details["cached_tokens"]
    return out
