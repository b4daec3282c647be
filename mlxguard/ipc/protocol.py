"""The IPC protocol's names and numbers (docs/ipc-protocol.md is the specification)."""

from __future__ import annotations

from typing import Any

PROTOCOL_VERSION = 1

# Requests (client -> worker); each gets exactly one response with the same id.
METHODS = ("load_model", "tokenize", "generate", "echo", "shutdown", "debug.sleep")

# Notifications (worker -> client); they carry no id.
READY = "worker.ready"
CHUNK = "stream.chunk"
STATS = "stream.stats"
EVENT = "stream.event"

# Error codes: JSON-RPC 2.0's reserved range for protocol errors, then mlxguard's own.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
LOAD_FAILED = 1001
NO_MODEL = 1002


def request(msg_id: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"id": msg_id, "method": method, "params": params}


def result(msg_id: Any, value: Any) -> dict[str, Any]:
    return {"id": msg_id, "result": value}


def error(msg_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"id": msg_id, "error": {"code": code, "message": message}}


def notification(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"method": method, "params": params}
