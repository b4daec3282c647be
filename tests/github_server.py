"""A local GitHub REST API for tests: the endpoints of the vendored OpenAPI subset, with every
request checked against it (headers, path and query parameters, JSON body), and switches for
the faults `mlxguard publish` must survive.

Switches (attributes of `GitHubServer`):
- `read_only`: writes get 403 "Resource not accessible by integration", as a fork's token does.
- `fail_once`: {(method, operationId): "before" | "after"}: the next such request gets a 502;
  "after" applies it first, as a gateway timing out after the write would.
- `secondary_limit_once`: {(method, operationId)}: the next such request gets a secondary rate
  limit (403 with `retry-after: 1`).
- `secondary_limit`: every request gets a secondary rate limit (403 with GitHub's message and
  no `retry-after`), as a persistent limit does.
- `error_body_once`: {(method, operationId): (status, text)}: the next such request gets a
  non-JSON body (an HTML error page, say), which may contain anything, the token included.
- `answers`: {(method, operationId): (status, body, headers)}: every such request gets this
  answer instead of the endpoint's own (a redirect, a `Link` back to the same page, a body of
  an unexpected shape).
- `huge_body`: {(method, operationId): n}: the answer is a JSON list of about `n` bytes, sent
  in chunks as it is made; `bytes_sent` counts what went out before the client hung up.
- `trickle_s`: every response is sent one byte every `trickle_s` seconds, status line included.
- `never_answer`: requests are read and never answered.
- `login`, `user_type`: the token's identity, the author of the comments it writes;
  `installation_token`: `GET /user` gets 403 "Resource not accessible by integration", as the
  Actions `GITHUB_TOKEN` does.
- `race(n)`: the next `n` listings of comments are held until all `n` have arrived, each
  answered with the list as it was on arrival, so `n` jobs all see no comment and all create one.
- `seed_comments(...)`: many existing comments, served in pages with real `Link` headers.

Every violation of the description is recorded in `violations` (and answered 400/401/422), so
a test asserts the client never sent a bad request.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from openapi_schema_validator import OAS30Validator

DATA = Path(__file__).resolve().parent / "data" / "github"
SPECS = (DATA / "openapi-subset.json",)
API_VERSIONS = ("2022-11-28",)
MEDIA_TYPE = "application/vnd.github+json"
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return self.spec["operationId"]


def load_operations(paths: tuple[Path, ...] = SPECS) -> list[Operation]:
    ops = []
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for template, methods in doc["paths"].items():
            regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            for method, spec in methods.items():
                if method != "parameters":
                    pattern = re.compile(f"^{regex}$")
                    ops.append(Operation(method.upper(), template, pattern, spec))
    return ops


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    operation: str | None


@dataclass
class GitHubServer:
    token: str
    read_only: bool = False
    fail_once: dict[tuple[str, str], str] = field(default_factory=dict)
    secondary_limit_once: set[tuple[str, str]] = field(default_factory=set)
    secondary_limit: bool = False
    error_body_once: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = field(default_factory=dict)
    huge_body: dict[tuple[str, str], int] = field(default_factory=dict)
    bytes_sent: int = 0
    trickle_s: float | None = None
    never_answer: bool = False
    login: str = "github-actions[bot]"
    user_type: str = "Bot"
    installation_token: bool = True
    pulls: dict[int, str] = field(default_factory=dict)  # PR number -> head sha
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    _next_id: int = 1000

    def __post_init__(self) -> None:
        self.operations = load_operations()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # shutdown() waits for the loop's next poll: 0.05 s, not the default 0.5 s per test.
        serve = {"poll_interval": 0.05}
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs=serve, daemon=True)
        self.closing = threading.Event()  # ends trickling and never-answering handlers
        self._race: threading.Barrier | None = None
        self._race_left = 0

    def __enter__(self) -> GitHubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def user(self, login: str | None = None, user_type: str | None = None) -> dict[str, Any]:
        """A `user` object as GitHub sends it in a comment (the token's identity by default)."""
        login = login or self.login
        return {
            "login": login,
            "id": 41898282 if login == "github-actions[bot]" else 1000 + len(login),
            "type": user_type or (self.user_type if login == self.login else "User"),
        }

    def new_comment(
        self, issue: int, body: str, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        c = {
            "id": self._next_id,
            "node_id": f"IC_{self._next_id}",
            "url": f"{self.url}/repos/o/r/issues/comments/{self._next_id}",
            "html_url": f"https://github.com/o/r/pull/{issue}#issuecomment-{self._next_id}",
            "body": body,
            "user": user or self.user(),
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "author_association": "NONE",
        }
        self.comments.setdefault(issue, []).append(c)
        return c

    def seed_comments(
        self,
        issue: int,
        count: int,
        marked: dict[int, str] | None = None,
        author: str | None = None,
    ) -> None:
        """`count` comments; `marked` puts a body at given positions (0-based). Written by the
        token's identity unless `author` names another account."""
        user = self.user(author) if author else None
        for i in range(count):
            body = (marked or {}).get(i, f"comment {i}")
            self.new_comment(issue, body, user)

    def race(self, n: int) -> None:
        self._race, self._race_left = threading.Barrier(n), n

    def _join_race(self) -> None:
        with self.lock:
            joining = self._race_left > 0
            self._race_left -= joining
        if joining and self._race is not None:
            self._race.wait(timeout=30)

    def calls(self, operation: str) -> list[Request]:
        return [r for r in self.requests if r.operation == operation]


def _handler(server: GitHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet test output
            pass

        def _send(
            self,
            status: int,
            body: Any = None,
            headers: dict[str, str] | None = None,
            content_type: str = "application/json; charset=utf-8",
        ) -> None:
            if isinstance(body, str):
                data = body.encode()
            else:
                data = b"" if body is None else json.dumps(body).encode()
            head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
            head += [f"Content-Type: {content_type}", f"Content-Length: {len(data)}"]
            head += [f"{k}: {v}" for k, v in (headers or {}).items()]
            raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
            if server.trickle_s is None:
                self.wfile.write(raw)
                return
            for i in range(len(raw)):  # one byte at a time: each read times out afresh
                if server.closing.wait(server.trickle_s):
                    return
                self.wfile.write(raw[i : i + 1])
                self.wfile.flush()

        def _send_huge(self, size: int) -> None:
            """A JSON list of strings, about `size` bytes, made and sent a chunk at a time."""
            chunk = b'"' + b"x" * (2**20 - 4) + b'",'
            count = max(1, size // len(chunk))
            length = 1 + count * len(chunk)  # "[" + chunks, the last comma becoming "]"
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}"
            try:
                self.wfile.write(f"{head}\r\n\r\n[".encode())
                for i in range(count):
                    self.wfile.write(chunk if i < count - 1 else chunk[:-1] + b"]")
                    server.bytes_sent += len(chunk)
            except OSError:  # the client hung up: what it wanted to know
                self.close_connection = True

        def _reject(self, status: int, message: str) -> None:
            server.violations.append(f"{self.command} {self.path}: {message}")
            self._send(status, {"message": message})

        def _handle(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            op, params = None, {}
            for candidate in server.operations:
                m = candidate.pattern.match(split.path)
                if m and candidate.method == self.command:
                    op, params = candidate, m.groupdict()
                    break
            query = parse_qs(split.query)
            with server.lock:
                server.requests.append(
                    Request(
                        self.command,
                        split.path,
                        query,
                        dict(self.headers),
                        body,
                        op.id if op else None,
                    )
                )
            if server.never_answer:
                server.closing.wait()
                self.close_connection = True
                return None
            if op is None:
                return self._reject(404, "no such operation in the OpenAPI subset")
            problem = self._check(op, params, query, body, raw)
            if problem:
                return self._reject(*problem)
            key = (self.command, op.id)
            if key in server.answers:
                return self._send(*server.answers[key])
            if key in server.huge_body:
                return self._send_huge(server.huge_body[key])
            with server.lock:
                if server.secondary_limit:
                    msg = "You have exceeded a secondary rate limit. Please wait a few minutes."
                    return self._send(403, {"message": msg}, {"x-ratelimit-remaining": "4000"})
                if key in server.error_body_once:
                    status, text = server.error_body_once.pop(key)
                    return self._send(status, text, content_type="text/html; charset=utf-8")
                if key in server.secondary_limit_once:
                    server.secondary_limit_once.discard(key)
                    msg = "You have exceeded a secondary rate limit. Please wait a few minutes."
                    return self._send(403, {"message": msg}, {"retry-after": "1"})
                if server.read_only and self.command in WRITE_METHODS:
                    msg = "Resource not accessible by integration"
                    return self._send(403, {"message": msg})
                mode = server.fail_once.pop(key, None)
                if mode == "before":
                    return self._send(502, {"message": "Bad Gateway"})
                status, out, headers = self._apply(op.id, params, query, body)
                if mode == "after":
                    return self._send(502, {"message": "Bad Gateway"})
            if op.id == "issues/list-comments":
                server._join_race()  # answered with the list as it was on arrival
            self._send(status, out, headers)

        def _check(self, op, params, query, body, raw) -> tuple[int, str] | None:
            h = self.headers
            if h.get("Accept") != MEDIA_TYPE:
                return 400, f"Accept must be {MEDIA_TYPE}, got {h.get('Accept')!r}"
            if h.get("X-GitHub-Api-Version") not in API_VERSIONS:
                return 400, f"unsupported X-GitHub-Api-Version {h.get('X-GitHub-Api-Version')!r}"
            if h.get("Authorization") != f"Bearer {server.token}":
                return 401, "Bad credentials"
            for p in op.spec.get("parameters", []):
                where = params if p["in"] == "path" else query
                value = where.get(p["name"])
                if value is None:
                    if p.get("required"):
                        return 422, f"missing {p['in']} parameter {p['name']}"
                    continue
                value = value if isinstance(value, str) else value[-1]
                if p["schema"].get("type") == "integer" and not value.isdigit():
                    return 422, f"{p['name']}={value!r} is not an integer"
            rb = op.spec.get("requestBody")
            if rb is not None:
                if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                    return 415, "request body must be application/json"
                errors = list(
                    OAS30Validator(rb["content"]["application/json"]["schema"]).iter_errors(body)
                )
                if errors:
                    return 422, f"invalid body: {errors[0].message}"
            elif raw:
                return 422, "unexpected request body"
            return None

        def _apply(self, op_id, params, query, body) -> tuple[int, Any, dict[str, str]]:
            if op_id == "issues/list-comments":
                items = server.comments.get(int(params["issue_number"]), [])
                per_page = min(int(query.get("per_page", ["30"])[-1]), 100)
                page = int(query.get("page", ["1"])[-1])
                last = max(1, -(-len(items) // per_page))
                links = {}
                if page > 1:
                    links.update(first=1, prev=page - 1)
                if page < last:
                    links.update(next=page + 1, last=last)
                base = f"{server.url}{urlsplit(self.path).path}"
                link = ", ".join(
                    f'<{base}?{urlencode({"per_page": per_page, "page": n})}>; rel="{rel}"'
                    for rel, n in links.items()
                )
                chunk = items[(page - 1) * per_page : page * per_page]
                return 200, chunk, {"Link": link} if link else {}
            if op_id == "users/get-authenticated":
                if server.installation_token:
                    return 403, {"message": "Resource not accessible by integration"}, {}
                return 200, server.user(), {}
            if op_id == "issues/create-comment":
                return 201, server.new_comment(int(params["issue_number"]), body["body"]), {}
            if op_id in ("issues/update-comment", "issues/delete-comment"):
                cid = int(params["comment_id"])
                for items in server.comments.values():
                    for c in items:
                        if c["id"] == cid:
                            if op_id == "issues/delete-comment":
                                items.remove(c)
                                return 204, None, {}
                            c["body"] = body["body"]
                            c["updated_at"] = "2024-01-02T00:00:00Z"
                            return 200, c, {}
                return 404, {"message": "Not Found"}, {}
            if op_id == "repos/create-commit-status":
                status = {"id": len(server.statuses) + 1, **body}
                server.statuses.setdefault(params["sha"], []).append(status)
                return 201, status, {}
            if op_id == "pulls/get":
                sha = server.pulls.get(int(params["pull_number"]))
                if sha is None:
                    return 404, {"message": "Not Found"}, {}
                return 200, {"number": int(params["pull_number"]), "head": {"sha": sha}}, {}
            return 501, {"message": f"{op_id} is not served by the test server"}, {}

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    return Handler
